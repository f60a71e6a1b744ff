/**
 * HTTP/2 connections to a server under test, for WebSockets over HTTP/2 (RFC 8441): opening one
 * (TLS with ALPN "h2" for wss://, prior knowledge "h2c" for ws://) and waiting for the server's
 * SETTINGS, and a pool that shares connections between the cases of a run.
 *
 * node:http2 does the connection, settings, flow control and HPACK. It does not wait for the
 * server's SETTINGS before sending `:protocol` (Node 20 sends it whenever asked), so connectH2
 * resolves only once the first SETTINGS frame came, and openWebSocketStream (h2-dial.ts) refuses
 * to send an extended CONNECT when it did not enable the protocol (RFC 8441 §3).
 */
import http2, { type ClientHttp2Session } from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { TlsTransport } from '../engine/results.js';
import { tlsConnectOptions, tlsProblem, tlsTransport, type ClientTlsOptions, type TlsProblem } from './tls.js';

/** The HTTP/2 flavour of a connection: over TLS chosen by ALPN, or cleartext by prior knowledge (RFC 9113 §3). */
export type H2Protocol = 'h2' | 'h2c';

export interface H2ConnectOptions {
  url: URL;
  /** For the TCP (and TLS) connection and the server's first SETTINGS frame. */
  timeoutMs: number;
  /** wss://: the run's TLS options. */
  tls?: ClientTlsOptions;
  signal?: AbortSignal;
}

export interface H2Connection {
  session: ClientHttp2Session;
  protocol: H2Protocol;
  /** Whether the server's SETTINGS enabled extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL = 1). */
  connectProtocol: boolean;
  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS (Infinity when it set none). */
  maxConcurrentStreams: number;
  /** wss://: what the TLS handshake negotiated. */
  tls?: TlsTransport;
}

export type H2ConnectResult =
  | ({ ok: true } & H2Connection)
  | {
      ok: false;
      stage: 'connect' | 'settings';
      error: string;
      timedOut: boolean;
      /** wss://: why the TLS handshake failed. */
      tls?: TlsProblem;
      /** TLS was up but the server chose no "h2" by ALPN: the protocol it chose, or null for none. */
      alpn?: string | null;
    };

/**
 * What the harness asks of the server for its streams: a window large enough that a 16 MiB
 * message does not crawl through 64 KiB (the server must still honour its own), and no push.
 */
const LOCAL_SETTINGS: http2.Settings = { enablePush: false, initialWindowSize: 4 << 20, maxHeaderListSize: 65536 };
const CONNECTION_WINDOW = 32 << 20;

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

/**
 * Opens an HTTP/2 connection to `url` (wss:// over TLS, ALPN "h2"; ws:// h2c with prior
 * knowledge) and waits for the server's first SETTINGS frame. Never throws; on failure the
 * connection is gone.
 */
export function connectH2(o: H2ConnectOptions): Promise<H2ConnectResult> {
  const secure = o.url.protocol === 'wss:' || o.url.protocol === 'https:';
  const host = o.url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(o.url.port || (secure ? 443 : 80));
  return new Promise((resolve) => {
    let tcpConnected = false;
    let connected = false;
    let done = false;
    let socket: net.Socket;
    let alpn: string | null | undefined;
    const session = http2.connect(`${secure ? 'https' : 'http'}://${net.isIPv6(host) ? `[${host}]` : host}:${port}`, {
      settings: LOCAL_SETTINGS,
      // Counted against it: data queued to be sent, a 16 MiB message or several (MB).
      maxSessionMemory: 1024,
      createConnection: () => {
        socket = h2Socket(o.url, o.tls ? { tls: o.tls } : {});
        socket.once('connect', () => (tcpConnected = true));
        socket.once(secure ? 'secureConnect' : 'connect', () => {
          connected = true;
          socket.setNoDelay(true);
          if (secure) {
            alpn = (socket as tls.TLSSocket).alpnProtocol || null;
            if (alpn !== 'h2')
              fail({
                stage: 'connect',
                error: `the server did not choose HTTP/2 by ALPN (it chose ${alpn === null ? 'none' : JSON.stringify(alpn)}): it does not serve h2 on this port`,
                timedOut: false,
                alpn,
              });
          }
        });
        return socket;
      },
    });
    const timer = setTimeout(() => {
      const what = !tcpConnected
        ? `could not connect within ${o.timeoutMs} ms`
        : !connected
          ? `the TLS handshake did not complete within ${o.timeoutMs} ms`
          : `no HTTP/2 SETTINGS frame from the server within ${o.timeoutMs} ms`;
      fail({ stage: connected ? 'settings' : 'connect', error: what, timedOut: true });
    }, o.timeoutMs);
    const onAbort = (): void => fail({ stage: connected ? 'settings' : 'connect', error: 'the run is stopping', timedOut: false });
    o.signal?.addEventListener('abort', onAbort, { once: true });
    function finish(): void {
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    }
    function fail(f: Omit<Extract<H2ConnectResult, { ok: false }>, 'ok'>): void {
      if (done) return;
      finish();
      session.destroy();
      resolve({ ok: false, ...f });
    }
    session.on('error', (e: NodeJS.ErrnoException) => {
      let problem = secure && !connected ? tlsProblem(e, tcpConnected) : null;
      // RFC 7301 §3.2: a server that speaks none of the offered protocols refuses with this alert.
      if (problem?.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') {
        problem = { ...problem, cause: 'the server refused ALPN "h2" (the alert "no application protocol"): it does not serve HTTP/2 on this port' };
      }
      if (problem) return fail({ stage: 'connect', error: `TLS: ${problem.cause} (${problem.code})`, timedOut: false, tls: problem });
      if (!connected) return fail({ stage: 'connect', error: e.code ? `${e.code} (${e.message})` : e.message, timedOut: false });
      fail({ stage: 'settings', error: `the connection failed before the server's SETTINGS: ${e.code ?? e.message} (an HTTP/1.1-only server?)`, timedOut: false });
    });
    session.on('close', () =>
      fail({
        stage: connected ? 'settings' : 'connect',
        error: connected ? 'the server closed the connection before sending HTTP/2 SETTINGS (an HTTP/1.1-only server?)' : 'the connection closed',
        timedOut: false,
      }),
    );
    session.once('remoteSettings', (s) => {
      if (done) return;
      finish();
      // Later errors belong to the streams; the session must not throw.
      session.on('error', () => undefined);
      try {
        session.setLocalWindowSize(CONNECTION_WINDOW);
      } catch {
        // A session closing already: its streams will say so.
      }
      const c: H2Connection = { session, protocol: secure ? 'h2' : 'h2c', connectProtocol: s.enableConnectProtocol === true, maxConcurrentStreams: s.maxConcurrentStreams ?? Infinity };
      if (secure) c.tls = tlsTransport(socket as tls.TLSSocket, o.tls, host);
      resolve({ ok: true, ...c });
    });
    if (o.signal?.aborted) onAbort();
  });
}

