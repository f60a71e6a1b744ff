/**
 * Browsers over TLS without a browser: which cases a run selects and an engine can be asked, the
 * NON-STRICT second choices of the api.tls.* cases, the run's certificates (only the CA reaches
 * the disk), and the page and api.* servers over TLS, driven by the `ws` client and node:https.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import WebSocket from 'ws';
import { browserApiCases, caseById } from '../../cases/index.js';
import { TEST_HOST_NAME } from '../../cases/browser-api-types.js';
import { browserHosts, browserRunTls, browserTransport } from '../../runner/app/commands/browser-tls.js';
import { startApiServers } from '../../runner/browser/api-server.js';
import { startPageServer } from '../../runner/browser/page-server.js';
import { transportText } from '../../reports/transport.js';
import { apiCasesFor, notCheckable, servedPlain, type EngineTrust } from '../../runner/browser/tls.js';
import { judgeApi } from '../../runner/engine/verdicts/browser-api.js';
import { tmp } from './support.js';

const trusting: EngineTrust = { how: 'the CA in a database', acceptsAnyCertificate: false, resolvesTestHostName: true };
const anyCert: EngineTrust = { how: 'accepting any certificate: a browser elsewhere (acceptInsecureCerts)', acceptsAnyCertificate: true, resolvesTestHostName: false };
const checkOf = (id: string): Parameters<typeof judgeApi>[0] => {
  const def = caseById(id)!;
  if (def.expect.kind !== 'browser-api') throw new TypeError(id);
  return def.expect.check;
};
const noWire = { connections: 0, requestHeaders: {}, messages: [], messagesAfterClose: 0, closeFrames: [] };

describe('browsers over TLS: the cases', () => {
  it('selects the api.tls.* cases only over TLS', () => {
    const plain = apiCasesFor(browserApiCases, { tls: false }).map((c) => c.id);
    const tls = apiCasesFor(browserApiCases, { tls: true }).map((c) => c.id);
    assert.ok(!plain.some((id) => id.startsWith('api.tls.')));
    assert.deepEqual(
      tls.filter((id) => id.startsWith('api.tls.')),
      ['api.tls.untrusted-certificate', 'api.tls.mixed-content', 'api.tls.mixed-content-loopback', 'api.tls.https-scheme'],
    );
    assert.equal(tls.length, plain.length + 4);
  });

  it('does not ask an engine that accepts any certificate, or cannot resolve the test host name, and says why', () => {
    const untrusted = caseById('api.tls.untrusted-certificate')!;
    const mixed = caseById('api.tls.mixed-content')!;
    assert.match(notCheckable(untrusted, anyCert) ?? '', /^this engine was launched accepting any certificate: a browser elsewhere/);
    assert.match(notCheckable(mixed, anyCert) ?? '', /cannot be told to resolve the test host name/);
    assert.equal(notCheckable(untrusted, trusting), null);
    assert.equal(notCheckable(mixed, trusting), null);
    assert.equal(notCheckable(caseById('api.tls.https-scheme')!, anyCert), null);
    assert.equal(notCheckable(caseById('api.close.code.1000')!, undefined), null);
  });

  it('serves mixed-content cases and the http: form of a URL plain, everything else over TLS', () => {
    assert.equal(servedPlain(caseById('api.tls.mixed-content')!), true);
    assert.equal(servedPlain(caseById('api.tls.mixed-content-loopback')!), true);
    assert.equal(servedPlain(caseById('api.constructor.http-scheme')!), true);
    assert.equal(servedPlain(caseById('api.tls.untrusted-certificate')!), false);
    assert.equal(servedPlain(caseById('api.close.code.1000')!), false);
  });

  it('grades a refused certificate: 1006 OK, 1015 NON-STRICT, an open FAILED', () => {
    const c = checkOf('api.tls.untrusted-certificate');
    assert.equal(judgeApi(c, ['error', 'close 1006 "" not clean'], noWire).behavior, 'OK');
    const v = judgeApi(c, ['error', 'close 1015 "" not clean'], noWire);
    assert.equal(v.behavior, 'NON-STRICT');
    assert.match(v.result, /RFC 6455 §7\.4\.1/);
    const opened = judgeApi(c, ['open', 'close 1000 "" clean'], { ...noWire, connections: 1 });
    assert.equal(opened.behavior, 'FAILED');
    assert.equal(opened.behaviorClose, 'FAILED');
  });

  it('grades mixed content: error and close OK, SecurityError NON-STRICT, a connection FAILED', () => {
    const c = checkOf('api.tls.mixed-content');
    assert.equal(judgeApi(c, ['error', 'close 1006 "" not clean'], noWire).behavior, 'OK');
    const thrown = judgeApi(c, ['new WebSocket → SecurityError', '(no close event)'], noWire);
    assert.equal(thrown.behavior, 'NON-STRICT');
    assert.match(thrown.result, /not with an exception/);
    assert.equal(judgeApi(c, ['new WebSocket → SyntaxError', '(no close event)'], noWire).behavior, 'FAILED');
    assert.equal(judgeApi(c, ['open', 'close 1000 "" clean'], { ...noWire, connections: 1 }).behaviorClose, 'FAILED');
  });
});

describe('browsers over TLS: the certificates and the servers', function () {
  this.timeout(20_000);
  const outdir = tmp();
  const run = browserRunTls({ publicHost: '127.0.0.1', outdir });

  it('writes the CA certificate and nothing else; its certificate is for every host the page names', () => {
    assert.deepEqual(readdirSync(outdir), ['ca.pem']);
    assert.equal(readFileSync(join(outdir, 'ca.pem'), 'utf8'), run.tls.trust.pem);
    assert.doesNotMatch(run.tls.trust.pem, /PRIVATE KEY/);
    const leaf = new X509Certificate(run.tls.serving.cert);
    assert.ok(leaf.verify(new X509Certificate(run.tls.trust.pem).publicKey), 'the leaf is signed by the CA');
    for (const ip of ['127.0.0.1', '127.0.0.9', '127.0.0.16', '::1']) assert.equal(leaf.checkIP(ip), ip);
    assert.equal(leaf.checkHost(TEST_HOST_NAME), TEST_HOST_NAME);
    assert.deepEqual(run.tls.hosts, browserHosts('127.0.0.1'));
    const untrusted = new X509Certificate(run.tls.untrusted.cert);
    assert.ok(!untrusted.verify(new X509Certificate(run.tls.trust.pem).publicKey), 'the untrusted leaf is not signed by the run CA');
  });

  it("reports an engine's transport with how it trusted the certificate, and an engine that accepts any as unverified", () => {
    const text = transportText(browserTransport(run, { trust: trusting, protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' }));
    assert.match(text, /^TLSv1\.3 TLS_AES_256_GCM_SHA384, certificate CN=127\.0\.0\.1, .* issued by CN=wsconform throw-away CA.*; trusted by the CA in a database$/);
    const any = browserTransport(run, { trust: anyCert });
    assert.equal(any.verified, false);
    assert.match(transportText(any), /verification off; trusted by accepting any certificate: a browser elsewhere/);
  });

  it('refuses --cert without --key, and trusts a given certificate as itself', () => {
    assert.throws(() => browserRunTls({ publicHost: '127.0.0.1', outdir, cert: 'x.pem' }), /--cert and --key go together/);
    const dir = tmp();
    writeFileSync(join(dir, 'c.pem'), run.tls.serving.cert);
    writeFileSync(join(dir, 'k.pem'), run.tls.serving.key);
    const given = browserRunTls({ publicHost: '127.0.0.1', outdir: join(dir, 'out'), cert: join(dir, 'c.pem'), key: join(dir, 'k.pem') });
    assert.equal(given.caFile, null);
    assert.deepEqual(given.tls.trust, { pem: run.tls.serving.cert, kind: 'certificate' });
  });

  it('serves the page over https:// and says what the connection negotiated', async () => {
    const pages = await startPageServer(undefined, run.tls.serving);
    try {
      assert.match(pages.origin, /^https:\/\/127\.0\.0\.1:\d+$/);
      const status = await new Promise<number>((resolve, reject) =>
        https.get(`${pages.origin}/client.js`, { ca: run.tls.trust.pem }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject),
      );
      assert.equal(status, 200);
      assert.match(pages.negotiated()?.protocol ?? '', /^TLSv1\.[23]$/);
    } finally {
      await pages.close();
    }
  });

  it('serves api.* cases over wss:// with the run certificate, api.tls.untrusted-certificate with another CA, mixed content plain', async () => {
    const ids = ['api.close.code.1000', 'api.tls.untrusted-certificate', 'api.tls.mixed-content', 'api.tls.mixed-content-loopback'];
    const s = await startApiServers(
      ids.map((id) => caseById(id)!),
      undefined,
      run.tls,
    );
    const open = (url: string, o: WebSocket.ClientOptions): Promise<string> =>
      new Promise((resolve) => {
        const ws = new WebSocket(url, o);
        ws.once('open', () => (ws.terminate(), resolve('open')));
        ws.once('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? e.message));
      });
    try {
      assert.match(s.url('api.close.code.1000'), /^wss:\/\/127\.0\.0\.1:\d+\/api\.close\.code\.1000$/);
      assert.match(s.url('api.tls.untrusted-certificate'), /^wss:\/\//);
      assert.match(s.url('api.tls.mixed-content'), new RegExp(`^ws://${TEST_HOST_NAME.replace(/\./g, '\\.')}:\\d+/api\\.tls\\.mixed-content$`));
      assert.match(s.url('api.tls.mixed-content-loopback'), /^ws:\/\/127\.0\.0\.4:\d+\//);
      assert.equal(await open(s.url('api.close.code.1000'), { ca: run.tls.trust.pem }), 'open');
      assert.equal(await open(s.url('api.tls.untrusted-certificate'), { ca: run.tls.trust.pem }), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      const rec = s.record('api.tls.untrusted-certificate');
      // The client's alert reaches the server a moment after the client gave up.
      for (let i = 0; i < 40 && rec.wirelog.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal(rec.connections, 0);
      assert.ok(
        rec.wirelog.some((e) => /TLS: .*refused the TLS handshake|TLS: .*closed the connection during the TLS handshake/.test(JSON.stringify(e))),
        JSON.stringify(rec.wirelog),
      );
      // The mixed-content server is plain, on 127.0.0.1 (where the engine resolves the test host name).
      const port = s.url('api.tls.mixed-content').split(':')[2]!.split('/')[0]!;
      assert.equal(await open(`ws://127.0.0.1:${port}/api.tls.mixed-content`, {}), 'open');
    } finally {
      await s.close();
    }
  });
});
