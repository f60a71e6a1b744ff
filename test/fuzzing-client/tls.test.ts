/**
 * Dialing wss:// servers: each kind of certificate a client must refuse gets its cause in words,
 * the run's TLS options (trusted certificates, no verification, the SNI name) reach every
 * connection of a run, and servers that break TLS get a clear error or a verdict, never a hang.
 */
import assert from 'node:assert/strict';
import { allCases } from '../../cases/index.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { fuzzCases, fuzzServer } from '../../runner/fuzz/index.js';
import { probeServer, runAgainstServer, runCaseAgainstServer, UnreachableTargetError } from '../../runner/fuzzing-client/run.js';
import { tlsProblem, type ClientTlsOptions } from '../../runner/fuzzing-client/tls.js';
import { makeTestCerts, type CertFiles, type TestCerts } from '../support/tls-certs.js';
import { alertingTlsServer, plainHttpOnTlsPort, stallingTlsHandshake, startWssEcho, type TlsTarget, type WssEcho } from '../support/tls-servers.js';

const byId = (id: string) => allCases.find((c) => c.id === id)!;

async function probeError(url: string, tls?: ClientTlsOptions, timeoutMs = 3000): Promise<UnreachableTargetError> {
  try {
    await probeServer(url, timeoutMs, undefined, tls);
  } catch (e) {
    if (e instanceof UnreachableTargetError) return e;
    throw e;
  }
  throw new Error('the probe succeeded');
}

