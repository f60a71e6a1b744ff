/**
 * An HTTP/2 stream carrying a WebSocket (RFC 8441), as the ByteStream a session plays on. RFC 8441
 * §5: "An END_STREAM flag ... is considered equivalent to the FIN bit of TCP" and "an RST_STREAM
 * frame ... is considered equivalent to the TCP RST": so the stream's END_STREAM comes out as
 * 'end', a reset by the client as an ECONNRESET error, end() sends END_STREAM and destroy() a
 * RST_STREAM (CANCEL) unless both sides had ended.
 *
 * Why an adapter rather than the Http2Stream itself: node:http2 reports a reset by the peer as
 * 'end' first ('aborted' and the close with its rstCode follow a millisecond or two later), which a
 * session would read as a FIN. The adapter holds an 'end' back until the stream is closed, or for
 * FIN_GRACE_MS while it stays open (a half-close), and a reset seen meanwhile wins.
 */
import http2 from 'node:http2';
import { Duplex } from 'node:stream';

/** How long an END_STREAM is held back in case it was the first sign of a reset. */
const FIN_GRACE_MS = 25;

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = http2.constants;

/** RFC 9113 §7's names of the error codes, for the wire log. */
const ERROR_CODES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

function codeName(code: number): string {
  return ERROR_CODES[code] ?? `0x${code.toString(16)}`;
}

export class H2StreamBytes extends Duplex {
  private finPending = false;
  private readEnded = false;
  private reset = false;

  constructor(readonly h2: http2.ServerHttp2Stream) {
    super({ allowHalfOpen: true });
    // A reset on a control channel (getCaseCount, …) has no listener of its own: it must not go unhandled.
    this.on('error', () => undefined);
    h2.on('data', (d: Buffer) => {
      if (!this.push(d)) h2.pause();
    });
    h2.on('end', () => {
      this.finPending = true;
      setTimeout(() => this.endRead(), FIN_GRACE_MS).unref();
    });
    h2.on('aborted', () => this.peerReset(h2.rstCode ?? NGHTTP2_NO_ERROR));
    // Errors come with a code name as their message; the rstCode says the rest at 'close'.
    h2.on('error', () => undefined);
    h2.on('close', () => {
      const code = h2.rstCode ?? NGHTTP2_NO_ERROR;
      if (!this.reset && code !== NGHTTP2_NO_ERROR && !this.destroyed) {
        this.peerReset(code);
        return;
      }
      this.endRead();
      // The stream is gone (both sides ended, or the HTTP/2 connection went away): so is this one, once 'end' was read.
      if (this.readableEnded || this.readableLength === 0) setImmediate(() => this.destroy());
      else this.once('end', () => this.destroy());
    });
  }

  private endRead(): void {
    if (!this.finPending || this.readEnded || this.reset) return;
    this.readEnded = true;
    this.push(null);
  }

  private peerReset(code: number): void {
    if (this.reset || this.destroyed) return;
    this.reset = true;
    this.destroy(Object.assign(new Error(`the client reset the stream (RST_STREAM ${codeName(code)})`), { code: 'ECONNRESET' }));
  }

  override _read(): void {
    this.h2.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.h2.destroyed || this.h2.writableEnded) {
      cb();
      return;
    }
    this.h2.write(chunk, () => cb());
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (e?: Error | null) => void): void {
    this._write(Buffer.concat(chunks.map((c) => c.chunk)), 'latin1', cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (!this.h2.destroyed && !this.h2.writableEnded) this.h2.end();
    cb();
  }

  override _destroy(e: Error | null, cb: (e?: Error | null) => void): void {
    const h2 = this.h2;
    if (!h2.destroyed && !h2.closed) h2.close(h2.writableEnded && this.readEnded ? NGHTTP2_NO_ERROR : NGHTTP2_CANCEL);
    cb(e);
  }
}
