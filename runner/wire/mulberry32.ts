/**
 * mulberry32 (Tommy Ettinger): one 32-bit state, one add-and-mix step per value, and only 32-bit
 * integer arithmetic, so a seed gives the same sequence on every platform. It drives the
 * compression data sets (cases/autobahn/compression-data.ts) and the tests' random inputs
 * (test/support/bytes.ts); each maps the values to integers its own way, which their pinned
 * digests depend on. It lives in the wire layer, the one layer the catalogue may import. The
 * fuzzer uses runner/fuzz/prng.ts, which has independent streams per sequence.
 */

/** A generator for `seed` (taken modulo 2^32): each call returns the next unsigned 32-bit value. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}
