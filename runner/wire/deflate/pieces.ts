/**
 * The compressed pieces of corpora that every connection shares, and the bounded cache behind them.
 */
import { deflatePiece, TRAILER, type CorpusSlice, type ZlibSettings } from './stream.js';

/** A byte-bounded LRU. */
class Lru {
  private readonly map = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Buffer | undefined {
    const b = this.map.get(key);
    if (b !== undefined) {
      this.map.delete(key);
      this.map.set(key, b);
    }
    return b;
  }

  set(key: string, value: Buffer): void {
    if (this.map.has(key)) return;
    this.map.set(key, value);
    this.bytes += value.length + 100;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.length + 100;
    }
  }
}

/**
 * Compressed pieces of corpora, shared by every connection. Raw deflate streams that end with a
 * sync flush concatenate into one valid stream of the concatenated plaintext (each is a run of
 * non-final blocks ending on a byte boundary, and none refers back before its own start). So a
 * slice of a corpus is assembled from fixed chunks compressed once, at a good level, and kept (the
 * corpora are a few MB), plus its ragged ends compressed on demand at the codec's fast level and
 * kept in a bounded LRU, since concurrent cases walk the same slices. The target still receives
 * real LZ77 + Huffman data; what the harness saves is compressing the same bytes again for every
 * case and every message.
 */
export class PieceStore {
  private readonly chunks = new Map<string, Array<Buffer | undefined>>();
  private readonly ends: Lru;
  /** Pieces compressed, and pieces reused, since the start (for benchmarks). */
  compressed = 0;
  reused = 0;

  constructor(
    readonly chunkSize = 16 * 1024,
    lruBytes = 16 * 1024 * 1024,
    /** zlib's default, as Autobahn uses: whole chunks are compressed once, so the level costs little. */
    readonly chunkLevel = 6,
  ) {
    this.ends = new Lru(lruBytes);
  }

  /** The compressed slice, without the final 00 00 ff ff. */
  assemble(slice: CorpusSlice, z: ZlibSettings): Buffer {
    const variant = `${slice.corpus}/${z.windowBits}/${z.level}/${z.memLevel}`;
    const chunkZ = { ...z, level: this.chunkLevel };
    const chunkVariant = `${slice.corpus}/${z.windowBits}/${this.chunkLevel}/${z.memLevel}`;
    let chunks = this.chunks.get(chunkVariant);
    if (!chunks) this.chunks.set(chunkVariant, (chunks = new Array<Buffer | undefined>(Math.ceil(slice.data.length / this.chunkSize))));
    const size = this.chunkSize;
    const parts: Buffer[] = [];
    let total = 0;
    for (const [from, to] of slice.ranges) {
      for (let at = from; at < to;) {
        const k = Math.floor(at / size);
        const chunkEnd = Math.min((k + 1) * size, slice.data.length);
        const end = Math.min(to, chunkEnd);
        let piece: Buffer | undefined;
        if (at === k * size && end === chunkEnd) {
          piece = chunks[k];
          if (piece) this.reused++;
          else chunks[k] = piece = this.compress(slice.data.subarray(at, end), chunkZ);
        } else {
          const key = `${variant}/${at}/${end}`;
          piece = this.ends.get(key);
          if (piece) this.reused++;
          else this.ends.set(key, (piece = this.compress(slice.data.subarray(at, end), z)));
        }
        parts.push(piece);
        total += piece.length;
        at = end;
      }
    }
    return Buffer.concat(parts, total).subarray(0, total - TRAILER.length);
  }

  private compress(data: Buffer, z: ZlibSettings): Buffer {
    this.compressed++;
    // Kept for long: an exact copy in its own memory, neither a view into zlib's output chunk nor
    // into the shared pool (which it would pin).
    const out = deflatePiece(data, z);
    const kept = Buffer.allocUnsafeSlow(out.length);
    out.copy(kept);
    return kept;
  }
}

/** Shared by every connection of the process: the fuzzing client sends the same data sets again and again. */
export const sharedPieces = new PieceStore();
