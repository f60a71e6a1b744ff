/**
 * Testing a server: the harness is the fuzzing client (Autobahn's "fuzzingclient" mode). One TCP
 * connection per case, many cases at once.
 */
import type { CaseDef } from '../../cases/types.js';
import { caseResult } from '../engine/case-result.js';
import type { CaseResult, InterruptedCase, PaceSummary } from '../engine/results.js';
import { Session } from '../engine/session.js';
import { type SessionOptions } from '../engine/defaults.js';
import { emptyTranscript } from '../engine/transcript.js';
import { deflateBulk, estimateMs, isBulkCase, memoryCost, schedule, waitingMemoryCost, type Slot } from '../engine/plan.js';
import { dial } from './dial.js';
import { answeredWrongly, runHandshakeCase } from './handshake-check.js';
import { encodeFrame, closePayload, Opcode } from '../wire/frame.js';
import { clientOffers, negotiateAsClient } from '../wire/deflate/per-case.js';
import { headerValues } from '../wire/handshake.js';
import { randomBytes } from 'node:crypto';
import { confirmedResult, needsConfirmation } from '../engine/confirm.js';
import { LoadMonitor, PROMPT_MS } from './load-monitor.js';
import { MonitorPace, SLOW_START } from './pace.js';
import { watchWaiting } from './waiting.js';
import { tlsTransport, type ClientTlsOptions } from './tls.js';
import type { TlsTransport } from '../engine/results.js';
import { TLSSocket } from 'node:tls';
import { dialH2, openWebSocketStream } from './h2-dial.js';
import { connectH2, H2Pool } from './h2-session.js';
import type { WireProtocol } from '../engine/results.js';

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
  /** TLS options for a wss:// URL: every connection of the run (probe, monitor, cases) uses them. */
  tls?: ClientTlsOptions;
  /** Cases to skip for this agent (Autobahn's exclude-agent-cases). */
  skip?: (agent: string, id: string) => boolean;
  onResult?: (r: CaseResult) => void;
  /** A case the run's stop signal ended before it had a verdict (see SessionOptions.interrupt). */
  onInterrupted?: (c: InterruptedCase) => void;
  shouldStop?: () => boolean;
  /** Called once the run knows how it paced itself (for the run metadata). */
  onPace?: (p: PaceSummary) => void;
  /**
   * Every WebSocket as an extended CONNECT stream over HTTP/2 (RFC 8441): h2 by ALPN for wss://, h2c
   * by prior knowledge for ws://, at most `streamsPerConnection` streams on one connection. The
   * cases that send HTTP/1.1 requests of their own (http11Only) are left out.
   */
  http2?: { streamsPerConnection: number };
}

/** A case whose opening request is HTTP/1.1 of its own (handshake.*): it has no meaning over HTTP/2. */
export function http11Only(def: CaseDef): boolean {
  return def.expect.kind === 'handshake' || def.handshake?.request !== undefined;
}

export class UnreachableTargetError extends Error {
  readonly code = 'WSCONFORM_UNREACHABLE';
  /** Set when the target's TLS certificate is what failed: trusting its CA, or no verification, would get past it. */
  readonly certificate: boolean;
  constructor(message: string, o: { certificate?: boolean } = {}) {
    super(message);
    this.certificate = o.certificate ?? false;
  }
}

export interface ProbeResult {
  serverHeader?: string;
  /**
   * The target answered HTTP, but not with a valid 101 (checkServerResponse's fault). That is a
   * conformance finding, not an unreachable target: every case still runs, and fails in its own
   * opening handshake, as Autobahn's fuzzing client has them fail.
   */
  handshakeFault?: string;
  /** The run's stop signal came before the target answered: nothing is known of it, and no case runs. */
  interrupted?: string;
  /** wss://: what the TLS handshake negotiated. */
  tls?: TlsTransport;
  /** The HTTP version the WebSockets ran over. */
  protocol?: WireProtocol;
}

/**
 * Connects once to check the target and learn its name. Throws UnreachableTargetError when there is
 * no HTTP answer to judge: the connection fails (refused, unresolvable, TLS, timeout), nothing or
 * not HTTP comes back, or the target closes first. Gives up at once when `signal` aborts. `tls`:
 * the run's TLS options, for a wss:// URL.
 */
