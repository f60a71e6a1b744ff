/** The transport of an agent (TLS for wss://, HTTP/2 or HTTP/1.1 under --http2) in words, for the summary line and the HTML report. */
import type { CaseResult, RunMeta, RunResults, TlsTransport } from '../runner/engine/results.js';

/** "TLSv1.3 TLS_AES_256_GCM_SHA384, certificate CN=localhost issued by CN=… (valid 2026-12-02 to 2026-12-04)", and whether it was verified. */
export function transportText(t: TlsTransport): string {
  const c = t.certificate;
  const cert = c ? `certificate ${c.subject} issued by ${c.issuer} (valid ${c.validFrom.slice(0, 10)} to ${c.validTo.slice(0, 10)})` : 'no certificate';
  const sni = t.servername !== undefined ? `, SNI ${t.servername}` : '';
  const off = t.verified !== false ? '' : `; verification off${t.unverifiedBecause ? ` (verification would have refused it: ${t.unverifiedBecause})` : ''}`;
  const trust = t.trust !== undefined ? `; trusted by ${t.trust}` : '';
  return `${t.protocol} ${t.cipher}${sni}, ${cert}${off}${trust}`;
}

const overHttp2 = (p: string | undefined): boolean => p === 'h2' || p === 'h2c';

/**
 * Which protocol carried the agent's WebSockets, from its results (test-client --http2 records it
 * per case): "h2", or "h2 (30 cases), http/1.1 (3 cases)" when they differ; empty when no result
 * recorded it.
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

/**
 * The agent's protocol in words: "HTTP/2 (h2)", "HTTP/2 (h2c)", "HTTP/1.1" where a run that served
 * HTTP/2 saw the agent use HTTP/1.1 only, the cases per protocol where they differ; empty for a
 * plain HTTP/1.1 run.
 */
function protocolLabel(a: RunMeta['agents'][number], results: readonly CaseResult[]): string {
  const perCase = protocolText(a.name, results);
  const p = perCase || a.protocol || '';
  if (overHttp2(p)) return `HTTP/2 (${p})`;
  if (p === 'http/1.1') return perCase ? 'HTTP/1.1' : '';
  return p;
}

/** For the HTML header: "over TLS", "over HTTP/2 (RFC 8441)", "over TLS, certificate verification off", or empty. */
export function runTransport(agents: RunMeta['agents'], results: readonly CaseResult[] = []): string {
  const h2 = agents.some((a) => overHttp2(a.protocol)) || results.some((r) => overHttp2(r.protocol)) ? 'over HTTP/2 (RFC 8441)' : '';
  if (!agents.some((a) => a.tls)) return h2;
  return `over TLS${agents.some((a) => a.tls?.verified === false) ? ', certificate verification off' : ''}${h2 ? `, ${h2}` : ''}`;
}

/** The agents table's transport cell: the protocol, then the TLS connection. */
export function agentTransport(a: RunMeta['agents'][number], results: readonly CaseResult[] = []): { transport: string; unverified: boolean } {
  const protocol = protocolLabel(a, results);
  const tls = a.tls ? transportText(a.tls) : '';
  return { transport: protocol && tls ? `${protocol}: ${tls}` : protocol || tls, unverified: a.tls?.verified === false };
}

/** One line per available agent reached over TLS or HTTP/2: "  AGENT over TLS: …", "  AGENT over HTTP/2 (h2c)", "  AGENT over HTTP/2 (h2), TLS: …". */
export function transportLines(run: RunResults): string[] {
  const lines: string[] = [];
  for (const a of (run.meta.agents ?? []).filter((x) => !x.unavailable)) {
    const protocol = protocolLabel(a, run.results);
    if (protocol) lines.push(`  ${a.name} over ${protocol}${a.tls ? `, TLS: ${transportText(a.tls)}` : ''}`);
    else if (a.tls) lines.push(`  ${a.name} over TLS: ${transportText(a.tls)}`);
  }
  return lines;
}
