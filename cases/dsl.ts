/**
 * Builders named after the RFC's words, so that a case reads like its description.
 */
import { fragmentCount, Opcode } from '../runner/wire/frame.js';
import type { CaseFrame, CloseExpectation, TargetEvent, Step, WriteMode } from './types.js';

export const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
export const hex = (h: string): Buffer => Buffer.from(h, 'hex');
/** `pattern` repeated to `length` bytes (copies double each step, so 16 MiB costs 21 copies). */
export const repeat = (pattern: string | Buffer, length: number): Buffer => {
  const p = typeof pattern === 'string' ? Buffer.from(pattern, 'latin1') : pattern;
  const out = Buffer.allocUnsafe(length);
  if (length === 0) return out;
  let filled = p.copy(out, 0, 0, Math.min(p.length, length));
  while (filled < length) filled += out.copy(out, filled, 0, Math.min(filled, length - filled));
  return out;
};

type FrameOpts = Omit<CaseFrame, 'opcode' | 'payload'>;
const asBuf = (p: string | Buffer | undefined): Buffer => (p === undefined ? Buffer.alloc(0) : typeof p === 'string' ? bytes(p) : p);

export const frame = (opcode: number, payload?: string | Buffer, o: FrameOpts = {}): CaseFrame => ({ opcode, payload: asBuf(payload), ...o });
export const text = (payload?: string | Buffer, o: FrameOpts = {}): CaseFrame => frame(Opcode.text, payload, o);
export const binary = (payload?: string | Buffer, o: FrameOpts = {}): CaseFrame => frame(Opcode.binary, payload, o);
export const continuation = (payload?: string | Buffer, o: FrameOpts = {}): CaseFrame => frame(Opcode.continuation, payload, o);
export const ping = (payload?: string | Buffer, o: FrameOpts = {}): CaseFrame => frame(Opcode.ping, payload, o);
export const pong = (payload?: string | Buffer, o: FrameOpts = {}): CaseFrame => frame(Opcode.pong, payload, o);
export const closeFrame = (payload?: Buffer, o: FrameOpts = {}): CaseFrame => frame(Opcode.close, payload, o);

/**
 * Splits a message into frames of `size` payload bytes as Autobahn does (the first carries the
 * opcode; a length that `size` divides ends with an empty final continuation, see fragmentCount).
 */
export function fragments(opcode: number, payload: Buffer, size: number): CaseFrame[] {
  const n = fragmentCount(payload.length, size);
  if (n === 1) return [{ opcode, payload }];
  return Array.from({ length: n }, (_, k) => ({
    opcode: k === 0 ? opcode : Opcode.continuation,
    payload: payload.subarray(k * size, Math.min((k + 1) * size, payload.length)),
    fin: k === n - 1,
  }));
}

export const send = (frames: CaseFrame[] | CaseFrame, write: WriteMode = 'together'): Step => ({ do: 'send', frames: Array.isArray(frames) ? frames : [frames], write });
export const sendClose = (code?: number, reason?: Buffer | string): Step => {
  const s: Step = { do: 'close' };
  if (code !== undefined) s.code = code;
  if (reason !== undefined) s.reason = asBuf(reason);
  return s;
};
export const wait = (ms: number, tag?: string): Step => (tag === undefined ? { do: 'wait', ms } : { do: 'wait', ms, tag });
export const killAfter = (ms: number): Step => ({ do: 'killAfter', ms });
export const closeAfter = (ms: number): Step => ({ do: 'closeAfter', ms });
export const lingerAfterClose = (ms: number): Step => ({ do: 'lingerAfterClose', ms });

// Events the target is expected to produce.
export const textMessage = (payload: string | Buffer): TargetEvent => ({ type: 'message', binary: false, payload: asBuf(payload) });
export const binaryMessage = (payload: string | Buffer): TargetEvent => ({ type: 'message', binary: true, payload: asBuf(payload) });
export const pongEvent = (payload: string | Buffer = ''): TargetEvent => ({ type: 'pong', payload: asBuf(payload) });
export const timeoutEvent = (tag: string): TargetEvent => ({ type: 'timeout', tag });

// How the connection must end.
/** The harness closes once the target did what was expected; the target answers with 1000 (or no code). */
export const closesNormally = (codes: number[] = [1000]): CloseExpectation => ({ closedByMe: true, codes, requireClean: true });
/**
 * The target must fail the connection itself (RFC 6455 §7.1.7), with `code` or no code, cleanly or
 * not. `closedByWrongEndpointIsFatal`: the harness closing first fails the case too.
 */
export const failsConnection = (code = 1002, o: { closedByWrongEndpointIsFatal?: boolean } = {}): CloseExpectation => {
  const e: CloseExpectation = { closedByMe: false, codes: [code], requireClean: false };
  if (o.closedByWrongEndpointIsFatal) e.closedByWrongEndpointIsFatal = true;
  return e;
};
/** The harness sends the close; the target answers with one of `codes`, cleanly only if `requireClean`. */
export const answersClose = (codes: number[], o: { requireClean?: boolean } = {}): CloseExpectation => ({ closedByMe: true, codes, requireClean: o.requireClean ?? false });
