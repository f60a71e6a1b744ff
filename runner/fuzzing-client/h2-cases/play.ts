/**
 * Playing one h2.* case (cases/own/h2.ts) on an HTTP/2 connection of its own and recording what it
 * showed (H2Seen); runner/engine/verdicts/h2.ts decides. Every wait ends by the case's time limit, so
 * a server that stalls, never sends SETTINGS or never answers gives a verdict, never a hang.
 */
import type { CaseDef, H2Check } from '../../../cases/types.js';
import type { H2Seen, H2StreamSeen, RawAnswer } from '../../engine/verdicts/h2.js';
import { Opcode } from '../../wire/frame.js';
import type { ClientTlsOptions } from '../tls.js';
import type { H2Connect, H2CaseConnection } from './connect.js';
import { RawH2 } from './raw.js';
import { extendedConnect, WsStream } from './ws-stream.js';

export interface H2PlayOptions {
  connect: H2Connect;
  tls?: ClientTlsOptions;
  /** How long any one answer may take (and how long a transfer may stand still). */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The deterministic payload of the flow-control message: a 251-octet cycle, so that a shifted or repeated window shows. */
function flowPayload(bytes: number): Buffer {
  const cycle = Buffer.from(Array.from({ length: 251 }, (_, i) => i));
  return Buffer.alloc(bytes, cycle);
}

/**
 * The close handshake as a client over HTTP/2: close `code`, wait for the server's close frame, then
 * for the server's END_STREAM (the server ends first, as it closes TCP first in RFC 6455 §7.1.1), at
 * most `endWaitMs`; then END_STREAM. Only in that order can the server's end be seen: once the harness
 * has ended its side of a CONNECT stream, node:http2 closes the stream (CANCEL) without waiting.
 */
async function closeWebSocket(ws: WsStream, o: { timeoutMs: number; endWaitMs: number }, code = 1000): Promise<void> {
  if (ws.done) return;
  if (ws.seen.closeCode === undefined) {
    await ws.sendClose(code);
    await ws.until(() => ws.seen.closeCode !== undefined, o.timeoutMs);
  } else await ws.sendClose(code);
  if (!ws.seen.endStream && ws.seen.rstCode === null) {
    await ws.until(() => ws.seen.endStream || ws.seen.rstCode !== null, o.endWaitMs);
    ws.seen.timedOut = false;
  }
  ws.end();
  ws.reset();
}

/** How long a case other than h2.close-end-stream waits for the server to end a closed stream (that case waits a whole time limit). */
const END_WAIT_MS = 1000;
const closing = (o: H2PlayOptions): { timeoutMs: number; endWaitMs: number } => ({ timeoutMs: o.timeoutMs, endWaitMs: Math.min(END_WAIT_MS, o.timeoutMs) });

type Probe<P extends H2Check['probe']> = (conn: H2CaseConnection, url: URL, check: Extract<H2Check, { probe: P }>, seen: H2Seen, o: H2PlayOptions) => Promise<void>;

const open = (conn: H2CaseConnection, url: URL, seen: H2Seen, label: string, o: ConstructorParameters<typeof WsStream>[3] = {}): WsStream => {
  const ws = new WsStream(conn, url, label, o);
  seen.streams.push(ws.seen);
  return ws;
};

const accept: Probe<'accept'> = async (conn, url, check, seen, o) => {
  const ws = open(conn, url, seen, 'ws', check.protocols ? { protocols: check.protocols } : {});
  if (!(await ws.opened(o.timeoutMs))) return ws.reset();
  await ws.sendText(check.echo);
  await ws.until(() => ws.seen.messages.length > 0 || ws.seen.closeCode !== undefined, o.timeoutMs);
  await closeWebSocket(ws, closing(o));
};

const refuse: Probe<'refuse'> = async (conn, url, check, seen, o) => {
  const probe = open(conn, url, seen, 'probe', { bend: check.bend });
  const accepted = await probe.opened(o.timeoutMs);
  // A refusal may end its stream (END_STREAM) or reset it; give it a moment.
  if (!accepted) await probe.until(() => probe.seen.endStream, Math.min(500, o.timeoutMs));
  // The follow-up opens while an accepted probe is still open: some servers end an idle connection once its last WebSocket closes.
  const follow = open(conn, url, seen, 'follow-up');
  const followed = await follow.opened(o.timeoutMs);
  if (accepted) await closeWebSocket(probe, closing(o));
  else probe.reset();
  if (followed) await closeWebSocket(follow, closing(o));
  else follow.reset();
};

const flowControl: Probe<'flow-control'> = async (conn, url, check, seen, o) => {
  const ws = open(conn, url, seen, 'ws', { keepBinaries: true });
  const payload = flowPayload(check.bytes);
  seen.flow = { sent: payload.length, echoed: 0, equal: false, sendWindow: null };
  if (!(await ws.opened(o.timeoutMs))) return ws.reset();
  void ws.send({ opcode: Opcode.binary, payload });
  // Done when the echo is in; stalled when nothing moved (octets in, the send window, the queue) for a whole time limit.
  const state = (): string => `${ws.payloadOctets}/${ws.sendWindow()}/${conn.session.state.outboundQueueSize}`;
  // A server that keeps the window moving without ever echoing (a WINDOW_UPDATE flood) still ends by this.
  const deadline = Date.now() + Math.max(60_000, 12 * o.timeoutMs);
  for (;;) {
    if (Date.now() > deadline) {
      seen.notes.push(`the transfer was still not done after ${Math.round((Date.now() - seen.startedAt) / 1000)} s: the harness gave up`);
      break;
    }
    const before = state();
    const moved = await ws.until(() => ws.binaries.length > 0 || ws.seen.violation !== undefined || state() !== before, o.timeoutMs);
    if (!moved || ws.binaries.length > 0 || ws.seen.violation !== undefined || ws.done) break;
    ws.seen.timedOut = false;
    await new Promise((r) => setTimeout(r, 50));
  }
  const echo = ws.binaries[0];
  seen.flow = { sent: payload.length, echoed: echo?.length ?? Math.min(ws.payloadOctets, payload.length - 1), equal: echo?.equals(payload) ?? false, sendWindow: ws.sendWindow() };
  if (echo) await closeWebSocket(ws, closing(o));
  else ws.reset();
};

const isolation: Probe<'isolation'> = async (conn, url, check, seen, o) => {
  const bad = open(conn, url, seen, 'bad');
  const other = open(conn, url, seen, 'other');
  const opened = await Promise.all([bad.opened(o.timeoutMs), other.opened(o.timeoutMs)]);
  if (!opened.every(Boolean)) {
    bad.reset();
    other.reset();
    return;
  }
  if (check.bad === 'unmasked') await bad.send({ opcode: Opcode.text, payload: Buffer.from('Hello, unmasked'), masked: false });
  else await bad.send({ opcode: 3, payload: Buffer.from('reserved') });
  await bad.until(() => bad.seen.closeCode !== undefined || bad.seen.endStream, o.timeoutMs);
  // The other WebSocket is tried before the bad one is closed from this side: only the server's reaction to the bad frame counts.
  await other.sendText('Hello, other stream');
  await other.until(() => other.seen.messages.length > 0 || other.seen.closeCode !== undefined, o.timeoutMs);
  if (bad.seen.closeCode !== undefined) await closeWebSocket(bad, closing(o), 1002);
  else bad.reset();
  await closeWebSocket(other, closing(o));
};

const close: Probe<'close'> = async (conn, url, _check, seen, o) => {
  const ws = open(conn, url, seen, 'ws');
  if (!(await ws.opened(o.timeoutMs))) return ws.reset();
  await closeWebSocket(ws, { timeoutMs: o.timeoutMs, endWaitMs: o.timeoutMs });
};

const closeOthers: Probe<'close-others'> = async (conn, url, _check, seen, o) => {
  const first = open(conn, url, seen, 'closed');
  const other = open(conn, url, seen, 'other');
  const opened = await Promise.all([first.opened(o.timeoutMs), other.opened(o.timeoutMs)]);
  if (!opened.every(Boolean)) {
    first.reset();
    other.reset();
    return;
  }
  await closeWebSocket(first, closing(o));
  // A moment for a server that tears the connection down after a stream's end to do so.
  await other.until(() => false, Math.min(200, o.timeoutMs));
  other.seen.timedOut = false;
  await other.sendText('Hello, other stream');
  await other.until(() => other.seen.messages.length > 0 || other.seen.closeCode !== undefined, o.timeoutMs);
  await closeWebSocket(other, closing(o));
};

const PROBES: { [P in Exclude<H2Check['probe'], 'raw-headers'>]: Probe<P> } = {
  settings: async () => {},
  accept,
  refuse,
  'flow-control': flowControl,
  isolation,
  close,
  'close-others': closeOthers,
};

/** A stream entry for the report of a hand-made request. */
function rawStream(label: string, request: Array<[string, string]>, a: RawAnswer): H2StreamSeen {
  const response = a.kind === 'response' ? a : null;
  return {
    label,
    request,
    status: response?.status ?? null,
    headers: [],
    messages: [],
    endStream: response?.endStream ?? false,
    rstCode: a.kind === 'reset' ? a.code : (response?.rstCode ?? null),
    timedOut: a.kind === 'timeout',
    error: null,
  };
}

async function playRaw(check: Extract<H2Check, { probe: 'raw-headers' }>, url: URL, seen: H2Seen, o: H2PlayOptions): Promise<void> {
  const raw = new RawH2(url, o.tls ? { tls: o.tls } : {});
  try {
    seen.settings = await raw.settings(o.timeoutMs);
    if (!seen.settings) {
      seen.sessionError = raw.error;
      return;
    }
    // Either case needs one state of the setting: the judge says why the other is not played.
    if (seen.settings.enableConnectProtocol !== (check.when === 'always')) return;
    const fields = extendedConnect(url, { bend: check.bend });
    const answer = await raw.request(fields, o.timeoutMs);
    seen.streams.push(rawStream('probe', fields, answer));
    let followUp: RawAnswer | null = null;
    if (check.when === 'always' && (answer.kind === 'response' || answer.kind === 'reset')) {
      const good = extendedConnect(url);
      followUp = await raw.request(good, o.timeoutMs);
      seen.streams.push(rawStream('follow-up', good, followUp));
    }
    seen.raw = { answer, followUp };
  } finally {
    raw.close();
  }
}

export async function playH2Case(def: CaseDef, url: URL, o: H2PlayOptions): Promise<H2Seen> {
  if (def.expect.kind !== 'h2') throw new TypeError(`${def.id} is not an h2.* case`);
  const check = def.expect.check;
  const startedAt = Date.now();
  const seen: H2Seen = { settings: null, sessionError: null, goaway: null, streams: [], timeoutMs: o.timeoutMs, startedAt, durationMs: 0, notes: [] };
  if (check.probe === 'raw-headers') await playRaw(check, url, seen, o).catch((e: Error) => (seen.sessionError = e.message));
  else {
    let conn: H2CaseConnection;
    try {
      conn = await o.connect(url, { timeoutMs: o.timeoutMs, ...(o.tls ? { tls: o.tls } : {}), ...(o.signal ? { signal: o.signal } : {}) });
    } catch (e) {
      // A dialer that throws (a URL node:http2 refuses, bad TLS options) is the case's finding, not the run's crash.
      seen.sessionError = (e as Error).message;
      seen.durationMs = Date.now() - startedAt;
      return seen;
    }
    try {
      seen.settings = conn.settings ? { enableConnectProtocol: conn.settings.enableConnectProtocol === true } : null;
      seen.sessionError = conn.error;
      if (seen.settings?.enableConnectProtocol) await (PROBES[check.probe] as Probe<typeof check.probe>)(conn, url, check as never, seen, o);
    } finally {
      seen.goaway = conn.goaway;
      if (conn.closedByServer) {
        seen.connectionClosed = true;
        // node:http2 closes the streams of a lost connection with CANCEL of its own: not the server's resets.
        for (const s of seen.streams)
          if (s.rstCode === 8 && !conn.goaway) {
            s.rstCode = null;
            s.error ??= 'the server closed the connection';
          }
      }
      conn.closingByMe = true;
      if (conn.errors.length > 0) seen.notes.push(`HTTP/2 connection errors: ${conn.errors.join('; ')}`);
      // Every stream is over by now: a GOAWAY of our own, then the socket.
      conn.session.close();
      setTimeout(() => conn.session.destroy(), 200).unref();
    }
  }
  seen.durationMs = Date.now() - startedAt;
  return seen;
}
