/**
 * A session's side of its connection: the byte stream the driver hands it (a TCP or TLS socket, or
 * an HTTP/2 stream carrying the WebSocket, RFC 8441), what goes out on it (case frames encoded with the role's
 * masking, control frames, bulk messages split into frames) and what comes in, each counted in the
 * transcript's statistics and written to the wire log.
 */
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { CaseFrame } from '../../cases/types.js';
import type { DecodedFrame } from '../wire/decoder.js';
import type { CorpusSlice } from '../wire/deflate/stream.js';
import { applyMask, encodeFrame, headerSize, Opcode, writeHeader } from '../wire/frame.js';
import type { MessageInflater } from '../wire/reader.js';
import type { Transcript } from './transcript.js';
import type { WireLog } from './wire-log.js';

/**
 * The connection a session plays a case on, opened (dialled or accepted, opening handshake done)
 * by the driver: any duplex byte stream. Its 'end' is the target ending its side (a TCP FIN, or an
 * HTTP/2 stream's END_STREAM), an error isPeerReset() knows a reset (a TCP RST, or the target's
 * RST_STREAM: RFC 8441 §5 gives them the same role), and destroy() closes it at once.
 */
export type ByteStream = Duplex & {
  /** Sends each write at once rather than coalescing small ones (TCP_NODELAY); only sockets have it. */
  setNoDelay?(noDelay?: boolean): unknown;
};

/** The code of the error a stream over HTTP/2 emits when the target reset it (RST_STREAM, or its connection went away). */
export const STREAM_RESET = 'WSCONFORM_STREAM_RESET';

/** Whether a stream error is the target resetting the connection (TCP) or the stream (HTTP/2). */
export function isPeerReset(e: NodeJS.ErrnoException): boolean {
  return e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === STREAM_RESET;
}

/** A negotiated per-message compression, both ways. */
export interface MessageCompressor {
  /** `source` says where the payload's bytes come from, when the case knows, so compressed pieces can be reused. */
  deflate(payload: Buffer, source?: CorpusSlice): Promise<Buffer>;
  inflater: MessageInflater;
  description: string;
}

/** A case frame's octets; `header` is where its payload starts (a slice step cuts in payload coordinates). */
export interface EncodedFrame {
  header: number;
  bytes: Buffer;
}

export class SessionIO {
  private readonly encoded = new WeakMap<CaseFrame, EncodedFrame>();

  /**
   * @param masking the harness's role masks its frames (it is the client)
   * @param maskKey masking keys for deterministic tests; random by default
   */
  constructor(
    readonly stream: ByteStream,
    private readonly t: Transcript,
    private readonly log: WireLog,
    private readonly masking: boolean,
    private readonly maskKey: (() => Buffer) | undefined,
  ) {}

  /**
   * Encodes a case frame with the role's masking, once: slices of one frame reuse one encoding.
   * The frame is logged at its first encoding unless `logged` is false (a slice without the header).
   */
  encode(f: CaseFrame, o: { logged: boolean } = { logged: true }): EncodedFrame {
    const cached = this.encoded.get(f);
    if (cached) return cached;
    const masked = f.masked ?? this.masking;
    const mask = masked ? this.newMask() : null;
    const bytes = encodeFrame({ ...f, mask });
    const e = { header: bytes.length - (f.payload?.length ?? 0), bytes };
    this.encoded.set(f, e);
    const payload = f.payload ?? Buffer.alloc(0);
    if (o.logged) this.log.frame('tx', { opcode: f.opcode, fin: f.fin ?? true, rsv: f.rsv ?? 0, masked, payload });
    this.countTxFrame(f.opcode, payload.length);
    return e;
  }

  /** Sends a control frame (close, pong) at once, with the role's masking. */
  sendControl(opcode: number, payload: Buffer): void {
    const mask = this.masking ? this.newMask() : null;
    this.log.frame('tx', { opcode, fin: true, rsv: 0, masked: mask !== null, payload });
    this.countTxFrame(opcode, payload.length);
    this.write(encodeFrame({ opcode, payload, mask }));
  }

  /**
   * One message (already compressed when rsv says so) split into frames of `fragmentSize` payload
   * bytes (0: one frame), counted but not logged (bulk messages go out while the log is paused).
   * Autobahn's split: a length the fragment size divides ends with an empty final frame. One
   * unmasked frame comes back as header and payload, so the payload is not copied.
   */
  encodeMessage(opcode: number, rsv: number, data: Buffer, o: { frames: number; fragmentSize: number; contiguous: boolean }): Buffer[] {
    const { frames: nFrames } = o;
    if (nFrames === 1 && !this.masking && !o.contiguous) {
      const header = Buffer.allocUnsafe(headerSize(data.length, false));
      writeHeader(header, 0, opcode, true, rsv, data.length, null);
      this.countTxFrame(opcode, data.length);
      return [header, data];
    }
    const size = nFrames > 1 ? o.fragmentSize : data.length;
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
    return [bytes];
  }

  /** One write as the octet statistics count it; given in parts, they go out together without being copied into one buffer. */
  write(bytes: Buffer | Buffer[]): void {
    const s = this.stream;
    if (s.destroyed || s.writableEnded) return;
    const parts = Array.isArray(bytes) ? bytes : [bytes];
    const length = parts.reduce((n, b) => n + b.length, 0);
    this.t.traffic.txWire += length;
    count(this.t.txOctetStats, length);
    this.log.octets('tx', parts);
    if (parts.length === 1) {
      s.write(parts[0]!);
      return;
    }
    s.cork();
    for (const b of parts) s.write(b);
    s.uncork();
  }

  /** Octets as they arrived, before decoding. */
  received(data: Buffer): void {
    this.t.traffic.rxWire += data.length;
    count(this.t.rxOctetStats, data.length);
    this.log.octets('rx', data);
  }

  /** A frame as decoded, before the message reader sees it. */
  receivedFrame(f: DecodedFrame): void {
    count(this.t.rxFrameStats, f.opcode);
    this.t.traffic.rxFrames++;
    this.t.traffic.rxWsPayload += f.payload.length;
    this.log.frame('rx', f);
  }

  /**
   * Octets that moved either way: received, or written and taken by the stream below (no longer
   * waiting in its buffer). It stays the same while neither side makes progress.
   */
  progress(): number {
    return this.t.traffic.rxWire + (this.t.traffic.txWire - this.stream.writableLength);
  }

  private countTxFrame(opcode: number, payloadLength: number): void {
    count(this.t.txFrameStats, opcode);
    this.t.traffic.txFrames++;
    this.t.traffic.txWsPayload += payloadLength;
  }

  private newMask(): Buffer {
    return this.maskKey ? this.maskKey() : randomMask();
  }
}

function count(stats: Record<string, number>, key: number): void {
  const k = String(key);
  stats[k] = (stats[k] ?? 0) + 1;
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
