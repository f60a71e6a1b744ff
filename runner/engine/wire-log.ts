/**
 * The wire log of a case: what went over the connection, line by line, for the case page. Every
 * target that records one (the session, the fuzz runner, the browser-API servers, the fuzzing
 * server's control connections) writes it through this class, so that every log keeps the same
 * number of payload bytes per line, stops at the same number of lines and counts time the same way.
 */
import { DEFAULT_WIRE_LOG_LINES } from './defaults.js';
import type { WireEntry } from './results.js';

/** Payload bytes shown per line (hex and text); a longer payload is marked truncated. */
export const WIRE_LOG_BYTES = 64;

export interface LoggedFrame {
  opcode: number;
  fin: boolean;
  rsv: number;
  masked: boolean;
  payload: Uint8Array;
}

export class WireLog {
  private paused = false;
  private readonly startedAt: number | null;

  /**
   * @param entries the array the lines go to (the transcript's or the record's own)
   * @param maxLines lines kept; one more says where the log was cut
   * @param startedAt the time 0 of the log (Date.now() when the connection was made); null for a
   *   log written after the fact from what was sent, whose lines carry no time (t is 0)
   */
  constructor(
    readonly entries: WireEntry[],
    private readonly maxLines: number = DEFAULT_WIRE_LOG_LINES,
    startedAt: number | null = Date.now(),
  ) {
    this.startedAt = startedAt;
  }

  /** Milliseconds since the log started, to the microsecond (0 in a log without a clock). */
  elapsed(): number {
    if (this.startedAt === null) return 0;
    return Math.round((Date.now() - this.startedAt) * 1000) / 1000;
  }

  /** False while paused for a bulk transfer: callers skip the work of preparing a line. */
  get recording(): boolean {
    return !this.paused;
  }

  /** Bytes as written or read, in one or several parts (only the first WIRE_LOG_BYTES are kept). */
  octets(dir: 'rx' | 'tx', bytes: Uint8Array | readonly Uint8Array[]): void {
    if (this.paused) return;
    const parts = bytes instanceof Uint8Array ? [bytes] : bytes;
    const length = parts.reduce((n, b) => n + b.length, 0);
    const head = parts.length === 1 ? toBuffer(parts[0]!, WIRE_LOG_BYTES) : Buffer.concat(parts.map((b) => toBuffer(b, WIRE_LOG_BYTES))).subarray(0, WIRE_LOG_BYTES);
    this.push({ t: this.elapsed(), kind: 'octets', dir, length, hex: head.toString('hex'), truncated: length > WIRE_LOG_BYTES });
  }

  /** One frame, decoded or about to be encoded. `length` is the payload length on the wire when it differs (compressed). */
  frame(dir: 'rx' | 'tx', f: LoggedFrame): void {
    if (this.paused) return;
    const head = toBuffer(f.payload, WIRE_LOG_BYTES);
    this.push({
      t: this.elapsed(),
      kind: 'frame',
      dir,
      opcode: f.opcode,
      fin: f.fin,
      rsv: f.rsv,
      masked: f.masked,
      length: f.payload.length,
      hex: head.toString('hex'),
      text: head.toString('utf8'),
      truncated: f.payload.length > WIRE_LOG_BYTES,
    });
  }

  /** A sentence about what happened (always kept, even while paused). */
  note(text: string): void {
    this.push({ t: this.elapsed(), kind: 'note', text });
  }

  /** Stops logging octets and frames (a bulk transfer would fill the log with one kind of line), saying why. */
  pause(why: string): void {
    if (this.paused) return;
    this.note(why);
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.note('wire log resumed');
  }

  private push(e: WireEntry): void {
    if (this.entries.length < this.maxLines) this.entries.push(e);
    else if (this.entries.length === this.maxLines) this.entries.push({ t: e.t, kind: 'note', text: `wire log truncated after ${this.maxLines} lines` });
  }
}

function toBuffer(b: Uint8Array, max: number): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, max));
}
