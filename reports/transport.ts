/** The transport of an agent (TLS for wss://) in words, for the summary line and the HTML report. */
import type { RunMeta, TlsTransport } from '../runner/engine/results.js';

/** "TLSv1.3 TLS_AES_256_GCM_SHA384, certificate CN=localhost issued by CN=… (valid 2026-12-02 to 2026-12-04)", and whether it was verified. */
export function transportText(t: TlsTransport): string {
  const c = t.certificate;
  const cert = c ? `certificate ${c.subject} issued by ${c.issuer} (valid ${c.validFrom.slice(0, 10)} to ${c.validTo.slice(0, 10)})` : 'no certificate';
  const sni = t.servername !== undefined ? `, SNI ${t.servername}` : '';
  const off = t.verified !== false ? '' : `; verification off${t.unverifiedBecause ? ` (verification would have refused it: ${t.unverifiedBecause})` : ''}`;
  return `${t.protocol} ${t.cipher}${sni}, ${cert}${off}`;
}

const overHttp2 = (a: RunMeta['agents'][number]): boolean => a.protocol === 'h2' || a.protocol === 'h2c';

/** For the HTML header: "over TLS", "over HTTP/2 (RFC 8441)", "over TLS, certificate verification off", or empty. */
export function runTransport(agents: RunMeta['agents']): string {
  const h2 = agents.some(overHttp2) ? ' over HTTP/2 (RFC 8441)' : '';
  if (!agents.some((a) => a.tls)) return h2.trim();
  return `over TLS${agents.some((a) => a.tls?.verified === false) ? ', certificate verification off' : ''}${h2 ? `,${h2}` : ''}`;
}

/** An agent's transport for the HTML agents table: the TLS text, after "HTTP/2 (h2): " when the WebSockets ran over HTTP/2. */
export function agentTransport(a: RunMeta['agents'][number]): string {
  const h2 = overHttp2(a) ? `HTTP/2 (${a.protocol})` : '';
  const tls = a.tls ? transportText(a.tls) : '';
  return h2 && tls ? `${h2}: ${tls}` : h2 || tls;
}

/** One line per agent reached over TLS or HTTP/2: "  AGENT over TLS: …", "  AGENT over HTTP/2 (h2c)". */
export function transportLines(agents: RunMeta['agents']): string[] {
  return agents
    .filter((a) => a.tls || overHttp2(a))
    .map((a) => `  ${a.name} over ${overHttp2(a) ? `HTTP/2 (${a.protocol})${a.tls ? ', TLS' : ''}` : 'TLS'}${a.tls ? `: ${transportText(a.tls)}` : ''}`);
}
