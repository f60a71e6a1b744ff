/**
 * test-server and the wstest spec path over TLS, through the built CLI: real TLS servers nobody
 * here wrote (the ws server on https.createServer, Python websockets with an ssl context) pass as
 * they do over ws://; every certificate a client must refuse, and every server that breaks TLS, is
 * one line naming the cause and exit 2, never a stack trace or a hang.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testServer } from '../../runner/app/api.js';
import type { RunMeta } from '../../runner/engine/results.js';
import { startEchoServer } from '../../runner/targets/echo-server.js';
import { runCli } from '../support/cli-run.js';
import { makeTestCerts, type CertFiles, type TestCerts } from '../support/tls-certs.js';
import { alertingTlsServer, plainHttpOnTlsPort, stallingTlsHandshake, startPythonWssEcho, startWssEcho, type TlsTarget } from '../support/tls-servers.js';

const verdictsIn = (outdir: string): Record<string, string> =>
  Object.fromEntries(
    readFileSync(join(outdir, 'results.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id: string; behavior: string; behaviorClose: string })
      .map((r) => [r.id, `${r.behavior}/${r.behaviorClose}`]),
  );
const metaIn = (outdir: string): RunMeta => JSON.parse(readFileSync(join(outdir, 'run.json'), 'utf8')) as RunMeta;

/** One line on stderr, no stack trace. */
function assertOneLineError(stderr: string, cause: RegExp): void {
  assert.match(stderr, cause);
  assert.doesNotMatch(stderr, /\n\s+at /, stderr);
}

