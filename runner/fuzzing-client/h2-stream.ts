/**
 * An HTTP/2 stream carrying a WebSocket (RFC 8441) as the byte stream a session plays on
 * (engine/session-io.ts ByteStream). RFC 8441 §5 gives the stream's ends the roles TCP's have:
 *
 * - the target's END_STREAM is its FIN: this stream's 'end';
 * - the target's RST_STREAM (any code), or its connection going away under the stream, is a reset:
 *   an error with code STREAM_RESET, then 'close';
 * - the harness's end() sends END_STREAM (a FIN), its destroy() RST_STREAM(CANCEL) unless the
 *   stream is closed already (dropping TCP).
 *
 * node:http2's own stream cannot say which of these happened by its events alone: it emits 'end'
 * for a reset too (its readable side ends either way), and an error only for a code other than
 * NO_ERROR and CANCEL. A stream that has its rstCode set when its readable side ends was closed by
 * nghttp2, and that is a reset unless both sides had sent END_STREAM.
 */
import http2, { type ClientHttp2Stream } from 'node:http2';
import { Duplex } from 'node:stream';
import { STREAM_RESET } from '../engine/session-io.js';

const CODE_NAMES = new Map<number, string>(
  Object.entries(http2.constants)
    .filter(([k]) => k.startsWith('NGHTTP2_') && !k.startsWith('NGHTTP2_ERR_') && !k.startsWith('NGHTTP2_SETTINGS_') && !k.startsWith('NGHTTP2_FLAG_') && !k.startsWith('NGHTTP2_SESSION_'))
    .filter(
      ([k]) =>
        /_(ERROR|CANCEL|REFUSED_STREAM|ENHANCE_YOUR_CALM|INADEQUATE_SECURITY|HTTP_1_1_REQUIRED|STREAM_CLOSED|SETTINGS_TIMEOUT|COMPRESSION_ERROR|CONNECT_ERROR)$/.test(k) || k === 'NGHTTP2_NO_ERROR',
    )
    .map(([k, v]) => [v as number, k.slice('NGHTTP2_'.length)]),
);

/** An HTTP/2 error code by its RFC 9113 §7 name: "PROTOCOL_ERROR", "CANCEL" (or the number). */
export function h2ErrorName(code: number): string {
  return CODE_NAMES.get(code) ?? `error code ${code}`;
}

/** How the target ended a stream, from what node:http2 knows when its readable side ends or it closes. */
export function streamEnding(o: { rstCode: number | undefined; endSent: boolean }): 'end-stream' | 'reset' {
  if (o.rstCode === undefined) return 'end-stream';
  return o.rstCode === http2.constants.NGHTTP2_NO_ERROR && o.endSent ? 'end-stream' : 'reset';
}

export class H2WebSocketStream extends Duplex {
  /** Octets of the WebSocket received (DATA payloads), as a socket's bytesRead. */
  bytesRead = 0;
  private sent = 0;
  private settled = false;
  /** Whether the harness sent END_STREAM (node:http2 ends the writable side itself when a stream closes, so writableEnded cannot tell). */
  private endSent = false;
  /** Why the stream ended, once it has: for the transcript's notes and the tests. */
  ending: { by: 'target-end-stream' | 'target-reset' | 'harness'; code?: number; connectionLost?: boolean } | null = null;
  private readonly session: ClientHttp2Stream['session'];

  constructor(readonly h2: ClientHttp2Stream) {
    super({ allowHalfOpen: true, readableHighWaterMark: 1 << 20, writableHighWaterMark: 1 << 20 });
    this.session = h2.session;
    h2.on('data', (d: Buffer) => {
      this.bytesRead += d.length;
      if (!this.push(d)) h2.pause();
    });
    h2.on('end', () => this.settle());
    h2.on('close', () => this.settle());
    // The close says what happened; an error event alone would not (see the file comment).
    h2.on('error', () => undefined);
  }

  /** Octets handed to the stream, the ones still queued here included (as a socket's bytesWritten). */
  get bytesWritten(): number {
    return this.sent + this.writableLength;
  }

  /** The HTTP/2 stream's identifier (undefined until it is sent). */
  get streamId(): number | undefined {
    return this.h2.id;
  }

  override _read(): void {
    if (!this.h2.destroyed) this.h2.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    if (this.h2.destroyed || this.h2.writableEnded) return done();
    // Done once nghttp2 took the octets (the flow-control window let them out): writableLength then counts what waits.
    this.h2.write(chunk, () => {
      this.sent += chunk.length;
      done();
    });
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, done: (e?: Error | null) => void): void {
    if (this.h2.destroyed || this.h2.writableEnded) return done();
    const total = chunks.reduce((n, c) => n + c.chunk.length, 0);
    this.h2.cork();
    chunks.forEach((c, i) => this.h2.write(c.chunk, i === chunks.length - 1 ? () => ((this.sent += total), done()) : undefined));
    this.h2.uncork();
  }

  override _final(done: (e?: Error | null) => void): void {
    if (!this.h2.destroyed && !this.h2.writableEnded) {
      this.endSent = true;
      this.h2.end();
    }
    done();
  }

  override _destroy(err: Error | null, done: (e?: Error | null) => void): void {
    if (!this.h2.closed && !this.h2.destroyed) {
      this.ending ??= { by: 'harness' };
      this.h2.close(http2.constants.NGHTTP2_CANCEL);
    }
    done(err);
  }

  private settle(): void {
    if (this.settled || this.destroyed) return;
    const rstCode = this.h2.closed || this.h2.destroyed ? this.h2.rstCode : undefined;
    if (streamEnding({ rstCode, endSent: this.endSent }) === 'end-stream') {
      // END_STREAM, and perhaps the whole stream over: a FIN, and nothing more to read.
      if (!this.h2.readableEnded && !this.h2.closed) return;
      this.settled = true;
      this.ending ??= { by: 'target-end-stream' };
      this.push(null);
      if (this.h2.closed) this.afterFin();
      else this.h2.once('close', () => this.afterFin());
      return;
    }
    this.settled = true;
    const code = rstCode ?? http2.constants.NGHTTP2_CANCEL;
    // The whole connection ended under the stream (GOAWAY with an error, TCP closed): no RST_STREAM of this stream's own.
    const connectionLost = this.session?.destroyed ?? true;
    this.ending ??= { by: 'target-reset', code, connectionLost };
    const what = connectionLost ? `the target's HTTP/2 connection ended under stream ${this.h2.id ?? '?'}` : `RST_STREAM ${h2ErrorName(code)} from the target (HTTP/2 stream ${this.h2.id ?? '?'})`;
    const e = Object.assign(new Error(what), { code: STREAM_RESET, h2Code: code });
    this.destroy(e);
  }

  /** The stream closed after the target's END_STREAM: unless our side has ended too (then it closes by itself), nothing more can go out. */
  private afterFin(): void {
    if (!this.destroyed && !this.writableFinished) this.destroy();
  }
}
