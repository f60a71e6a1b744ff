/**
 * Opening a WebSocket over HTTP/2 (RFC 8441): an extended CONNECT stream on a connection of
 * h2-session.ts, checked as a client must (extended-connect.ts), handed over as the session's byte
 * stream (h2-stream.ts). dialH2 is dial()'s counterpart for a run with --http2: the same result
 * shape, so that the case runner, the probe and the load monitor read either.
 */
import http2 from 'node:http2';
import { checkExtendedConnectResponse, extendedConnectHeaders, h2HeadText, headerList, responseHead } from '../wire/extended-connect.js';
import { headerValue, type HttpHead } from '../wire/handshake.js';
import type { H2Connection, H2Pool } from './h2-session.js';
import { h2ErrorName, H2WebSocketStream } from './h2-stream.js';
import type { TlsProblem } from './tls.js';

export interface H2StreamOptions {
  url: URL;
  protocols?: string[];
  extensions?: string[];
  /** Extra request header fields (a null value removes a default one). */
  headers?: Array<[string, string | null]>;
  /** For the response's HEADERS. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export type H2DialResult =
  | {
      ok: true;
      socket: H2WebSocketStream;
      /** Always empty: what came after the response waits in the stream. */
      leftover: Buffer;
      request: string;
      response: HttpHead;
      serverHeader?: string;
      extensions: string[];
      protocol?: string;
      connection: H2Connection;
    }
  | {
      ok: false;
      stage: 'connect' | 'handshake';
      error: string;
      request?: string;
      response?: string;
      timedOut: boolean;
      /** The server answered, but not with a usable 2xx: the fault in a few stable words. */
      fault?: string;
      serverHeader?: string;
      tls?: TlsProblem;
      /** The server did not process the request (REFUSED_STREAM, or GOAWAY before it): another connection may take it (RFC 9113 §8.7). */
      unprocessed?: boolean;
    };

/** What an extended CONNECT cannot do without: the server's SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3). */
export const NO_CONNECT_PROTOCOL = 'no SETTINGS_ENABLE_CONNECT_PROTOCOL';

/**
 * Opens a WebSocket as an extended CONNECT stream on `c` and checks the response. On success the
 * stream is the WebSocket's byte stream, paused (data that came waits in it). Never throws.
 */
export function openWebSocketStream(c: H2Connection, o: H2StreamOptions): Promise<H2DialResult> {
  if (!c.connectProtocol) {
    // RFC 8441 §3: a client MUST NOT send :protocol unless the server's SETTINGS enabled it; node:http2 would send it anyway.
    const error = "the server's HTTP/2 SETTINGS do not enable extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, RFC 8441 §3): it offers no WebSocket over HTTP/2";
    return Promise.resolve({ ok: false, stage: 'handshake', error, timedOut: false, fault: NO_CONNECT_PROTOCOL });
  }
  const headers = extendedConnectHeaders({
    scheme: c.protocol === 'h2' ? 'https' : 'http',
    authority: o.url.host,
    path: (o.url.pathname || '/') + o.url.search,
    protocols: o.protocols ?? [],
    extensions: o.extensions ?? [],
    headers: o.headers ?? [],
  });
  return new Promise((resolve) => {
    let request = h2HeadText(`HTTP/2 request (${c.protocol})`, headerList(headers));
    let st: http2.ClientHttp2Stream;
    try {
      st = c.session.request(headers, { endStream: false });
    } catch (e) {
      // The connection went away (GOAWAY, closed) between choosing it and using it.
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      resolve({ ok: false, stage: 'connect', error: `the HTTP/2 connection takes no new stream (${code})`, request, timedOut: false, unprocessed: true });
      return;
    }
    const ws = new H2WebSocketStream(st);
    ws.on('error', () => undefined);
    let done = false;
    const finish = (): void => {
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (f: Omit<Extract<H2DialResult, { ok: false }>, 'ok' | 'request'>): void => {
      if (done) return;
      finish();
      ws.destroy();
      resolve({ ok: false, request, ...f });
    };
    const timer = setTimeout(() => fail({ stage: 'handshake', error: `no response HEADERS to the extended CONNECT within ${o.timeoutMs} ms`, timedOut: true }), o.timeoutMs);
    const onAbort = (): void => fail({ stage: 'handshake', error: 'the run is stopping', timedOut: false });
    o.signal?.addEventListener('abort', onAbort, { once: true });
    st.once('ready', () => (request = h2HeadText(`HTTP/2 request on stream ${st.id} (${c.protocol})`, headerList(headers))));
    st.once('response', (h) => {
      if (done) return;
      const list = headerList(h);
      const head = responseHead(st.id, list);
      const server = headerValue(list, 'server');
      const check = checkExtendedConnectResponse(list, { protocols: o.protocols ?? [], extensions: o.extensions ?? [] });
      if (!check.ok) {
        return fail({
          stage: 'handshake',
          error: check.problems.join('; '),
          response: head.raw,
          timedOut: false,
          ...(check.fault !== undefined ? { fault: check.fault } : {}),
          ...(server !== undefined ? { serverHeader: server } : {}),
        });
      }
      finish();
      const ok: H2DialResult = { ok: true, socket: ws, leftover: Buffer.alloc(0), request, response: head, extensions: check.extensions, connection: c };
      if (server !== undefined) ok.serverHeader = server;
      if (check.protocol !== undefined) ok.protocol = check.protocol;
      resolve(ok);
    });
    st.once('close', () => {
      if (done) return;
      const code = st.rstCode ?? http2.constants.NGHTTP2_CANCEL;
      const goingAway = c.session.closed || c.session.destroyed;
      // REFUSED_STREAM, or a connection closing under a stream it never answered: not processed (RFC 9113 §8.7, §6.8).
      const unprocessed = code === http2.constants.NGHTTP2_REFUSED_STREAM || goingAway;
      const error = goingAway
        ? `the HTTP/2 connection went away before the server answered (${h2ErrorName(code)})`
        : `the server reset the stream (RST_STREAM ${h2ErrorName(code)}) instead of answering the extended CONNECT`;
      fail({ stage: 'handshake', error, timedOut: false, ...(unprocessed ? { unprocessed } : { fault: `RST_STREAM ${h2ErrorName(code)} instead of a response` }) });
    });
    if (o.signal?.aborted) onAbort();
  });
}

/**
 * dial() over HTTP/2: a stream on a connection of `pool` (a connection of its own when
 * `dedicated`), opened as openWebSocketStream does. A request the server did not process (GOAWAY,
 * REFUSED_STREAM) is tried once more on a new connection.
 */
export async function dialH2(pool: H2Pool, o: H2StreamOptions & { dedicated?: boolean }): Promise<H2DialResult> {
  for (let attempt = 0; ; attempt++) {
    const got = await pool.acquire({ ...(o.dedicated ? { dedicated: true } : {}), ...(o.signal ? { signal: o.signal } : {}) });
    if (!got.ok) {
      const f: H2DialResult = { ok: false, stage: got.stage === 'connect' ? 'connect' : 'handshake', error: got.error, timedOut: got.timedOut };
      if (got.tls) f.tls = got.tls;
      return f;
    }
    const r = await openWebSocketStream(got.c, o);
    if (!r.ok) {
      got.release();
      if (r.unprocessed && attempt === 0 && !o.signal?.aborted) continue;
      return r;
    }
    r.socket.once('close', got.release);
    return r;
  }
}
