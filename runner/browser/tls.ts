/**
 * Browsers over TLS (`test-browser --tls`): the certificates of the run, how an engine was made to
 * trust them, and which TLS-only browser-API cases an engine cannot be asked. The page is served
 * over https://, the fuzzing server and the api.* servers over wss://, all with one certificate
 * for every host the page names (the lane hosts 127.0.0.1 … 127.0.0.16, localhost, ::1, the test
 * host name); the engine trusts the run's CA (or the given certificate) and nothing else of ours.
 */
import type { ApiTlsCase } from '../../cases/browser-api-types.js';
import type { CaseDef } from '../../cases/types.js';
import type { TlsServing } from '../fuzzing-server/server.js';

export interface BrowserTls {
  /** What every server of the run presents. */
  serving: TlsServing & { cert: string };
  /** What the engine is told to trust (PEM): the run's CA, or the given certificate itself. */
  trust: { pem: string; kind: 'ca' | 'certificate' };
  /** What api.tls.untrusted-certificate's server presents: a leaf from a CA nobody trusts. */
  untrusted: TlsServing;
  /** The hosts `serving` is for (the lane hosts, the public host, the test host name). */
  hosts: string[];
}

/** How an engine was made to trust the run's certificates (EngineHandle.trust). */
export interface EngineTrust {
  /** In words, after "trusted by" in the reports: "the run's CA in an NSS database …", "accepting any certificate: why". */
  how: string;
  /** The engine accepts any certificate (no narrower way): api.tls.untrusted-certificate cannot be checked. */
  acceptsAnyCertificate: boolean;
  /** The engine resolves TEST_HOST_NAME to 127.0.0.1 (launch flags): api.tls.mixed-content can be checked. */
  resolvesTestHostName: boolean;
}

/** The TLS-only part of a browser-API case, if it is one. */
export function tlsCaseOf(def: CaseDef): ApiTlsCase | undefined {
  return def.expect.kind === 'browser-api' ? def.expect.check.tls : undefined;
}

/** The browser-API cases a run may select: the TLS-only ones only over TLS. */
export function apiCasesFor(cases: readonly CaseDef[], o: { tls: boolean }): CaseDef[] {
  return cases.filter((c) => c.applies === 'browsers' && (o.tls || tlsCaseOf(c) === undefined));
}

/** Why this engine cannot be asked this case (then it is UNIMPLEMENTED with why), or null. */
export function notCheckable(def: CaseDef, trust: EngineTrust | undefined): string | null {
  const t = tlsCaseOf(def);
  if (!t) return null;
  if (!trust) return 'the engine was not launched for TLS';
  if (t.certificate === 'untrusted-ca' && trust.acceptsAnyCertificate) return `this engine was launched ${trust.how}`;
  if (t.testHostName && !trust.resolvesTestHostName) return 'this engine cannot be told to resolve the test host name to this machine, and no name may be looked up elsewhere';
  return null;
}

/**
 * Whether a case's server is served plain (ws://) in a TLS run: mixed-content cases, and a case
 * whose page uses the http: form of the URL (which names a plain server).
 */
export function servedPlain(def: CaseDef): boolean {
  if (def.expect.kind !== 'browser-api') return false;
  const { check } = def.expect;
  return check.tls?.plain === true || check.page.some((a) => a.do === 'connect' && a.url === 'http-scheme');
}
