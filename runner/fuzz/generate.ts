/**
 * Structure-aware fuzz sequences: valid client traffic (text and binary messages, fragmented at
 * random points, UTF-8 split inside code points, pings between fragments), then a few mutations
 * of the kinds that break parsers (reserved bits, opcodes, length encodings, masks, UTF-8, control
 * frames), then random TCP write boundaries. Sequence n of seed s depends on (s, n) only, through
 * the seeded PRNG, so `fuzz.s.n` is the same bytes on every machine and can be regenerated alone.
 */
import type { CaseDef, Step } from '../../cases/types.js';
import { encodeFrame, minimalLengthEncoding, Opcode, type LengthEncoding } from '../wire/frame.js';
import { Rng } from './prng.js';
import { modelOf } from './model.js';

/** A frame with every wire field fixed, the masking key included. */
export interface FuzzFrame {
  opcode: number;
  fin: boolean;
  rsv: number;
  /** Unmasked payload. */
  payload: Buffer;
  mask: Buffer | null;
  lengthEncoding?: LengthEncoding;
  declaredLength?: bigint;
}

export interface FuzzSequence {
  frames: FuzzFrame[];
  /** Offsets in the encoded octets where a new write starts (ascending, inside the octets). */
  splits: number[];
  /** The mutations applied, for titles. */
  mutations: string[];
}

export const FINAL_PING = Buffer.from('wsconform-final-ping');
const FINAL_MASK = Buffer.from([0x5a, 0x17, 0xc3, 0x9e]);

const CHARS = ['a', 'b', 'z', ' ', '0', '~', 'é', 'ß', 'Ω', '€', '中', '\u2028', '\uFFFD', '😀', '𝄞', '\u{10FFFF}'];
const WIDE = ['😀', '𝄞', '\u{10FFFF}', '€', '中'];

const COMMON = CHARS.slice(0, 6);
const UTF8_LENGTH = new Map(CHARS.map((c) => [c, Buffer.byteLength(c)]));

function utf8Text(rng: Rng, bytes: number): Buffer {
  let text = '';
  let n = 0;
  while (n < bytes) {
    const c = rng.chance(70) ? rng.pick(COMMON) : rng.pick(CHARS);
    text += c;
    n += UTF8_LENGTH.get(c)!;
  }
  return Buffer.from(text, 'utf8');
}

const MUTATIONS = [
  ['rsv', 3],
  ['reserved-opcode', 3],
  ['opcode-swap', 2],
  ['continuation-first', 2],
  ['restart-in-fragment', 2],
  ['unmask', 2],
  ['non-minimal-length', 3],
  ['length-msb', 1],
  ['control-too-long', 2],
  ['control-fragmented', 2],
  ['utf8-invalid', 4],
  ['utf8-boundary', 6],
  ['ping-in-fragment', 4],
  ['empty-frames', 3],
  ['fin-dropped', 2],
] as const;

export type MutationName = (typeof MUTATIONS)[number][0];

/** Sequence `index` (from 1) of `seed`. */
export function generateSequence(seed: number, index: number): FuzzSequence {
  const rng = new Rng(seed, index);
  const frames: FuzzFrame[] = [];
  const messages = rng.int(1, 3);
  for (let m = 0; m < messages; m++) {
    const kind = rng.weighted([
      ['text', 6],
      ['binary', 3],
    ] as const);
    const length = rng.weighted([
      [rng.int(0, 20), 7],
      [rng.int(21, 125), 2],
      [rng.int(126, 300), 1],
    ] as const);
    const payload = kind === 'text' ? utf8Text(rng, length) : rng.bytes(length);
    const pieces = Math.min(
      rng.weighted([
        [1, 5],
        [2, 3],
        [3, 2],
        [4, 1],
      ] as const),
      Math.max(1, payload.length),
    );
    const cuts = new Set<number>();
    while (cuts.size < pieces - 1) cuts.add(rng.int(1, payload.length - 1));
    const bounds = [0, ...[...cuts].sort((a, b) => a - b), payload.length];
    for (let p = 0; p + 1 < bounds.length; p++) {
      frames.push(newFrame(p === 0 ? (kind === 'text' ? Opcode.text : Opcode.binary) : Opcode.continuation, payload.subarray(bounds[p]!, bounds[p + 1]!), p + 2 === bounds.length));
      if (p + 2 < bounds.length && rng.chance(15)) frames.push(newFrame(Opcode.ping, rng.bytes(rng.int(0, 8)), true));
    }
    if (rng.chance(10)) frames.push(newFrame(Opcode.pong, rng.bytes(rng.int(0, 4)), true));
  }
  const mutations: string[] = [];
  // Half the sequences keep valid (if unusual) traffic: a target's parser is stressed by both.
  const count = rng.weighted([
    [0, 5],
    [1, 4],
    [2, 1],
  ] as const);
  for (let i = 0; i < count; i++) {
    const name = rng.weighted(MUTATIONS);
    if (mutate(rng, frames, name)) mutations.push(name);
  }
  for (const f of frames) f.mask = f.mask === null ? null : rng.bytes(4);
  const total = frames.reduce((s, f) => s + encodedLength(f), 0);
  const splits = new Set<number>();
  if (rng.chance(50) && total > 1) {
    const k = rng.int(1, 6);
    for (let i = 0; i < k; i++) splits.add(rng.int(1, total - 1));
    mutations.push('split');
  }
  return { frames, splits: [...splits].sort((a, b) => a - b), mutations };
}

