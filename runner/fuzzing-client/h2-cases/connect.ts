/**
 * The HTTP/2 connection an h2.* case runs on: node:http2 (it does the settings, flow control and
 * HPACK), over TLS with ALPN h2 for wss://, by prior knowledge (h2c) for ws://. `H2Connect` is the
 * seam for the run's shared HTTP/2 dialer: runH2Cases takes any function of this shape.
 */
import http2 from 'node:http2';
import tls from 'node:tls';
import net from 'node:net';
import { tlsConnectOptions, type ClientTlsOptions } from '../tls.js';

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

/** The http(s) authority and scheme a ws(s):// URL stands for over HTTP/2 (RFC 8441 §5). */
export function h2Target(url: URL): { scheme: 'http' | 'https'; authority: string; path: string } {
  return { scheme: url.protocol === 'wss:' ? 'https' : 'http', authority: url.host, path: (url.pathname || '/') + url.search };
}

/** The plain TCP or TLS socket (ALPN h2) to the server: also what the hand-made requests (raw.ts) write on. */
export function h2Socket(url: URL, o: { tls?: ClientTlsOptions }): net.Socket {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'wss:' ? 443 : 80));
  if (url.protocol !== 'wss:') return net.connect({ host, port });
  return tls.connect({ ...tlsConnectOptions(host, port, o.tls), ALPNProtocols: ['h2'] });
}

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
