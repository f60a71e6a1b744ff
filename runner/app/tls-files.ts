/**
 * The certificates a run is told to trust (--ca, a spec file's "ca"), read from PEM files before the
 * run starts, so that a missing or broken file is a usage error naming it, not a failed TLS handshake.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The PEM text of `file`; `fail` makes the error (UsageError, SpecError) from a sentence naming the file. */
export function readCaFile(file: string, fail: (message: string) => Error): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'latin1');
  } catch (e) {
    throw fail(`${file}: cannot read the CA certificate: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw fail(`${file}: not a PEM certificate (no "-----BEGIN CERTIFICATE-----" line)`);
  try {
    new X509Certificate(pem);
  } catch (e) {
    throw fail(`${file}: not a valid certificate: ${(e as Error).message}`);
  }
  return pem;
}
