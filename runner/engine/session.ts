/**
 * A session plays one case on one open WebSocket connection and records a transcript: every byte
 * and frame both ways with timestamps, the target's messages and pongs, violations, who closed and
 * how TCP ended. It never decides pass or fail (that is the judge's job), but it does behave like
 * Autobahn's fuzzing peer where a verdict depends on it: pings are answered, a target's close is
 * answered with 1000, and the timers (kill, close, closing handshake, server drop) are Autobahn's.
 *
 * This file is the step player: the case's steps in order, and what the target sends. Beside it:
 * the connection's state and how a case ends (connection-state.ts), the octets and frames on the
 * stream the driver hands over (session-io.ts), the bulk echo rounds (bulk-echo.ts) and the timers
 * (session-timers.ts).
 */
import type { CaseDef, CaseFrame, TargetEvent, Step, WriteMode } from '../../cases/types.js';
import { FrameDecoder, type DecodedFrame } from '../wire/decoder.js';
import { Opcode } from '../wire/frame.js';
import { MessageReader, type Violation } from '../wire/reader.js';
import { BulkEcho } from './bulk-echo.js';
import { ConnectionState } from './connection-state.js';
import { caseLimitMs, type SessionOptions } from './defaults.js';
import { isPeerReset, SessionIO, STREAM_RESET, type ByteStream, type MessageCompressor } from './session-io.js';
import { SessionTimers, tick } from './session-timers.js';
import { MAX_KEPT_PAYLOAD, type RecordedEvent, type Transcript } from './transcript.js';
import { eventsEqual, sha1 } from './verdicts/events.js';
import { fuzzAnswered } from './verdicts/fuzz-oracle.js';
import { WireLog } from './wire-log.js';

export type { ByteStream, MessageCompressor } from './session-io.js';

export class Session {
  private readonly stream: ByteStream;
  private readonly def: CaseDef;
  private readonly opts: SessionOptions;
  private readonly t: Transcript;
  private readonly compressor: MessageCompressor | null;
  private readonly log: WireLog;
  private readonly io: SessionIO;
  private readonly timers = new SessionTimers();
  private readonly conn: ConnectionState;
  private readonly decoder: FrameDecoder;
  private readonly reader: MessageReader;
  /** The bulk echo rounds, once an echo step started them: the target's messages go to them. */
  private echo: BulkEcho | null = null;
  private keptBytes = 0;

  /**
   * @param stream the connection, its opening handshake done by the driver (see ByteStream)
   * @param compressor the permessage-deflate agreed in the opening handshake, if any
   */
  constructor(stream: ByteStream, def: CaseDef, transcript: Transcript, opts: SessionOptions, compressor: MessageCompressor | null = null) {
    this.stream = stream;
    this.def = def;
    this.t = transcript;
    this.opts = opts;
    this.compressor = compressor;
    this.log = new WireLog(transcript.wirelog, opts.maxWirelogEntries, transcript.startedAt);
    this.io = new SessionIO(stream, transcript, this.log, transcript.role === 'client', opts.maskKey);
    this.conn = new ConnectionState(stream, def, transcript, opts, this.io, this.log, this.timers);
    this.decoder = new FrameDecoder({ maxPayload: opts.maxMessageSize });
    this.reader = new MessageReader({ expectMasked: transcript.role === 'server', maxMessageSize: opts.maxMessageSize, inflater: compressor?.inflater ?? null });
    if (compressor) transcript.deflate = compressor.description;
  }

