/**
 * Running fuzz cases fast. A session per case costs an opening handshake per sequence, which is
 * most of what a sequence costs; so this driver plays several sequences on one connection when
 * the model says that is safe: no sequence but the last of a batch requires the target to fail the
 * connection, none leaves a message open, and each ends with its own final ping, so a conformant
 * target treats each exactly as it would alone. The target's answers are shared out by order (messages
 * and pongs are each answered in order), and each sequence gets its own transcript, judged by the
 * same oracle as a single session (runner/engine/verdicts/fuzz-oracle.ts). When the target fails or stalls in the
 * middle of a batch, the sequence it was on gets the verdict and the ones after it run again in
 * other batches.
 */
import { randomBytes } from 'node:crypto';
import type { CaseDef } from '../../cases/types.js';
import { dial } from '../fuzzing-client/dial.js';
import { dialH2 } from '../fuzzing-client/h2-dial.js';
import type { H2Pool } from '../fuzzing-client/h2-session.js';
import type { ClientTlsOptions } from '../fuzzing-client/tls.js';
import type { WireEntry } from '../engine/results.js';
import { DEFAULT_WIRE_LOG_LINES } from '../engine/defaults.js';
import { WireLog } from '../engine/wire-log.js';
import { MAX_KEPT_PAYLOAD, emptyTranscript, type RecordedEvent, type Transcript } from '../engine/transcript.js';
import { FrameDecoder } from '../wire/decoder.js';
import { closePayload, encodeFrame, Opcode } from '../wire/frame.js';
import { MessageReader, type Violation } from '../wire/reader.js';

export interface FuzzRunOptions {
  url: URL;
  /** The run's TLS options (wss://). */
  tls?: ClientTlsOptions;
  /** Over HTTP/2 (test-server --http2): each batch is an extended CONNECT stream of these connections. */
  h2?: H2Pool;
  concurrency: number;
  /** Sequences per connection at most (1: a connection each). */
  batchSize?: number;
  openHandshakeTimeoutMs: number;
  closeHandshakeTimeoutMs?: number;
  maxMessageSize?: number;
  /**
   * Hard limit for one connection (a batch), as a session's case limit: a target that keeps sending
   * unsolicited pongs or stray messages resets the inactivity timer forever. Default 60 s.
   */
  caseTimeoutMs?: number;
  onResult: (def: CaseDef, t: Transcript) => void;
  shouldStop?: () => boolean;
}

interface Item {
  def: CaseDef;
  writes: Buffer[];
  timeoutMs: number;
  messages: number;
  pongs: number;
  mustFail: boolean;
  /** Another sequence may follow this one on the same connection (it must not fail it, and leaves no message open). */
  chainable: boolean;
}

function itemOf(def: CaseDef): Item {
  if (def.expect.kind !== 'fuzz') throw new TypeError(`${def.id} is not a fuzz case`);
  const writes = def.steps.flatMap((s) => (s.do === 'write' ? [Buffer.from(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength)] : []));
  const kill = def.steps.find((s) => s.do === 'killAfter');
  const m = def.expect.model;
  return {
    def,
    writes,
    timeoutMs: kill?.do === 'killAfter' ? kill.ms : 1000,
    messages: def.expect.model.messages.length,
    pongs: def.expect.model.pongs.length,
    mustFail: def.expect.model.mustFail,
    // A target may refuse a tolerated oddity: then the sequences after it run again elsewhere.
    chainable: !m.mustFail && !m.openAtEnd,
  };
}

