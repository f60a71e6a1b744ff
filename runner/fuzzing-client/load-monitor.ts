/**
 * The load monitor: one connection of its own to the target under test, on which the harness sends
 * a small ping every 100 ms (one at a time) and times each pong. It says how promptly the target
 * answers *now*, from outside the cases.
 *
 * Autobahn runs one case at a time, and its timers (1 s kill and closing-handshake timers, the
 * 100-1000 s bulk echo timers) assume a target that is not busy with anything else. A harness that
 * runs many cases at once can put a slow target (single-threaded, interpreted) seconds behind, and
 * those timers then measure the harness's own load instead of the target's conformance. The pulse
 * lets the run tell the two apart: a timer verdict reached while the target answered late is
 * confirmed alone (runner/engine/confirm.ts), the run slows down while the target lags, and a bulk echo
 * that makes no progress while the target answers promptly elsewhere is not waited out (engine/bulk-echo.ts).
 */
import { randomBytes } from 'node:crypto';
import type { ByteStream } from '../engine/session-io.js';
import type { TargetPulse } from '../engine/defaults.js';
import { FrameDecoder } from '../wire/decoder.js';
import { encodeFrame, Opcode } from '../wire/frame.js';
import { dial } from './dial.js';
import type { ClientTlsOptions } from './tls.js';
import { dialH2 } from './h2-dial.js';
import type { H2Pool } from './h2-session.js';

/** A pong later than this: a timer verdict reached meanwhile may owe something to load. */
export const PROMPT_MS = 250;
/**
 * Pongs this late, twice in a row (or one twice as late), and the target is busy. Against a fast
 * target on two cores, 9.x beside the short cases delays pongs by up to half a second (both
 * processes are busy copying megabytes), which Autobahn's 1 s timers absorb; a slow target under
 * the same load answers seconds late.
 */
export const BUSY_MS = 600;
const PING_EVERY_MS = 100;

export class LoadMonitor implements TargetPulse {
  private readonly socket: ByteStream;
  private readonly decoder = new FrameDecoder({ maxPayload: 1 << 20 });
  /** One entry per pong: when it came and how long it took. */
  private readonly samples: Array<{ at: number; lagMs: number }> = [];
  private readonly openedAt = Date.now();
  private outstanding: { payload: Buffer; sentAt: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  /** Set when the connection ended: the monitor knows nothing from then on. */
  lostAt: number | null = null;

  private constructor(socket: ByteStream, leftover: Buffer) {
    this.socket = socket;
    socket.setNoDelay?.(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => undefined);
    socket.on('close', () => this.onLost());
    if (leftover.length > 0) this.onData(leftover);
    socket.resume();
    this.ping();
  }

  /**
   * Opens the monitor's connection; null when the target will not give it one. A target that does
   * not answer the first ping within the handshake timeout says nothing of its load: the monitor
   * then closes, and knows nothing (maxLagMs is Infinity, busy() false). Null at once when
   * `signal` aborts (the run is stopping) before the monitor is open. `h2`: over HTTP/2, on a
   * connection of its own (another connection's bulk cases would queue its pings).
   */
  static async open(url: URL, openHandshakeTimeoutMs: number, signal?: AbortSignal, tls?: ClientTlsOptions, h2?: H2Pool): Promise<LoadMonitor | null> {
    const r = h2
      ? await dialH2(h2, { url, timeoutMs: openHandshakeTimeoutMs, dedicated: true, ...(signal ? { signal } : {}) })
      : await dial({ url, openHandshakeTimeoutMs, ...(tls ? { tls } : {}), ...(signal ? { signal } : {}) });
    if (!r.ok || signal?.aborted) {
      if (r.ok || 'socket' in r) r.socket?.destroy();
      return null;
    }
    const m = new LoadMonitor(r.socket, r.leftover);
    setTimeout(() => {
      if (m.samples.length === 0) m.close();
    }, openHandshakeTimeoutMs).unref();
    return m;
  }

  /** Whether the target ever answered the monitor. */
  get answered(): boolean {
    return this.samples.length > 0;
  }

  /** Whether the monitor is watching: it has had a pong and its connection is still up. */
  get watching(): boolean {
    return this.samples.length > 0 && this.lostAt === null;
  }

  /** How late the target is now: the last pong's round trip, or the wait for the one outstanding. */
  lagMs(): number {
    const waiting = this.outstanding ? Date.now() - this.outstanding.sentAt : 0;
    return Math.max(waiting, this.samples.at(-1)?.lagMs ?? 0);
  }

  /**
   * Whether the target is busy now, not just hiccuping: two pongs BUSY_MS late in a row (the
   * outstanding ping counts once it is that late), or one twice that late. The harness's own event
   * loop stalls a pong now and then (a 16 MiB message being built); a busy target delays every one.
   */
  busy(): boolean {
    if (!this.watching) return false;
    const waiting = this.outstanding ? Date.now() - this.outstanding.sentAt : 0;
    const last = this.samples.at(-1)?.lagMs ?? 0;
    const before = this.samples.at(-2)?.lagMs ?? 0;
    if (waiting >= 2 * BUSY_MS || last >= 2 * BUSY_MS) return true;
    return waiting >= BUSY_MS ? last >= BUSY_MS : last >= BUSY_MS && before >= BUSY_MS;
  }

  /** The largest lag seen over the last `windowMs`; Infinity when the monitor cannot tell. */
  maxLagMs(windowMs: number): number {
    const from = Date.now() - windowMs;
    if (this.lostAt !== null || from < this.openedAt) return Infinity;
    let max = this.outstanding ? Date.now() - this.outstanding.sentAt : 0;
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const s = this.samples[i]!;
      max = Math.max(max, s.lagMs);
      // A pong that came before the window still covers the part of it it was awaited in.
      if (s.at < from) break;
    }
    return max;
  }

  responsiveFor(ms: number): boolean {
    return this.maxLagMs(ms) < PROMPT_MS;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lostAt ??= Date.now();
    this.socket.destroy();
  }

  private ping(): void {
    this.timer = null;
    if (this.lostAt !== null || this.socket.destroyed) return;
    const payload = Buffer.from(`wsconform pulse ${++this.seq}`);
    this.outstanding = { payload, sentAt: Date.now() };
    this.socket.write(encodeFrame({ opcode: Opcode.ping, payload, mask: randomBytes(4) }));
  }

  private onData(d: Buffer): void {
    for (const f of this.decoder.push(d)) {
      if (f.opcode === Opcode.pong && this.outstanding && f.payload.equals(this.outstanding.payload)) {
        const now = Date.now();
        this.samples.push({ at: now, lagMs: now - this.outstanding.sentAt });
        this.outstanding = null;
        this.timer = setTimeout(() => this.ping(), PING_EVERY_MS);
      } else if (f.opcode !== Opcode.pong && f.opcode !== Opcode.ping) {
        // A close, or data nobody asked for (a target that floods every connection): the monitor
        // cannot watch this target, and must not spend the harness's memory finding out.
        this.close();
        return;
      }
    }
    if (this.decoder.error) this.close();
  }

  private onLost(): void {
    this.lostAt ??= Date.now();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
