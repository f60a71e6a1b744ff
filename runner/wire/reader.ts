/**
 * The message layer (RFC 6455 §5.4-§5.6, §8.1) over decoded frames: reassembles fragmented
 * messages, validates text incrementally (fail fast), checks every rule a frame from the peer must
 * follow, and turns any breach into a violation with a stable code and the close status to fail the
 * connection with. Sans-I/O: frames in, events out.
 */
import { isControlOpcode, isKnownOpcode, Opcode } from './frame.js';
import type { DecodedFrame } from './decoder.js';
import { parseClosePayload } from './close.js';
import { isValidUtf8, Utf8Validator } from './utf8.js';

export type ViolationCode =
  | 'WS_ERR_UNEXPECTED_RSV'
  | 'WS_ERR_INVALID_OPCODE'
  | 'WS_ERR_MASKED_FRAME'
  | 'WS_ERR_UNMASKED_FRAME'
  | 'WS_ERR_FRAGMENTED_CONTROL'
  | 'WS_ERR_CONTROL_TOO_LONG'
  | 'WS_ERR_UNEXPECTED_CONTINUATION'
  | 'WS_ERR_EXPECTED_CONTINUATION'
  | 'WS_ERR_INVALID_UTF8'
  | 'WS_ERR_MESSAGE_TOO_LARGE'
  | 'WS_ERR_INVALID_CLOSE_PAYLOAD'
  | 'WS_ERR_INVALID_CLOSE_CODE'
  | 'WS_ERR_INVALID_CLOSE_REASON'
  | 'WS_ERR_LENGTH_MSB_SET'
  | 'WS_ERR_FRAME_TOO_LARGE'
  | 'WS_ERR_INFLATE'
  | 'WS_ERR_NON_MINIMAL_LENGTH'
  | 'WS_ERR_FLOOD';

export interface Violation {
  code: ViolationCode;
  closeCode: number;
  message: string;
}

export type ReaderEvent =
  | { type: 'message'; binary: boolean; payload: Buffer; frames: number; wireLength: number; compressed: boolean }
  | { type: 'ping'; payload: Buffer }
  | { type: 'pong'; payload: Buffer }
  | { type: 'close'; code: number | null; reason: Buffer | null }
  | { type: 'violation'; violation: Violation };

/** A negotiated per-message extension (permessage-deflate) as the reader needs it. */
export interface MessageInflater {
  /** Inflates a whole compressed message; returns null and a reason when it cannot. */
  inflate(data: Buffer, maxSize: number): { ok: true; payload: Buffer } | { ok: false; message: string; tooLarge: boolean };
}

export interface ReaderOptions {
  /** Frames from the peer must be masked (we are the server) or must not be (we are the client). */
  expectMasked: boolean;
  maxMessageSize: number;
  inflater?: MessageInflater | null;
}

export class MessageReader {
  private readonly opts: ReaderOptions;
  private msgOpcode = -1;
  private msgCompressed = false;
  private parts: Buffer[] = [];
  private size = 0;
  private wireSize = 0;
  private frames = 0;
  private utf8: Utf8Validator | null = null;
  private failed: Violation | null = null;

  constructor(opts: ReaderOptions) {
    this.opts = opts;
  }

  get violation(): Violation | null {
    return this.failed;
  }

  /** True while a fragmented message has started but not finished. */
  get inMessage(): boolean {
    return this.msgOpcode >= 0;
  }

  push(frame: DecodedFrame): ReaderEvent[] {
    // After a violation only a close frame still means something: the reply to our close.
    if (this.failed) {
      if (frame.opcode === Opcode.close && frame.rsv === 0 && frame.fin) {
        const c = parseClosePayload(frame.payload);
        return [{ type: 'close', code: c.code, reason: c.reason }];
      }
      return [];
    }
    const v = this.check(frame);
    if (v) {
      const events = this.fail(v);
      // Autobahn's peer checks the length encoding after every other header rule and fails the
      // connection once per broken rule; a second failure while closing drops TCP.
      if (frame.nonMinimalLength && v.code !== 'WS_ERR_NON_MINIMAL_LENGTH') events.push({ type: 'violation', violation: nonMinimal(frame) });
      return events;
    }
    if (isControlOpcode(frame.opcode)) return this.control(frame);
    return this.data(frame);
  }

  /** Records a violation found outside the reader (e.g. a decode error) so later frames are ignored. */
  fail(v: Violation): ReaderEvent[] {
    this.failed = v;
    this.parts = [];
    return [{ type: 'violation', violation: v }];
  }

