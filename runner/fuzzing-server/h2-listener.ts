/**
 * The fuzzing server's HTTP/2 side (`test-client --http2`): node:http2 does the connection, the
 * settings, flow control and HPACK; what comes out is a 'stream' per request, which the intake
 * (h2-intake.ts) reads as an RFC 8441 extended CONNECT. Connections reach it from the one listener
 * that serves HTTP/1.1 too: over TLS those whose ALPN chose `h2`, in plain text (h2c, "prior
 * knowledge", RFC 9113 §3.3) those whose first bytes are the connection preface (sniffPreface).
 *
 * For the h2.client.* cases a listener may hold its SETTINGS back for a while after the client's
 * preface (a client must wait for SETTINGS_ENABLE_CONNECT_PROTOCOL before it sends `:protocol`, RFC
 * 8441 §3), or not advertise the setting at all and count the requests that the HTTP/2 layer refused.
 */
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { FrameWatch, H2_PREFACE } from './h2-frame-watch.js';

export type { WireProtocol } from '../engine/results.js';

export interface H2Serving {
  /** Advertise SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3); false only for h2.client.setting-absent. */
  enableConnectProtocol: boolean;
  /** Hold the server's SETTINGS back this long after the connection starts (h2.client.settings-wait). */
  settingsDelayMs?: number;
  /** Watch every frame the client sends (h2.client.setting-absent): costs a copy of each read. */
  watchFrames?: boolean;
  /**
   * Takes the requests that are not CONNECT (GET, POST …) instead of the help page and 404s:
   * test-browser --http2 serves its page here, on the origin of the WebSockets (browsers open a
   * WebSocket as a stream only of a connection they already have to that origin).
   */
  ordinary?: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void;
}

/** One HTTP/2 connection, as far as the cases need it. */
export interface H2ConnectionSeen {
  from: string;
  protocol: 'h2' | 'h2c';
  /**
   * Streams the client opened with HEADERS while the server's SETTINGS were held back, less the
   * ordinary requests among them (a GET of the page: allowed before SETTINGS, RFC 9113 §3.4): what is
   * left are extended CONNECTs, which node:http2 delivers with `:protocol` or refuses as malformed.
   */
  requestsBeforeSettings: number;
  /** With watchFrames: streams the client opened with HEADERS (node:http2 delivers only the well-formed ones). */
  requestsSeen: number | null;
  /** Requests node:http2 delivered as streams. */
  streams: number;
}

export interface H2StreamOrigin {
  from: string;
  protocol: 'h2' | 'h2c';
  /** The TLS connection under it (h2), for the transport in the reports. */
  tls: TLSSocket | null;
}

type Origin = { origin: H2StreamOrigin; record: H2ConnectionSeen; earlyStreams?: readonly number[] };

/** Receive windows large enough that 16 MiB messages are not paced by WINDOW_UPDATE round trips. */
const STREAM_WINDOW = 4 * 1024 * 1024;
const CONNECTION_WINDOW = 32 * 1024 * 1024;
const SESSION_MEMORY_MB = 4096;
/** Connections kept in the record. */
const KEPT = 200;

export class H2Front {
  private readonly server: http2.Http2Server;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly seen: H2ConnectionSeen[] = [];
  private readonly origins = new WeakMap<http2.Http2Session, Origin>();
  private openStreams = 0;
  /** When the last stream was opened (epoch ms), 0 before the first. */
  lastStreamAt = 0;
  /** The origin of the connection being handed over: node:http2 makes its session within emit('connection'). */
  private handing: Origin | null = null;

