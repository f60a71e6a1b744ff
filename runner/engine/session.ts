/**
 * A session plays one case on one open WebSocket connection and records a transcript: every byte
 * and frame both ways with timestamps, the peer's messages and pongs, violations, who closed and
 * how TCP ended. It never decides pass or fail (that is the judge's job), but it does behave like
 * Autobahn's fuzzing peer where a verdict depends on it: pings are answered, a peer's close is
 * answered with 1000, and the timers (kill, close, closing handshake, server drop) are Autobahn's.
 */
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { BulkMessage, CaseDef, CaseFrame, EchoRounds, PeerEvent, Step, WriteMode } from '../../cases/types.js';
import { applyMask, closePayload, encodeFrame, fragmentCount, headerSize, Opcode, writeHeader } from '../wire/frame.js';
import { FrameDecoder, type DecodedFrame } from '../wire/decoder.js';
import { MessageReader, type MessageInflater, type Violation } from '../wire/reader.js';
import type { CorpusSlice } from '../wire/deflate/stream.js';
import type { WireEntry } from './results.js';
import { MAX_KEPT_PAYLOAD, type RecordedEvent, type Transcript } from './transcript.js';
import { eventsEqual, sha1 } from './verdicts/events.js';
import { fuzzAnswered } from './verdicts/fuzz-oracle.js';
import { caseLimitMs, type SessionOptions } from './defaults.js';

/** A negotiated per-message compression, both ways. */
export interface MessageCompressor {
  /** `source` says where the payload's bytes come from, when the case knows, so compressed pieces can be reused. */
  deflate(payload: Buffer, source?: CorpusSlice): Promise<Buffer>;
  inflater: MessageInflater;
  description: string;
}

type State = 'OPEN' | 'CLOSING' | 'CLOSED';

const LOG_BYTES = 64;

export class Session {
  private readonly socket: Socket;
  private readonly def: CaseDef;
  private readonly opts: SessionOptions;
  private readonly t: Transcript;
  private readonly masking: boolean;
  private readonly decoder: FrameDecoder;
  private readonly reader: MessageReader;
  private readonly compressor: MessageCompressor | null;
  private readonly t0: number;
  private state: State = 'OPEN';
  private timers = new Set<NodeJS.Timeout>();
  private closeHandshakeTimer: Deadline | null = null;
  /** Reading on after the closing handshake (a lingerAfterClose step, as a server). */
  private lingering = false;
  private wirelogOn = true;
  private encoded = new WeakMap<CaseFrame, { header: number; bytes: Buffer }>();
  private currentStep = 'the peer to open';
  private echoRounds: EchoRounds | null = null;
  private lastSent: BulkMessage | null = null;
  private keptBytes = 0;
  private done!: () => void;
  private readonly finished: Promise<void>;

  constructor(socket: Socket, def: CaseDef, transcript: Transcript, opts: SessionOptions, compressor: MessageCompressor | null = null) {
    this.socket = socket;
    this.def = def;
    this.t = transcript;
    this.opts = opts;
    this.masking = transcript.role === 'client';
    this.compressor = compressor;
    this.t0 = transcript.startedAt;
    this.decoder = new FrameDecoder({ maxPayload: opts.maxMessageSize });
    this.reader = new MessageReader({ expectMasked: transcript.role === 'server', maxMessageSize: opts.maxMessageSize, inflater: compressor?.inflater ?? null });
    this.finished = new Promise((resolve) => (this.done = resolve));
    if (compressor) transcript.deflate = compressor.description;
  }

