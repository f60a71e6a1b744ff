/** Byte helpers shared by the unit tests: readable hex fixtures and a seeded random source. */

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

/** A seeded generator (mulberry32) so a failing fuzz run can be replayed. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (bound: number): number => Math.floor(next() * bound);
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
  for (let i = 0; i < data.length; ) {
    const size = 1 + random.int(maxPiece);
    pieces.push(data.subarray(i, i + size));
    i += size;
  }
  return pieces;
}