function newFrame(opcode: number, payload: Buffer, fin: boolean): FuzzFrame {
  // The key is drawn once the mutations are done, so that unmasking can leave it null.
  return { opcode, fin, rsv: 0, payload: Buffer.from(payload), mask: Buffer.alloc(4) };
}

/** Applies one mutation; false when the sequence has nothing it applies to. */
function mutate(rng: Rng, frames: FuzzFrame[], name: MutationName): boolean {
  const pickFrame = (pred: (f: FuzzFrame, i: number) => boolean): number => {
    const idx = frames.map((f, i) => (pred(f, i) ? i : -1)).filter((i) => i >= 0);
    return idx.length === 0 ? -1 : rng.pick(idx);
  };
  const isData = (f: FuzzFrame): boolean => f.opcode <= 2;
  switch (name) {
    case 'rsv': {
      const i = pickFrame(() => true);
      frames[i]!.rsv = rng.int(1, 7);
      return true;
    }
    case 'reserved-opcode': {
      const i = pickFrame(() => true);
      frames[i]!.opcode = rng.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]);
      return true;
    }
    case 'opcode-swap': {
      const i = pickFrame((f) => f.opcode === Opcode.text || f.opcode === Opcode.binary);
      if (i < 0) return false;
      frames[i]!.opcode = frames[i]!.opcode === Opcode.text ? Opcode.binary : Opcode.text;
      return true;
    }
    case 'continuation-first': {
      const i = pickFrame((f) => f.opcode === Opcode.text || f.opcode === Opcode.binary);
      if (i < 0) return false;
      frames[i]!.opcode = Opcode.continuation;
      return true;
    }
    case 'restart-in-fragment': {
      const i = pickFrame((f) => f.opcode === Opcode.continuation);
      if (i < 0) return false;
      frames[i]!.opcode = rng.pick([Opcode.text, Opcode.binary]);
      return true;
    }
    case 'unmask': {
      frames[pickFrame(() => true)]!.mask = null;
      return true;
    }
    case 'non-minimal-length': {
      const f = frames[pickFrame((x) => x.payload.length <= 0xffff)];
      if (!f) return false;
      f.lengthEncoding = f.payload.length <= 125 ? rng.pick([16, 64] as const) : 64;
      return true;
    }
    case 'length-msb': {
      const f = frames[pickFrame(() => true)]!;
      f.lengthEncoding = 64;
      f.declaredLength = (1n << 63n) + BigInt(f.payload.length);
      return true;
    }
    case 'control-too-long':
      frames.splice(rng.int(0, frames.length), 0, newFrame(Opcode.ping, rng.bytes(rng.int(126, 140)), true));
      return true;
    case 'control-fragmented':
      frames.splice(rng.int(0, frames.length), 0, newFrame(rng.pick([Opcode.ping, Opcode.pong]), rng.bytes(rng.int(0, 10)), false));
      return true;
    case 'utf8-invalid': {
      const f = frames[pickFrame((x) => x.opcode === Opcode.text || (x.opcode === Opcode.continuation && x.payload.length > 0))];
      if (!f) return false;
      const bad = rng.pick([[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xf0, 0x9f], [0x80]]);
      const at = rng.int(0, f.payload.length);
      f.payload = Buffer.concat([f.payload.subarray(0, at), Buffer.from(bad), f.payload.subarray(at)]);
      return true;
    }
    case 'utf8-boundary': {
      // A text message that carries a wide character, split right before it or inside it.
      const ch = Buffer.from(rng.pick(WIDE), 'utf8');
      const head = utf8Text(rng, rng.int(0, 6));
      const tail = utf8Text(rng, rng.int(0, 6));
      const cut = head.length + rng.int(0, ch.length - 1);
      const all = Buffer.concat([head, ch, tail]);
      const at = rng.int(0, frames.length);
      // The first fragment may be empty: the second then starts with the character's lead byte.
      const inserted = [newFrame(Opcode.text, all.subarray(0, cut), false), newFrame(Opcode.continuation, all.subarray(cut), true)];
      frames.splice(messageBoundary(frames, at), 0, ...inserted);
      return true;
    }
    case 'ping-in-fragment': {
      const i = pickFrame((f) => isData(f) && !f.fin);
      const at = i < 0 ? rng.int(0, frames.length) : i + 1;
      frames.splice(at, 0, newFrame(Opcode.ping, rng.bytes(rng.int(0, 12)), true));
      return true;
    }
    case 'empty-frames': {
      const i = pickFrame((f) => isData(f) && !f.fin);
      if (i < 0) frames.splice(messageBoundary(frames, rng.int(0, frames.length)), 0, newFrame(rng.pick([Opcode.text, Opcode.binary]), Buffer.alloc(0), true));
      else frames.splice(i + 1, 0, newFrame(Opcode.continuation, Buffer.alloc(0), false));
      return true;
    }
    case 'fin-dropped': {
      const i = pickFrame((f) => isData(f) && f.fin);
      if (i < 0) return false;
      frames[i]!.fin = false;
      return true;
    }
  }
}

