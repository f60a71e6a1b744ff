/**
 * Shrinking a failing fuzz sequence (delta debugging, Zeller's ddmin): drop frames, then write
 * boundaries, then payload bytes, keeping a candidate only when it still fails the same way.
 * Candidates of one round run concurrently against the live target, a few at a time, and the
 * lowest-numbered one that fails wins, so the result does not depend on which finished first.
 */
import type { FuzzFailure } from '../engine/verdicts/fuzz-oracle.js';
import type { FuzzFrame, FuzzSequence } from './generate.js';

export interface ShrinkOptions {
  /** Runs a candidate; resolves with how it failed, or null when it passed. */
  check: (seq: FuzzSequence) => Promise<FuzzFailure | null>;
  /** Candidates run at once. */
  parallel?: number;
  /** Most candidates run in all. */
  maxRuns?: number;
}

export interface ShrinkResult {
  seq: FuzzSequence;
  runs: number;
}

export async function shrinkSequence(start: FuzzSequence, failure: FuzzFailure, o: ShrinkOptions): Promise<ShrinkResult> {
  let runs = 0;
  const maxRuns = o.maxRuns ?? 400;
  const parallel = Math.max(1, o.parallel ?? 8);
  /** Index of the first candidate that still fails the same way, or -1. */
  const firstFailing = async (candidates: FuzzSequence[]): Promise<number> => {
    for (let at = 0; at < candidates.length; at += parallel) {
      const slice = candidates.slice(at, at + parallel).filter(() => runs++ < maxRuns);
      if (slice.length === 0) return -1;
      const results = await Promise.all(slice.map((c) => o.check(c)));
      const k = results.findIndex((r) => r === failure);
      if (k >= 0) return at + k;
    }
    return -1;
  };
  /**
   * ddmin, after one round of likely answers tried at once (`guesses`, simplest first): a single
   * frame, a short prefix of a payload. Each round that fails costs the target's time limit when
   * the failure is a hang, so trying many small candidates in one round saves many rounds.
   */
  const ddmin = async <T>(items: T[], build: (subset: T[]) => FuzzSequence, guesses: T[][] = []): Promise<T[]> => {
    const g = await firstFailing(guesses.map(build));
    if (g >= 0) items = guesses[g]!;
    let n = 2;
    while (items.length >= 2 && runs < maxRuns) {
      const chunks = split(items, n);
      const complements = n > 2 ? chunks.map((_, i) => chunks.filter((_, j) => j !== i).flat()) : [];
      const candidates = [...chunks, ...complements];
      const k = await firstFailing(candidates.map(build));
      if (k >= 0 && k < chunks.length) {
        items = chunks[k]!;
        n = 2;
      } else if (k >= 0) {
        items = complements[k - chunks.length]!;
        n = Math.max(n - 1, 2);
      } else if (n >= items.length) {
        break;
      } else {
        n = Math.min(items.length, n * 2);
      }
    }
    if (items.length === 1 && runs < maxRuns && (await firstFailing([build([])])) === 0) return [];
    return items;
  };

  let seq: FuzzSequence = { frames: start.frames.map(copyFrame), splits: [...start.splits], mutations: [...start.mutations] };
  // One write is the simplest delivery; keep the boundaries only if the failure needs them.
  if (seq.splits.length > 0 && (await firstFailing([{ ...seq, splits: [] }])) === 0) seq = { ...seq, splits: [] };
  const frames = await ddmin(seq.frames, (subset) => ({ ...seq, frames: subset }), seq.frames.length > 2 ? seq.frames.map((f) => [f]) : []);
  seq = { ...seq, frames };
  if (seq.splits.length > 0) seq = { ...seq, splits: await ddmin(seq.splits, (subset) => ({ ...seq, splits: subset })) };
  for (let i = 0; i < seq.frames.length; i++) {
    const f = seq.frames[i]!;
    const withPayload = (bytes: number[]): FuzzSequence => ({
      ...seq,
      frames: seq.frames.map((g, j) => (j === i ? { ...g, payload: Buffer.from(bytes), ...(g.declaredLength !== undefined ? { declaredLength: (1n << 63n) + BigInt(bytes.length) } : {}) } : g)),
    });
    const bytes = [...f.payload];
    const prefixes = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64].filter((k) => k < bytes.length).map((k) => bytes.slice(0, k));
    if (bytes.length > 0) seq = withPayload(await ddmin(bytes, withPayload, prefixes));
    // A minimal length encoding is simpler to read; keep the odd one only if it matters.
    const g = seq.frames[i]!;
    if (g.lengthEncoding !== undefined && g.declaredLength === undefined) {
      const { lengthEncoding: _drop, ...plain } = g;
      const candidate = { ...seq, frames: seq.frames.map((x, j) => (j === i ? plain : x)) };
      if ((await firstFailing([candidate])) === 0) seq = candidate;
    }
  }
  return { seq, runs };
}

function split<T>(items: T[], n: number): T[][] {
  const out: T[][] = [];
  const size = items.length / n;
  for (let i = 0; i < n; i++) {
    const part = items.slice(Math.round(i * size), Math.round((i + 1) * size));
    if (part.length > 0) out.push(part);
  }
  return out;
}

function copyFrame(f: FuzzFrame): FuzzFrame {
  return { ...f, payload: Buffer.from(f.payload), mask: f.mask ? Buffer.from(f.mask) : null };
}