describe('TLS to servers (wss://)', function () {
  this.timeout(20_000);
  let certs: TestCerts;
  let ca: string;
  before(() => {
    certs = makeTestCerts();
    ca = certs.read(certs.ca);
  });
  after(() => certs?.remove());

  async function withServer<T>(pick: (c: TestCerts) => CertFiles, body: (s: WssEcho) => Promise<T>): Promise<T> {
    const s = await startWssEcho(pick(certs));
    try {
      return await body(s);
    } finally {
      await s.close();
    }
  }

  describe('certificates a client must refuse, each with its cause', () => {
    const kinds: Array<[string, (c: TestCerts) => CertFiles, RegExp, string]> = [
      ['an expired certificate', (c) => c.expired, /has expired/, 'CERT_HAS_EXPIRED'],
      ['a certificate from a CA nobody trusts', (c) => c.unknownIssuer, /unknown CA \(unknown issuer\)/, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
      ['a self-signed certificate', (c) => c.selfSigned, /self-signed and not trusted/, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
      ['a certificate for another host name', (c) => c.otherName, /is for DNS:other\.example, not for 127\.0\.0\.1 \(name mismatch\)/, 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ];
    for (const [what, pick, cause, code] of kinds) {
      it(`refuses ${what} even with the test CA trusted: ${code}`, () =>
        withServer(pick, async (s) => {
          const e = await probeError(s.url, { ca: [ca] });
          assert.match(e.message, cause);
          assert.ok(e.message.includes(`(${code})`), e.message);
          assert.equal(e.certificate, true);
        }));
    }

    it("refuses the test CA's certificate without --ca: Node's CAs do not know it", () =>
      withServer(
        (c) => c.good,
        async (s) => {
          const e = await probeError(s.url);
          assert.match(e.message, /unknown issuer.*UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
        },
      ));

    it('a case against such a server gets the cause in its transcript', () =>
      withServer(
        (c) => c.expired,
        async (s) => {
          const t = await runCaseAgainstServer(new URL(s.url), byId('1.1.1'), { session: defaultSessionOptions, openHandshakeTimeoutMs: 2000, tls: { ca: [ca] } });
          assert.equal(t.openedAtMs, null);
          assert.match(t.handshakeError ?? '', /^connect: TLS: the server's certificate has expired \(CERT_HAS_EXPIRED\)/);
        },
      ));
  });

  describe('what the run is told to trust', () => {
    it('trusts a leaf of a CA given in ca, and records TLS version, cipher and certificate', () =>
      withServer(
        (c) => c.good,
        async (s) => {
          const p = await probeServer(s.url, 3000, undefined, { ca: [ca] });
          assert.ok(p.tls);
          assert.match(p.tls.protocol, /^TLSv1\.[23]$/);
          assert.ok(p.tls.cipher.length > 0);
          assert.equal(p.tls.verified, true);
          assert.equal(p.tls.certificate?.subject, 'CN=localhost');
          assert.equal(p.tls.certificate?.issuer, 'CN=wsconform test CA');
          assert.ok(Date.parse(p.tls.certificate.validTo) > Date.now());
          assert.equal(p.tls.servername, undefined, 'no SNI for an IP address');
        },
      ));

    it('trusts a self-signed certificate given in ca', () =>
      withServer(
        (c) => c.selfSigned,
        async (s) => {
          const p = await probeServer(s.url, 3000, undefined, { ca: [certs.read(certs.selfSigned.cert)] });
          assert.equal(p.tls?.certificate?.issuer, 'CN=localhost');
        },
      ));

    it('insecure takes any certificate, and records what verification would have refused', () =>
      withServer(
        (c) => c.expired,
        async (s) => {
          const p = await probeServer(s.url, 3000, undefined, { insecure: true });
          assert.equal(p.tls?.verified, false);
          assert.equal(p.tls?.unverifiedBecause, 'CERT_HAS_EXPIRED');
        },
      ));

    it('servername is sent as SNI and the certificate is checked against it, not the IP address', () =>
      withServer(
        (c) => c.otherName,
        async (s) => {
          const p = await probeServer(s.url, 3000, undefined, { ca: [ca], servername: 'other.example' });
          assert.equal(p.tls?.servername, 'other.example');
          assert.deepEqual(s.servernames, ['other.example']);
        },
      ));
  });

  describe('one set of TLS options for every connection of a run', () => {
    it('the probe, the load monitor, the cases, a handshake.* case and the fuzz connections all send the SNI name given', () =>
      withServer(
        (c) => c.good,
        async (s) => {
          const tls = { ca: [ca], servername: 'localhost' };
          const cases = [byId('1.1.1'), byId('2.1'), byId('handshake.version-99')];
          const run = await runAgainstServer({
            url: s.url,
            cases,
            caseIndex: () => 1,
            concurrency: 2,
            memoryBudget: 1 << 26,
            session: defaultSessionOptions,
            openHandshakeTimeoutMs: 3000,
            tls,
          });
          assert.deepEqual(
            run.results.map((r) => `${r.id} ${r.behavior}`),
            ['1.1.1 OK', '2.1 OK', 'handshake.version-99 OK'],
          );
          assert.equal(run.tls?.servername, 'localhost');
          // The probe, the monitor and one connection per case.
          assert.ok(s.servernames.length >= 2 + cases.length, String(s.servernames.length));
          const before = s.servernames.length;
          const f = await fuzzServer({ url: s.url, agent: 'ws', defs: fuzzCases(7, 4), outdir: certs.dir, concurrency: 2, session: defaultSessionOptions, openHandshakeTimeoutMs: 3000, tls });
          assert.equal(f.results.length, 4);
          assert.ok(s.servernames.length > before);
          assert.deepEqual(new Set(s.servernames), new Set(['localhost']));
        },
      ));
  });

  describe('servers that break TLS: a clear error, never a hang', () => {
    const bad: Array<[string, () => Promise<TlsTarget>, RegExp]> = [
      ['answers the ClientHello with plain HTTP', plainHttpOnTlsPort, /did not answer in TLS .*\(ERR_SSL_WRONG_VERSION_NUMBER\)/],
      ['stalls in the middle of the TLS handshake', stallingTlsHandshake, /the TLS handshake did not complete within 1000 ms/],
      ['refuses the handshake with a TLS alert', alertingTlsServer, /refused the TLS handshake with the alert "handshake failure"/],
    ];
    for (const [what, start, message] of bad) {
      it(`a server that ${what}: the probe says so within its time limit`, async () => {
        const s = await start();
        try {
          const t0 = Date.now();
          const e = await probeError(s.url, { ca: [ca] }, 1000);
          assert.match(e.message, message);
          assert.equal(e.certificate, false);
          assert.ok(Date.now() - t0 < 2500);
          // A case gets its verdict as quickly: the opening handshake failed.
          const t = await runCaseAgainstServer(new URL(s.url), byId('1.1.1'), { session: defaultSessionOptions, openHandshakeTimeoutMs: 1000, tls: { ca: [ca] } });
          assert.equal(t.openedAtMs, null);
          assert.match(t.handshakeError ?? '', /^connect: /);
        } finally {
          await s.close();
        }
      });
    }
  });

  describe('tlsProblem', () => {
    const rows: Array<[string, boolean, string | null, boolean | null]> = [
      ['CERT_HAS_EXPIRED', false, "the server's certificate has expired", true],
      ['SELF_SIGNED_CERT_IN_CHAIN', false, "the server's certificate chain ends in a self-signed CA that is not trusted", true],
      ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', false, 'the server refused the TLS handshake with the alert "protocol version"', false],
      ['ECONNRESET', true, 'the server closed the connection during the TLS handshake', false],
      ['ECONNRESET', false, null, null],
      ['ECONNREFUSED', false, null, null],
    ];
    for (const [code, tcp, cause, certificate] of rows) {
      it(`${code}${tcp ? ' after TCP connected' : ''}: ${cause ?? 'not about TLS'}`, () => {
        const e = Object.assign(new Error('x'), { code });
        const p = tlsProblem(e, tcp);
        assert.deepEqual(p && { cause: p.cause, certificate: p.certificate }, cause === null ? null : { cause, certificate });
      });
    }
  });
});
