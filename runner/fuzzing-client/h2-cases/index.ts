/**
 * The h2.* cases against a server (cases/own/h2.ts): each case on an HTTP/2 connection of its own,
 * one after the other (they are few and short, and one connection per case keeps a GOAWAY or a stall
 * from reaching the next case). `test-server --http2` hands its h2.* cases to runH2Cases; `connect`
 * is where the run's shared HTTP/2 dialer goes (by default node:http2 with ALPN h2 or h2c, connect.ts).
 */
import type { CaseDef } from '../../../cases/types.js';
import type { CaseResult } from '../../engine/results.js';
import { h2CaseResult } from '../../engine/verdicts/h2.js';
import type { ClientTlsOptions } from '../tls.js';
import { connectForCase, type H2Connect } from './connect.js';
import { playH2Case } from './play.js';

export type { H2Connect, H2CaseConnection } from './connect.js';
export { connectForCase } from './connect.js';

/** How long one answer may take when a case says nothing (a transfer may stand still as long). */
export const DEFAULT_H2_CASE_TIMEOUT_MS = 5000;

/** The case's time limit: its killAfter step. */
function caseLimitMs(def: CaseDef): number {
  const kill = def.steps.find((s) => s.do === 'killAfter');
  return kill?.do === 'killAfter' ? kill.ms : DEFAULT_H2_CASE_TIMEOUT_MS;
}

export interface H2RunOptions {
  /** The server's ws:// (h2c, prior knowledge) or wss:// (TLS, ALPN h2) URL. */
  url: string;
  agent: string;
  /** The run's cases: the h2.* ones among them are played, in order; the others are left alone. */
  cases: readonly CaseDef[];
  /** 1-based index of each case in the whole catalogue. */
  caseIndex: (def: CaseDef) => number;
  tls?: ClientTlsOptions;
  /** Overrides each case's own time limit (its killAfter step). */
  timeoutMs?: number;
  /** The HTTP/2 dialer; by default connectForCase. */
  connect?: H2Connect;
  signal?: AbortSignal;
  onResult?: (r: CaseResult) => void;
  shouldStop?: () => boolean;
}

/** True for the cases runH2Cases plays: the rest of an HTTP/2 run goes to the catalogue's runner. */
export function isH2Case(def: CaseDef): boolean {
  return def.expect.kind === 'h2';
}

/** Plays the h2.* cases of `o.cases` against the server and returns their results, in case order. */
export async function runH2Cases(o: H2RunOptions): Promise<CaseResult[]> {
  const url = new URL(o.url);
  const results: CaseResult[] = [];
  for (const def of o.cases.filter(isH2Case)) {
    if (o.shouldStop?.() || o.signal?.aborted) break;
    const seen = await playH2Case(def, url, {
      connect: o.connect ?? connectForCase,
      timeoutMs: o.timeoutMs ?? caseLimitMs(def),
      ...(o.tls ? { tls: o.tls } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    if (o.signal?.aborted) break;
    const r = h2CaseResult(def, { agent: o.agent, caseIndex: o.caseIndex(def) }, seen);
    results.push(r);
    o.onResult?.(r);
  }
  return results;
}