export async function probeServer(url: string, timeoutMs: number, signal?: AbortSignal, tls?: ClientTlsOptions, o: { http2?: boolean } = {}): Promise<ProbeResult> {
  const u = new URL(url);
  if (o.http2) return probeH2Server(u, timeoutMs, signal, tls);
  const r = await dial({ url: u, openHandshakeTimeoutMs: timeoutMs, ...(tls ? { tls } : {}), ...(signal ? { signal } : {}) });
  if (!r.ok && signal?.aborted) return { interrupted: `${String(signal.reason)} while checking the target` };
  if (!r.ok) {
    if (r.fault !== undefined) return { handshakeFault: r.fault, ...(r.serverHeader !== undefined ? { serverHeader: r.serverHeader } : {}) };
    if (r.tls) throw new UnreachableTargetError(`TLS handshake with ${url} failed: ${r.tls.cause} (${r.tls.code})`, { certificate: r.tls.certificate });
    if (r.stage === 'connect') throw new UnreachableTargetError(`cannot connect to ${url}: ${r.error}`);
    const sent = JSON.stringify((r.response ?? '').slice(0, 60));
    if (r.response && !r.response.startsWith('HTTP/')) throw new UnreachableTargetError(`${url} answered the WebSocket handshake with something that is not HTTP: ${sent}`);
    throw new UnreachableTargetError(`no HTTP answer to the WebSocket handshake from ${url}: ${r.error}${r.response ? ` (it sent ${sent})` : ''}`);
  }
  // Leave politely: a masked close 1000, then TCP.
  r.socket.end(encodeFrame({ opcode: Opcode.close, payload: closePayload(1000), mask: randomBytes(4) }));
  setTimeout(() => r.socket.destroy(), 200).unref();
  const found: ProbeResult = r.serverHeader === undefined ? {} : { serverHeader: r.serverHeader };
  if (r.socket instanceof TLSSocket) found.tls = tlsTransport(r.socket, tls, u.hostname.replace(/^\[|\]$/g, ''));
  found.protocol = 'http/1.1';
  return found;
}

/**
 * probeServer over HTTP/2: the connection (TLS with ALPN h2, or h2c), the server's SETTINGS and
 * one extended CONNECT. No HTTP/2 connection, or no SETTINGS, is an unreachable target; SETTINGS
 * without extended CONNECT, or an answer other than a 2xx, is a handshake fault (every case runs
 * and fails in its opening handshake).
 */
async function probeH2Server(u: URL, timeoutMs: number, signal: AbortSignal | undefined, tls: ClientTlsOptions | undefined): Promise<ProbeResult> {
  const c = await connectH2({ url: u, timeoutMs, ...(tls ? { tls } : {}), ...(signal ? { signal } : {}) });
  if (!c.ok && signal?.aborted) return { interrupted: `${String(signal.reason)} while checking the target` };
  if (!c.ok) {
    if (c.tls) throw new UnreachableTargetError(`TLS handshake with ${u.href} failed: ${c.tls.cause} (${c.tls.code})`, { certificate: c.tls.certificate });
    if (c.stage === 'connect' && c.alpn === undefined) throw new UnreachableTargetError(`cannot connect to ${u.href}: ${c.error}`);
    throw new UnreachableTargetError(`no HTTP/2 from ${u.href}: ${c.error}`);
  }
  const found: ProbeResult = { protocol: c.protocol, ...(c.tls ? { tls: c.tls } : {}) };
  try {
    const r = await openWebSocketStream(c, { url: u, timeoutMs, ...(signal ? { signal } : {}) });
    if (!r.ok && signal?.aborted) return { interrupted: `${String(signal.reason)} while checking the target` };
    if (!r.ok) {
      if (r.serverHeader !== undefined) found.serverHeader = r.serverHeader;
      // No answer at all to the CONNECT (a timeout) is as unreachable as a silent HTTP/1.1 server.
      if (r.fault === undefined && !r.unprocessed) throw new UnreachableTargetError(`no answer to the extended CONNECT from ${u.href}: ${r.error}`);
      found.handshakeFault = r.fault ?? `the server did not process the extended CONNECT`;
      return found;
    }
    if (r.serverHeader !== undefined) found.serverHeader = r.serverHeader;
    r.socket.end(encodeFrame({ opcode: Opcode.close, payload: closePayload(1000), mask: randomBytes(4) }));
    return found;
  } finally {
    const s = c.session;
    setTimeout(() => s.destroy(), 200).unref();
    s.close();
  }
}

