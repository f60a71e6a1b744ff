/**
 * A look at the frames a client sends on an HTTP/2 connection (RFC 9113 §3.4 preface, §4.1 frame
 * layout), without taking part: which streams it opened with a HEADERS frame. node:http2 never tells
 * of a request its HTTP/2 layer refused as malformed (nghttp2 resets a stream that carries `:protocol`
 * when the server did not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL, before any 'stream' event), so
 * the h2.client.* cases that must see such a request count the HEADERS frames themselves. Pure.
 */

/** The client connection preface, RFC 9113 §3.4. */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const FRAME_HEADER = 9;
const HEADERS = 0x1;

export class FrameWatch {
  private buf: Buffer = Buffer.alloc(0);
  private prefaceLeft = H2_PREFACE.length;
  private skip = 0;
  /** Client streams opened by a HEADERS frame, in order. */
  readonly headerStreams: number[] = [];
  /** Set when the bytes are not HTTP/2 (a wrong preface): nothing more is read. */
  broken = false;

  push(data: Buffer): void {
    if (this.broken) return;
    let d = data;
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, d.length);
      const at = H2_PREFACE.length - this.prefaceLeft;
      if (!d.subarray(0, n).equals(H2_PREFACE.subarray(at, at + n))) {
        this.broken = true;
        return;
      }
      this.prefaceLeft -= n;
      d = d.subarray(n);
    }
    if (this.skip > 0) {
      const n = Math.min(this.skip, d.length);
      this.skip -= n;
      d = d.subarray(n);
    }
    if (d.length === 0) return;
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    while (this.buf.length >= FRAME_HEADER) {
      const length = this.buf.readUIntBE(0, 3);
      const type = this.buf[3]!;
      const stream = this.buf.readUInt32BE(5) & 0x7fffffff;
      if (type === HEADERS && !this.headerStreams.includes(stream)) this.headerStreams.push(stream);
      const total = FRAME_HEADER + length;
      if (this.buf.length >= total) {
        this.buf = this.buf.subarray(total);
      } else {
        this.skip = total - this.buf.length;
        this.buf = Buffer.alloc(0);
      }
    }
    // Keep a partial header only; a copy, so the caller's buffer is not held.
    if (this.buf.length > 0) this.buf = Buffer.from(this.buf);
  }
}
