/**
 * Making a launched engine trust the run's CA (test-browser --tls), and nothing else of ours: a
 * certificate from another CA must still be refused (api.tls.untrusted-certificate). Per engine:
 *   Chromium   an NSS database with the CA (certutil, Debian libnss3-tools) in a HOME of its own
 *              ($HOME/.pki/nssdb is where Chromium on Linux keeps the trust it adds to its roots)
 *   Firefox    the same database as the profile's cert9.db (Playwright is given the profile)
 *   WebKitGTK  WebKitWebDriver's `webkitgtk:browserOptions.certificates`: the served certificate
 *              allowed for each host the page names (that certificate only)
 * Where none of that works (no certutil, a remote browser), the engine is launched accepting any
 * certificate, and says so (EngineTrust.acceptsAnyCertificate): the case that needs a refusal
 * is then not checked rather than judged.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_HOST_NAME } from '../../cases/browser-api-types.js';
import { findExecutable } from './executables.js';
import type { BrowserTls, EngineTrust } from './tls.js';

/** A temporary directory of one launch, removed when the engine ends. */
export interface TrustDir {
  path: string;
  remove(): void;
}

export function trustDir(): TrustDir {
  const path = mkdtempSync(join(tmpdir(), 'wsconform-trust-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

const CERTUTIL = ['/usr/bin/certutil', 'certutil'];

/**
 * An NSS database in `dir` that trusts `tls.trust`: as a CA ("C,,": it may issue server
 * certificates) or, for a given certificate, as that peer alone ("P,,"). Throws when certutil is
 * missing or fails.
 */
export function nssDatabase(dir: string, tls: BrowserTls): void {
  const certutil = findExecutable(CERTUTIL);
  if (!certutil) throw new Error('certutil is not installed (Debian: apt-get install libnss3-tools)');
  mkdirSync(dir, { recursive: true });
  const pem = join(dir, 'wsconform-trust.pem');
  writeFileSync(pem, tls.trust.pem);
  const run = (args: string[]): void => void execFileSync(certutil, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  run(['-N', '-d', `sql:${dir}`, '--empty-password']);
  run(['-A', '-d', `sql:${dir}`, '-n', 'wsconform run', '-t', tls.trust.kind === 'ca' ? 'C,,' : 'P,,', '-i', pem]);
}

/** What an engine that accepts any certificate says of itself. */
export function acceptingAny(why: string): EngineTrust {
  return { how: `accepting any certificate: ${why}`, acceptsAnyCertificate: true, resolvesTestHostName: false };
}

/** Chromium: a HOME with the NSS database, and the test host name mapped to 127.0.0.1. */
export function chromiumTrust(dir: TrustDir, tls: BrowserTls): { env: Record<string, string>; args: string[]; trust: EngineTrust } {
  const home = join(dir.path, 'home');
  nssDatabase(join(home, '.pki', 'nssdb'), tls);
  return {
    env: { HOME: home },
    args: [`--host-resolver-rules=MAP ${TEST_HOST_NAME} 127.0.0.1`],
    trust: {
      how: `the run's ${tls.trust.kind === 'ca' ? 'CA' : 'certificate'} in an NSS database ($HOME/.pki/nssdb, HOME set for the browser)`,
      acceptsAnyCertificate: false,
      resolvesTestHostName: true,
    },
  };
}

/** Firefox: a profile whose cert9.db trusts the run's CA, resolving the test host name to this machine. */
export function firefoxTrust(dir: TrustDir, tls: BrowserTls): { profile: string; prefs: Record<string, string>; trust: EngineTrust } {
  const profile = join(dir.path, 'profile');
  nssDatabase(profile, tls);
  return {
    profile,
    prefs: { 'network.dns.localDomains': TEST_HOST_NAME },
    trust: { how: `the run's ${tls.trust.kind === 'ca' ? 'CA' : 'certificate'} in the profile's certificate database (cert9.db)`, acceptsAnyCertificate: false, resolvesTestHostName: true },
  };
}

/** WebKitGTK: the served certificate allowed for each host it is for (WebKitWebDriver's browserOptions.certificates). */
export function webkitTrust(dir: TrustDir, tls: BrowserTls): { certificates: Array<{ host: string; certificateFile: string }>; trust: EngineTrust } {
  const file = join(dir.path, 'served-certificate.pem');
  writeFileSync(file, tls.serving.cert);
  return {
    certificates: tls.hosts.map((host) => ({ host, certificateFile: file })),
    trust: { how: "the served certificate allowed for each of the run's hosts (webkitgtk:browserOptions.certificates)", acceptsAnyCertificate: false, resolvesTestHostName: false },
  };
}
