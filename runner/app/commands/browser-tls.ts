/**
 * The certificates of a browser run over TLS (`test-browser --tls`): a throw-away CA made at start
 * and one certificate it signs for every host the page names, or the user's --cert/--key. Only
 * the CA certificate is written, to `<outdir>/ca.pem`; the CA key stays in memory and no server
 * key is written. The certificate api.tls.untrusted-certificate presents comes from a second CA
 * that nobody is told to trust.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_HOST_NAME } from '../../../cases/browser-api-types.js';
import { LANE_HOSTS } from '../../browser/reach.js';
import type { BrowserTls, EngineTrust } from '../../browser/index.js';
import type { TlsTransport } from '../../engine/results.js';
import { certificateInfo, createCertificateAuthority, presentedCertificate } from '../../tls/certs.js';
import { givenServing } from './client-tls.js';
import { UsageError } from './options.js';

export interface BrowserRunTls {
  tls: BrowserTls;
  /** Where the CA certificate was written (none with --cert/--key). */
  caFile: string | null;
  source: 'generated' | 'given';
}

/** Every host the page may name: the lane hosts, the public host, the loopback names, the test host name. */
export function browserHosts(publicHost: string): string[] {
  const lanes = Array.from({ length: LANE_HOSTS }, (_, k) => `127.0.0.${k + 1}`);
  return [...new Set([publicHost, ...lanes, 'localhost', '::1', TEST_HOST_NAME])];
}

export function browserRunTls(o: { publicHost: string; outdir: string; cert?: string; key?: string }): BrowserRunTls {
  if ((o.cert === undefined) !== (o.key === undefined)) throw new UsageError('--cert and --key go together: the certificate and its private key');
  const hosts = browserHosts(o.publicHost);
  const ca = createCertificateAuthority();
  const untrusted = presentedCertificate('untrusted-ca', ca, hosts);
  if (o.cert !== undefined && o.key !== undefined) {
    const given = givenServing(o.cert, o.key);
    const cert = given.cert.toString();
    return { tls: { serving: { cert, key: given.key }, trust: { pem: cert, kind: 'certificate' }, untrusted, hosts }, caFile: null, source: 'given' };
  }
  mkdirSync(o.outdir, { recursive: true });
  const caFile = join(o.outdir, 'ca.pem');
  writeFileSync(caFile, ca.cert);
  const leaf = ca.issue(hosts);
  return { tls: { serving: { cert: leaf.cert, key: leaf.key }, trust: { pem: ca.cert, kind: 'ca' }, untrusted, hosts }, caFile, source: 'generated' };
}

/** What the reports say of an engine's transport: the page connection's TLS, the certificate, how the engine trusted it. */
export function browserTransport(t: BrowserRunTls, engine: { trust: EngineTrust; protocol?: string; cipher?: string }): TlsTransport {
  const certificate = certificateInfo(t.tls.serving.cert);
  return {
    protocol: engine.protocol ?? '?',
    cipher: engine.cipher ?? '?',
    ...(certificate ? { certificate } : {}),
    trust: engine.trust.how,
    ...(engine.trust.acceptsAnyCertificate ? { verified: false } : {}),
  };
}
