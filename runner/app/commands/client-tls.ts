/**
 * The certificates of a run that tests clients over TLS (`test-client --tls`, `-m fuzzingserver`
 * with a wss:// url): the user's certificate and key, or a throw-away CA made at start and a server
 * certificate it signs for the listening host. Only the CA certificate is written, to
 * `<outdir>/ca.pem`, for the client to trust ({ca}, WSCONFORM_CA); the CA key stays in memory and
 * the server key is never written at all.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { TlsServing } from '../../fuzzing-server/server.js';
import { certificateHosts, certificateSubject, createCertificateAuthority, type CertificateAuthority } from '../../tls/certs.js';
import { UsageError } from './options.js';

export interface ClientTls {
  serving: TlsServing;
  /** The certificate's subject, for the reports. */
  subject: string;
  /** 'generated': made for this run and signed by `ca`; 'given': the user's files. */
  source: 'generated' | 'given';
  /** The throw-away CA: made when the certificate is, or when the tls.* cases need one. */
  ca: CertificateAuthority | null;
  /** Where the CA certificate was written. */
  caFile: string | null;
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The user's key and certificate, checked now so that a bad pair is a usage error, not a failed listen. */
export function givenServing(certFile: string, keyFile: string): TlsServing {
  const serving = { cert: readPem(certFile, 'certificate'), key: readPem(keyFile, 'key') };
  try {
    createSecureContext(serving);
  } catch (e) {
    throw new UsageError(`cannot serve TLS with ${certFile} and ${keyFile}: ${(e as Error).message}`);
  }
  return serving;
}

/**
 * The run's TLS: the given files, or a certificate for `host` from a new CA. `needCa` makes the CA
 * even with given files (the tls.* cases sign their certificates with it).
 */
export function clientTls(o: { host: string; cert?: string; key?: string; outdir: string; needCa: boolean }): ClientTls {
  if ((o.cert === undefined) !== (o.key === undefined)) throw new UsageError('--cert and --key go together: the certificate and its private key');
  const given = o.cert !== undefined && o.key !== undefined ? givenServing(o.cert, o.key) : null;
  const ca = given && !o.needCa ? null : createCertificateAuthority();
  let caFile: string | null = null;
  if (ca) {
    mkdirSync(o.outdir, { recursive: true });
    caFile = join(o.outdir, 'ca.pem');
    writeFileSync(caFile, ca.cert);
  }
  const serving = given ?? ca!.issue(certificateHosts(o.host));
  return { serving: { cert: serving.cert, key: serving.key }, subject: certificateSubject(serving.cert) ?? '?', source: given ? 'given' : 'generated', ca, caFile };
}
