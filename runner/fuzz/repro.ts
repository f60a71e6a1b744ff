/**
 * Reproducer files: a failing fuzz sequence, shrunk, as the exact octets to write after the
 * opening handshake (one hex string per write). Everything else is derived again on replay: the
 * final ping is added and the model comes from the bytes, so a file stays valid as long as the
 * octets mean the same thing.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseDef } from '../../cases/types.js';
import { opcodeName } from '../wire/frame.js';
import { encodeSequence, fuzzCaseFromWrites, type FuzzFrame, type FuzzSequence } from './generate.js';
import type { FuzzFailure } from '../engine/verdicts/fuzz-oracle.js';

export const REPRODUCER_FORMAT = 'wsconform-fuzz-reproducer';

export interface Reproducer {
  format: typeof REPRODUCER_FORMAT;
  version: 1;
  id: string;
  seed: number;
  index: number;
  /** The target the failure was found against. */
  target: string;
  /** Found over HTTP/2 (test-server --http2): replay plays it on an extended CONNECT stream too. */
  http2?: true;
  failure: FuzzFailure;
  result: string;
  /** How long the target had to answer. */
  timeoutMs: number;
  /** Octets written after the opening handshake, one hex string per write; replay adds the final ping. */
  writes: string[];
  /** The frames, one readable line each. */
  frames: string[];
  shrunk: { fromOctets: number; fromFrames: number; octets: number; frames: number; runs: number; reproducedAlone: boolean };
}

export class ReproducerError extends Error {
  readonly code = 'WSCONFORM_BAD_REPRODUCER';
}

export function describeFrame(f: FuzzFrame): string {
  const len = f.declaredLength !== undefined ? `declared ${f.declaredLength} ` : '';
  const enc = f.lengthEncoding !== undefined ? ` (${f.lengthEncoding}-bit length)` : '';
  return `${opcodeName(f.opcode)} fin=${f.fin ? 1 : 0} rsv=${f.rsv} ${f.mask ? `mask=${f.mask.toString('hex')}` : 'unmasked'} ${len}len=${f.payload.length}${enc} payload=${f.payload.toString('hex') || '-'}`;
}

export function makeReproducer(
  o: Omit<Reproducer, 'format' | 'version' | 'writes' | 'frames' | 'shrunk'> & { original: FuzzSequence; shrunk: FuzzSequence; runs: number; reproducedAlone: boolean },
): Reproducer {
  const writes = encodeSequence(o.shrunk);
  return {
    format: REPRODUCER_FORMAT,
    version: 1,
    id: o.id,
    seed: o.seed,
    index: o.index,
    target: o.target,
    ...(o.http2 ? { http2: true as const } : {}),
    failure: o.failure,
    result: o.result,
    timeoutMs: o.timeoutMs,
    writes: writes.map((w) => w.toString('hex')),
    frames: o.shrunk.frames.map(describeFrame),
    shrunk: {
      fromOctets: encodeSequence(o.original).reduce((s, w) => s + w.length, 0),
      fromFrames: o.original.frames.length,
      octets: writes.reduce((s, w) => s + w.length, 0),
      frames: o.shrunk.frames.length,
      runs: o.runs,
      reproducedAlone: o.reproducedAlone,
    },
  };
}

export function reproducerPath(outdir: string, r: Pick<Reproducer, 'seed' | 'index'>): string {
  return join(outdir, `fuzz-${r.seed}-${r.index}.repro.json`);
}

export function writeReproducer(outdir: string, r: Reproducer): string {
  mkdirSync(outdir, { recursive: true });
  const path = reproducerPath(outdir, r);
  writeFileSync(path, JSON.stringify(r, null, 2) + '\n');
  return path;
}

/** Reads and checks a reproducer file; throws ReproducerError naming the problem. */
export function readReproducer(path: string): Reproducer {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ReproducerError(`${path}: ${(e as Error).message}`);
  }
  const r = v as Partial<Reproducer> | null;
  if (typeof r !== 'object' || r === null || r.format !== REPRODUCER_FORMAT) throw new ReproducerError(`${path}: not a wsconform fuzz reproducer (no "format": "${REPRODUCER_FORMAT}")`);
  if (r.version !== 1) throw new ReproducerError(`${path}: unsupported reproducer version ${JSON.stringify(r.version)}`);
  if (!Array.isArray(r.writes) || r.writes.some((w) => typeof w !== 'string' || !/^(?:[0-9a-f]{2})*$/i.test(w))) throw new ReproducerError(`${path}: "writes" must be a list of hex strings`);
  if (typeof r.id !== 'string' || !/^fuzz\./.test(r.id)) throw new ReproducerError(`${path}: "id" must be a fuzz case ID`);
  if (r.timeoutMs !== undefined && (typeof r.timeoutMs !== 'number' || !(r.timeoutMs > 0))) throw new ReproducerError(`${path}: "timeoutMs" must be a positive number`);
  if (r.http2 !== undefined && r.http2 !== true) throw new ReproducerError(`${path}: "http2" must be true when present`);
  return r as Reproducer;
}

/** The case a reproducer stands for: its octets, the final ping, the model of those bytes. */
export function reproducerCase(r: Reproducer): CaseDef {
  const writes = r.writes.map((w) => Buffer.from(w, 'hex'));
  return fuzzCaseFromWrites(r.id, writes, `fuzz reproducer: ${r.frames?.length ?? '?'} frame(s)`, { timeoutMs: r.timeoutMs ?? 1000 });
}
