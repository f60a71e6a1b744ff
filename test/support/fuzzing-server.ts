/** Shared set-up for the fuzzing-server tests: a server on a free loopback port over chosen cases. */
import { allCases } from '../../cases/index.js';
import type { CaseDef } from '../../cases/types.js';
import { startFuzzingServer, type ClientRunOptions, type FuzzingServer } from '../../runner/fuzzing-server/server.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';

/** Every group of sections 1-7 and 10 that judges something different, with the verdict-bending ones. */
export const representativeClientCases: readonly string[] = [
  '1.1.1',
  '1.1.6',
  '1.2.8',
  '2.1',
  '2.5',
  '2.10',
  '3.1',
  '3.2',
  '3.7',
  '4.1.1',
  '4.2.5',
  '5.1',
  '5.6',
  '5.15',
  '5.19',
  '5.20',
  '6.1.1',
  '6.2.3',
  '6.3.1',
  '6.4.1',
  '6.4.2',
  '6.4.3',
  '6.4.4',
  '6.5.1',
  '6.8.1',
  '6.12.8',
  '6.22.1',
  '6.23.7',
  '7.1.1',
  '7.1.6',
  '7.3.2',
  '7.3.6',
  '7.5.1',
  '7.7.1',
  '7.7.13',
  '7.9.1',
  '7.13.1',
  '7.13.2',
  '10.1.1',
];

export function casesById(ids: readonly string[]): CaseDef[] {
  return ids.map((id) => {
    const def = allCases.find((c) => c.id === id);
    if (!def) throw new Error(`no case ${id} in the catalogue`);
    return def;
  });
}

export interface TestServer {
  server: FuzzingServer;
  logs: string[];
  seen: CaseResult[];
  /** The result for `id` (and `agent`), waiting briefly for it: a client sees the close a moment before the server does. */
  byId(id: string, agent?: string): Promise<CaseResult>;
}

export async function startTestServer(cases: readonly CaseDef[], overrides: Partial<ClientRunOptions> = {}): Promise<TestServer> {
  const logs: string[] = [];
  const seen: CaseResult[] = [];
  const server = await startFuzzingServer({
    port: 0,
    cases,
    session: { ...defaultSessionOptions, caseTimeoutMs: 15_000 },
    openHandshakeTimeoutMs: 2000,
    log: (line) => logs.push(line),
    onResult: (r) => seen.push(r),
    ...overrides,
  });
  const byId = async (id: string, agent?: string): Promise<CaseResult> => {
    const find = (): CaseResult | undefined => server.results().find((x) => x.id === id && (agent === undefined || x.agent === agent));
    await waitFor(() => find() !== undefined, 2000).catch(() => undefined);
    const r = find();
    if (!r)
      throw new Error(
        `no result for ${id}${agent ? ` (${agent})` : ''}; have ${server
          .results()
          .map((x) => `${x.agent}:${x.id}`)
          .join(' ')}`,
      );
    return r;
  };
  return { server, logs, seen, byId };
}

/** Autobahn's published outcome for a conformant client that validates UTF-8 per message. */
export function publishedVerdict(id: string): { behavior: string; behaviorClose: string } {
  if (/^6\.4\.\d+$/.test(id)) return { behavior: 'NON-STRICT', behaviorClose: 'OK' };
  if (id === '7.1.6' || id.startsWith('7.13.')) return { behavior: 'INFORMATIONAL', behaviorClose: 'INFORMATIONAL' };
  return { behavior: 'OK', behaviorClose: 'OK' };
}

/** Lines `id behavior/behaviorClose` for results that differ from `expected`, for readable failures. */
export function mismatches(results: readonly CaseResult[], expected: (id: string) => { behavior: string; behaviorClose: string }): string[] {
  return results
    .filter((r) => {
      const e = expected(r.id);
      return r.behavior !== e.behavior || r.behaviorClose !== e.behaviorClose;
    })
    .map((r) => `${r.id} ${r.behavior}/${r.behaviorClose}: ${r.result} ${r.resultClose}`);
}

/** Resolves once `cond` holds, checking every 10 ms; rejects after `ms`. */
export async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
