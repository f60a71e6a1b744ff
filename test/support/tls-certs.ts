/**
 * Test certificates made with the openssl command (OpenSSL 3) in a temporary directory: a CA, and
 * leaves for 127.0.0.1/localhost signed by it, expired, self-signed, and for another host name.
 * EC P-256 keys: quick to make. The directory goes away with remove().
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertFiles {
  /** PEM paths. */
  key: string;
  cert: string;
}

export interface TestCerts {
  dir: string;
  /** The CA's certificate (PEM path): what --ca trusts. */
  ca: string;
  /** Signed by the CA, for localhost and 127.0.0.1, valid now. */
  good: CertFiles;
  /** Signed by the CA, for localhost and 127.0.0.1, expired. */
  expired: CertFiles;
  /** For localhost and 127.0.0.1, signed by its own key. */
  selfSigned: CertFiles;
  /** Signed by the CA, for other.example only. */
  otherName: CertFiles;
  /** Signed by a second CA nobody trusts, for localhost and 127.0.0.1. */
  unknownIssuer: CertFiles;
  /** Reads a PEM file of this set. */
  read(path: string): string;
  remove(): void;
}

const LOCAL = 'subjectAltName=DNS:localhost,IP:127.0.0.1';
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[], cwd: string): void {
  execFileSync('/usr/bin/openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string, cn: string): { cert: string; key: string } {
  openssl(
    [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    ],
    dir,
  );
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}

/** A leaf signed by `ca`; `days` -1 makes one whose validity ended as it began. */
function leaf(dir: string, name: string, ca: { cert: string; key: string }, o: { cn: string; san: string; days: number }): CertFiles {
  writeFileSync(join(dir, `${name}.ext`), `${o.san}\n`);
  openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${o.cn}`], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', `${name}.pem`, '-days', String(o.days), '-extfile', `${name}.ext`], dir);
  return { key: join(dir, `${name}.key`), cert: join(dir, `${name}.pem`) };
}

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'wsconform-tls-'));
  const ca = makeCa(dir, 'ca', 'wsconform test CA');
  const stranger = makeCa(dir, 'stranger-ca', 'untrusted test CA');
  openssl(['req', '-x509', ...EC, '-keyout', 'self.key', '-out', 'self.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', LOCAL], dir);
  return {
    dir,
    ca: ca.cert,
    good: leaf(dir, 'good', ca, { cn: 'localhost', san: LOCAL, days: 2 }),
    expired: leaf(dir, 'expired', ca, { cn: 'localhost', san: LOCAL, days: -1 }),
    selfSigned: { key: join(dir, 'self.key'), cert: join(dir, 'self.pem') },
    otherName: leaf(dir, 'other', ca, { cn: 'other.example', san: 'subjectAltName=DNS:other.example', days: 2 }),
    unknownIssuer: leaf(dir, 'stranger', stranger, { cn: 'localhost', san: LOCAL, days: 2 }),
    read: (path) => readFileSync(path, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
