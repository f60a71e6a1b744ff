/**
 * The permessage-deflate codec of one connection (RFC 7692 §7.2), both ways. Pure: node:zlib only,
 * no sockets.
 *
 * The codec is synchronous. A kept LZ77 context is replaced by its equivalent: each message is a
 * fresh raw deflate stream ended with Z_SYNC_FLUSH, and "context takeover" passes the last
 * 2^windowBits bytes of earlier plaintext as the preset dictionary. A receiver that kept its window
 * holds exactly those bytes, so the streams are interchangeable with a long-lived zlib context.
 */
import zlib from 'node:zlib';
import type { MessageInflater } from '../reader.js';
import type { DeflateAgreement } from './negotiation.js';
import type { PieceStore } from './pieces.js';
import { deflatePiece, TRAILER, type CorpusSlice, type ZlibSettings } from './stream.js';

export interface DeflateDirection {
  /** Reset the LZ77 window after each message. */
  noContextTakeover: boolean;
  /** The negotiated window: 8..15. */
  windowBits: number;
}

export interface CodecOptions {
  send: DeflateDirection;
  receive: DeflateDirection;
  /** zlib level for what the harness sends; any valid stream is conformant, so the fastest will do. */
  level?: number;
  memLevel?: number;
  /** Compressed pieces of corpora, shared across connections (used only when sending without context takeover). */
  pieces?: PieceStore | null;
  description?: string;
}

/** zlib cannot deflate with an 8-bit raw window; 9 bits never reaches back more than 250 bytes, so it is safe for 8. */
const deflateBits = (bits: number): number => Math.max(9, bits);

/** The last `size` bytes of `prev` followed by `next`. */
function tail(prev: Buffer, next: Buffer, size: number): Buffer {
  if (next.length >= size) return next.subarray(next.length - size);
  const keep = Math.min(prev.length, size - next.length);
  return Buffer.concat([prev.subarray(prev.length - keep), next]);
}

/** One connection's permessage-deflate state, both ways. */
export class PerMessageDeflate {
  readonly description: string;
  readonly inflater: MessageInflater;
  private readonly o: CodecOptions;
  private sent: Buffer = Buffer.alloc(0);
  private received: Buffer = Buffer.alloc(0);
  private lastInflated = 0;
  private input: Buffer = Buffer.alloc(0);

  constructor(o: CodecOptions) {
    this.o = o;
    this.description = o.description ?? `send ${direction(o.send)}, receive ${direction(o.receive)}`;
    this.inflater = { inflate: (data, maxSize) => this.inflateMessage(data, maxSize) };
  }

  /** Compresses one whole message; `source` says where its bytes come from, when the caller knows. */
  deflate(payload: Buffer, source?: CorpusSlice): Promise<Buffer> {
    return Promise.resolve(this.deflateSync(payload, source));
  }

  deflateSync(payload: Buffer, source?: CorpusSlice): Buffer {
    const { send } = this.o;
    const z: ZlibSettings = { level: this.o.level ?? 1, memLevel: this.o.memLevel ?? 8, windowBits: deflateBits(send.windowBits) };
    if (send.noContextTakeover) {
      const pieces = this.o.pieces;
      if (pieces && source && payload.length > 0 && source.ranges.reduce((n, [a, b]) => n + b - a, 0) === payload.length) return pieces.assemble(source, z);
      const out = deflatePiece(payload, z);
      return out.subarray(0, out.length - TRAILER.length);
    }
    const out = deflatePiece(payload, z, this.sent);
    this.sent = tail(this.sent, payload, 1 << send.windowBits);
    // A sync flush always ends with the empty stored block; the receiver adds it back.
    return out.subarray(0, out.length - TRAILER.length);
  }