/** Runs every fuzz case in `defs` and reports a transcript for each through `onResult`. */
export async function runFuzzCases(defs: readonly CaseDef[], o: FuzzRunOptions): Promise<void> {
  const queue = defs.map(itemOf);
  let batchSize = Math.max(1, o.batchSize ?? 64);
  // Set once an HTTP/2 connection of the target ended under a batch's stream (see below).
  let alone = false;
  const next = (): Item[] => {
    const batch: Item[] = [];
    while (queue.length > 0 && batch.length < batchSize) {
      const item = queue.shift()!;
      batch.push(item);
      if (!item.chainable) break;
    }
    return batch;
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      if (o.shouldStop?.()) return;
      const batch = next();
      if (batch.length === 0) return;
      const playedAlone = alone;
      const { done, rest, connectionLost } = await runBatch(batch, o, playedAlone);
      if (connectionLost && !playedAlone) {
        // Over HTTP/2 one connection carries many batches: one whose stream ended because the whole
        // connection went away (a target that fails another stream by closing its connection, as
        // Hypercorn does, and may drop answers it had not flushed) says nothing of its sequences.
        // From then on every sequence runs alone, each on a connection of its own, and the batches
        // that were lost run again so.
        alone = true;
        batchSize = 1;
        if (o.h2) o.h2.isolating = true;
        queue.unshift(...batch);
        continue;
      }
      for (const [item, t] of done) o.onResult(item.def, t);
      queue.unshift(...rest);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
}

interface BatchOutcome {
  done: Array<[Item, Transcript]>;
  /** Sequences the connection never reached. */
  rest: Item[];
  /** Over HTTP/2: the stream ended because its whole connection did. */
  connectionLost: boolean;
}

async function runBatch(batch: Item[], o: FuzzRunOptions, alone: boolean): Promise<BatchOutcome> {
  const startedAt = Date.now();
  const r = o.h2
    ? await dialH2(o.h2, { url: o.url, timeoutMs: o.openHandshakeTimeoutMs })
    : await dial({ url: o.url, openHandshakeTimeoutMs: o.openHandshakeTimeoutMs, ...(o.tls ? { tls: o.tls } : {}) });
  if (!r.ok) {
    const t = emptyTranscript('client', startedAt);
    t.handshakeError = `${r.stage}: ${r.error}`;
    t.wasOpenHandshakeTimeout = r.timedOut;
    t.httpRequest = r.request ?? '?';
    t.httpResponse = r.response || '?';
    t.endedAtMs = Date.now() - startedAt;
    return { done: [[batch[0]!, t]], rest: batch.slice(1), connectionLost: false };
  }
  const openedAtMs = Date.now() - startedAt;
  const socket = r.socket;
  const now = (): number => Date.now() - startedAt;
  const decoder = new FrameDecoder({ maxPayload: o.maxMessageSize ?? 64 * 1024 * 1024 });
  const reader = new MessageReader({ expectMasked: false, maxMessageSize: o.maxMessageSize ?? 64 * 1024 * 1024, inflater: null });
  const events: Array<{ e: RecordedEvent; t: number }> = [];
  let messages = 0;
  let pongs = 0;
  let current = 0;
  let state: 'open' | 'closing' | 'closed' = 'open';
  let closedByMe = false;
  let failedByMe = false;
  let wasClean = false;
  let localCloseCode: number | null = null;
  let remoteCloseCode: number | null = null;
  let remoteCloseReason: Buffer | null = null;
  let violation: Violation | null = null;
  let notCleanReason: string | null = null;
  let targetEnded = false;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const timeoutMs = Math.max(...batch.map((b) => b.timeoutMs));
  let inactivity: NodeJS.Timeout | null = null;
  let closeTimer: NodeJS.Timeout | null = null;
  // At least one sequence's own timer and its close fit in the hard limit.
  const hardLimitMs = Math.max(o.caseTimeoutMs ?? 60_000, timeoutMs + (o.closeHandshakeTimeoutMs ?? 1000));
  let hardLimitHit = false;

  const write = (bytes: Buffer): void => {
    if (!socket.destroyed && !socket.writableEnded) socket.write(bytes);
  };
  const sendClose = (code: number, waitMs = o.closeHandshakeTimeoutMs ?? 1000): void => {
    if (state !== 'open') return;
    state = 'closing';
    localCloseCode = code;
    write(encodeFrame({ opcode: Opcode.close, payload: closePayload(code), mask: randomBytes(4) }));
    closeTimer = setTimeout(() => {
      notCleanReason ??= 'the target did not answer the close frame in time';
      end();
    }, waitMs);
  };
  const end = (): void => {
    if (state === 'closed') return;
    state = 'closed';
    socket.destroy();
  };
  const touch = (): void => {
    if (inactivity) clearTimeout(inactivity);
    inactivity = setTimeout(() => {
      if (state !== 'open') return;
      closedByMe = true;
      failedByMe = true;
      // The target stopped answering: the verdict is known, a long wait for its close would tell nothing.
      sendClose(1001, 100);
    }, timeoutMs);
  };
  const advance = (): void => {
    while (current < batch.length) {
      const item = batch[current]!;
      const msgEnd = batch.slice(0, current + 1).reduce((s, b) => s + b.messages, 0);
      const pongEnd = batch.slice(0, current + 1).reduce((s, b) => s + b.pongs, 0);
      if (item.mustFail || messages < msgEnd || pongs < pongEnd) return;
      current++;
    }
    if (state === 'open') {
      closedByMe = true;
      sendClose(1000);
    }
  };
  const record = (e: RecordedEvent): void => {
    events.push({ e, t: now() });
    touch();
    advance();
  };

  // Over HTTP/2 the stream's END_STREAM and RST_STREAM stand for TCP's FIN and RST (RFC 8441 §5).
  if ('setNoDelay' in socket) socket.setNoDelay(true);
  socket.on('error', () => undefined);
  socket.on('end', () => (targetEnded = true));
  const hardTimer = setTimeout(() => {
    if (state === 'closed') return;
    hardLimitHit = true;
    closedByMe = true;
    failedByMe = true;
    notCleanReason ??= `the connection reached its hard time limit (${hardLimitMs} ms)`;
    end();
  }, hardLimitMs);
  socket.on('close', () => {
    state = 'closed';
    if (inactivity) clearTimeout(inactivity);
    if (closeTimer) clearTimeout(closeTimer);
    clearTimeout(hardTimer);
    done();
  });
  const onData = (d: Buffer): void => {
    if (state === 'closed') return;
    for (const f of decoder.push(d)) {
      for (const ev of reader.push(f)) {
        if (ev.type === 'message') {
          messages++;
          const keep = ev.payload.length <= MAX_KEPT_PAYLOAD;
          record({ type: 'message', binary: ev.binary, length: ev.payload.length, payload: keep ? ev.payload : null, sha1: null });
        } else if (ev.type === 'pong') {
          pongs++;
          record({ type: 'pong', payload: ev.payload });
        } else if (ev.type === 'ping') {
          if (state === 'open') write(encodeFrame({ opcode: Opcode.pong, payload: ev.payload, mask: randomBytes(4) }));
        } else if (ev.type === 'close') {
          remoteCloseCode = ev.code;
          remoteCloseReason = ev.reason;
          wasClean = true;
          if (state === 'open') {
            // The target failed (or closed) the connection: answer, then let it drop TCP.
            write(encodeFrame({ opcode: Opcode.close, payload: closePayload(1000), mask: randomBytes(4) }));
            state = 'closing';
          }
          if (closeTimer) clearTimeout(closeTimer);
          socket.end();
          closeTimer = setTimeout(end, o.closeHandshakeTimeoutMs ?? 1000);
        } else if (ev.type === 'violation') {
          violation ??= ev.violation;
          if (f.opcode === Opcode.close && f.payload.length >= 2) remoteCloseCode = f.payload.readUInt16BE(0);
          failedByMe = true;
          closedByMe ||= state === 'open';
          if (state === 'open') sendClose(ev.violation.closeCode);
          else end();
        }
      }
    }
    if (decoder.error && !violation) {
      violation = { code: decoder.error.code, closeCode: decoder.error.closeCode, message: decoder.error.message };
      failedByMe = true;
      end();
    }
  };
  socket.on('data', onData);
  if (r.leftover.length > 0) onData(r.leftover);
  socket.resume();
  touch();
  for (const item of batch) for (const w of item.writes) write(w);
  await finished;
  const endedAtMs = now();

  // Share the answers out: message k and pong k belong to the sequence whose range holds k.
  const out: BatchOutcome = { done: [], rest: [], connectionLost: 'ending' in socket && socket.ending?.connectionLost === true };
  let msgFrom = 0;
  let pongFrom = 0;
  for (let i = 0; i < batch.length; i++) {
    const item = batch[i]!;
    if (i > current) {
      out.rest.push(item);
      continue;
    }
    const last = i === current;
    const msgTo = last ? Infinity : msgFrom + item.messages;
    const pongTo = last ? Infinity : pongFrom + item.pongs;
    const t = emptyTranscript('client', startedAt);
    t.openedAtMs = openedAtMs;
    t.httpRequest = r.request;
    t.httpResponse = r.response.raw;
    let m = 0;
    let p = 0;
    for (const { e } of events) {
      if (e.type === 'message' && m++ >= msgFrom && m <= msgTo) t.received.push(e);
      if (e.type === 'pong' && p++ >= pongFrom && p <= pongTo) t.received.push(e);
    }
    t.wirelog = wirelogFor(item, i, batch.length, last && current < batch.length, alone && o.h2 !== undefined);
    if (last && current < batch.length) {
      // The sequence the connection ended on: the real end of the connection.
      Object.assign(t, { closedByMe, failedByMe, wasClean, localCloseCode, remoteCloseCode, remoteCloseReason });
      if (violation) t.violations.push(violation);
      t.wasNotCleanReason = wasClean ? null : (notCleanReason ?? (targetEnded ? 'the target closed TCP without a closing handshake' : 'the harness closed TCP'));
      t.droppedByMe = !targetEnded;
      t.tcpEnd = targetEnded ? 'peer-fin' : 'harness';
      if (failedByMe && localCloseCode === 1001) t.timedOutWaitingFor = 'the target to answer the final ping or fail the connection';
      if (hardLimitHit) t.timedOutWaitingFor ??= `the target to answer the final ping or fail the connection, within the hard limit of ${hardLimitMs} ms`;
    } else {
      // Answered in full; the connection went on (or closed normally after the last sequence).
      const lastOfAll = i === batch.length - 1;
      Object.assign(t, {
        closedByMe: true,
        localCloseCode: 1000,
        wasClean: lastOfAll ? wasClean : true,
        remoteCloseCode: lastOfAll ? remoteCloseCode : null,
        tcpEnd: lastOfAll && targetEnded ? 'peer-fin' : 'harness',
      });
      if (lastOfAll && violation) t.violations.push(violation);
      if (lastOfAll && !wasClean) t.wasNotCleanReason = notCleanReason ?? 'the closing handshake did not complete';
    }
    t.endedAtMs = endedAtMs;
    t.traffic.txWire = item.writes.reduce((s, w) => s + w.length, 0);
    out.done.push([item, t]);
    msgFrom += item.messages;
    pongFrom += item.pongs;
  }
  return out;
}

/** A sequence's writes, untimed: the batch shares one connection, so its lines carry no time of their own. */
function wirelogFor(item: Item, i: number, n: number, endedHere: boolean, again: boolean): WireEntry[] {
  const log = new WireLog([], DEFAULT_WIRE_LOG_LINES, null);
  if (again) log.note('played alone on an HTTP/2 connection of its own: the target had closed a whole connection under another stream');
  if (n > 1) log.note(`sequence ${i + 1} of ${n} played on one connection${endedHere ? '; the connection ended here' : ''}`);
  for (const w of item.writes) log.octets('tx', w);
  return log.entries;
}