describe('test-server over TLS (CLI)', function () {
  this.timeout(60_000);
  let certs: TestCerts;
  let dir: string;
  before(() => {
    certs = makeTestCerts();
    dir = mkdtempSync(join(certs.dir, 'runs-'));
  });
  after(() => certs?.remove());
  let n = 0;
  const outdir = (): string => join(dir, `out-${++n}`);

  async function withServer<T>(cert: (c: TestCerts) => CertFiles, body: (s: TlsTarget) => Promise<T>): Promise<T> {
    const s = await startWssEcho(cert(certs));
    try {
      return await body(s);
    } finally {
      await s.close();
    }
  }

  it('the ws server on https.createServer, sections 1-2 with --ca: the verdicts it gets over ws://, exit 0', () =>
    withServer(
      (c) => c.good,
      async (s) => {
        const out = outdir();
        const r = await runCli(['test-server', s.url, '--cases', '1.*,2.*', '--ca', certs.ca, '--outdir', out], dir);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /over TLS: TLSv1\.[23] \S+, certificate CN=localhost issued by CN=wsconform test CA/);
        const plain = await startEchoServer();
        try {
          const overWs = await testServer({ url: `ws://127.0.0.1:${plain.port}`, cases: ['1.*', '2.*'] });
          assert.deepEqual(verdictsIn(out), Object.fromEntries(overWs.results.map((x) => [x.id, `${x.behavior}/${x.behaviorClose}`])));
        } finally {
          await plain.close();
        }
        const agent = metaIn(out).agents[0]!;
        assert.equal(agent.tls?.verified, true);
        assert.equal(agent.tls?.certificate?.subject, 'CN=localhost');
      },
    ));

  it('Python websockets with an ssl context: sections 1.1 and 2 pass over wss://', async () => {
    const s = await startPythonWssEcho(certs.good);
    try {
      const out = outdir();
      const r = await runCli(['test-server', s.url, '--cases', '1.1.*,2.*', '--ca', certs.ca, '--outdir', out], dir);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const v = verdictsIn(out);
      assert.ok(Object.keys(v).length >= 18);
      assert.deepEqual(
        Object.entries(v).filter(([, x]) => x.startsWith('FAILED')),
        [],
      );
      assert.match(metaIn(out).agents[0]!.name, /websockets/);
    } finally {
      await s.close();
    }
  });

  it('--insecure: runs against a self-signed certificate and says verification was off, in the summary and the report', () =>
    withServer(
      (c) => c.selfSigned,
      async (s) => {
        const out = outdir();
        const r = await runCli(['test-server', s.url, '--cases', '1.1.1', '--insecure', '--outdir', out], dir);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /warning: --insecure: the server's certificate is not verified/);
        assert.match(r.stdout, /verification off \(verification would have refused it: DEPTH_ZERO_SELF_SIGNED_CERT\)/);
        const html = readFileSync(join(out, 'index.html'), 'utf8');
        assert.match(html, /over TLS, certificate verification off/);
        assert.equal(metaIn(out).agents[0]!.tls?.verified, false);
      },
    ));

  it('--servername: the certificate is checked against the name given, not the IP address of the URL', () =>
    withServer(
      (c) => c.otherName,
      async (s) => {
        const out = outdir();
        const r = await runCli(['test-server', s.url, '--cases', '1.1.1', '--ca', certs.ca, '--servername', 'other.example', '--outdir', out], dir);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /SNI other\.example/);
      },
    ));

  const refused: Array<[string, (c: TestCerts) => CertFiles, RegExp]> = [
    ['an expired certificate', (c) => c.expired, /the server's certificate has expired \(CERT_HAS_EXPIRED\)/],
    ['an unknown issuer', (c) => c.unknownIssuer, /issued by an unknown CA \(unknown issuer\) \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/],
    ['a self-signed certificate', (c) => c.selfSigned, /self-signed and not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/],
    ['a name mismatch', (c) => c.otherName, /is for DNS:other\.example, not for 127\.0\.0\.1 \(name mismatch\) \(ERR_TLS_CERT_ALTNAME_INVALID\)/],
  ];
  for (const [what, cert, cause] of refused) {
    it(`${what}: one line naming the cause and what to do, exit 2`, () =>
      withServer(cert, async (s) => {
        const r = await runCli(['test-server', s.url, '--cases', '1.1.1', '--ca', certs.ca, '--outdir', outdir()], dir);
        assert.equal(r.code, 2, r.stdout);
        assertOneLineError(r.stderr, cause);
        assert.match(r.stderr, /with --ca FILE, or test without verification with --insecure/);
      }));
  }

  const broken: Array<[string, () => Promise<TlsTarget>, RegExp]> = [
    ['answers TLS with plain HTTP', plainHttpOnTlsPort, /did not answer in TLS/],
    ['stalls in the middle of the TLS handshake', stallingTlsHandshake, /the TLS handshake did not complete within 5000 ms/],
    ['sends a TLS alert', alertingTlsServer, /refused the TLS handshake with the alert "handshake failure"/],
  ];
  for (const [what, start, cause] of broken) {
    it(`a server that ${what}: one line at the probe, exit 2`, async () => {
      const s = await start();
      try {
        const r = await runCli(['test-server', s.url, '--cases', '1.*', '--ca', certs.ca, '--outdir', outdir()], dir);
        assert.equal(r.code, 2, r.stdout);
        assertOneLineError(r.stderr, cause);
        assert.doesNotMatch(r.stderr, /--insecure/);
      } finally {
        await s.close();
      }
    });
  }

  const usage: Array<[string, () => string[], RegExp]> = [
    ['--ca with a ws:// URL', () => ['ws://127.0.0.1:1', '--ca', certs.ca], /--ca: only for a wss:\/\/ URL/],
    ['--ca with a missing file', () => ['wss://127.0.0.1:1', '--ca', join(dir, 'nope.pem')], /nope\.pem: cannot read the CA certificate: ENOENT/],
    ['--ca with a key instead of a certificate', () => ['wss://127.0.0.1:1', '--ca', certs.good.key], /not a PEM certificate/],
    ['--insecure with --ca', () => ['wss://127.0.0.1:1', '--insecure', '--ca', certs.ca], /--insecure and --ca together/],
  ];
  for (const [what, args, message] of usage) {
    it(`refuses ${what} before connecting, exit 2`, async () => {
      const r = await runCli(['test-server', ...args(), '--outdir', outdir()], dir);
      assert.equal(r.code, 2);
      assertOneLineError(r.stderr, message);
    });
  }

  it('-m fuzzingclient: a wss:// server entry with "ca" runs; one without it is refused with the cause and the spec field to use', () =>
    withServer(
      (c) => c.good,
      async (s) => {
        const out = outdir();
        const spec = join(dir, 'fuzzingclient.json');
        writeFileSync(spec, JSON.stringify({ outdir: out, servers: [{ agent: 'wss-ws', url: s.url, ca: certs.ca }], cases: ['1.1.1', '1.1.2'] }));
        const ok = await runCli(['-m', 'fuzzingclient', '-s', spec], dir);
        assert.equal(ok.code, 0, ok.stderr + ok.stdout);
        assert.equal(metaIn(out).agents[0]!.tls?.verified, true);
        writeFileSync(spec, JSON.stringify({ outdir: outdir(), servers: [{ agent: 'wss-ws', url: s.url }], cases: ['1.1.1'] }));
        const refusedRun = await runCli(['-m', 'fuzzingclient', '-s', spec], dir);
        assert.equal(refusedRun.code, 2);
        assertOneLineError(refusedRun.stderr, /unknown issuer.*"ca": "FILE" in the server's entry of .*fuzzingclient\.json/);
      },
    ));
});
