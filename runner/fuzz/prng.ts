/**
 * A seeded pseudo-random generator for the fuzzer: the same seed gives the same sequences on any
 * machine and any Node version, because it uses only 32-bit integer arithmetic (Math.imul, >>>),
 * never Math.random or floating-point state. xoshiro128** (Blackman and Vigna), seeded through
 * splitmix32 so that nearby seeds still give unrelated streams.
 */

/** One splitmix32 step: a well-mixed 32-bit value from a counter. */
export function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream for (seed, stream): fuzz sequence n of a seed is stream n, so any one can be regenerated alone. */
  constructor(seed: number, stream = 0) {
    let x = splitmix32((seed >>> 0) ^ Math.imul(stream >>> 0, 0x27d4eb2d));
    this.a = x = splitmix32(x);
    this.b = x = splitmix32(x);
    this.c = x = splitmix32(x);
    this.d = splitmix32(x ^ (stream >>> 0));
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** The next 32-bit unsigned value. */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.b << 9) >>> 0;
    this.c = (this.c ^ this.a) >>> 0;
    this.d = (this.d ^ this.b) >>> 0;
    this.b = (this.b ^ this.c) >>> 0;
    this.a = (this.a ^ this.d) >>> 0;
    this.c = (this.c ^ t) >>> 0;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** An integer in [min, max], both included (max - min below 2^32). */
  int(min: number, max: number): number {
    const span = max - min + 1;
    // Rejection sampling keeps the distribution exact (no modulo bias), so streams never depend on rounding.
    const limit = Math.floor(0x100000000 / span) * span;
    let x = this.next();
    while (x >= limit) x = this.next();
    return min + (x % span);
  }

  /** True with probability `percent` / 100. */
  chance(percent: number): boolean {
    return this.int(0, 99) < percent;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** Picks by integer weights: [[item, weight], ...]. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.int(0, total - 1);
    for (const [item, w] of items) {
      if (r < w) return item;
      r -= w;
    }
    return items[items.length - 1]![0];
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.next() >>> 24;
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
