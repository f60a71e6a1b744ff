/**
 * Dialing a server and performing the client's opening handshake over a raw socket, so that the
 * harness sees every byte (RFC 6455 §4.1). Frames that arrive in the same packet as the 101 are kept.
 * readResponseHead is the raw exchange under it, shared with the handshake requests of handshake-check.ts
 * (deviations included); the head itself is read by engine/read-head.ts.
 */
import net from 'node:net';
import tls from 'node:tls';
import { readHttpHead, type HeadReadFailure } from '../engine/read-head.js';
import { buildClientRequest, checkServerResponse, headerValue, newClientKey, type HttpHead } from '../wire/handshake.js';
import { tlsConnectOptions, tlsProblem, type ClientTlsOptions, type TlsProblem } from './tls.js';

export interface ResponseHeadOptions {
  url: URL;
  /** The request, one socket write each, a turn of the event loop apart (strings are written as UTF-8). */
  writes: ReadonlyArray<string | Buffer>;
  /** For connecting, writing and reading the whole head. */
  timeoutMs: number;
  /** TLS options for wss:// (the run's, the same for every connection); default: verify against Node's CAs. */
  tls?: ClientTlsOptions;
  /** Gives up at once when aborted (the run is stopping), as if the server had closed. */
  signal?: AbortSignal;
}

/** Why no response head came: the callers word it, each for its own transcript. An abort reads as a close. */
export type HeadFailure = Exclude<HeadReadFailure, { reason: 'aborted' | 'rejected' }>;

export type ResponseHead =
  /** The socket is paused, with the octets after the head in `rest`. */
  | { ok: true; socket: net.Socket; head: HttpHead; rest: Buffer }
  /**
   * The socket is destroyed; `received` is everything that came. `connected`: the connection was up
   * (TLS included); `tcpConnected`: TCP was, at least. `tls`: why the TLS handshake failed.
   */
  | { ok: false; failure: HeadFailure; connected: boolean; tcpConnected: boolean; received: Buffer; tls?: TlsProblem };

/** Opens a TCP (or TLS) connection to `url`, writes the request and reads the response head. */
export async function readResponseHead(o: ResponseHeadOptions): Promise<ResponseHead> {
  const secure = o.url.protocol === 'wss:' || o.url.protocol === 'https:';
  const port = Number(o.url.port || (secure ? 443 : 80));
  const host = o.url.hostname.replace(/^\[|\]$/g, '');
  let connected = false;
  let tcpConnected = false;
  let settled = false;
  const socket: net.Socket = secure ? tls.connect(tlsConnectOptions(host, port, o.tls)) : net.connect({ host, port });
  // Whoever takes the socket over adds its own handlers; until then a reset must not throw.
  socket.on('error', () => undefined);
  socket.once('connect', () => (tcpConnected = true));
  socket.once(secure ? 'secureConnect' : 'connect', () => {
    connected = true;
    socket.setNoDelay(true);
    void (async () => {
      for (const w of o.writes) {
        if (settled || socket.destroyed) return;
        socket.write(w);
        if (o.writes.length > 1) await new Promise((r) => setImmediate(r));
      }
    })();
  });
  const r = await readHttpHead(socket, { timeoutMs: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}) });
  settled = true;
  if (r.ok) return { ok: true, socket, head: r.head, rest: r.rest };
  socket.destroy();
  const failure: HeadFailure = r.failure.reason === 'aborted' || r.failure.reason === 'rejected' ? { reason: 'closed' } : r.failure;
  const problem = secure && !connected && failure.reason === 'error' ? tlsProblem(failure.error, tcpConnected) : null;
  return { ok: false, failure, connected, tcpConnected, received: r.received, ...(problem ? { tls: problem } : {}) };
}

export interface DialOptions {
  url: URL;
  protocols?: string[];
  extensions?: string[];
  /** Extra request headers (a null value removes a default one). */
  headers?: Array<[string, string | null]>;
  openHandshakeTimeoutMs: number;
  /** TLS options for wss:// (the run's). */
  tls?: ClientTlsOptions;
  signal?: AbortSignal;
}

