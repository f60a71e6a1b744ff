/**
 * Incremental frame decoder (RFC 6455 §5.2). It takes bytes as they arrive, in any chunking,
 * and never throws on what a peer sends: a header it cannot accept becomes a typed error and the
 * decoder stops. Only framing is checked here; what frames mean is the MessageReader's job.
 */
import { constants } from 'node:buffer';
import { applyMask, type LengthEncoding } from './frame.js';

export interface DecodedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  mask: Buffer | null;
  /** Unmasked payload. */
  payload: Buffer;
  lengthEncoding: LengthEncoding;
  /** True when the length used more bytes than needed (the RFC requires the minimal form). */
  nonMinimalLength: boolean;
}

export type DecodeErrorCode = 'WS_ERR_LENGTH_MSB_SET' | 'WS_ERR_FRAME_TOO_LARGE';

export interface DecodeError {
  code: DecodeErrorCode;
  /** Close status to fail the connection with. */
  closeCode: number;
  message: string;
}

export interface DecoderOptions {
  /** Largest frame payload accepted; a longer declared length is an error before any allocation. */
  maxPayload: number;
}

const HEADER_MAX = 14;
const EMPTY = Buffer.alloc(0);

export class FrameDecoder {
  private readonly maxPayload: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Offset of the first unread byte in chunks[0]. */
  private offset = 0;
  private inFrame = false;
  private fin = false;
  private rsv = 0;
  private opcode = 0;
  private mask: Buffer | null = null;
  private encoding: LengthEncoding = 7;
  private nonMinimal = false;
  private headerSize = 0;
  private payloadLength = 0;
  private payload: Buffer | null = null;
  private payloadFilled = 0;
  private failure: DecodeError | null = null;

  constructor(options: DecoderOptions) {
    // A payload no Buffer can hold is too large whatever the option says; allocating it would throw.
    this.maxPayload = Math.min(options.maxPayload, constants.MAX_LENGTH);
  }

  get error(): DecodeError | null {
    return this.failure;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered + this.headerSize + this.payloadFilled;
  }

  /** Feeds bytes and returns every frame they complete. After an error it returns nothing. */
  push(data: Buffer): DecodedFrame[] {
    const out: DecodedFrame[] = [];
    if (this.failure) return out;
    if (data.length > 0) {
      this.chunks.push(data);
      this.buffered += data.length;
    }
    for (;;) {
      if (!this.inFrame && !this.readHeader()) break;
      if (!this.fillPayload()) break;
      const payload = this.payload!;
      if (this.mask) applyMask(payload, this.mask);
      out.push({
        fin: this.fin,
        rsv: this.rsv,
        opcode: this.opcode,
        masked: this.mask !== null,
        mask: this.mask,
        payload,
        lengthEncoding: this.encoding,
        nonMinimalLength: this.nonMinimal,
      });
      this.inFrame = false;
      this.headerSize = 0;
      this.payload = null;
      this.payloadFilled = 0;
    }
    return out;
  }

  private readHeader(): boolean {
    if (this.buffered < 2) return false;
    const first = this.chunks[0]!;
    // Read straight from the first chunk when the whole header is there (the common case).
    const head = first.length - this.offset >= HEADER_MAX ? first : this.peek(Math.min(HEADER_MAX, this.buffered));
    const at = head === first ? this.offset : 0;
    const b0 = head[at]!,
      b1 = head[at + 1]!;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    const extra = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    const size = 2 + extra + (masked ? 4 : 0);
    if (this.buffered < size) return false;
    let length = len7;
    let encoding: LengthEncoding = 7;
    if (len7 === 126) {
      length = head.readUInt16BE(at + 2);
      encoding = 16;
    } else if (len7 === 127) {
      const big = head.readBigUInt64BE(at + 2);
      if (big >> 63n) return this.fail('WS_ERR_LENGTH_MSB_SET', 1002, 'the most significant bit of a 64-bit payload length is set');
      // Number() may round above 2^53, but the limit is a Buffer size, well below that.
      length = Number(big);
      encoding = 64;
    }
    if (length > this.maxPayload) {
      const declared = encoding === 64 ? head.readBigUInt64BE(at + 2) : length;
      return this.fail('WS_ERR_FRAME_TOO_LARGE', 1009, `frame declares ${declared} payload bytes, over the limit of ${this.maxPayload}`);
    }
    this.nonMinimal = encoding === 16 ? length <= 125 : encoding === 64 ? length <= 0xffff : false;
    this.mask = masked ? Buffer.from(head.subarray(at + 2 + extra, at + 2 + extra + 4)) : null;
    this.fin = (b0 & 0x80) !== 0;
    this.rsv = (b0 >> 4) & 0x7;
    this.opcode = b0 & 0xf;
    this.encoding = encoding;
    this.consume(size);
    this.inFrame = true;
    this.headerSize = size;
    this.payloadLength = length;
    this.payload = null;
    this.payloadFilled = 0;
    return true;
  }

  private fail(code: DecodeErrorCode, closeCode: number, message: string): false {
    this.failure = { code, closeCode, message };
    return false;
  }

  private fillPayload(): boolean {
    const need = this.payloadLength - this.payloadFilled;
    if (need === 0) {
      this.payload ??= EMPTY;
      return true;
    }
    if (this.payload === null && this.chunks.length > 0 && this.chunks[0]!.length - this.offset >= need) {
      const first = this.chunks[0]!;
      // The whole payload sits in one chunk. A big unmasked payload is used in place; anything
      // masked is copied, because unmasking writes and the caller may still hold its bytes, and
      // small payloads are copied so that keeping a small message does not pin a big chunk.
      if (need >= 4096 && this.mask === null) {
        this.payload = first.subarray(this.offset, this.offset + need);
      } else {
        this.payload = Buffer.allocUnsafe(need);
        first.copy(this.payload, 0, this.offset, this.offset + need);
      }
      this.consume(need);
      this.payloadFilled = need;
      return true;
    }
    if (this.payload === null) this.payload = Buffer.allocUnsafe(this.payloadLength);
    while (this.payloadFilled < this.payloadLength && this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const take = Math.min(chunk.length - this.offset, this.payloadLength - this.payloadFilled);
      chunk.copy(this.payload, this.payloadFilled, this.offset, this.offset + take);
      this.payloadFilled += take;
      this.consume(take);
    }
    return this.payloadFilled === this.payloadLength;
  }

  /** Copies the next `n` buffered bytes (n is small: a header) into one buffer. */
  private peek(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (let i = 0, off = this.offset; filled < n && i < this.chunks.length; i++, off = 0) {
      const c = this.chunks[i]!;
      filled += c.copy(out, filled, off, Math.min(c.length, off + n - filled));
    }
    return out;
  }

  private consume(n: number): void {
    this.buffered -= n;
    let drop = 0;
    while (n > 0) {
      const left = this.chunks[drop]!.length - this.offset;
      if (left <= n) {
        drop++;
        n -= left;
        this.offset = 0;
      } else {
        this.offset += n;
        n = 0;
      }
    }
    if (drop > 0) this.chunks.splice(0, drop);
  }
}