/** What a pooled connection is: the connection, its streams in use, and whether it takes new ones. */
interface Pooled {
  c: H2Connection;
  active: number;
  usable: boolean;
}

export interface H2PoolOptions extends H2ConnectOptions {
  /** WebSocket streams at most on one connection (fewer when the server's MAX_CONCURRENT_STREAMS says so). */
  streamsPerConnection: number;
}

/**
 * The run's HTTP/2 connections: a stream goes to a connection with room, else to a new one. A
 * connection that received GOAWAY or closed takes no new stream; its streams that GOAWAY cut end
 * with a reset, the others run on, and later streams go to a new connection (RFC 9113 §6.8).
 */
export class H2Pool {
  private readonly pool: Pooled[] = [];
  private opening: Promise<Pooled | Extract<H2ConnectResult, { ok: false }>> | null = null;
  private closed = false;
  /**
   * Set once a connection of the target ended under streams it carried (not a graceful GOAWAY):
   * from then on one stream per connection, so that one case's protocol error (which such a target
   * answers by closing the whole connection) does not cut the others.
   */
  isolating = false;

  constructor(readonly o: H2PoolOptions) {}

  /**
   * A connection with room for one more stream, reserved for it: call `release` when the stream
   * closes. `dedicated`: a connection of its own, closed on release (the load monitor's).
   */
  async acquire(o: { dedicated?: boolean; signal?: AbortSignal } = {}): Promise<{ ok: true; c: H2Connection; release: () => void } | Extract<H2ConnectResult, { ok: false }>> {
    if (o.dedicated) {
      const r = await connectH2({ ...this.o, ...(o.signal ? { signal: o.signal } : {}) });
      if (!r.ok) return r;
      return { ok: true, c: r, release: () => r.session.close() };
    }
    for (;;) {
      if (this.closed) return { ok: false, stage: 'connect', error: 'the run is over', timedOut: false };
      const free = this.pool.find((p) => p.usable && p.active < this.limit(p));
      const p = free ?? (await this.open());
      if (!('c' in p)) return p;
      if (!p.usable || p.active >= this.limit(p)) continue;
      p.active++;
      let released = false;
      return {
        ok: true,
        c: p.c,
        release: () => {
          if (released) return;
          released = true;
          p.active--;
        },
      };
    }
  }

  /** Closes every connection (the run is over): their streams end as the server ends them, or with the session. */
  close(): void {
    this.closed = true;
    for (const p of this.pool.splice(0)) {
      const s = p.c.session;
      s.close();
      // A server that never ends its side must not keep the connection (and the process) alive.
      setTimeout(() => s.destroy(), 1000).unref();
    }
  }

  private limit(p: Pooled): number {
    if (this.isolating) return 1;
    return Math.max(1, Math.min(this.o.streamsPerConnection, p.c.maxConcurrentStreams));
  }

  private open(): Promise<Pooled | Extract<H2ConnectResult, { ok: false }>> {
    this.opening ??= connectH2(this.o).then((r) => {
      this.opening = null;
      if (!r.ok) return r;
      const p: Pooled = { c: r, active: 0, usable: true };
      const retire = (): void => {
        p.usable = false;
        const i = this.pool.indexOf(p);
        if (i >= 0) this.pool.splice(i, 1);
      };
      let graceful = false;
      r.session.once('goaway', (code: number) => {
        graceful = code === http2.constants.NGHTTP2_NO_ERROR;
        retire();
      });
      r.session.once('close', () => {
        if (!graceful && !this.closed && p.active > 1) this.isolating = true;
        retire();
      });
      r.session.on('remoteSettings', (s) => (p.c.maxConcurrentStreams = s.maxConcurrentStreams ?? Infinity));
      if (this.closed) r.session.close();
      else this.pool.push(p);
      return p;
    });
    return this.opening;
  }
}