  /**
   * Inflates a whole message, bounded: more than `maxSize` bytes of output is a too-large message,
   * never an allocation. A kept context goes in as a stored block of the earlier plaintext ahead of
   * the message (valid deflate, and the peer's back-references land in it); the output then starts
   * with those bytes, which are cut off. Cheaper than zlib's dictionary, whose copy outlives the call.
   */
  private inflateMessage(data: Buffer, maxSize: number): ReturnType<MessageInflater['inflate']> {
    const { receive } = this.o;
    const history = receive.noContextTakeover ? 0 : this.received.length;
    const head = history > 0 ? 5 + history : 0;
    // zlib reads its input synchronously and keeps nothing of it: one input buffer serves every message.
    const size = head + data.length + TRAILER.length;
    if (this.input.length < size) this.input = Buffer.allocUnsafeSlow(Math.max(size, 2 * this.input.length));
    const input = this.input.subarray(0, size);
    if (history > 0) {
      input[0] = 0; // BFINAL 0, BTYPE 00 (stored), then LEN and its complement
      input.writeUInt16LE(history, 1);
      input.writeUInt16LE(~history & 0xffff, 3);
      this.received.copy(input, 5);
    }
    data.copy(input, head);
    TRAILER.copy(input, head + data.length);
    const tooLarge = { ok: false as const, tooLarge: true, message: `the message inflates to more than ${maxSize} bytes` };
    let out: Buffer;
    try {
      out = zlib.inflateRawSync(input, {
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
        maxOutputLength: Math.max(1, Math.min(maxSize + history, 0x7fffffff)),
        // Peers tend to send messages of one size: an output chunk one byte larger than the last
        // message takes the next one whole, without zlib's chunk list and final concatenation.
        chunkSize: Math.min(history + Math.max(this.lastInflated > 0 ? this.lastInflated + 1 : data.length * 4, 64), 1 << 20),
        // The agreed window, not zlib's largest: less to set up per message, and stricter.
        windowBits: receive.windowBits,
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ERR_BUFFER_TOO_LARGE') return tooLarge;
      return { ok: false, tooLarge: false, message: `invalid deflate data: ${err.message}` };
    }
    const payload = out.subarray(history);
    if (payload.length > maxSize) return tooLarge;
    if (!receive.noContextTakeover) this.received = out.subarray(Math.max(0, out.length - (1 << receive.windowBits)));
    this.lastInflated = payload.length;
    return { ok: true, payload };
  }
}

function direction(d: DeflateDirection): string {
  return `${d.noContextTakeover ? 'without' : 'with'} context takeover, window ${d.windowBits} bits`;
}

/**
 * The codec for one side of an agreement. The server's direction is what the response says. The
 * client's direction is bound by the response, and a client also keeps to what its own offer
 * hinted (no context takeover, a smaller window: §7.1.1.2, §7.1.2.2), which makes what the harness
 * sends as a client independent of history (and so assembled from shared pieces). A server holds
 * the client only to the response: hints do not bind the peer, and a kept window costs nothing.
 */
export function codecFor(role: 'client' | 'server', a: DeflateAgreement, o: Pick<CodecOptions, 'level' | 'memLevel' | 'pieces'> = {}): PerMessageDeflate {
  const p = a.params;
  const server: DeflateDirection = { noContextTakeover: p.serverNoContextTakeover === true, windowBits: p.serverMaxWindowBits ?? 15 };
  const client: DeflateDirection = { noContextTakeover: p.clientNoContextTakeover === true, windowBits: p.clientMaxWindowBits ?? 15 };
  const hinted = typeof a.offer.clientMaxWindowBits === 'number' ? a.offer.clientMaxWindowBits : 15;
  const send = role === 'server' ? server : { noContextTakeover: client.noContextTakeover || a.offer.clientNoContextTakeover === true, windowBits: Math.min(client.windowBits, hinted) };
  const receive = role === 'server' ? client : server;
  return new PerMessageDeflate({ ...o, send, receive, description: `${a.response} (harness sends ${direction(send)}; peer sends ${direction(receive)})` });
}
