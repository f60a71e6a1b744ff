/**
 * Testing a server: the harness is the fuzzing client (Autobahn's "fuzzingclient" mode). One TCP
 * connection per case, many cases at once.
 */
import type { CaseDef } from '../../cases/types.js';
import { caseResult } from '../case-result.js';
import type { CaseResult } from '../results.js';
import { Session, type SessionOptions } from '../session.js';
import { emptyTranscript } from '../transcript.js';
import { deflateBulk, estimateMs, memoryCost, schedule } from '../plan.js';
import { dial } from './dial.js';
import { answeredWrongly, runHandshakeCase } from './handshake-check.js';
import { encodeFrame, closePayload, Opcode } from '../wire/frame.js';
import { clientOffers, negotiateAsClient } from '../wire/deflate.js';
import { headerValues } from '../wire/handshake.js';
import { randomBytes } from 'node:crypto';

export interface ServerRunOptions {
  url: string;
  /** Report name; by default the server's `Server` header, else "UnknownServer" (as Autobahn). */
  agent?: string;
  cases: readonly CaseDef[];
  /** 1-based index of each case in the whole catalogue (Autobahn's `case` field in this mode). */
  caseIndex: (def: CaseDef) => number;
  concurrency: number;
  memoryBudget: number;
  session: SessionOptions;
  openHandshakeTimeoutMs: number;
  /** Cases to skip for this agent (Autobahn's exclude-agent-cases). */
  skip?: (agent: string, id: string) => boolean;
  onResult?: (r: CaseResult) => void;
  shouldStop?: () => boolean;
}

export class UnreachableTargetError extends Error {
  readonly code = 'WSCONFORM_UNREACHABLE';
}

export interface ProbeResult {
  serverHeader?: string;
  /**
   * The target answered HTTP, but not with a valid 101 (checkServerResponse's fault). That is a
   * conformance finding, not an unreachable target: every case still runs, and fails in its own
   * opening handshake, as Autobahn's fuzzing client has them fail.
   */
  handshakeFault?: string;
}

/**
 * Connects once to check the target and learn its name. Throws UnreachableTargetError when there is
 * no HTTP answer to judge: the connection fails (refused, unresolvable, TLS, timeout), nothing or
 * not HTTP comes back, or the target closes first.
 */
export async function probeServer(url: string, timeoutMs: number): Promise<ProbeResult> {
  const r = await dial({ url: new URL(url), openHandshakeTimeoutMs: timeoutMs });
  if (!r.ok) {
    if (r.fault !== undefined) return { handshakeFault: r.fault, ...(r.serverHeader !== undefined ? { serverHeader: r.serverHeader } : {}) };
    if (r.stage === 'connect') throw new UnreachableTargetError(`cannot connect to ${url}: ${r.error}`);
    const sent = JSON.stringify((r.response ?? '').slice(0, 60));
    if (r.response && !r.response.startsWith('HTTP/')) throw new UnreachableTargetError(`${url} answered the WebSocket handshake with something that is not HTTP: ${sent}`);
    throw new UnreachableTargetError(`no HTTP answer to the WebSocket handshake from ${url}: ${r.error}${r.response ? ` (it sent ${sent})` : ''}`);
  }
  // Leave politely: a masked close 1000, then TCP.
  r.socket.end(encodeFrame({ opcode: Opcode.close, payload: closePayload(1000), mask: randomBytes(4) }));
  setTimeout(() => r.socket.destroy(), 200).unref();
  return r.serverHeader === undefined ? {} : { serverHeader: r.serverHeader };
}

export async function runCaseAgainstServer(url: URL, def: CaseDef, o: Pick<ServerRunOptions, 'session' | 'openHandshakeTimeoutMs'>): Promise<ReturnType<typeof emptyTranscript>> {
  // handshake.*: a bent opening request, sent and read over a raw socket.
  if (def.expect.kind === 'handshake' || def.handshake?.request) return runHandshakeCase(url, def, o);
  const t = emptyTranscript('client', Date.now());
  const r = await dial({ url, openHandshakeTimeoutMs: o.openHandshakeTimeoutMs, extensions: clientOffers(def) });
  t.httpRequest = r.request ?? '?';
  if (!r.ok) {
    t.handshakeError = `${r.stage === 'connect' ? 'connect' : 'handshake'}: ${r.error}`;
    t.wasOpenHandshakeTimeout = r.timedOut;
    t.httpResponse = r.response || '?';
    if (r.fault !== undefined) answeredWrongly(t, r.fault, r.error);
    t.endedAtMs = Date.now() - t.startedAt;
    return t;
  }
  t.httpResponse = r.response.raw;
  // RFC 7692 §5: a response that fits none of the offers fails the connection.
  const deflate = negotiateAsClient(def, headerValues(r.response.headers, 'Sec-WebSocket-Extensions'));
  if (!deflate.ok) {
    r.socket.destroy();
    t.handshakeError = `handshake: ${deflate.error}`;
    answeredWrongly(t, 'an unacceptable permessage-deflate answer', deflate.error);
    t.endedAtMs = Date.now() - t.startedAt;
    return t;
  }
  t.openedAtMs = Date.now() - t.startedAt;
  return new Session(r.socket, def, t, o.session, deflate.value).run(r.leftover);
}

/** `handshakeFault` is the probe's: the target's opening handshake is broken, and every case ran anyway. */
export async function runAgainstServer(o: ServerRunOptions): Promise<{ agent: string; results: CaseResult[]; handshakeFault?: string }> {
  const probe = await probeServer(o.url, o.openHandshakeTimeoutMs);
  const agent = o.agent ?? probe.serverHeader ?? 'UnknownServer';
  const url = new URL(o.url);
  const results: CaseResult[] = [];
  const todo = o.cases.filter((c) => !o.skip?.(agent, c.id));
  await schedule(
    todo,
    memoryCost,
    async (def) => {
      const t = await runCaseAgainstServer(url, def, o);
      const r = caseResult(def, t, agent, o.caseIndex(def));
      results.push(r);
      o.onResult?.(r);
    },
    { concurrency: o.concurrency, memoryBudget: o.memoryBudget, priority: estimateMs, bulk: deflateBulk, ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}) },
  );
  const order = new Map(o.cases.map((c, i) => [c.id, i]));
  results.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return { agent, results, ...(probe.handshakeFault !== undefined ? { handshakeFault: probe.handshakeFault } : {}) };
}