/** `slot`: the case's place in the run, lent while a bulk echo only waits (waiting.ts; needs the session's pulse). */
export async function runCaseAgainstServer(
  url: URL,
  def: CaseDef,
  o: Pick<ServerRunOptions, 'session' | 'openHandshakeTimeoutMs' | 'tls'> & { slot?: Slot; h2?: H2Pool },
): Promise<ReturnType<typeof emptyTranscript>> {
  // handshake.*: a deviating opening request, sent and read over a raw socket.
  if (def.expect.kind === 'handshake' || def.handshake?.request) return runHandshakeCase(url, def, o);
  const cut = { lost: false };
  const t = await playCase(url, def, o, cut);
  if (!cut.lost || t.interrupted || o.session.interrupt?.aborted) return t;
  // Over HTTP/2 one connection carries many cases: one that ended under this case's stream says
  // nothing of this case (another stream may have failed it), so the case is played once more on a
  // connection of its own, and that verdict stands.
  const again = await playCase(url, def, { ...o, dedicated: true }, { lost: false });
  again.wirelog.unshift({ t: 0, kind: 'note', text: "played again on an HTTP/2 connection of its own: the target's connection ended under the first try's stream (that of another case, perhaps)" });
  return again;
}

async function playCase(
  url: URL,
  def: CaseDef,
  o: Pick<ServerRunOptions, 'session' | 'openHandshakeTimeoutMs' | 'tls'> & { slot?: Slot; h2?: H2Pool; dedicated?: boolean },
  cut: { lost: boolean },
): Promise<ReturnType<typeof emptyTranscript>> {
  const t = emptyTranscript('client', Date.now());
  const signal = o.session.interrupt;
  const r = o.h2
    ? await dialH2(o.h2, { url, timeoutMs: o.openHandshakeTimeoutMs, extensions: clientOffers(def), ...(o.dedicated ? { dedicated: true } : {}), ...(signal ? { signal } : {}) })
    : await dial({ url, openHandshakeTimeoutMs: o.openHandshakeTimeoutMs, extensions: clientOffers(def), ...(o.tls ? { tls: o.tls } : {}), ...(signal ? { signal } : {}) });
  t.httpRequest = r.request ?? '?';
  if (!r.ok && signal?.aborted) t.interrupted = `${String(signal.reason)} during the opening handshake`;
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
  if (o.slot && o.session.pulse && isBulkCase(def)) watchWaiting(r.socket, o.slot, o.session.pulse);
  const played = await new Session(r.socket, def, t, o.session, deflate.value).run(r.leftover);
  if ('ending' in r.socket && r.socket.ending?.connectionLost) cut.lost = true;
  return played;
}

/**
 * `handshakeFault` is the probe's: the target's opening handshake is broken, and every case ran
 * anyway. `tls`: what the probe's TLS handshake negotiated (wss://).
 */
