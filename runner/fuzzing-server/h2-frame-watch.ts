/**
 * A look at the frames a client sends on an HTTP/2 connection (RFC 9113 §3.4 preface, §4.1 frame
 * layout), without taking part: which streams it opened with a HEADERS frame. node:http2 never tells
 * of a request its HTTP/2 layer refused as malformed (nghttp2 resets a stream that carries `:protocol`
 * when the server did not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL, before any 'stream' event), so
 * the h2.client.* cases that must see such a request count the HEADERS frames themselves. Pure.
 */

import { H2_PREFACE, H2FrameReader, H2FrameType } from '../wire/h2-frames.js';

export { H2_PREFACE };

export class FrameWatch {
  private prefaceLeft = H2_PREFACE.length;
  /** Only the frame headers matter here: no payload is kept. */
  private readonly frames = new H2FrameReader(0);
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
    if (d.length === 0) return;
    for (const f of this.frames.push(d)) if (f.type === H2FrameType.HEADERS && !this.headerStreams.includes(f.streamId)) this.headerStreams.push(f.streamId);
  }
}
