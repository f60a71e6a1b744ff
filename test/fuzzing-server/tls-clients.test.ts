/**
 * Testing clients over TLS, end to end through the built CLI: `test-client --tls` against real TLS
 * stacks nobody here wrote (the `ws` client on node:tls, Python websockets on the ssl module), the
 * tls.* cases passed by clients that verify certificates and failed by ones that do not, and the
 * bad input a TLS port gets.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allCases } from '../../cases/index.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import type { CaseResult, RunMeta } from '../../runner/engine/results.js';
import { startFuzzingServer } from '../../runner/fuzzing-server/server.js';
import { certificateHosts, createCertificateAuthority } from '../../runner/tls/certs.js';
import { behaviorById, resultsIn, runCli } from '../support/cli-run.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const wsClient = `node ${join(root, 'test/fixtures/ws-autobahn-client.mjs')} {url} {agent} 1`;
const tmp = (): string => mkdtempSync(join(tmpdir(), 'wsconform-tls-'));
const tlsIds = allCases.filter((c) => c.tls).map((c) => c.id);

const results = (dir: string): CaseResult[] => resultsIn(join(dir, 'out'));

const verdicts = behaviorById;

describe('testing clients over TLS (test-client --tls)', function () {
  this.timeout(120_000);

  it('the ws client trusting {ca}: section 1 over wss:// and every tls.* case pass; the report says the transport; only ca.pem is written', async () => {
    const dir = tmp();
    const r = await runCli(['test-client', '--tls', '--port', '0', '--cases', '1.*,tls.*', '--outdir', 'out', '--command', `${wsClient} --ca {ca}`], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Fuzzing server on wss:\/\/127\.0\.0\.1:\d+/);
    const rs = results(dir);
    assert.equal(rs.filter((x) => x.id.startsWith('1.')).length, 16);
    assert.deepEqual(
      rs.filter((x) => x.behavior !== 'OK').map((x) => `${x.id}: ${x.result}`),
      [],
    );
    assert.deepEqual(
      rs.filter((x) => x.id.startsWith('tls.')).map((x) => x.id),
      tlsIds,
    );
    assert.match(rs.find((x) => x.id === 'tls.untrusted-ca')!.result, /^The client refused the certificate/);
    assert.match(rs.find((x) => x.id === 'tls.sni')!.result, /^The client sent SNI "localhost"/);
    const meta = JSON.parse(readFileSync(join(dir, 'out/run.json'), 'utf8')) as RunMeta;
    const transport = meta.agents.find((a) => a.name === 'client')!.tls!;
    assert.match(transport.protocol, /^TLSv1\.[23]$/);
    assert.match(transport.certificate!.subject, /CN=127\.0\.0\.1/);
    assert.match(readFileSync(join(dir, 'out/index.html'), 'utf8'), /TLSv1\.[23] TLS_[A-Z0-9_]+(, SNI [^,]+)?, certificate CN&#x3D;127\.0\.0\.1/);
    // The CA certificate and nothing secret: no key in any file of the outdir.
    assert.match(readFileSync(join(dir, 'out/ca.pem'), 'utf8'), /^-----BEGIN CERTIFICATE-----/);
    for (const f of readdirSync(join(dir, 'out'))) assert.doesNotMatch(readFileSync(join(dir, 'out', f), 'utf8'), /PRIVATE KEY/, f);
  });

  it('the ws client with rejectUnauthorized: false fails every case that presents a bad certificate', async () => {
    const dir = tmp();
    const r = await runCli(['test-client', '--tls', '--port', '0', '--cases', 'tls.*', '--outdir', 'out', '--command', `${wsClient} --insecure`], dir);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.deepEqual(verdicts(results(dir)), {
      'tls.untrusted-ca': 'FAILED',
      'tls.wrong-host': 'FAILED',
      'tls.expired': 'FAILED',
      'tls.self-signed': 'FAILED',
      'tls.sni': 'OK',
      'tls.no-plain-fallback': 'FAILED',
    });
    assert.match(results(dir)[0]!.result, /opened a WebSocket over a certificate it must refuse/);
  });

  it('a client that retries ws:// after a failed wss:// fails tls.no-plain-fallback, and the TLS port says why', async () => {
    const dir = tmp();
    const command = `node ${join(root, 'test/fixtures/ws-fallback-client.mjs')} {url} {agent} {ca}`;
    const r = await runCli(['test-client', '--tls', '--port', '0', '--cases', 'tls.untrusted-ca,tls.no-plain-fallback', '--outdir', 'out', '--command', command], dir);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const rs = results(dir);
    assert.deepEqual(verdicts(rs), { 'tls.untrusted-ca': 'OK', 'tls.no-plain-fallback': 'FAILED' });
    assert.match(rs[1]!.result, /fell back to plain TCP on the wss:\/\/ port: sent plain HTTP/);
    assert.match(r.stderr, /sent plain HTTP to the TLS port/);
  });

  it('Python websockets with an ssl context trusting {ca}: the wss:// cases and every tls.* case pass', async () => {
    const dir = tmp();
    const command = `/usr/bin/python3 ${join(root, 'test/fixtures/websockets-tls-client.py')} {url} {agent} {ca}`;
    const r = await runCli(['test-client', '--tls', '--port', '0', '--cases', '1.1.*,5.1,tls.*', '--outdir', 'out', '--command', command], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const rs = results(dir);
    assert.equal(rs.length, 8 + 1 + tlsIds.length);
    assert.deepEqual(
      rs.filter((x) => x.behavior !== 'OK').map((x) => x.id),
      [],
    );
  });

  it("--cert and --key: the user's certificate, and {ca} left to the user", async () => {
    const dir = tmp();
    const ca = createCertificateAuthority('my CA');
    const leaf = ca.issue(certificateHosts('127.0.0.1'));
    writeFileSync(join(dir, 'my-ca.pem'), ca.cert);
    writeFileSync(join(dir, 'server.crt'), leaf.cert);
    writeFileSync(join(dir, 'server.key'), leaf.key);
    const r = await runCli(
      ['test-client', '--tls', '--cert', 'server.crt', '--key', 'server.key', '--port', '0', '--cases', '1.1.1', '--outdir', 'out', '--command', `${wsClient} --ca my-ca.pem`],
      dir,
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const meta = JSON.parse(readFileSync(join(dir, 'out/run.json'), 'utf8')) as RunMeta;
    assert.deepEqual(meta.options.tls, { certificate: 'CN=127.0.0.1, O=wsconform test certificates', source: 'given' });
    assert.deepEqual(
      readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.pem')),
      [],
    );
  });

  it('refuses tls.* cases without --tls and --command, and --cert without --key, as usage errors', async () => {
    const dir = tmp();
    const noTls = await runCli(['test-client', '--cases', 'tls.*', '--command', 'true'], dir);
    assert.equal(noTls.code, 2);
    assert.match(noTls.stderr, /the tls\.\* cases run only with --tls and --command/);
    const half = await runCli(['test-client', '--tls', '--cert', 'x.pem', '--command', 'true'], dir);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--cert and --key go together/);
    const badFile = await runCli(['test-client', '--tls', '--cert', 'nope.pem', '--key', 'nope.key', '--command', 'true'], dir);
    assert.equal(badFile.code, 2);
    assert.match(badFile.stderr, /cannot read the certificate nope\.pem: ENOENT/);
  });
});

describe('the fuzzing server over TLS: bad input', function () {
  this.timeout(20_000);
  const ca = createCertificateAuthority();

  async function tlsServer(lines: string[], openHandshakeTimeoutMs = 5000) {
    return startFuzzingServer({
      port: 0,
      cases: allCases.filter((c) => c.id === '1.1.1'),
      session: defaultSessionOptions,
      openHandshakeTimeoutMs,
      tls: ca.issue(['127.0.0.1']),
      log: (l) => lines.push(l),
    });
  }

  /** Connects, writes `bytes`, and resolves with how long the server took to close the connection. */
  function closedAfter(port: number, bytes: string | null): Promise<number> {
    const t0 = Date.now();
    return new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        if (bytes !== null) s.write(bytes);
      });
      s.on('error', () => undefined);
      s.on('close', () => resolve(Date.now() - t0));
      s.resume();
    });
  }

  it('a client speaking plain HTTP to the TLS port gets a clear log line and is closed at once', async () => {
    const lines: string[] = [];
    const server = await tlsServer(lines);
    try {
      assert.match(server.url, /^wss:\/\//);
      const ms = await closedAfter(server.port, 'GET /getCaseCount HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n');
      assert.ok(ms < 2000, `${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(
        lines.some((l) => /127\.0\.0\.1:\d+: sent plain HTTP to the TLS port \(a ws:\/\/ client on a wss:\/\/ server\?\): connection closed/.test(l)),
        lines.join('\n'),
      );
      assert.equal(server.tlsConnections()[0]!.outcome, 'plain');
    } finally {
      await server.close();
    }
  });

  it('a client that stalls in the TLS handshake is closed after the opening-handshake time limit', async () => {
    const lines: string[] = [];
    const server = await tlsServer(lines, 500);
    try {
      const ms = await closedAfter(server.port, null);
      assert.ok(ms >= 400 && ms < 3000, `${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(
        lines.some((l) => /did not complete the TLS handshake within 500 ms/.test(l)),
        lines.join('\n'),
      );
    } finally {
      await server.close();
    }
  });

  it('an address that is not TLS at all is said to be so', async () => {
    const lines: string[] = [];
    const server = await tlsServer(lines);
    try {
      await closedAfter(server.port, '\x00\x01\x02\x03\x04\x05\x06\x07');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(
        lines.some((l) => /not TLS|plain HTTP|TLS handshake failed/.test(l)),
        lines.join('\n'),
      );
    } finally {
      await server.close();
    }
  });
});