  private check(f: DecodedFrame): Violation | null {
    if (!isKnownOpcode(f.opcode)) return { code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002, message: `reserved opcode ${f.opcode}` };
    const rsv1Ok = this.opts.inflater && f.rsv === 4 && (f.opcode === Opcode.text || f.opcode === Opcode.binary);
    if (this.opts.inflater && f.rsv === 4 && f.opcode === Opcode.continuation)
      return { code: 'WS_ERR_UNEXPECTED_RSV', closeCode: 1002, message: 'RSV1 set on a continuation frame (permessage-deflate sets it on the first frame only)' };
    if (f.rsv !== 0 && !rsv1Ok)
      return { code: 'WS_ERR_UNEXPECTED_RSV', closeCode: 1002, message: `reserved bits ${f.rsv.toString(2).padStart(3, '0')} set without a negotiated extension that defines them` };
    if (f.masked && !this.opts.expectMasked) return { code: 'WS_ERR_MASKED_FRAME', closeCode: 1002, message: 'a server must not mask frames it sends' };
    if (!f.masked && this.opts.expectMasked) return { code: 'WS_ERR_UNMASKED_FRAME', closeCode: 1002, message: 'a client must mask every frame it sends' };
    if (isControlOpcode(f.opcode)) {
      if (!f.fin) return { code: 'WS_ERR_FRAGMENTED_CONTROL', closeCode: 1002, message: 'control frames must not be fragmented' };
      // A 16- or 64-bit length says more than 125 bytes whatever it holds (RFC 6455 §5.5).
      if (f.payload.length > 125 || f.lengthEncoding !== 7)
        return {
          code: 'WS_ERR_CONTROL_TOO_LONG',
          closeCode: 1002,
          message:
            f.payload.length > 125
              ? `control frame payload of ${f.payload.length} bytes (the limit is 125)`
              : `control frame with a ${f.lengthEncoding}-bit length (the limit of 125 bytes fits in 7 bits)`,
        };
      return null;
    }
    if (f.opcode === Opcode.continuation && this.msgOpcode < 0) return { code: 'WS_ERR_UNEXPECTED_CONTINUATION', closeCode: 1002, message: 'continuation frame with no message to continue' };
    if (f.opcode !== Opcode.continuation && this.msgOpcode >= 0) return { code: 'WS_ERR_EXPECTED_CONTINUATION', closeCode: 1002, message: 'new data frame while a fragmented message is still open' };
    if (f.nonMinimalLength) return nonMinimal(f);
    return null;
  }

  private control(f: DecodedFrame): ReaderEvent[] {
    if (f.opcode === Opcode.ping) return [{ type: 'ping', payload: f.payload }];
    if (f.opcode === Opcode.pong) return [{ type: 'pong', payload: f.payload }];
    const c = parseClosePayload(f.payload);
    if (c.problem === 'one-byte-payload') return this.fail({ code: 'WS_ERR_INVALID_CLOSE_PAYLOAD', closeCode: 1002, message: 'close frame with a 1-byte payload' });
    if (c.problem === 'invalid-code') return this.fail({ code: 'WS_ERR_INVALID_CLOSE_CODE', closeCode: 1002, message: `invalid close code ${c.code}` });
    if (c.problem === 'invalid-utf8-reason') return this.fail({ code: 'WS_ERR_INVALID_CLOSE_REASON', closeCode: 1007, message: 'close reason is not valid UTF-8' });
    return [{ type: 'close', code: c.code, reason: c.reason }];
  }

  private data(f: DecodedFrame): ReaderEvent[] {
    if (f.opcode !== Opcode.continuation) {
      // Fast path: a whole message in one uncompressed frame.
      if (f.fin && f.rsv === 0) {
        if (f.payload.length > this.opts.maxMessageSize) {
          return this.fail({ code: 'WS_ERR_MESSAGE_TOO_LARGE', closeCode: 1009, message: `message exceeds the limit of ${this.opts.maxMessageSize} bytes` });
        }
        if (f.opcode === Opcode.text && !isValidUtf8(f.payload)) return this.fail({ code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, message: 'text message is not valid UTF-8' });
        return [{ type: 'message', binary: f.opcode === Opcode.binary, payload: f.payload, frames: 1, wireLength: f.payload.length, compressed: false }];
      }
      this.msgOpcode = f.opcode;
      this.msgCompressed = f.rsv === 4;
      this.parts = [];
      this.size = 0;
      this.wireSize = 0;
      this.frames = 0;
      this.utf8 = f.opcode === Opcode.text && !this.msgCompressed ? new Utf8Validator() : null;
    }
    this.frames++;
    this.wireSize += f.payload.length;
    this.size += f.payload.length;
    if (this.size > this.opts.maxMessageSize) {
      return this.fail({ code: 'WS_ERR_MESSAGE_TOO_LARGE', closeCode: 1009, message: `message exceeds the limit of ${this.opts.maxMessageSize} bytes` });
    }
    if (this.utf8 && !this.utf8.push(f.payload).valid) {
      return this.fail({ code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, message: 'text message is not valid UTF-8' });
    }
    if (f.payload.length > 0) this.parts.push(f.payload);
    if (!f.fin) return [];
    const binary = this.msgOpcode === Opcode.binary;
    let payload = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    const compressed = this.msgCompressed;
    this.msgOpcode = -1;
    this.parts = [];
    if (compressed && this.opts.inflater) {
      const r = this.opts.inflater.inflate(payload, this.opts.maxMessageSize);
      if (!r.ok) return this.fail({ code: r.tooLarge ? 'WS_ERR_MESSAGE_TOO_LARGE' : 'WS_ERR_INFLATE', closeCode: r.tooLarge ? 1009 : 1002, message: r.message });
      payload = r.payload;
      if (!binary) {
        const v = new Utf8Validator();
        if (!v.push(payload).valid || !v.end().valid) return this.fail({ code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, message: 'text message is not valid UTF-8' });
      }
    } else if (this.utf8 && !this.utf8.end().valid) {
      return this.fail({ code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, message: 'text message ends inside a UTF-8 sequence' });
    }
    return [{ type: 'message', binary, payload, frames: this.frames, wireLength: this.wireSize, compressed }];
  }
}

/** RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length". */
function nonMinimal(f: DecodedFrame): Violation {
  return {
    code: 'WS_ERR_NON_MINIMAL_LENGTH',
    closeCode: 1002,
    message: `a ${f.payload.length}-byte payload with a ${f.lengthEncoding}-bit length (the minimal form is ${f.payload.length <= 125 ? 7 : 16} bits)`,
  };
}
