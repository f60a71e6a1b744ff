/** The transport of an agent (TLS for wss://) in words, for the summary line and the HTML report. */
import type { RunMeta, TlsTransport } from '../runner/engine/results.js';

/** "TLSv1.3 TLS_AES_256_GCM_SHA384, certificate CN=localhost issued by CN=… (valid 2026-12-02 to 2026-12-04)", and whether it was verified. */
export function transportText(t: TlsTransport): string {
  const c = t.certificate;
  const cert = c ? `certificate ${c.subject} issued by ${c.issuer} (valid ${c.validFrom.slice(0, 10)} to ${c.validTo.slice(0, 10)})` : 'no certificate';
  const sni = t.servername !== undefined ? `, SNI ${t.servername}` : '';
  const off = t.verified !== false ? '' : `; verification off${t.unverifiedBecause ? ` (verification would have refused it: ${t.unverifiedBecause})` : ''}`;
  const trust = t.trust !== undefined ? `; trusted by ${t.trust}` : '';
  return `${t.protocol} ${t.cipher}${sni}, ${cert}${off}${trust}`;
}

/** For the HTML header: "over TLS", "over TLS, certificate verification off", or empty. */
export function runTransport(agents: RunMeta['agents']): string {
  if (!agents.some((a) => a.tls)) return '';
  return `over TLS${agents.some((a) => a.tls?.verified === false) ? ', certificate verification off' : ''}`;
}

/** One line per agent reached over TLS: "  AGENT over TLS: …". */
export function transportLines(agents: RunMeta['agents']): string[] {
  return agents.filter((a) => a.tls).map((a) => `  ${a.name} over TLS: ${transportText(a.tls!)}`);
}
