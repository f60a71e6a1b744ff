/**
 * One raw deflate stream per message (RFC 7692 §7.2.1): non-final blocks ended by a sync flush,
 * whose trailing empty stored block is removed on send and restored on receive.
 */
import zlib from 'node:zlib';

/** The empty stored block a sync flush ends with: removed on send, restored on receive (§7.2.1, §7.2.2). */
export const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** Where a payload comes from: byte ranges, in order, of a named corpus that never changes (equal names, equal bytes). */
export interface CorpusSlice {
  corpus: string;
  data: Buffer;
  ranges: ReadonlyArray<readonly [from: number, to: number]>;
}

export interface ZlibSettings {
  level: number;
  memLevel: number;
  windowBits: number;
}

/**
 * A raw deflate stream ended by a sync flush: non-final blocks, then the empty stored block (kept
 * here). Without a dictionary, a window larger than the input buys nothing: small inputs get a
 * small window and hash table, so zlib sets up a few KB instead of a quarter MB for every message.
 */
export function deflatePiece(data: Buffer, z: ZlibSettings, dictionary?: Buffer): Buffer {
  // One output chunk that fits even incompressible input: no 16 KB chunk per call, no concatenation.
  const opts: zlib.ZlibOptions = { ...z, finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: data.length + (data.length >> 4) + 128 };
  if (dictionary && dictionary.length > 0) opts.dictionary = dictionary;
  else {
    // zlib reaches back at most the window size less 262 bytes.
    const bits = Math.min(z.windowBits, Math.max(9, Math.ceil(Math.log2(data.length + 262))));
    opts.windowBits = bits;
    opts.memLevel = Math.max(1, Math.min(z.memLevel, bits - 7));
  }
  return zlib.deflateRawSync(data, opts);
}