  constructor(
    private readonly serving: H2Serving,
    o: { maxStreams: number; log: (line: string) => void; onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, origin: H2StreamOrigin) => void },
  ) {
    this.server = http2.createServer({
      // node:http2 refuses new streams (RST_STREAM ENHANCE_YOUR_CALM, before any 'stream' event) once a
      // connection holds more than maxSessionMemory MB, 10 by default; the 16 MiB messages of 9.x sent
      // side by side on one connection do, as they would on as many TCP connections over HTTP/1.1.
      maxSessionMemory: SESSION_MEMORY_MB,
      settings: { enableConnectProtocol: serving.enableConnectProtocol, initialWindowSize: STREAM_WINDOW, maxConcurrentStreams: o.maxStreams },
    });
    this.server.on('session', (session) => {
      if (this.handing) this.origins.set(session, this.handing);
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      session.on('error', (e) => o.log(`HTTP/2 connection error: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      session.once('connect', () => {
        try {
          session.setLocalWindowSize(CONNECTION_WINDOW);
        } catch {
          // A session already closing keeps its window.
        }
      });
    });
    this.server.on('stream', (stream, headers) => {
      stream.on('error', () => undefined);
      const known = stream.session ? this.origins.get(stream.session) : undefined;
      if (!known) {
        stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        return;
      }
      if (headers[':protocol'] === undefined && stream.id !== undefined && known.earlyStreams?.includes(stream.id)) known.record.requestsBeforeSettings--;
      if (serving.ordinary && headers[':method'] !== 'CONNECT') return serving.ordinary(stream, headers);
      known.record.streams++;
      this.openStreams++;
      this.lastStreamAt = Date.now();
      stream.once('close', () => this.openStreams--);
      o.onStream(stream, headers, known.origin);
    });
  }

  /** Takes a connection the listener accepted: over TLS one whose ALPN chose h2, in plain text one that began with the preface. */
  take(socket: Socket | TLSSocket, protocol: 'h2' | 'h2c'): void {
    const tls = socket instanceof TLSSocket ? socket : null;
    // node:http2 waits for 'secureConnect' while secureConnecting is set, which only tls.Server clears on the server side.
    if (tls) (tls as TLSSocket & { secureConnecting: boolean }).secureConnecting = false;
    this.accept(socket, { from: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, protocol, tls });
  }

  /** Takes over a connection that speaks HTTP/2 from its first byte (a plain one may have had its first bytes unshifted). */
  private accept(socket: Socket | TLSSocket, origin: H2StreamOrigin): void {
    const record: H2ConnectionSeen = { from: origin.from, protocol: origin.protocol, requestsBeforeSettings: 0, requestsSeen: this.serving.watchFrames ? 0 : null, streams: 0 };
    if (this.seen.length < KEPT) this.seen.push(record);
    const delay = this.serving.settingsDelayMs ?? 0;
    if (!this.serving.watchFrames && delay <= 0) {
      this.handOver(socket, { origin, record });
      return;
    }
    // node:http2 sends its SETTINGS the moment it has the connection: until then, the tap only looks
    // (and keeps what it read for node:http2; a TLS socket cannot take bytes back by unshift).
    const watch = new FrameWatch();
    let handed = false;
    const stream = tap(socket, (d) => {
      watch.push(d);
      if (!handed) record.requestsBeforeSettings = watch.headerStreams.length;
      if (record.requestsSeen !== null) record.requestsSeen = watch.headerStreams.length;
    });
    const go = (): void => {
      handed = true;
      this.handOver(stream, { origin, record, earlyStreams: [...watch.headerStreams] });
    };
    if (delay > 0) setTimeout(go, delay).unref();
    else go();
  }

  private handOver(stream: Duplex, origin: Origin): void {
    if (stream.destroyed) return;
    this.handing = origin;
    try {
      this.server.emit('connection', stream);
    } finally {
      this.handing = null;
    }
  }

  /** Open streams less open HTTP/2 connections: added to a count of sockets, each stream counts as a connection and an idle HTTP/2 connection as none. */
  streamsBeyondConnections(): number {
    return this.openStreams - this.sessions.size;
  }

  connections(): H2ConnectionSeen[] {
    return [...this.seen];
  }

  close(): void {
    for (const s of this.sessions) s.destroy();
    this.server.close();
  }
}

/**
 * A plain connection's first bytes: 'h2c' when they are the HTTP/2 connection preface, else
 * 'http/1.1' (an HTTP/1.1 request, or anything else for the HTTP/1.1 intake to refuse). What was
 * read is unshifted, and the socket left paused.
 */
export function sniffPreface(socket: Socket, timeoutMs: number): Promise<'h2c' | 'http/1.1' | null> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const finish = (answer: 'h2c' | 'http/1.1' | null): void => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      socket.pause();
      if (got.length > 0) socket.unshift(got);
      resolve(answer);
    };
    const onData = (d: Buffer): void => {
      got = Buffer.concat([got, d]);
      const n = Math.min(got.length, H2_PREFACE.length);
      if (!got.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) finish('http/1.1');
      else if (n === H2_PREFACE.length) finish('h2c');
    };
    const onClose = (): void => finish(null);
    // A client that sends nothing: the HTTP/1.1 intake's own timer answers it (408).
    const timer = setTimeout(() => finish('http/1.1'), timeoutMs);
    socket.on('error', () => undefined);
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** A duplex over `socket` that shows `look` every octet read: node:http2 reads a socket natively, past any listener. */
function tap(socket: Socket | TLSSocket, look: (d: Buffer) => void): Duplex {
  const d = new Duplex({
    read: () => void socket.resume(),
    write: (chunk: Buffer, _enc, cb) => void socket.write(chunk, () => cb()),
    final: (cb) => {
      socket.end();
      cb();
    },
    destroy: (e, cb) => {
      socket.destroy();
      cb(e);
    },
  });
  socket.on('data', (b: Buffer) => {
    look(b);
    if (!d.push(b)) socket.pause();
  });
  socket.on('end', () => d.push(null));
  socket.on('close', () => d.destroy());
  // A sniffed socket was paused explicitly, which a new 'data' listener does not undo.
  socket.resume();
  return d;
}
