/**
 * HTTP/2 frames at the octet level (RFC 9113 §3.4 preface, §4.1 frame layout), for the few places
 * that must see or write what node:http2 hides or refuses: the h2.* probes that send HEADERS node
 * will not send (fuzzing-client/h2-cases/raw.ts), and the h2.client.* listeners that count a
 * client's HEADERS frames node resets before any event (fuzzing-server/h2-frame-watch.ts). Every
 * other HTTP/2 byte goes through node:http2. Pure.
 */

/** The client connection preface, RFC 9113 §3.4. */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Frame types, RFC 9113 §6. */
export const H2FrameType = { DATA: 0x0, HEADERS: 0x1, RST_STREAM: 0x3, SETTINGS: 0x4, PING: 0x6, GOAWAY: 0x7, WINDOW_UPDATE: 0x8 } as const;

/** Frame flags, RFC 9113 §6 (ACK and END_STREAM share a bit, on different frame types). */
export const H2Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** SETTINGS parameters, RFC 9113 §6.5.2 and RFC 8441 §3. */
export const H2Setting = { HEADER_TABLE_SIZE: 0x1, ENABLE_CONNECT_PROTOCOL: 0x8 } as const;

const HEADER = 9;

/** One frame: the 9-octet header and the payload. */
export function h2Frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

/** The value a SETTINGS payload gives `id` (the last one wins, RFC 9113 §6.5.3), or undefined. */
export function h2SettingValue(payload: Buffer, id: number): number | undefined {
  let value: number | undefined;
  for (let at = 0; at + 6 <= payload.length; at += 6) if (payload.readUInt16BE(at) === id) value = payload.readUInt32BE(at + 2);
  return value;
}

export interface H2FrameSeen {
  type: number;
  flags: number;
  streamId: number;
  /** The payload's length as the header gives it. */
  length: number;
  /** The payload, or null when it is longer than the reader keeps (its bytes are skipped as they come). */
  payload: Buffer | null;
}

/**
 * Splits a byte stream (after the preface) into frames. Payloads longer than `maxPayload` are
 * skipped, not buffered: a peer that announces a 16 MiB frame, or floods, costs no memory here.
 */
export class H2FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  /** The frame whose payload is being skipped, and how many of its octets are still to come. */
  private skipping: { frame: H2FrameSeen; left: number } | null = null;

  constructor(private readonly maxPayload: number) {}

  push(data: Buffer): H2FrameSeen[] {
    const out: H2FrameSeen[] = [];
    let d = data;
    if (this.skipping) {
      const n = Math.min(this.skipping.left, d.length);
      this.skipping.left -= n;
      d = d.subarray(n);
      if (this.skipping.left > 0) return out;
      out.push(this.skipping.frame);
      this.skipping = null;
    }
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    while (this.buf.length >= HEADER) {
      const length = this.buf.readUIntBE(0, 3);
      const frame: H2FrameSeen = { type: this.buf[3]!, flags: this.buf[4]!, streamId: this.buf.readUInt32BE(5) & 0x7fffffff, length, payload: null };
      if (length > this.maxPayload) {
        const have = Math.min(length, this.buf.length - HEADER);
        this.buf = this.buf.subarray(HEADER + have);
        if (have < length) {
          this.skipping = { frame, left: length - have };
          break;
        }
        out.push(frame);
        continue;
      }
      if (this.buf.length < HEADER + length) break;
      frame.payload = Buffer.from(this.buf.subarray(HEADER, HEADER + length));
      this.buf = this.buf.subarray(HEADER + length);
      out.push(frame);
    }
    // What is kept is a partial frame only; a copy, so that the caller's buffer is not held.
    if (this.buf.length > 0) this.buf = Buffer.from(this.buf);
    return out;
  }
}
