/** Byte helpers shared by the unit tests: readable hex fixtures and a seeded random source. */
import { mulberry32 } from '../../runner/wire/mulberry32.js';

/** `hex('81 85 37fa')` → the bytes; whitespace is ignored so fixtures can be grouped as on the wire. */
export function hex(text: string): Buffer {
  const digits = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex fixture: ${text}`);
  return Buffer.from(digits, 'hex');
}

export interface Random {
  /** An integer in [0, bound). */
  int(bound: number): number;
  bytes(length: number): Buffer;
}

/**
 * A seeded generator (mulberry32) so a failing fuzz run can be replayed. Integers are scaled from
 * a fraction in [0, 1), not taken modulo: the tests' recorded seeds depend on this mapping.
 */
export function seededRandom(seed: number): Random {
  const next = mulberry32(seed);
  const int = (bound: number): number => Math.floor((next() / 4294967296) * bound);
  const bytes = (length: number): Buffer => {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = int(256);
    return out;
  };
  return { int, bytes };
}

/** Splits `data` into consecutive pieces of random sizes (1 to `maxPiece` bytes). */
export function randomChunks(data: Buffer, random: Random, maxPiece: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length;) {
    const size = 1 + random.int(maxPiece);
    pieces.push(data.subarray(i, i + size));
    i += size;
  }
  return pieces;
}