  /** Plays the case. `leftover` holds bytes that arrived together with the end of the handshake. */
  async run(leftover: Buffer): Promise<Transcript> {
    const s = this.stream;
    const conn = this.conn;
    s.setNoDelay?.(true);
    s.on('data', (d: Buffer) => this.onData(d));
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (isPeerReset(e)) this.t.tcpEnd = this.t.tcpEnd === 'unknown' ? 'peer-reset' : this.t.tcpEnd;
      this.log.note(`socket error: ${e.code === STREAM_RESET ? e.message : (e.code ?? e.message)}`);
    });
    s.on('end', () => {
      if (this.t.tcpEnd === 'unknown') this.t.tcpEnd = 'peer-fin';
    });
    s.on('close', () => conn.connectionLost());
    const stop = this.opts.interrupt;
    const onInterrupt = (): void => conn.interrupt(String(stop?.reason ?? 'interrupted'));
    stop?.addEventListener('abort', onInterrupt, { once: true });
    void conn.finished.then(() => stop?.removeEventListener('abort', onInterrupt));
    if (s.destroyed) conn.connectionLost();
    if (stop?.aborted) onInterrupt();
    this.timers.after(caseLimitMs(this.def, this.opts), () => conn.caseLimitReached());
    if (leftover.length > 0) this.onData(leftover);
    s.resume();
    this.playSteps(this.def.steps).catch((e: unknown) => conn.harnessError(e));
    await conn.finished;
    return this.t;
  }

  // ---- the steps ----------------------------------------------------------------------------

  private async playSteps(steps: Step[]): Promise<void> {
    const conn = this.conn;
    for (const step of steps) {
      if (conn.isClosed()) return;
      switch (step.do) {
        case 'send':
          conn.waitingFor = 'the target to react to the frames sent';
          await this.sendFrames(step.frames, step.write ?? 'together');
          break;
        case 'close':
          conn.startClosingHandshake(step.code ?? null, step.reason ? Buffer.from(step.reason) : null);
          break;
        case 'wait': {
          conn.waitingFor = `a ${step.ms} ms pause${step.tag ? ` (${step.tag})` : ''}`;
          this.log.note(`pause ${step.ms} ms${step.tag ? ` [${step.tag}]` : ''}`);
          await conn.sleep(step.ms);
          if (conn.isClosed()) return;
          if (step.tag !== undefined) {
            if (!conn.isOpen() || conn.targetEnded()) return;
            this.t.timersFired.push(`wait:${step.tag}`);
            this.t.received.push({ type: 'timeout', tag: step.tag });
          }
          break;
        }
        case 'killAfter':
          conn.later(step.ms, () => {
            this.t.timersFired.push('kill');
            this.log.note('kill timer fired: the target did not close in time');
            conn.failConnection(1001, 'Going Away');
          });
          break;
        case 'closeAfter':
          conn.later(step.ms, () => {
            this.t.timersFired.push('close');
            this.log.note('close timer fired');
            conn.startClosingHandshake(null);
          });
          break;
        case 'lingerAfterClose':
          // Read when the closing handshake ends (ConnectionState.afterCloseHandshake).
          break;
        case 'echo':
          this.echo = new BulkEcho(step.rounds, { t: this.t, io: this.io, log: this.log, opts: this.opts, compressor: this.compressor, conn });
          await this.echo.start();
          break;
        case 'write':
          conn.waitingFor = 'the target to react to the octets sent';
          this.io.write(Buffer.from(step.bytes.buffer, step.bytes.byteOffset, step.bytes.byteLength));
          await tick();
          break;
      }
    }
    // A bulk echo says itself which message it waits for.
    if (!this.echo) conn.waitingFor = conn.isOpen() ? 'the target to answer or close' : 'the closing handshake';
  }

  private async sendFrames(frames: CaseFrame[], write: WriteMode): Promise<void> {
    const io = this.io;
    if (write === 'together') {
      const parts = frames.map((f) => io.encode(f).bytes);
      io.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
      return;
    }
    if (write === 'each') {
      for (const f of frames) {
        if (this.conn.isClosed()) return;
        io.write(io.encode(f).bytes);
        await tick();
      }
      return;
    }
    if ('chop' in write) {
      for (const f of frames) {
        const bytes = io.encode(f).bytes;
        for (let at = 0; at < bytes.length; at += write.chop) {
          if (this.conn.isClosed()) return;
          io.write(bytes.subarray(at, at + write.chop));
          await tick();
        }
      }
      return;
    }
    // A slice of one frame, in payload coordinates; from = 0 includes the header (and logs the frame).
    const [from, to] = write.slice;
    const { header, bytes } = io.encode(frames[0]!, { logged: from === 0 });
    io.write(bytes.subarray(from === 0 ? 0 : header + from, header + to));
  }

  // ---- what the target sends ----------------------------------------------------------------

  private onData(data: Buffer): void {
    if (this.conn.isClosed()) return;
    this.io.received(data);
    const frames = this.decoder.push(data);
    for (const f of frames) {
      this.onFrame(f);
      if (this.conn.isClosed()) return;
    }
    const err = this.decoder.error;
    if (err && !this.t.violations.some((v) => v.code === err.code)) {
      this.onViolation({ code: err.code, closeCode: err.closeCode, message: err.message });
    }
  }

  private onFrame(f: DecodedFrame): void {
    this.io.receivedFrame(f);
    for (const ev of this.reader.push(f)) {
      switch (ev.type) {
        case 'message':
          this.t.traffic.rxMessages++;
          this.t.traffic.rxApp += ev.payload.length;
          if (ev.compressed && this.log.recording) this.log.note(`decoded message: ${ev.payload.length} bytes from ${ev.wireLength} compressed`);
          if (this.echo) this.echo.onMessage(ev.binary, ev.payload);
          else {
            this.keptBytes += ev.payload.length;
            if (this.keptBytes > this.opts.maxKeptBytes) this.onFlood(`more than ${this.opts.maxKeptBytes} bytes of messages`);
            else {
              const keep = ev.payload.length <= MAX_KEPT_PAYLOAD;
              this.record({ type: 'message', binary: ev.binary, length: ev.payload.length, payload: keep ? ev.payload : null, sha1: keep ? null : sha1(ev.payload) });
            }
          }
          break;
        case 'ping':
          if (this.conn.isOpen()) this.io.sendControl(Opcode.pong, ev.payload);
          break;
        case 'pong':
          this.record({ type: 'pong', payload: ev.payload });
          break;
        case 'close':
          this.conn.closeReceived(ev.code, ev.reason);
          break;
        case 'violation':
          if (f.opcode === Opcode.close && f.payload.length >= 2) {
            // Autobahn keeps the code of a close frame it rejects; the judge then sees a wrong code.
            this.t.remoteCloseCode = f.payload.readUInt16BE(0);
          }
          this.onViolation(ev.violation);
          break;
      }
      if (this.conn.isClosed()) return;
    }
  }

  private record(e: RecordedEvent): void {
    if (this.t.received.length >= this.opts.maxEvents) {
      this.onFlood(`more than ${this.opts.maxEvents} messages/pongs`);
      return;
    }
    this.t.received.push(e);
    this.finishWhenDone();
  }

  /**
   * No case expects more from the target than a few messages: past the event or byte budget it is
   * flooding. Nothing it sends after that can change the verdict but its close frame, which the flood
   * would bury, so the harness fails the connection and stops reading (TCP backpressure): memory stays
   * bounded, and the closing-handshake timer ends the case.
   */
  private onFlood(what: string): void {
    if (this.t.violations.some((v) => v.code === 'WS_ERR_FLOOD')) return;
    this.t.violations.push({ code: 'WS_ERR_FLOOD', closeCode: 1008, message: `${what}: stopped recording and reading` });
    this.log.note(`the target sent ${what}: the harness fails the connection and stops reading`);
    this.conn.failConnection(1008, 'too many messages');
    this.stream.pause();
  }

  /** Autobahn closes as soon as what arrived equals every expected outcome, when it is meant to close. */
  private finishWhenDone(): void {
    const exp = this.def.expect;
    if (exp.kind === 'fuzz') {
      if (fuzzAnswered(exp.model, this.t.received)) this.conn.startClosingHandshake(1000);
      return;
    }
    // A tls.* case that may open (tls.sni) closes like an events case once its echo is back.
    if (exp.kind === 'tls') {
      if (!exp.mustRefuse && exp.outcomes.OK.length > 0 && eventsEqual(this.t.received, exp.outcomes.OK)) this.conn.startClosingHandshake(exp.close.codes[0] ?? 1000);
      return;
    }
    if (exp.kind !== 'events' || exp.informational) return;
    // The target took the tolerated path (it accepted what it could have refused): close as that path says.
    const tolerated = exp.outcomes['NON-STRICT'];
    if (exp.nonStrictClose?.closedByMe && tolerated && eventsEqual(this.t.received, tolerated)) {
      this.conn.startClosingHandshake(exp.nonStrictClose.codes[0] ?? 1000);
      return;
    }
    if (!exp.close.closedByMe) return;
    const lists = Object.values(exp.outcomes).filter((l): l is TargetEvent[] => l !== undefined);
    if (lists.every((l) => eventsEqual(this.t.received, l))) this.conn.startClosingHandshake(exp.close.codes[0] ?? 1000);
  }

  private onViolation(v: Violation): void {
    this.t.violations.push(v);
    this.log.note(`protocol violation by the target: ${v.code}: ${v.message}`);
    this.conn.failConnection(v.closeCode, v.message.slice(0, 120));
    // Nothing more can be read after a framing error: stop waiting for a close reply we cannot parse.
    if (this.decoder.error && !this.conn.isClosed()) this.conn.later(this.opts.closeHandshakeTimeoutMs, () => this.conn.drop());
  }
}
