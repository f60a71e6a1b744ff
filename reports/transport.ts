/** The transport of an agent (TLS for wss://, HTTP/2 or HTTP/1.1 under --http2) in words, for the summary line and the HTML report. */
import type { CaseResult, RunMeta, RunResults, TlsTransport } from '../runner/engine/results.js';

/** "TLSv1.3 TLS_AES_256_GCM_SHA384, certificate CN=localhost issued by CN=… (valid 2026-12-02 to 2026-12-04)", and whether it was verified. */
export function transportText(t: TlsTransport): string {
  const c = t.certificate;
  const cert = c ? `certificate ${c.subject} issued by ${c.issuer} (valid ${c.validFrom.slice(0, 10)} to ${c.validTo.slice(0, 10)})` : 'no certificate';
  const sni = t.servername !== undefined ? `, SNI ${t.servername}` : '';
  const off = t.verified !== false ? '' : `; verification off${t.unverifiedBecause ? ` (verification would have refused it: ${t.unverifiedBecause})` : ''}`;
  return `${t.protocol} ${t.cipher}${sni}, ${cert}${off}`;
}

/**
 * Which protocol carried the agent's WebSockets, from its results: "h2", or "h2 (30 cases), http/1.1
 * (3 cases)" when they differ; empty when the run did not record it (no --http2).
 */
export function protocolText(agent: string, results: readonly CaseResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) if (r.agent === agent && r.protocol) counts.set(r.protocol, (counts.get(r.protocol) ?? 0) + 1);
  if (counts.size <= 1) return [...counts.keys()].join('');
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([p, n]) => `${p} (${n} case${n === 1 ? '' : 's'})`)
    .join(', ');
}

/** For the HTML header: "over TLS", "over TLS, certificate verification off", "HTTP/2 and HTTP/1.1 served", or empty. */
export function runTransport(agents: RunMeta['agents']): string {
  const parts: string[] = [];
  if (agents.some((a) => a.tls)) parts.push(`over TLS${agents.some((a) => a.tls?.verified === false) ? ', certificate verification off' : ''}`);
  if (agents.some((a) => a.protocol)) parts.push('HTTP/2 (RFC 8441) and HTTP/1.1 served');
  return parts.join('; ');
}

/** The agents table's transport cell: the protocol, then the TLS connection. */
export function agentTransport(a: RunMeta['agents'][number], results: readonly CaseResult[]): { transport: string; unverified: boolean } {
  const protocol = protocolText(a.name, results);
  const parts = [...(protocol ? [protocol] : []), ...(a.tls ? [transportText(a.tls)] : [])];
  return { transport: parts.join('; '), unverified: a.tls?.verified === false };
}

/** One line per available agent reached over TLS or with a recorded protocol: "  AGENT over TLS: …", "  AGENT over h2". */
export function transportLines(run: RunResults): string[] {
  const lines: string[] = [];
  for (const a of (run.meta.agents ?? []).filter((x) => !x.unavailable)) {
    const protocol = protocolText(a.name, run.results);
    if (protocol) lines.push(`  ${a.name} over ${protocol}`);
    if (a.tls) lines.push(`  ${a.name} over TLS: ${transportText(a.tls)}`);
  }
  return lines;
}