/** The first index at or after `at` where no fragmented message is open. */
function messageBoundary(frames: readonly FuzzFrame[], at: number): number {
  let open = false;
  let last = 0;
  for (let i = 0; i < frames.length; i++) {
    if (!open && i >= at) return i;
    const f = frames[i]!;
    if (f.opcode <= 2) open = !f.fin;
    if (!open) last = i + 1;
  }
  return Math.max(last, frames.length);
}

function encodedLength(f: FuzzFrame): number {
  const declared = f.declaredLength ?? BigInt(f.payload.length);
  const encoding = f.lengthEncoding ?? minimalLengthEncoding(declared);
  return 2 + (encoding === 7 ? 0 : encoding === 16 ? 2 : 8) + (f.mask ? 4 : 0) + f.payload.length;
}

export function encodeFuzzFrame(f: FuzzFrame): Buffer {
  return encodeFrame({
    opcode: f.opcode,
    fin: f.fin,
    rsv: f.rsv,
    payload: f.payload,
    mask: f.mask,
    ...(f.lengthEncoding !== undefined ? { lengthEncoding: f.lengthEncoding } : {}),
    ...(f.declaredLength !== undefined ? { declaredLength: f.declaredLength } : {}),
  });
}

/** The octets of a sequence, cut at its write boundaries. */
export function encodeSequence(seq: FuzzSequence): Buffer[] {
  const all = Buffer.concat(seq.frames.map(encodeFuzzFrame));
  const writes: Buffer[] = [];
  let from = 0;
  for (const at of seq.splits) {
    if (at <= from || at >= all.length) continue;
    writes.push(all.subarray(from, at));
    from = at;
  }
  if (from < all.length || writes.length === 0) writes.push(all.subarray(from));
  return writes;
}

export interface FuzzCaseOptions {
  /** How long the target has to answer or fail the connection. */
  timeoutMs?: number;
}

export const DEFAULT_FUZZ_TIMEOUT_MS = 1000;

/** A fuzz case from the octets it writes; the final ping is added here and the model derived from the bytes alone. */
export function fuzzCaseFromWrites(id: string, writes: readonly Buffer[], title: string, o: FuzzCaseOptions = {}): CaseDef {
  const finalPing = encodeFrame({ opcode: Opcode.ping, payload: FINAL_PING, mask: FINAL_MASK });
  const all = Buffer.concat([...writes, finalPing]);
  const { why, ...model } = modelOf(all);
  const steps: Step[] = [{ do: 'killAfter', ms: o.timeoutMs ?? DEFAULT_FUZZ_TIMEOUT_MS }, ...writes.map((bytes): Step => ({ do: 'write', bytes })), { do: 'write', bytes: finalPing }];
  const verdict = model.mustFail ? `must fail the connection (${why})` : model.mayFail ? `may fail the connection (${why ?? 'a non-minimal length'}) or answer everything` : 'must answer everything';
  return {
    id,
    title,
    description: `A fuzz sequence of ${all.length - finalPing.length} octets in ${writes.length} write(s), then a ping. The target ${verdict}.`,
    expectation: `The target stays responsive: it echoes ${model.messages.length} message(s) and sends ${model.pongs.length} pong(s) correctly, or fails the connection with a valid close code where that is allowed.`,
    requirement: { spec: 'RFC 6455 §5, §7.1.7, §8.1', level: 'MUST' },
    applies: 'servers',
    steps,
    expect: { kind: 'fuzz', model, close: model.mustFail ? { closedByMe: false, codes: [], requireClean: false } : { closedByMe: true, codes: [1000], requireClean: false } },
    cost: all.length,
  };
}

export function fuzzCase(seed: number, index: number, o: FuzzCaseOptions = {}): CaseDef {
  const seq = generateSequence(seed, index);
  const title = `fuzz: ${seq.frames.length} frame(s)${seq.mutations.length > 0 ? `, ${seq.mutations.join(', ')}` : ''}`;
  return fuzzCaseFromWrites(fuzzId(seed, index), encodeSequence(seq), title, o);
}

/** `count` fuzz cases of `seed`: fuzz.<seed>.1 … fuzz.<seed>.<count>. */
export function fuzzCases(seed: number, count: number, o: FuzzCaseOptions = {}): CaseDef[] {
  return Array.from({ length: count }, (_, i) => fuzzCase(seed, i + 1, o));
}

export function fuzzId(seed: number, index: number): string {
  return `fuzz.${seed >>> 0}.${index}`;
}

export function parseFuzzId(id: string): { seed: number; index: number } | null {
  const m = /^fuzz\.(\d+)\.(\d+)$/.exec(id);
  return m ? { seed: Number(m[1]), index: Number(m[2]) } : null;
}
