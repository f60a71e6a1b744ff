/**
 * The HTTP/2 connection an h2.* case runs on: node:http2 (it does the settings, flow control and
 * HPACK), over TLS with ALPN h2 for wss://, by prior knowledge (h2c) for ws://, on the socket the
 * catalogue's connections use (h2-session.ts's h2Socket). Not through connectH2 itself: that one
 * gives up on what the cases are about (SETTINGS without extended CONNECT, an early GOAWAY, a server
 * that closes TCP), where a case must observe it and judge. `H2Connect` is the seam: runH2Cases
 * takes any function of this shape.
 */
import http2 from 'node:http2';
import tls from 'node:tls';
import type { ClientTlsOptions } from '../tls.js';
import { h2Socket, h2Target } from '../h2-session.js';

/** An open HTTP/2 connection and the server's first SETTINGS (null when none came within the time limit). */
export interface H2CaseConnection {
  session: http2.ClientHttp2Session;
  settings: http2.Settings | null;
  /** Why the connection failed before SETTINGS came, if it did. */
  error: string | null;
  /** Errors node:http2 reported on the connection since (kept, so that none escapes as an exception). */
  errors: string[];
  /** The server's GOAWAY, once one came. */
  goaway: { code: number } | null;
  /** The server ended the TCP connection (FIN or reset), with or without a GOAWAY before. */
  closedByServer: boolean;
  /** Set by the player before it closes the connection itself. */
  closingByMe: boolean;
}

export type H2Connect = (url: URL, o: { tls?: ClientTlsOptions; timeoutMs: number; signal?: AbortSignal }) => Promise<H2CaseConnection>;

export { h2Socket, h2Target };

export const connectForCase: H2Connect = (url, o) =>
  new Promise((resolve) => {
    const t = h2Target(url);
    let done = false;
    const c: H2CaseConnection = { session: null as unknown as http2.ClientHttp2Session, settings: null, error: null, errors: [], goaway: null, closedByServer: false, closingByMe: false };
    const socket = h2Socket(url, o);
    // Node's streams of a connection that ended all close as if cancelled: the socket says who ended it.
    const ended = (): void => {
      if (!c.closingByMe) c.closedByServer = true;
    };
    socket.once('end', ended);
    socket.once('close', ended);
    socket.once('error', ended);
    const session = http2.connect(`${t.scheme}://${t.authority}`, { createConnection: () => socket });
    c.session = session;
    session.on('error', (e: NodeJS.ErrnoException) => c.errors.push(e.code ?? e.message));
    session.on('goaway', (code) => (c.goaway = { code }));
    const finish = (settings: http2.Settings | null, error: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      Object.assign(c, { settings, error });
      resolve(c);
    };
    const onAbort = (): void => finish(null, `stopped: ${String(o.signal?.reason)}`);
    const timer = setTimeout(() => finish(null, null), o.timeoutMs);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    session.once('remoteSettings', (s) => finish(s, null));
    session.once('error', (e: NodeJS.ErrnoException) => finish(null, e.code ?? e.message));
    session.once('close', () => finish(null, 'the server closed the connection'));
  });
