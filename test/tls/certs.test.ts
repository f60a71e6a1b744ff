/** The throw-away certificates: what a real TLS client (node:tls, OpenSSL) makes of each of them. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { certificateHosts, createCertificateAuthority, presentedCertificate, WRONG_HOST, type KeyPairPem } from '../../runner/tls/certs.js';

/** Connects to a server presenting `pair` and resolves with the client's verdict: 'ok' or the error code. */
async function verdict(pair: KeyPairPem, ca: string, servername = 'localhost', host = '127.0.0.1'): Promise<string> {
  const server = tls.createServer({ cert: pair.cert, key: pair.key }, (s) => s.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await new Promise<string>((resolve) => {
      const s = tls.connect({ port: (server.address() as AddressInfo).port, host, servername, ca }, () => {
        s.destroy();
        resolve('ok');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('throw-away certificates', function () {
  this.timeout(20_000);
  const ca = createCertificateAuthority();
  const hosts = certificateHosts('127.0.0.1');

  it('a CA certificate that is a CA and holds no key', () => {
    const c = new X509Certificate(ca.cert);
    assert.equal(c.ca, true);
    assert.doesNotMatch(ca.cert, /PRIVATE KEY/);
    assert.match(ca.subject, /CN=wsconform throw-away CA/);
  });

  it('a leaf for the host names and addresses, which a client trusting the CA accepts', async () => {
    const leaf = ca.issue(hosts);
    const c = new X509Certificate(leaf.cert);
    assert.equal(c.ca, false);
    assert.equal(c.checkIssued(new X509Certificate(ca.cert)), true);
    assert.match(c.subjectAltName ?? '', /DNS:localhost/);
    assert.match(c.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.equal(await verdict(leaf, ca.cert, 'localhost'), 'ok');
    // An IP address URL: the client checks the address, not a name.
    assert.equal(await verdict(leaf, ca.cert, ''), 'ok');
  });

  const refused: Array<[Parameters<typeof presentedCertificate>[0], string]> = [
    ['untrusted-ca', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['wrong-host', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['expired', 'CERT_HAS_EXPIRED'],
    ['self-signed', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  ];
  for (const [kind, code] of refused) {
    it(`${kind}: a client trusting the CA refuses it (${code})`, async () => {
      assert.equal(await verdict(presentedCertificate(kind, ca, hosts), ca.cert), code);
    });
  }

  it('the wrong-host leaf is for a reserved name only', () => {
    assert.equal(new X509Certificate(presentedCertificate('wrong-host', ca, hosts).cert).subjectAltName, `DNS:${WRONG_HOST}`);
  });

  it('names a wildcard listener by the loopback names', () => {
    assert.deepEqual(certificateHosts('0.0.0.0'), ['localhost', '127.0.0.1', '::1']);
    assert.deepEqual(certificateHosts('::1'), ['::1', 'localhost', '127.0.0.1']);
  });
});
