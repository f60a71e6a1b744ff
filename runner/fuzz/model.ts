/**
 * The fuzzer's reference model: what a conformant server does with the octets a fuzz sequence
 * writes (RFC 6455 §5, §8.1). It reads the same bytes the target gets, so a reproducer needs
 * nothing but its bytes to be judged again.
 *
 * Where the RFC leaves a choice, the model allows both: a text message's UTF-8 may be checked
 * as it arrives or only when the message ends (Autobahn grades the second NON-STRICT, the fuzzer
 * accepts both), and a non-minimal length encoding may be accepted or refused. The model runs
 * twice, once failing as early as allowed and once as late as allowed; a target may fail anywhere
 * between the two points, and must echo and answer what comes before.
 */
import type { FuzzModel } from '../../cases/types.js';
import { FrameDecoder } from '../wire/decoder.js';
import { isControlOpcode, isKnownOpcode, Opcode } from '../wire/frame.js';
import { Utf8Validator } from '../wire/utf8.js';

interface Pass {
  messages: Array<{ binary: boolean; payload: Buffer }>;
  pongs: Buffer[];
  /** Index of the frame at which a target checking UTF-8 as it arrives fails, or null. */
  earlyFailAt: number | null;
  /** Index of the frame at which a target checking UTF-8 at the end of each message fails, or null. */
  lateFailAt: number | null;
  /** Why, for descriptions. */
  why: string | null;
  /** A close frame was reached: the target answers it and stops there. */
  closed: boolean;
  oddity: boolean;
  /** A fragmented message is still open after the last frame. */
  openAtEnd: boolean;
}

/** The model for the octets `bytes` (the sequence, final ping included) sent by a client. */
export function modelOf(bytes: Uint8Array): FuzzModel & { why: string | null } {
  const p = run(bytes);
  return {
    messages: p.messages,
    pongs: p.pongs,
    mustFail: p.lateFailAt !== null,
    mayFail: p.earlyFailAt !== null || p.oddity || p.closed,
    openAtEnd: p.openAtEnd,
    why: p.why,
  };
}

/**
 * One pass over the frames, as a target that checks UTF-8 only when a message ends; the first point
 * where a target checking as the bytes arrive would fail is noted on the way. Both agree on
 * everything else, so the lists (what the late target answers) cover the early target's as a prefix.
 */
function run(bytes: Uint8Array): Pass {
  const out: Pass = { messages: [], pongs: [], earlyFailAt: null, lateFailAt: null, why: null, closed: false, oddity: false, openAtEnd: false };
  const decoder = new FrameDecoder({ maxPayload: 16 * 1024 * 1024 });
  const frames = decoder.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  let msgOpcode = -1;
  let parts: Buffer[] = [];
  let validator: Utf8Validator | null = null;
  const fail = (i: number, why: string): Pass => {
    out.earlyFailAt ??= i;
    out.lateFailAt = i;
    out.why ??= why;
    return out;
  };
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (f.nonMinimalLength) out.oddity = true;
    if (!isKnownOpcode(f.opcode)) return fail(i, `reserved opcode ${f.opcode}`);
    if (f.rsv !== 0) return fail(i, `reserved bits ${f.rsv} without an extension`);
    if (!f.masked) return fail(i, 'an unmasked frame from a client');
    if (isControlOpcode(f.opcode)) {
      if (!f.fin) return fail(i, 'a fragmented control frame');
      if (f.payload.length > 125) return fail(i, `a control frame of ${f.payload.length} bytes`);
      if (f.opcode === Opcode.ping) out.pongs.push(f.payload);
      if (f.opcode === Opcode.close) {
        out.closed = true;
        return out;
      }
      continue;
    }
    if (f.opcode === Opcode.continuation && msgOpcode < 0) return fail(i, 'a continuation with no message to continue');
    if (f.opcode !== Opcode.continuation && msgOpcode >= 0) return fail(i, 'a new message inside a fragmented one');
    if (f.opcode !== Opcode.continuation) {
      msgOpcode = f.opcode;
      parts = [];
      validator = f.opcode === Opcode.text ? new Utf8Validator() : null;
    }
    parts.push(f.payload);
    if (validator && !validator.push(f.payload).valid && out.earlyFailAt === null) {
      out.earlyFailAt = i;
      out.why = 'invalid UTF-8 in a text message';
    }
    if (!f.fin) continue;
    const text = msgOpcode === Opcode.text;
    const payload = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    msgOpcode = -1;
    if (text && !validator!.end().valid) return fail(i, 'invalid UTF-8 in a text message');
    out.messages.push({ binary: !text, payload });
  }
  const err = decoder.error;
  if (err) return fail(frames.length, err.message);
  out.openAtEnd = msgOpcode >= 0;
  return out;
}
