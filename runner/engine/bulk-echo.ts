/**
 * The bulk echo rounds of Autobahn's 9.x, 12.x and 13.x: the harness sends a message, waits for the
 * target to echo it, compares, and sends the next, with the wire log paused meanwhile. Its own
 * timer (Autobahn's 100-1000 s) ends the case with a close without a code, and so does a
 * connection that has stopped moving while the target answers promptly elsewhere (watchSilence).
 */
import type { BulkMessage, EchoRounds } from '../../cases/types.js';
import { fragmentCount, Opcode } from '../wire/frame.js';
import type { SessionOptions } from './defaults.js';
import type { MessageCompressor, SessionIO } from './session-io.js';
import type { ConnectionState } from './connection-state.js';
import { tick } from './session-timers.js';
import type { EchoProgress, Transcript } from './transcript.js';
import type { WireLog } from './wire-log.js';

/** What the rounds need of the session that plays them. */
export interface EchoHost {
  readonly t: Transcript;
  readonly io: SessionIO;
  readonly log: WireLog;
  readonly opts: SessionOptions;
  readonly compressor: MessageCompressor | null;
  readonly conn: ConnectionState;
}

export class BulkEcho {
  private lastSent: BulkMessage | null = null;
  private echo!: EchoProgress;

  constructor(
    private readonly rounds: EchoRounds,
    private readonly host: EchoHost,
  ) {}

  async start(): Promise<void> {
    const { rounds, host } = this;
    this.echo = host.t.echo = { count: rounds.count, sent: 0, matched: 0, mismatch: null, unimplemented: false };
    if (rounds.deflate && !host.compressor) {
      this.echo.unimplemented = true;
      host.log.note('permessage-deflate was not negotiated: the case is not applicable');
      host.conn.startClosingHandshake(1000);
      return;
    }
    host.conn.waitingFor = `echo 1 of ${rounds.count}`;
    host.conn.later(rounds.timeoutMs, () => {
      host.t.timersFired.push('echo');
      host.log.note(`case timer fired after ${rounds.timeoutMs} ms`);
      host.conn.startClosingHandshake(null);
    });
    this.watchSilence();
    host.log.pause('wire log paused for the bulk transfer');
    await this.send(0);
  }

  /** A message from the target while the rounds run: the echo of the last one sent, or the end. */
  onMessage(binary: boolean, payload: Buffer): void {
    const { rounds, host, echo } = this;
    if (!host.conn.isOpen()) return;
    const sent = this.lastSent!;
    let problem: string | null = null;
    if (binary !== sent.binary) problem = `expected a ${sent.binary ? 'binary' : 'text'} message, got ${binary ? 'binary' : 'text'}`;
    else if (payload.length !== sent.payload.length) problem = `expected ${sent.payload.length} bytes, got ${payload.length}`;
    else if (rounds.compare === 'content' && !payload.equals(sent.payload)) problem = 'the payload differs from what was sent';
    if (problem) {
      echo.mismatch = `echo ${echo.sent}: ${problem}`;
      host.log.resume();
      host.conn.startClosingHandshake(1000);
      return;
    }
    echo.matched++;
    if (echo.sent < rounds.count) {
      this.send(echo.sent).catch((e: unknown) => host.conn.harnessError(e));
    } else {
      host.log.resume();
      host.conn.waitingFor = 'the closing handshake';
      host.conn.startClosingHandshake(1000);
    }
  }

  /**
   * Autobahn waits 100-1000 s for a bulk echo; a target that will never send it (one that stopped
   * reading, or that waits for something that never comes) would hold the run that long. When the
   * connection has made no progress either way (no octet from the target, none of ours taken by
   * it) for `silenceMs`, and the load monitor saw the target answer promptly on its own connection
   * all that time, the target is not merely busy: the case ends as its timer would end it. A busy
   * target (a slow single-threaded one under load) answers the monitor late, which stops this clock.
   */
  private watchSilence(): void {
    const { rounds, host } = this;
    const { pulse, silenceMs } = host.opts;
    if (!pulse || silenceMs >= rounds.timeoutMs) return;
    let last = host.io.progress();
    let lastAt = Date.now();
    const every = Math.min(1000, silenceMs / 4);
    const check = (): void => {
      if (!host.conn.isOpen()) return;
      const now = host.io.progress();
      if (now !== last) {
        last = now;
        lastAt = Date.now();
      } else if (Date.now() - lastAt >= silenceMs && pulse.responsiveFor(silenceMs)) {
        host.t.timersFired.push('silence');
        host.log.note(`no progress on this connection for ${silenceMs / 1000} s while the target answered promptly on another one: ended as by the case timer (${rounds.timeoutMs / 1000} s)`);
        host.conn.startClosingHandshake(null);
        return;
      }
      host.conn.later(every, check);
    };
    host.conn.later(every, check);
  }

  private async send(i: number): Promise<void> {
    const { rounds, host, echo } = this;
    if (!host.conn.isOpen()) return;
    const msg = rounds.message(i);
    echo.sent = i + 1;
    host.conn.waitingFor = `echo ${i + 1} of ${rounds.count}`;
    let data = msg.payload;
    let rsv = 0;
    if (rounds.deflate && host.compressor) {
      data = await host.compressor.deflate(msg.payload, msg.source);
      rsv = 4;
      if (!host.conn.isOpen()) return;
    }
    const opcode = msg.binary ? Opcode.binary : Opcode.text;
    const frames = fragmentCount(data.length, rounds.fragmentSize ?? 0);
    this.lastSent = msg;
    host.t.traffic.txApp += msg.payload.length;
    host.t.traffic.txMessages++;
    const chop = rounds.chop;
    const parts = host.io.encodeMessage(opcode, rsv, data, { frames, fragmentSize: rounds.fragmentSize ?? 0, contiguous: Boolean(chop) });
    if (!chop) {
      host.io.write(parts);
      return;
    }
    const bytes = parts[0]!;
    for (let at = 0; at < bytes.length; at += chop) {
      if (host.conn.isClosed()) return;
      host.io.write(bytes.subarray(at, at + chop));
      await tick();
    }
  }
}