export type DialResult =
  | { ok: true; socket: net.Socket; leftover: Buffer; request: string; response: HttpHead; serverHeader?: string; extensions: string[]; protocol?: string }
  | {
      ok: false;
      stage: 'connect' | 'handshake';
      error: string;
      request?: string;
      response?: string;
      timedOut: boolean;
      socket?: net.Socket;
      /** Set when the server answered with an HTTP response that is not a valid 101: the fault in a few stable words (checkServerResponse). */
      fault?: string;
      serverHeader?: string;
      /** Set when the TLS handshake failed (wss://): its cause. */
      tls?: TlsProblem;
    };

export async function dial(o: DialOptions): Promise<DialResult> {
  const { url } = o;
  const key = newClientKey();
  const request = buildClientRequest({
    host: url.host,
    path: (url.pathname || '/') + url.search,
    key,
    protocols: o.protocols ?? [],
    extensions: o.extensions ?? [],
    headers: o.headers ?? [],
  });
  const r = await readResponseHead({ url, writes: [request], timeoutMs: o.openHandshakeTimeoutMs, ...(o.tls ? { tls: o.tls } : {}), ...(o.signal ? { signal: o.signal } : {}) });
  if (!r.ok) {
    const response = (r.failure.reason === 'malformed' ? r.received.subarray(0, 2048) : r.received).toString('latin1');
    const failed: DialResult = { ok: false, request, response, ...dialFailure(r, o.openHandshakeTimeoutMs) };
    if (r.tls) failed.tls = r.tls;
    // An HTTP status line, then a head that cannot be read: an HTTP answer, broken.
    if (r.failure.reason === 'malformed' && /^HTTP\/1\.[01] \d{3}/.test(response)) failed.fault = 'a malformed HTTP response head';
    return failed;
  }
  const check = checkServerResponse(r.head, key, { protocols: o.protocols ?? [], extensions: o.extensions ?? [] });
  const server = headerValue(r.head.headers, 'Server');
  if (!check.ok) {
    r.socket.destroy();
    const failed: DialResult = { ok: false, stage: 'handshake', error: check.problems.join('; '), request, response: r.head.raw, timedOut: false };
    // A start line that is not an HTTP status line is not an HTTP answer at all.
    if (check.status !== 0 && check.fault !== undefined) failed.fault = check.fault;
    if (server !== undefined) failed.serverHeader = server;
    return failed;
  }
  const ok: DialResult = { ok: true, socket: r.socket, leftover: r.rest, request, response: r.head, extensions: check.extensions };
  if (server !== undefined) ok.serverHeader = server;
  if (check.protocol !== undefined) ok.protocol = check.protocol;
  return ok;
}

function dialFailure(r: Extract<ResponseHead, { ok: false }>, timeoutMs: number): { stage: 'connect' | 'handshake'; error: string; timedOut: boolean } {
  const { failure: f, connected } = r;
  const stage = connected ? 'handshake' : 'connect';
  // A wss:// connection is up once TLS is: TCP without it is a TLS handshake that never ended.
  const stalled = r.tcpConnected ? `the TLS handshake did not complete within ${timeoutMs} ms` : `could not connect within ${timeoutMs} ms`;
  switch (f.reason) {
    case 'timeout':
      return { stage, error: connected ? `no complete handshake response within ${timeoutMs} ms` : stalled, timedOut: true };
    case 'error':
      if (r.tls) return { stage, error: `TLS: ${r.tls.cause} (${r.tls.code})`, timedOut: false };
      return { stage, error: f.error.code ? `${f.error.code} (${f.error.message})` : f.error.message, timedOut: false };
    case 'closed':
      return { stage: 'handshake', error: 'the server closed the connection before completing the handshake', timedOut: false };
    case 'malformed':
      return { stage: 'handshake', error: f.message, timedOut: false };
  }
}
