/**
 * The state of a session's WebSocket connection (OPEN, CLOSING, CLOSED) and how the case ends: the
 * closing handshake as Autobahn's fuzzing peer plays it (close timers, answering the target's close
 * with 1000, a server dropping TCP after it), failing the connection, dropping TCP, the case limit,
 * an interrupted run, and the connection lost. What the session waits for is kept here too, for
 * the transcript of a case that timed out or was interrupted.
 */
import type { CaseDef } from '../../cases/types.js';
import { closePayload, Opcode } from '../wire/frame.js';
import { caseLimitMs, type SessionOptions } from './defaults.js';
import type { ByteStream, SessionIO } from './session-io.js';
import type { Deadline, SessionTimers } from './session-timers.js';
import type { Transcript } from './transcript.js';
import type { WireLog } from './wire-log.js';

type State = 'OPEN' | 'CLOSING' | 'CLOSED';

export class ConnectionState {
  /** What the case waits for now, in words ("the target to answer the close frame"). */
  waitingFor = 'the target to open';
  /** Settles when the connection is gone and the transcript complete. */
  readonly finished: Promise<void>;
  private state: State = 'OPEN';
  private closeHandshakeTimer: Deadline | null = null;
  /** Reading on after the closing handshake (a lingerAfterClose step, as a server). */
  private lingering = false;
  private done!: () => void;

  constructor(
    private readonly stream: ByteStream,
    private readonly def: CaseDef,
    private readonly t: Transcript,
    private readonly opts: SessionOptions,
    private readonly io: SessionIO,
    private readonly log: WireLog,
    private readonly timers: SessionTimers,
  ) {
    this.finished = new Promise((resolve) => (this.done = resolve));
  }

  isOpen(): boolean {
    return this.state === 'OPEN';
  }

  isClosed(): boolean {
    return this.state === 'CLOSED';
  }

  /** The target ended TCP (a FIN or a reset). */
  targetEnded(): boolean {
    return this.t.tcpEnd === 'peer-fin' || this.t.tcpEnd === 'peer-reset';
  }

  /**
   * Runs `fn` after `ms` unless the connection is closed by then (see SessionTimers.after). A
   * target that ended TCP before the deadline ended the case, although Node reports the close a
   * turn or two later: the timer then only hastens that close.
   */
  later(ms: number, fn: () => void): Deadline {
    return this.timers.after(ms, () => {
      if (this.isClosed()) return;
      if (this.targetEnded()) this.stream.destroy();
      else fn();
    });
  }

  /** A pause, which a connection lost meanwhile ends too. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.after(ms, resolve);
      void this.finished.then(() => resolve());
    });
  }

  // ---- the closing handshake ------------------------------------------------------------------

  /** Starts the closing handshake (RFC 6455 §7.1.2): our close frame (no status code when `code` is null), then the target's within the closing-handshake timeout. */
  startClosingHandshake(code: number | null, reason: Buffer | null = null): void {
    if (!this.sendClose(code, reason)) return;
    this.t.closedByMe = true;
    this.closeHandshakeTimer = this.later(this.opts.closeHandshakeTimeoutMs, () => {
      this.t.timersFired.push('closing-handshake');
      this.t.wasClean = false;
      this.t.wasNotCleanReason = 'the target did not answer the close frame in time';
      this.t.wasCloseHandshakeTimeout = true;
      this.log.note('closing handshake timed out');
      this.drop();
    });
  }