export async function runAgainstServer(o: ServerRunOptions): Promise<{ agent: string; results: CaseResult[]; handshakeFault?: string; tls?: TlsTransport; protocol?: WireProtocol }> {
  const probe = await probeServer(o.url, o.openHandshakeTimeoutMs, o.session.interrupt, o.tls, { http2: o.http2 !== undefined });
  const agent = o.agent ?? probe.serverHeader ?? 'UnknownServer';
  if (probe.interrupted !== undefined) return { agent, results: [], ...(probe.tls ? { tls: probe.tls } : {}) };
  const url = new URL(o.url);
  const results = new Map<string, CaseResult>();
  const todo = o.cases.filter((c) => !o.skip?.(agent, c.id) && !(o.http2 && http11Only(c)));
  const h2 = o.http2
    ? new H2Pool({
        url,
        timeoutMs: o.openHandshakeTimeoutMs,
        streamsPerConnection: o.http2.streamsPerConnection,
        ...(o.tls ? { tls: o.tls } : {}),
        ...(o.session.interrupt ? { signal: o.session.interrupt } : {}),
      })
    : undefined;
  const stopped = (): boolean => (o.shouldStop?.() ?? false) || (o.session.interrupt?.aborted ?? false);
  // One case at a time needs no pacing; the monitor still tells the bulk echoes a stalled target from a busy one.
  const monitor = await LoadMonitor.open(url, o.openHandshakeTimeoutMs, o.session.interrupt, o.tls, h2);
  const pace = monitor && o.concurrency > 1 ? new MonitorPace(monitor, o.concurrency, { start: Math.min(o.concurrency, SLOW_START) }) : null;
  const session = monitor ? { ...o.session, pulse: monitor } : o.session;
  const play = async (def: CaseDef, slot?: Slot): Promise<{ r: CaseResult; lagMs: number; confirm: boolean } | null> => {
    const t = await runCaseAgainstServer(url, def, { ...o, session, ...(slot ? { slot } : {}), ...(h2 ? { h2 } : {}) });
    if (t.interrupted) {
      o.onInterrupted?.({ agent, id: def.id, why: t.interrupted });
      return null;
    }
    const r = caseResult(def, t, agent, o.caseIndex(def));
    const lagMs = monitor ? monitor.maxLagMs(Date.now() - t.startedAt) : Infinity;
    return { r, lagMs, confirm: needsConfirmation(r, t, lagMs, PROMPT_MS) };
  };
  type Suspect = { def: CaseDef; first: CaseResult; lagMs: number };
  /** Plays `defs` at most `width` at once under `paceNow`, handing each case that got a verdict to `onPlayed`. */
  const pass = async (defs: CaseDef[], width: number, paceNow: MonitorPace | null, onPlayed: (def: CaseDef, p: NonNullable<Awaited<ReturnType<typeof play>>>) => void): Promise<void> => {
    await schedule(
      defs,
      memoryCost,
      async (def, slot) => {
        const p = await play(def, slot);
        if (p) onPlayed(def, p);
      },
      { concurrency: width, memoryBudget: o.memoryBudget, priority: estimateMs, bulk: deflateBulk, waitingCost: waitingMemoryCost, shouldStop: stopped, ...(paceNow ? { pace: paceNow } : {}) },
    );
  };
  let confirmed = 0;
  let changed = 0;
  const settle = (s: Suspect, p: { r: CaseResult }, how: { unmonitored?: boolean } = {}): void => {
    const r = confirmedResult(p.r, s.first, s.lagMs, how);
    confirmed++;
    if (!r.confirmedAlone?.same) changed++;
    results.set(s.def.id, r);
    o.onResult?.(r);
  };
  try {
    const suspects: Suspect[] = [];
    await pass(todo, o.concurrency, pace, (def, p) => {
      results.set(def.id, p.r);
      o.onResult?.(p.r);
      if (p.confirm && o.concurrency > 1) suspects.push({ def, first: p.r, lagMs: p.lagMs });
    });
    // The second look (confirm.ts): the suspects again, bulk cases apart from the short ones, while
    // the monitor watches; a verdict that again came from a timer while the target lagged gets a
    // third look with nothing else running at all.
    const alone: Suspect[] = [];
    const byId = new Map(suspects.map((x) => [x.def.id, x]));
    if (!monitor?.answered && suspects.length > 1) {
      // A target that never answered the monitor's pings, idle as it was then, says nothing of its
      // load: the suspects are played once more at a quarter of the width, and that verdict stands
      // (one at a time, a target that answers nothing would take minutes for nothing).
      await pass(
        suspects.map((x) => x.def),
        Math.max(1, Math.floor(o.concurrency / 4)),
        null,
        (def, p) => settle(byId.get(def.id)!, p, { unmonitored: true }),
      );
    } else if (monitor && suspects.length > 1) {
      await pass(
        suspects.map((x) => x.def),
        o.concurrency,
        new MonitorPace(monitor, o.concurrency, { slow: true, start: pace?.lowest ?? o.concurrency }),
        (def, p) => {
          const s = byId.get(def.id)!;
          if (p.confirm) alone.push(s);
          else settle(s, p);
        },
      );
    } else {
      alone.push(...suspects);
    }
    for (const s of alone) {
      if (stopped()) break;
      const p = await play(s.def);
      if (!p) break;
      settle(s, p);
    }
    o.onPace?.({ monitored: monitor?.answered ?? false, lowestConcurrency: pace?.lowest ?? o.concurrency, bulkApart: pace?.slow ?? false, confirmed, changed });
  } finally {
    monitor?.close();
    h2?.close();
  }
  const order = new Map(o.cases.map((c, i) => [c.id, i]));
  const sorted = [...results.values()].sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return {
    agent,
    results: sorted,
    ...(probe.handshakeFault !== undefined ? { handshakeFault: probe.handshakeFault } : {}),
    ...(probe.tls ? { tls: probe.tls } : {}),
    ...(probe.protocol ? { protocol: probe.protocol } : {}),
  };
}
