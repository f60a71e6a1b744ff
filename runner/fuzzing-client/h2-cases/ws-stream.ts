/**
 * One WebSocket over one HTTP/2 stream (RFC 8441 §5), as an h2.* probe drives it: the extended
 * CONNECT, masked frames written as DATA, the server's frames read with the wire layer's decoder and
 * message reader, and everything that happened recorded in an H2StreamSeen for the judge.
 */
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import type { H2HeaderBend } from '../../../cases/types.js';
import type { H2StreamSeen } from '../../engine/verdicts/h2.js';
import { FrameDecoder } from '../../wire/decoder.js';
import { closePayload, encodeFrame, Opcode, type FrameSpec } from '../../wire/frame.js';
import { MessageReader } from '../../wire/reader.js';
import { extendedConnectHeaders } from '../../wire/extended-connect.js';
import { h2Target, type H2CaseConnection } from './connect.js';

const MAX_MESSAGE = 64 * 1024 * 1024;

/** The extended CONNECT for `url` (RFC 8441 §4, §5), with `bend` applied: same name replaced, null removed, new names added. */
export function extendedConnect(url: URL, o: { bend?: readonly H2HeaderBend[]; protocols?: readonly string[] } = {}): Array<[string, string]> {
  return Object.entries(extendedConnectHeaders({ ...h2Target(url), ...(o.protocols ? { protocols: o.protocols } : {}), ...(o.bend ? { headers: o.bend } : {}) }));
}

export class WsStream {
  readonly seen: H2StreamSeen;
  /** Whole binary messages, kept when asked for (the flow-control probe compares them). */
  readonly binaries: Buffer[] = [];
  /** Octets received on the stream so far (for telling a stalled transfer from a slow one). */
  payloadOctets = 0;
  private readonly req: http2.ClientHttp2Stream | null;
  private readonly decoder = new FrameDecoder({ maxPayload: MAX_MESSAGE });
  private readonly reader = new MessageReader({ expectMasked: false, maxMessageSize: MAX_MESSAGE });
  private readonly wakers = new Set<() => void>();
  private readonly conn: H2CaseConnection;
  private resetByMe = false;
  private endedByMe = false;
  private closed = false;

  constructor(conn: H2CaseConnection, url: URL, label: string, o: { bend?: readonly H2HeaderBend[]; protocols?: readonly string[]; keepBinaries?: boolean } = {}) {
    const request = extendedConnect(url, o);
    this.conn = conn;
    this.seen = { label, request, status: null, headers: [], messages: [], endStream: false, rstCode: null, timedOut: false, error: null };
    let req: http2.ClientHttp2Stream | null = null;
    try {
      req = conn.session.request(Object.fromEntries(request), { endStream: false });
    } catch (e) {
      this.seen.error = `node:http2 would not send the request: ${(e as Error).message}`;
      this.closed = true;
    }
    this.req = req;
    if (!req) return;
    req.on('response', (h) => {
      this.seen.status = Number(h[':status']);
      this.seen.headers = Object.entries(h)
        .filter(([n]) => !n.startsWith(':'))
        .map(([n, x]) => [n, Array.isArray(x) ? x.join(', ') : String(x)]);
      this.wake();
    });
    req.on('data', (chunk: Buffer) => this.onData(chunk, o.keepBinaries ?? false));
    // node:http2 also ends the readable side when it closes the stream itself (after our END_STREAM on a
    // CONNECT stream, a reset, a lost connection): only an end before any of those is the server's END_STREAM.
    req.on('end', () => {
      if (!this.endedByMe && !this.resetByMe && !conn.closedByServer && !conn.session.destroyed) this.seen.endStream = true;
      this.wake();
    });
    req.on('error', (e: NodeJS.ErrnoException) => (this.seen.error ??= e.code ?? e.message));
    req.on('close', () => {
      this.closed = true;
      const code = req.rstCode;
      // When the connection ends, node:http2 closes its open streams with CANCEL of its own.
      if (!this.resetByMe && !this.endedByMe && code !== undefined && (code !== http2.constants.NGHTTP2_NO_ERROR || !this.seen.endStream)) this.seen.rstCode = code;
      // A reset is not an error of its own; the error node reports for it says the same.
      if (this.seen.rstCode !== null && this.seen.error?.startsWith('ERR_HTTP2_STREAM_ERROR')) this.seen.error = null;
      this.wake();
    });
  }

  /** The stream is over: closed, reset, or never sent. */
  get done(): boolean {
    return this.closed;
  }

  /** Waits until `ready()` holds or the stream is over; false (and `timedOut` noted) when `timeoutMs` passed first. */
  until(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (ready()) finish(true);
        else if (this.closed) finish(ready());
      };
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.wakers.delete(check);
        resolve(ok);
      };
      const timer = setTimeout(() => {
        this.seen.timedOut = true;
        finish(false);
      }, timeoutMs);
      this.wakers.add(check);
      check();
    });
  }

  /** Waits for the answer to the CONNECT: true for a 2xx. */
  async opened(timeoutMs: number): Promise<boolean> {
    await this.until(() => this.seen.status !== null, timeoutMs);
    return this.seen.status !== null && this.seen.status >= 200 && this.seen.status < 300;
  }

  /** Writes a frame, masked unless `masked: false`; resolves once node:http2 took it (flow control may hold it back). */
  send(frame: Omit<FrameSpec, 'mask'> & { masked?: boolean }): Promise<void> {
    const req = this.req;
    if (!req || this.closed || req.writableEnded) return Promise.resolve();
    const bytes = encodeFrame({ ...frame, mask: frame.masked === false ? null : randomBytes(4) });
    return new Promise((resolve) => req.write(bytes, () => resolve()));
  }

  sendText(text: string): Promise<void> {
    return this.send({ opcode: Opcode.text, payload: Buffer.from(text, 'utf8') });
  }

  sendClose(code: number): Promise<void> {
    return this.send({ opcode: Opcode.close, payload: closePayload(code) });
  }

  /** Ends the harness's side of the stream (END_STREAM). */
  end(): void {
    if (!this.req || this.closed || this.req.writableEnded) return;
    this.endedByMe = true;
    this.req.end();
  }

  /** Resets the stream (RST_STREAM CANCEL), as the harness giving up on it; not counted as the server's reset. */
  reset(): void {
    if (!this.req || this.closed) return;
    this.resetByMe = true;
    this.req.close(http2.constants.NGHTTP2_CANCEL);
  }

  /** The connection's send window (what the server lets us send; node:http2 does not tell a stream's), or null. */
  sendWindow(): number | null {
    return this.conn.session.state.remoteWindowSize ?? null;
  }

  private onData(chunk: Buffer, keepBinaries: boolean): void {
    this.payloadOctets += chunk.length;
    for (const frame of this.decoder.push(chunk)) {
      for (const ev of this.reader.push(frame)) {
        if (ev.type === 'message') {
          this.seen.messages.push({ binary: ev.binary, text: ev.binary ? null : ev.payload.toString('utf8'), length: ev.payload.length });
          if (ev.binary && keepBinaries) this.binaries.push(ev.payload);
        } else if (ev.type === 'ping') void this.send({ opcode: Opcode.pong, payload: ev.payload });
        else if (ev.type === 'close') this.seen.closeCode = ev.code;
        else if (ev.type === 'violation') this.seen.violation ??= `${ev.violation.code}: ${ev.violation.message}`;
      }
    }
    if (this.decoder.error) this.seen.violation ??= `${this.decoder.error.code}: ${this.decoder.error.message}`;
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