  /** The target's close frame: the reply to ours, or its own close, which is answered with 1000 (RFC 6455 §5.5.1). */
  closeReceived(code: number | null, reason: Buffer | null): void {
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
      if (this.sendClose(1000, null)) this.t.closedByMe = false;
      this.afterCloseHandshake();
    }
  }

  /** Fails the WebSocket connection (RFC 6455 §7.1.7): a close frame, or dropping TCP with failByDrop or when closing already. */
  failConnection(code: number, reason: string): void {
    if (this.isClosed()) return;
    this.t.failedByMe = true;
    if (this.opts.failByDrop) {
      this.t.wasClean = false;
      this.t.wasNotCleanReason = 'the harness failed the connection by dropping TCP';
      this.drop();
    } else if (this.state !== 'CLOSING') {
      this.startClosingHandshake(code, Buffer.from(reason, 'utf8').subarray(0, 123));
    } else {
      this.drop();
    }
  }

  /** Sends a close frame unless one was sent already (then false). */
  private sendClose(code: number | null, reason: Buffer | null): boolean {
    if (this.state !== 'OPEN') return false;
    const payload = code === null ? (reason ?? Buffer.alloc(0)) : closePayload(code, reason);
    this.io.sendControl(Opcode.close, payload);
    this.state = 'CLOSING';
    this.t.localCloseCode = code;
    this.t.localCloseReason = reason;
    this.waitingFor = 'the target to answer the close frame';
    return true;
  }

  /** A server drops TCP at once (unless the case lingers); a client waits for the server to do it (RFC 6455 §7.1.1). */
  private afterCloseHandshake(): void {
    if (this.t.role === 'server') {
      const linger = this.def.steps.find((s) => s.do === 'lingerAfterClose');
      if (linger?.do !== 'lingerAfterClose') {
        this.dropAfterWrites();
        return;
      }
      // Read-only: pings are no longer answered once a close has been sent; a client that keeps TCP open is dropped after ms.
      this.lingering = true;
      this.waitingFor = 'the client to send nothing after its close frame';
      this.log.note(`reading on for ${linger.ms} ms after the closing handshake, for anything the client sends after its close`);
      this.later(linger.ms, () => this.dropAfterWrites());
      return;
    }
    this.waitingFor = 'the server to close TCP';
    this.later(this.opts.serverDropTimeoutMs, () => {
      this.t.timersFired.push('server-drop');
      this.t.wasClean = false;
      this.t.wasNotCleanReason = 'the server did not close the TCP connection after the closing handshake';
      this.t.wasServerConnectionDropTimeout = true;
      this.drop();
    });
  }

  // ---- TCP and the end of the case ------------------------------------------------------------

  /** Closes TCP from our side at once, whatever is still to be written. */
  drop(): void {
    if (!this.markDropped()) return;
    this.stream.destroy();
  }

  /** Closes TCP from our side once pending writes are out. */
  private dropAfterWrites(): void {
    if (!this.markDropped()) return;
    this.stream.end();
    // A target that never reads, or never ends TCP (a socket left to its garbage collector), must
    // not keep the stream and the case alive; later() would skip this once closed.
    this.timers.plain(this.opts.closeHandshakeTimeoutMs, () => this.stream.destroy());
  }

  private markDropped(): boolean {
    if (this.isClosed()) return false;
    this.t.droppedByMe = true;
    this.state = 'CLOSED';
    if (this.t.tcpEnd === 'unknown') this.t.tcpEnd = 'harness';
    return true;
  }

  /** The harness failed to send (a compressor error): the case ends. */
  harnessError(e: unknown): void {
    this.log.note(`harness error while sending: ${e instanceof Error ? e.message : String(e)}`);
    this.drop();
  }

  caseLimitReached(): void {
    if (this.t.endedAtMs !== 0) return;
    if (!this.isClosed()) {
      this.t.timersFired.push('case-limit');
      this.t.timedOutWaitingFor = this.waitingFor;
      this.log.note(`case time limit (${caseLimitMs(this.def, this.opts)} ms) reached while waiting for ${this.waitingFor}`);
      this.t.wasNotCleanReason ??= 'the case time limit was reached';
      this.drop();
    } else {
      this.stream.destroy();
    }
  }

  /** The run is stopping: end the case now, with no verdict. */
  interrupt(reason: string): void {
    if (this.t.endedAtMs !== 0) return;
    this.t.interrupted = `${reason} while waiting for ${this.waitingFor}`;
    this.log.note(`interrupted (${reason}) while waiting for ${this.waitingFor}`);
    if (!this.isClosed()) this.drop();
    else this.stream.destroy();
  }

  /** The stream closed: the transcript is complete. */
  connectionLost(): void {
    if (this.t.endedAtMs !== 0) return;
    if (!this.isClosed()) {
      this.state = 'CLOSED';
      if (!this.t.wasClean && this.t.wasNotCleanReason === null) {
        this.t.wasNotCleanReason = 'the target dropped the TCP connection without a closing handshake';
      }
    }
    this.timers.clear();
    this.t.endedAtMs = this.log.elapsed();
    this.stream.removeAllListeners('data');
    this.done();
  }
}