  /** Plays the case. `leftover` holds bytes that arrived together with the end of the handshake. */
  async run(leftover: Buffer): Promise<Transcript> {
    const s = this.socket;
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => this.onData(d));
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') this.t.tcpEnd = this.t.tcpEnd === 'unknown' ? 'peer-reset' : this.t.tcpEnd;
      this.note(`socket error: ${e.code ?? e.message}`);
    });
    s.on('end', () => {
      if (this.t.tcpEnd === 'unknown') this.t.tcpEnd = 'peer-fin';
    });
    s.on('close', () => this.onConnectionLost());
    const stop = this.opts.interrupt;
    const onInterrupt = (): void => this.interrupt(String(stop?.reason ?? 'interrupted'));
    stop?.addEventListener('abort', onInterrupt, { once: true });
    void this.finished.then(() => stop?.removeEventListener('abort', onInterrupt));
    if (s.destroyed) this.onConnectionLost();
    if (stop?.aborted) onInterrupt();
    this.after(caseLimitMs(this.def, this.opts), () => this.onCaseTimeout());
    if (leftover.length > 0) this.onData(leftover);
    s.resume();
    this.playSteps(this.def.steps).catch((e: unknown) => {
      this.note(`harness error while sending: ${e instanceof Error ? e.message : String(e)}`);
      this.drop();
    });
    await this.finished;
    return this.t;
  }

  // ---- the program --------------------------------------------------------------------------

  private async playSteps(steps: Step[]): Promise<void> {
    for (const step of steps) {
      if (this.isClosed()) return;
      switch (step.do) {
        case 'send':
          this.currentStep = 'the peer to react to the frames sent';
          await this.sendFrames(step.frames, step.write ?? 'together');
          break;
        case 'close':
          this.sendCloseFrame(step.code ?? null, step.reason ? Buffer.from(step.reason) : null, false);
          break;
        case 'wait': {
          this.currentStep = `a ${step.ms} ms pause${step.tag ? ` (${step.tag})` : ''}`;
          this.note(`pause ${step.ms} ms${step.tag ? ` [${step.tag}]` : ''}`);
          await this.sleep(step.ms);
          if (this.isClosed()) return;
          if (step.tag !== undefined) {
            if (this.state !== 'OPEN' || this.peerEnded()) return;
            this.t.timersFired.push(`wait:${step.tag}`);
            this.t.received.push({ type: 'timeout', tag: step.tag });
          }
          break;
        }
        case 'killAfter':
          this.later(step.ms, () => {
            this.t.timersFired.push('kill');
            this.note('kill timer fired: the peer did not close in time');
            this.failConnection(1001, 'Going Away');
          });
          break;
        case 'closeAfter':
          this.later(step.ms, () => {
            this.t.timersFired.push('close');
            this.note('close timer fired');
            this.sendCloseFrame(null, null, false);
          });
          break;
        case 'lingerAfterClose':
          // Read when the closing handshake ends (afterCloseHandshake).
          break;
        case 'echo':
          await this.startEcho(step.rounds);
          break;
        case 'write':
          this.currentStep = 'the peer to react to the octets sent';
          this.write(Buffer.from(step.bytes.buffer, step.bytes.byteOffset, step.bytes.byteLength), false);
          await tick();
          break;
      }
    }
    // A bulk echo says itself which message it waits for.
    if (!this.echoRounds) this.currentStep = this.state === 'OPEN' ? 'the peer to answer or close' : 'the closing handshake';
  }

  private async sendFrames(frames: CaseFrame[], write: WriteMode): Promise<void> {
    if (write === 'together') {
      const parts = frames.map((f) => this.encode(f).bytes);
      this.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
      return;
    }
    if (write === 'each') {
      for (const f of frames) {
        if (this.isClosed()) return;
        this.write(this.encode(f).bytes);
        await tick();
      }
      return;
    }
    if ('chop' in write) {
      for (const f of frames) {
        const bytes = this.encode(f).bytes;
        for (let at = 0; at < bytes.length; at += write.chop) {
          if (this.isClosed()) return;
          this.write(bytes.subarray(at, at + write.chop), false);
          await tick();
        }
      }
      return;
    }
    // A slice of one frame, in payload coordinates; from = 0 includes the header.
    const f = frames[0]!;
    const { header, bytes } = this.encode(f, write.slice[0] === 0);
    const [from, to] = write.slice;
    this.write(bytes.subarray(from === 0 ? 0 : header + from, header + to), false);
  }

  /** Encodes a case frame with the role's masking; logs it once. Slices of one frame reuse one encoding. */
  private encode(f: CaseFrame, log = true): { header: number; bytes: Buffer } {
    const cached = this.encoded.get(f);
    if (cached) return cached;
    const masked = f.masked ?? this.masking;
    const mask = masked ? this.newMask() : null;
    const bytes = encodeFrame({ ...f, mask });
    const header = bytes.length - (f.payload?.length ?? 0);
    const e = { header, bytes };
    this.encoded.set(f, e);
    if (log) this.logFrame('tx', f.opcode, f.fin ?? true, f.rsv ?? 0, masked, f.payload ?? Buffer.alloc(0));
    this.countTxFrame(f.opcode, f.payload?.length ?? 0);
    return e;
  }

  private newMask(): Buffer {
    return this.opts.maskKey ? this.opts.maskKey() : randomMask();
  }

  // ---- bulk echo rounds (9.x, 12.x, 13.x) -------------------------------------------------------

  private async startEcho(rounds: EchoRounds): Promise<void> {
    this.echoRounds = rounds;
    this.t.echo = { count: rounds.count, sent: 0, matched: 0, mismatch: null, unimplemented: false };
    if (rounds.deflate && !this.compressor) {
      this.t.echo.unimplemented = true;
      this.note('permessage-deflate was not negotiated: the case is not applicable');
      this.sendCloseFrame(1000, null, false);
      return;
    }
    this.currentStep = `echo 1 of ${rounds.count}`;
    this.later(rounds.timeoutMs, () => {
      this.t.timersFired.push('echo');
      this.note(`case timer fired after ${rounds.timeoutMs} ms`);
      this.sendCloseFrame(null, null, false);
    });
    this.watchSilence(rounds);
    this.setWirelog(false);
    await this.sendEchoMessage(0);
  }

  /**
   * Autobahn waits 100-1000 s for a bulk echo; a target that will never send it (one that stopped
   * reading, or that waits for something that never comes) would hold the run that long. When the
   * connection has made no progress either way (no octet from the target, none of ours taken by
   * it) for `silenceMs`, and the load monitor saw the target answer promptly on its own connection
   * all that time, the target is not merely busy: the case ends as its timer would end it. A busy
   * target (a slow single-threaded one under load) answers the monitor late, which stops this clock.
   */
  private watchSilence(rounds: EchoRounds): void {
    const pulse = this.opts.pulse;
    if (!pulse || this.opts.silenceMs >= rounds.timeoutMs) return;
    const progress = (): number => this.t.traffic.rxWire + (this.socket.bytesWritten - this.socket.writableLength);
    let last = progress();
    let lastAt = Date.now();
    const every = Math.min(1000, this.opts.silenceMs / 4);
    const check = (): void => {
      if (this.state !== 'OPEN') return;
      const now = progress();
      if (now !== last) {
        last = now;
        lastAt = Date.now();
      } else if (Date.now() - lastAt >= this.opts.silenceMs && pulse.responsiveFor(this.opts.silenceMs)) {
        this.t.timersFired.push('silence');
        this.note(`no progress on this connection for ${this.opts.silenceMs / 1000} s while the target answered promptly on another one: ended as by the case timer (${rounds.timeoutMs / 1000} s)`);
        this.sendCloseFrame(null, null, false);
        return;
      }
      this.later(every, check);
    };
    this.later(every, check);
  }

  private async sendEchoMessage(i: number): Promise<void> {
    const rounds = this.echoRounds!;
    const echo = this.t.echo!;
    if (this.state !== 'OPEN') return;
    const msg = rounds.message(i);
    echo.sent = i + 1;
    this.currentStep = `echo ${i + 1} of ${rounds.count}`;
    let data = msg.payload;
    let rsv = 0;
    if (rounds.deflate && this.compressor) {
      data = await this.compressor.deflate(msg.payload, msg.source);
      rsv = 4;
      if (this.state !== 'OPEN') return;
    }
    const opcode = msg.binary ? Opcode.binary : Opcode.text;
    // Autobahn's split: a length the fragment size divides ends with an empty final frame.
    const nFrames = fragmentCount(data.length, rounds.fragmentSize ?? 0);
    const size = nFrames > 1 ? rounds.fragmentSize! : data.length;
    this.lastSent = msg;
    this.t.traffic.txApp += msg.payload.length;
    this.t.traffic.txMessages++;
    // One unmasked frame written at once: its payload goes out as it is, after the header.
    if (nFrames === 1 && !this.masking && !rounds.chop) {
      const header = Buffer.allocUnsafe(headerSize(data.length, false));
      writeHeader(header, 0, opcode, true, rsv, data.length, null);
      this.countTxFrame(opcode, data.length);
      this.write([header, data]);
      return;
    }
    let total = 0;
    for (let k = 0; k < nFrames; k++) {
      const len = Math.min(size, data.length - k * size);
      total += headerSize(len, this.masking) + len;
    }
    const bytes = Buffer.allocUnsafe(total);
    let pos = 0;
    for (let k = 0; k < nFrames; k++) {
      const at = k * size;
      const payload = data.subarray(at, Math.min(at + size, data.length));
      const first = k === 0;
      const mask = this.masking ? this.newMask() : null;
      pos += writeHeader(bytes, pos, first ? opcode : Opcode.continuation, k === nFrames - 1, first ? rsv : 0, payload.length, mask);
      payload.copy(bytes, pos);
      if (mask) applyMask(bytes.subarray(pos, pos + payload.length), mask);
      pos += payload.length;
      this.countTxFrame(first ? opcode : Opcode.continuation, payload.length);
    }
    if (rounds.chop) {
      for (let at = 0; at < bytes.length; at += rounds.chop) {
        if (this.isClosed()) return;
        this.write(bytes.subarray(at, at + rounds.chop), false);
        await tick();
      }
    } else {
      this.write(bytes);
    }
  }

  private onEchoMessage(binary: boolean, payload: Buffer): void {
    const rounds = this.echoRounds!;
    const echo = this.t.echo!;
    const sent = this.lastSent!;
    let problem: string | null = null;
    if (binary !== sent.binary) problem = `expected a ${sent.binary ? 'binary' : 'text'} message, got ${binary ? 'binary' : 'text'}`;
    else if (payload.length !== sent.payload.length) problem = `expected ${sent.payload.length} bytes, got ${payload.length}`;
    else if (rounds.compare === 'content' && !payload.equals(sent.payload)) problem = 'the payload differs from what was sent';
    if (problem) {
      echo.mismatch = `echo ${echo.sent}: ${problem}`;
      this.setWirelog(true);
      this.sendCloseFrame(1000, null, false);
      return;
    }
    echo.matched++;
    if (echo.sent < rounds.count) {
      this.sendEchoMessage(echo.sent).catch((e: unknown) => {
        this.note(`harness error while sending: ${e instanceof Error ? e.message : String(e)}`);
        this.drop();
      });
    } else {
      this.setWirelog(true);
      this.currentStep = 'the closing handshake';
      this.sendCloseFrame(1000, null, false);
    }
  }

  // ---- receiving ----------------------------------------------------------------------------

  private onData(data: Buffer): void {
    if (this.isClosed()) return;
    this.t.traffic.rxWire += data.length;
    this.count(this.t.rxOctetStats, data.length);
    if (this.wirelogOn) this.log({ t: this.now(), kind: 'octets', dir: 'rx', length: data.length, hex: data.subarray(0, LOG_BYTES).toString('hex'), truncated: data.length > LOG_BYTES });
    const frames = this.decoder.push(data);
    for (const f of frames) {
      this.onFrame(f);
      if (this.isClosed()) return;
    }
    const err = this.decoder.error;
    if (err && !this.t.violations.some((v) => v.code === err.code)) {
      this.onViolation({ code: err.code, closeCode: err.closeCode, message: err.message });
    }
  }

  private onFrame(f: DecodedFrame): void {
    this.count(this.t.rxFrameStats, f.opcode);
    this.t.traffic.rxFrames++;
    this.t.traffic.rxWsPayload += f.payload.length;
    this.logFrame('rx', f.opcode, f.fin, f.rsv, f.masked, f.payload);
    for (const ev of this.reader.push(f)) {
      switch (ev.type) {
        case 'message':
          this.t.traffic.rxMessages++;
          this.t.traffic.rxApp += ev.payload.length;
          if (ev.compressed && this.wirelogOn) this.note(`decoded message: ${ev.payload.length} bytes from ${ev.wireLength} compressed`);
          if (this.echoRounds && this.t.echo) {
            if (this.state === 'OPEN') this.onEchoMessage(ev.binary, ev.payload);
          } else {
            this.keptBytes += ev.payload.length;
            if (this.keptBytes > this.opts.maxKeptBytes) this.onFlood(`more than ${this.opts.maxKeptBytes} bytes of messages`);
            else {
              const keep = ev.payload.length <= MAX_KEPT_PAYLOAD;
              this.record({ type: 'message', binary: ev.binary, length: ev.payload.length, payload: keep ? ev.payload : null, sha1: keep ? null : sha1(ev.payload) });
            }
          }
          break;
        case 'ping':
          if (this.state === 'OPEN') this.sendControl(Opcode.pong, ev.payload);
          break;
        case 'pong':
          this.record({ type: 'pong', payload: ev.payload });
          break;
        case 'close':
          this.onCloseFrame(ev.code, ev.reason);
          break;
        case 'violation':
          if (f.opcode === Opcode.close && f.payload.length >= 2) {
            // Autobahn keeps the code of a close frame it rejects; the judge then sees a wrong code.
            this.t.remoteCloseCode = f.payload.readUInt16BE(0);
          }
          this.onViolation(ev.violation);
          break;
      }
      if (this.isClosed()) return;
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
    this.note(`the target sent ${what}: the harness fails the connection and stops reading`);
    this.failConnection(1008, 'too many messages');
    this.socket.pause();
  }

  /** Autobahn closes as soon as what arrived equals every expected outcome, when it is meant to close. */
  private finishWhenDone(): void {
    const exp = this.def.expect;
    if (exp.kind === 'fuzz') {
      if (fuzzAnswered(exp.model, this.t.received)) this.sendCloseFrame(1000, null, false);
      return;
    }
    if (exp.kind !== 'events' || exp.informational) return;
    // The peer took the tolerated path (it accepted what it could have refused): close as that path says.
    const tolerated = exp.outcomes['NON-STRICT'];
    if (exp.nonStrictClose?.closedByMe && tolerated && eventsEqual(this.t.received, tolerated)) {
      this.sendCloseFrame(exp.nonStrictClose.codes[0] ?? 1000, null, false);
      return;
    }
    if (!exp.close.closedByMe) return;
    const lists = Object.values(exp.outcomes).filter((l): l is PeerEvent[] => l !== undefined);
    if (lists.every((l) => eventsEqual(this.t.received, l))) this.sendCloseFrame(exp.close.codes[0] ?? 1000, null, false);
  }

  private onViolation(v: Violation): void {
    this.t.violations.push(v);
    this.note(`protocol violation by the peer: ${v.code}: ${v.message}`);
    this.failConnection(v.closeCode, v.message.slice(0, 120));
    // Nothing more can be read after a framing error: stop waiting for a close reply we cannot parse.
    if (this.decoder.error && !this.isClosed()) this.later(this.opts.closeHandshakeTimeoutMs, () => this.drop());
  }

  private onCloseFrame(code: number | null, reason: Buffer | null): void {
    // A second close while reading on after the handshake is more data after the close, not a new handshake.
    if (this.lingering) return;
    this.t.remoteCloseCode = code;
    this.t.remoteCloseReason = reason;
    if (this.state === 'CLOSING') {
      // The reply to our close.
      if (this.closeHandshakeTimer) {
        this.closeHandshakeTimer.cancel();
        this.closeHandshakeTimer = null;
      }
      this.t.wasClean = true;
      this.afterCloseHandshake();
    } else if (this.state === 'OPEN') {
      this.t.wasClean = true;
      this.sendCloseFrame(1000, null, true);
      this.afterCloseHandshake();
    }
  }

  /** A server drops TCP at once (unless the case lingers); a client waits for the server to do it (RFC 6455 §7.1.1). */
  private afterCloseHandshake(): void {
    if (this.t.role === 'server') {
      const linger = this.def.steps.find((s) => s.do === 'lingerAfterClose');
      if (linger?.do !== 'lingerAfterClose') {
        this.drop(false);
        return;
      }
      // Read-only: pings are no longer answered once a close has been sent; a client that keeps TCP open is dropped after ms.
      this.lingering = true;
      this.currentStep = 'the client to send nothing after its close frame';
      this.note(`reading on for ${linger.ms} ms after the closing handshake, for anything the client sends after its close`);
      this.later(linger.ms, () => this.drop(false));
      return;
    }
    this.currentStep = 'the server to close TCP';
    this.later(this.opts.serverDropTimeoutMs, () => {
      this.t.timersFired.push('server-drop');
      this.t.wasClean = false;
      this.t.wasNotCleanReason = 'the server did not close the TCP connection after the closing handshake';
      this.t.wasServerConnectionDropTimeout = true;
      this.drop();
    });
  }

  // ---- closing ------------------------------------------------------------------------------

  private sendCloseFrame(code: number | null, reason: Buffer | null, isReply: boolean): void {
    if (this.state !== 'OPEN') return;
    const payload = code === null ? (reason ?? Buffer.alloc(0)) : closePayload(code, reason);
    this.sendControl(Opcode.close, payload);
    this.state = 'CLOSING';
    this.t.closedByMe = !isReply;
    this.t.localCloseCode = code;
    this.t.localCloseReason = reason;
    this.currentStep = 'the peer to answer the close frame';
    if (!isReply) {
      this.closeHandshakeTimer = this.later(this.opts.closeHandshakeTimeoutMs, () => {
        this.t.timersFired.push('closing-handshake');
        this.t.wasClean = false;
        this.t.wasNotCleanReason = 'the peer did not answer the close frame in time';
        this.t.wasCloseHandshakeTimeout = true;
        this.note('closing handshake timed out');
        this.drop();
      });
    }
  }

  private failConnection(code: number, reason: string): void {
    if (this.isClosed()) return;
    this.t.failedByMe = true;
    if (this.opts.failByDrop) {
      this.t.wasClean = false;
      this.t.wasNotCleanReason = 'the harness failed the connection by dropping TCP';
      this.drop();
    } else if (this.state !== 'CLOSING') {
      this.sendCloseFrame(code, Buffer.from(reason, 'utf8').subarray(0, 123), false);
    } else {
      this.drop();
    }
  }

  /** Closes TCP from our side. `abort` resets at once; otherwise pending writes are flushed first. */
  private drop(abort = true): void {
    if (this.isClosed()) return;
    this.t.droppedByMe = true;
    this.state = 'CLOSED';
    if (this.t.tcpEnd === 'unknown') this.t.tcpEnd = 'harness';
    if (abort) this.socket.destroy();
    else {
      this.socket.end();
      // A peer that never reads, or never ends TCP (a socket left to its garbage collector), must not
      // keep the socket and the case alive; later() would skip this once closed.
      const timer = setTimeout(() => this.socket.destroy(), this.opts.closeHandshakeTimeoutMs);
      this.timers.add(timer);
    }
  }

  private onCaseTimeout(): void {
    if (this.t.endedAtMs !== 0) return;
    if (!this.isClosed()) {
      this.t.timersFired.push('case-limit');
      this.t.timedOutWaitingFor = this.currentStep;
      this.note(`case time limit (${caseLimitMs(this.def, this.opts)} ms) reached while waiting for ${this.currentStep}`);
      this.t.wasNotCleanReason ??= 'the case time limit was reached';
      this.drop();
    } else {
      this.socket.destroy();
    }
  }

  /** The run is stopping: end the case now, with no verdict. */
  private interrupt(reason: string): void {
    if (this.t.endedAtMs !== 0) return;
    this.t.interrupted = `${reason} while waiting for ${this.currentStep}`;
    this.note(`interrupted (${reason}) while waiting for ${this.currentStep}`);
    if (!this.isClosed()) this.drop();
    else this.socket.destroy();
  }

  private onConnectionLost(): void {
    if (this.t.endedAtMs !== 0) return;
    if (!this.isClosed()) {
      this.state = 'CLOSED';
      if (!this.t.wasClean && this.t.wasNotCleanReason === null) {
        this.t.wasNotCleanReason = 'the peer dropped the TCP connection without a closing handshake';
      }
    }
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.t.endedAtMs = this.now();
    this.socket.removeAllListeners('data');
    this.done();
  }

  // ---- writing and logging ------------------------------------------------------------------

  private sendControl(opcode: number, payload: Buffer): void {
    const mask = this.masking ? this.newMask() : null;
    this.logFrame('tx', opcode, true, 0, mask !== null, payload);
    this.countTxFrame(opcode, payload.length);
    this.write(encodeFrame({ opcode, payload, mask }));
  }

  /** One write as the octet statistics count it; given in parts, they go out together without being copied into one buffer. */
  private write(bytes: Buffer | Buffer[], _together = true): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    const parts = Array.isArray(bytes) ? bytes : [bytes];
    const length = parts.reduce((n, b) => n + b.length, 0);
    this.t.traffic.txWire += length;
    this.count(this.t.txOctetStats, length);
    if (this.wirelogOn) {
      const head = parts.length === 1 ? parts[0]!.subarray(0, LOG_BYTES) : Buffer.concat(parts.map((b) => b.subarray(0, LOG_BYTES))).subarray(0, LOG_BYTES);
      this.log({ t: this.now(), kind: 'octets', dir: 'tx', length, hex: head.toString('hex'), truncated: length > LOG_BYTES });
    }
    if (parts.length === 1) {
      this.socket.write(parts[0]!);
      return;
    }
    this.socket.cork();
    for (const b of parts) this.socket.write(b);
    this.socket.uncork();
  }

  private countTxFrame(opcode: number, payloadLength: number): void {
    this.count(this.t.txFrameStats, opcode);
    this.t.traffic.txFrames++;
    this.t.traffic.txWsPayload += payloadLength;
  }

  private logFrame(dir: 'rx' | 'tx', opcode: number, fin: boolean, rsv: number, masked: boolean, payload: Uint8Array): void {
    if (!this.wirelogOn) return;
    const head = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.length, LOG_BYTES));
    this.log({ t: this.now(), kind: 'frame', dir, opcode, fin, rsv, masked, length: payload.length, hex: head.toString('hex'), text: head.toString('utf8'), truncated: payload.length > LOG_BYTES });
  }

  private note(text: string): void {
    this.log({ t: this.now(), kind: 'note', text });
  }

  private log(e: WireEntry): void {
    const max = this.opts.maxWirelogEntries;
    if (this.t.wirelog.length < max) this.t.wirelog.push(e);
    else if (this.t.wirelog.length === max) this.t.wirelog.push({ t: e.t, kind: 'note', text: `wire log truncated after ${max} lines` });
  }

  private setWirelog(on: boolean): void {
    if (on === this.wirelogOn) return;
    if (!on) this.note('wire log paused for the bulk transfer');
    this.wirelogOn = on;
    if (on) this.note('wire log resumed');
  }

  private count(stats: Record<string, number>, key: number): void {
    const k = String(key);
    stats[k] = (stats[k] ?? 0) + 1;
  }

  private isClosed(): boolean {
    return this.state === 'CLOSED';
  }

  private now(): number {
    return Math.round((Date.now() - this.t0) * 1000) / 1000;
  }

  /**
   * Runs `fn` after `ms` unless the connection is closed by then (see after()). A peer that ended
   * TCP before the deadline ended the case, although Node reports the close a turn or two later:
   * the timer then only hastens that close.
   */
  private later(ms: number, fn: () => void): Deadline {
    return this.after(ms, () => {
      if (this.isClosed()) return;
      if (this.peerEnded()) this.socket.destroy();
      else fn();
    });
  }

  private peerEnded(): boolean {
    return this.t.tcpEnd === 'peer-fin' || this.t.tcpEnd === 'peer-reset';
  }

  /**
   * Runs `fn` `ms` milliseconds of real time from now, once the sockets have been read once more.
   * Node starts a timer from the clock its event loop read last, which a stall in the middle of a
   * loop iteration (a busy machine, a stopped process) leaves behind, so a timer set just then can
   * fire at once: a timer that fires early is set again for what is left. And Node runs due timers
   * before it reads the sockets, so `fn` waits for one more read: what the peer sent before the
   * deadline is seen before the deadline acts.
   */
  private after(ms: number, fn: () => void): Deadline {
    const due = performance.now() + ms;
    let cancelled = false;
    const arm = (wait: number): void => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const left = due - performance.now();
        if (left >= 1) arm(left);
        else
          setImmediate(() => {
            if (!cancelled) fn();
          });
      }, wait);
      this.timers.add(timer);
    };
    arm(ms);
    return { cancel: () => (cancelled = true) };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.after(ms, resolve);
      // A connection lost mid-pause ends the pause too.
      void this.finished.then(() => resolve());
    });
  }
}

/** A timer of the session's (see Session.after). */
interface Deadline {
  cancel(): void;
}

/** Masking keys come from a pool of random bytes: one getrandom call per 16384 frames, not per frame. */
let maskPool = Buffer.alloc(0);
let maskAt = 0;
function randomMask(): Buffer {
  if (maskAt + 4 > maskPool.length) {
    maskPool = randomBytes(65536);
    maskAt = 0;
  }
  maskAt += 4;
  return maskPool.subarray(maskAt - 4, maskAt);
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
