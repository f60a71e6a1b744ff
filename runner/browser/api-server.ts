/**
 * The server side of the browser-API cases: raw sockets that answer the opening handshake the way
 * a case says (correctly or not), play the case's server actions, answer the browser's close, and
 * record what crossed the wire. Every case gets its own port, because a browser lets only one
 * connection per host and port be CONNECTING at a time (RFC 6455 §4.1): a case that never answers
 * the handshake must not hold up the others.
 */
import type http2 from 'node:http2';
import net, { type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { TEST_HOST_NAME, type ApiHandshake, type ApiServerScript } from '../../cases/browser-api-types.js';
import type { CaseDef } from '../../cases/types.js';
import { baseIdOf } from '../../cases/browser-api/contexts.js';
import type { DecodedFrame } from '../wire/decoder.js';
import { encodeFrame } from '../wire/frame.js';
import { buildHttpError, buildServerResponse, headerValue, newClientKey, type HttpHead } from '../wire/handshake.js';
import { readHttpHead } from '../engine/read-head.js';
import type { ApiWireRecord } from '../engine/verdicts/browser-api.js';
import { DEFAULT_WIRE_LOG_LINES } from '../engine/defaults.js';
import { WireLog } from '../engine/wire-log.js';
import { createTlsListener, TlsLog, type TlsServing } from '../fuzzing-server/tls-listener.js';
import { H2Front } from '../fuzzing-server/h2-listener.js';
import { h2RequestHead } from '../fuzzing-server/h2-intake.js';
import { H2StreamBytes } from '../fuzzing-server/h2-stream.js';
import { answerOrdinary, apiOverHttp2, h2ResponseFields, renderFields, WARM_UP_PATH } from './api-h2.js';
import { DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS } from '../engine/defaults.js';
import { Connection, type CaseSide } from './api-connection.js';
import { listenOnLane, LOOPBACK, urlHost, type Reach } from './reach.js';
import { servedPlain, tlsCaseOf, type BrowserTls } from './tls.js';

export interface ApiServers {
  /** ws://HOST:PORT/<case id>, or wss:// (a worker variant: the ID of the case it varies) */
  url(id: string): string;
  /** HOST:PORT, as the page names it */
  host(id: string): string;
  /** With --http2, where the case's server offers h2: the URL the page fetches first (api-h2.ts). */
  warmUp(id: string): string | undefined;
  record(id: string): ApiWireRecord;
  /** Resolves once every connection of the case has closed, or after `timeoutMs` (then they are dropped). */
  settled(id: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** No connection of a case lives longer than this. */
const CONNECTION_CAP_MS = 15_000;

const emptyRecord = (): ApiWireRecord => ({
  connections: 0,
  httpRequest: '',
  httpResponse: '',
  requestHeaders: {},
  cookies: [],
  messages: [],
  messagesAfterClose: 0,
  closeFrames: [],
  serverClose: null,
  firstCloseBy: null,
  tcpClosedBy: null,
  wirelog: [],
  startedAt: Date.now(),
});

class CaseServer implements CaseSide {
  readonly rec = emptyRecord();
  private log = new WireLog(this.rec.wirelog, DEFAULT_WIRE_LOG_LINES, this.rec.startedAt);
  private readonly server: net.Server;
  /** The connections, and over HTTP/2 the streams, of the case. */
  private readonly sockets = new Set<Duplex>();
  /** With --http2: takes the connections whose ALPN chose h2 (api-h2.ts). */
  private readonly front: H2Front | null;
  readonly offersH2: boolean;
  private readonly idle = new Set<() => void>();
  /** Pauses a case's script makes (a delayed answer, waits): cleared when the server closes. */
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  port = 0;

  constructor(
    readonly def: CaseDef,
    private readonly script: ApiServerScript,
    private readonly publicHost: string,
    /** Served over TLS with this certificate; plain when null. */
    readonly serving: TlsServing | null,
    /** Offer h2 beside HTTP/1.1 by ALPN (test-browser --http2; needs serving). */
    offerH2: boolean,
  ) {
    this.front =
      serving && offerH2
        ? new H2Front({ enableConnectProtocol: true, ordinary: answerOrdinary }, { maxStreams: 100, log: (line) => this.note(line), onStream: (stream, headers) => this.onH2Stream(stream, headers) })
        : null;
    this.offersH2 = this.front !== null;
    const onSecure = (s: TLSSocket): void => (this.front && s.alpnProtocol === 'h2' ? this.front.take(s, 'h2') : this.onConnection(s));
    // A TLS handshake the browser refuses never gets as far as a request: the wire log says why.
    this.server = serving
      ? createTlsListener(
          serving,
          {
            handshakeTimeoutMs: DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS,
            log: (line) => this.note(`TLS: ${line}`),
            record: new TlsLog(),
            onConnect: () => undefined,
            ...(this.front ? { alpn: ['h2', 'http/1.1'] } : {}),
          },
          onSecure,
        )
      : net.createServer((s) => this.onConnection(s));
    this.server.on('error', () => undefined);
  }

  listen(host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, host, () => {
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  /** Keeps a connection (or stream) of the case until it closes, CONNECTION_CAP_MS at most; true for the case's first. */
  private track(socket: Duplex): boolean {
    const first = this.sockets.size === 0 && this.rec.connections === 0;
    if (first) {
      this.rec.startedAt = Date.now();
      this.log = new WireLog(this.rec.wirelog, DEFAULT_WIRE_LOG_LINES, this.rec.startedAt);
    }
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    const cap = setTimeout(() => socket.destroy(), CONNECTION_CAP_MS);
    socket.once('close', () => {
      clearTimeout(cap);
      this.sockets.delete(socket);
      if (this.sockets.size === 0) for (const f of this.idle) f();
    });
    return first;
  }

  private onConnection(socket: Socket): void {
    socket.setNoDelay(true);
    const first = this.track(socket);
    void readHttpHead(socket).then((r) => {
      // Flowing again, as the connection was before its head: what comes before a reader attaches is not kept.
      socket.resume();
      if (r.ok) this.onRequest(socket, r.head, r.rest, { first });
      else if (r.failure.reason === 'malformed') {
        this.note(`unreadable request: ${r.failure.message}`);
        socket.destroy();
      }
    });
  }

  private onRequest(socket: Socket, head: HttpHead, rest: Buffer, { first }: { first: boolean }): void {
    const path = head.startLine.split(' ')[1] ?? '';
    this.rec.connections++;
    this.rec.cookies.push(headerValue(head.headers, 'Cookie') ?? null);
    this.note(`opening request ${this.rec.connections} for ${path}`);
    if (first) {
      this.rec.httpRequest = head.raw;
      for (const [name, value] of head.headers) this.rec.requestHeaders[name.toLowerCase()] = value;
      // The engine had h2 to choose from, and took HTTP/1.1.
      if (this.front) this.rec.protocol = 'http/1.1';
    }
    const key = headerValue(head.headers, 'Sec-WebSocket-Key') ?? '';
    const h: ApiHandshake = path.endsWith('/redirected') ? { kind: 'accept' } : this.script.handshake;
    let response: string;
    switch (h.kind) {
      case 'hold':
        this.note('holding the handshake: no answer');
        if (first) this.rec.httpResponse = '(no answer)';
        socket.on('data', () => undefined);
        socket.once('end', () => this.tcpEnd('browser'));
        return;
      case 'status': {
        const location: Array<[string, string]> = h.location ? [['Location', `${this.serving ? 'https' : 'http'}://${this.hostPort()}/${baseIdOf(this.def.id)}/redirected`]] : [];
        response = buildHttpError(h.status, h.reason, `wsconform: ${h.status} on purpose\n`, location);
        break;
      }
      case 'wrong-accept':
        response = buildServerResponse({ key: newClientKey() });
        break;
      case 'omit-header':
        response = buildServerResponse({ key, headers: [[h.header, null]] });
        break;
      case 'accept': {
        const o: Parameters<typeof buildServerResponse>[0] = { key };
        if (h.protocol) o.protocol = h.protocol;
        if (h.extensions) o.extensions = [h.extensions];
        if (h.setCookie) o.headers = [['Set-Cookie', h.setCookie]];
        response = buildServerResponse(o);
        break;
      }
    }
    if (first) this.rec.httpResponse = response;
    const answer = (): void => {
      if (socket.destroyed) return;
      if (h.kind === 'status') {
        socket.end(response);
        this.tcpEnd('server');
        return;
      }
      // The response leaves in the same write as the first frames, so they reach the browser together.
      const script: ApiServerScript = h.kind === 'accept' && !path.endsWith('/redirected') ? this.script : { handshake: h };
      if (this.script.closeAfterMs !== undefined) script.closeAfterMs = this.script.closeAfterMs;
      new Connection(this, socket, rest, script).start(Buffer.from(response, 'latin1'));
    };
    const delay = h.kind === 'accept' ? (h.delayMs ?? 0) : 0;
    if (delay > 0) this.later(delay, answer);
    else answer();
  }

  /** An HTTP/2 stream (test-browser --http2): an extended CONNECT, answered as the case's handshake says. */
  private onH2Stream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const bytes = new H2StreamBytes(stream);
    const first = this.track(bytes);
    const head = h2RequestHead(headers);
    const path = String(headers[':path'] ?? '');
    this.rec.connections++;
    const cookie = headers.cookie;
    // HTTP/2 may split Cookie into one field per cookie (RFC 9113 §8.2.3): joined as HTTP/1.1 sends it.
    this.rec.cookies.push(cookie === undefined ? null : Array.isArray(cookie) ? cookie.join('; ') : cookie);
    this.note(`opening request ${this.rec.connections} for ${path} (HTTP/2 stream ${stream.id ?? '?'})`);
    if (first) {
      this.rec.httpRequest = `${head.startLine}\r\n${head.raw}`;
      for (const [name, value] of head.headers) this.rec.requestHeaders[name] = value;
      this.rec.protocol = 'h2';
    }
    const h: ApiHandshake = path.endsWith('/redirected') ? { kind: 'accept' } : this.script.handshake;
    const fields = h2ResponseFields(h, `https://${this.hostPort()}/${baseIdOf(this.def.id)}/redirected`);
    if (fields === null) {
      this.note('holding the handshake: no answer');
      if (first) this.rec.httpResponse = '(no answer)';
      bytes.on('data', () => undefined);
      bytes.once('end', () => this.tcpEnd('browser'));
      return;
    }
    if (first) this.rec.httpResponse = renderFields(fields);
    const answer = (): void => {
      if (bytes.destroyed) return;
      try {
        stream.respond(fields);
      } catch (e) {
        this.note(`cannot answer the stream: ${(e as Error).message}`);
        bytes.destroy();
        return;
      }
      if (h.kind === 'status') {
        bytes.end(`wsconform: ${h.status} on purpose\n`);
        this.tcpEnd('server');
        return;
      }
      const after = this.script.closeAfterMs;
      const script: ApiServerScript = path.endsWith('/redirected') ? { handshake: h, ...(after !== undefined ? { closeAfterMs: after } : {}) } : this.script;
      new Connection(this, bytes, Buffer.alloc(0), script).start(Buffer.alloc(0));
    };
    const delay = h.kind === 'accept' ? (h.delayMs ?? 0) : 0;
    if (delay > 0) this.later(delay, answer);
    else answer();
  }

  hostPort(): string {
    return `${tlsCaseOf(this.def)?.testHostName ? TEST_HOST_NAME : urlHost(this.publicHost)}:${this.port}`;
  }

  tcpEnd(by: 'browser' | 'server'): void {
    this.rec.tcpClosedBy ??= by;
    this.note(by === 'browser' ? 'the browser closed TCP' : 'the server closed TCP');
  }

  frameIn(f: DecodedFrame): void {
    this.log.frame('rx', f);
  }

  frameOut(opcode: number, payload: Buffer): Buffer {
    this.log.frame('tx', { opcode, fin: true, rsv: 0, masked: false, payload });
    return encodeFrame({ opcode, payload, mask: null });
  }

  rawOut(bytes: Buffer): void {
    this.log.octets('tx', bytes);
  }

  note(text: string): void {
    this.log.note(text);
  }

  settled(timeoutMs: number): Promise<void> {
    if (this.sockets.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.idle.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        for (const s of this.sockets) s.destroy();
        done();
      }, timeoutMs);
      this.idle.add(done);
    });
  }

  close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    this.front?.close();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Runs `fn` after `ms`, unless the server is closed first (then never). */
  later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Resolves after `ms`; never, once the server is closed (what waits on it is abandoned). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(ms, resolve));
  }
}

/**
 * Starts one listener per browser-API case, on hosts taken in turn from laneReach (127.0.0.1 …
 * 127.0.0.16, or `reach`'s own host): Firefox lets one connection per host be CONNECTING, so a
 * case whose handshake is never answered would hold up the cases on its host.
 */
export async function startApiServers(cases: readonly CaseDef[], reach: Reach = LOOPBACK, tls?: BrowserTls, o: { http2?: boolean } = {}): Promise<ApiServers> {
  const servers = new Map<string, CaseServer>();
  const start = async (def: CaseDef, script: ApiServerScript, at: Reach): Promise<CaseServer> => {
    const serving = !tls || servedPlain(def) ? null : tlsCaseOf(def)?.certificate === 'untrusted-ca' ? tls.untrusted : tls.serving;
    const s = new CaseServer(def, script, at.publicHost, serving, o.http2 === true && apiOverHttp2(def));
    await s.listen(at.listenHost);
    return s;
  };
  try {
    for (const [i, def] of cases.entries()) {
      if (def.expect.kind !== 'browser-api') continue;
      const script = def.expect.check.server;
      // The engine resolves the test host name to 127.0.0.1, not to a lane's host; a cookie case shares the page's site.
      const s = tlsCaseOf(def)?.testHostName || def.expect.check.pageHost ? await start(def, script, reach) : await listenOnLane(reach, i, (at) => start(def, script, at));
      servers.set(def.id, s);
    }
  } catch (e) {
    await Promise.all([...servers.values()].map((s) => s.close()));
    throw e;
  }
  const get = (id: string): CaseServer => {
    const s = servers.get(id);
    if (!s) throw new Error(`no browser-API server for case ${id}`);
    return s;
  };
  return {
    // A worker variant (`<id>@worker`) has a server of its own, at the path of the case it varies:
    // its expectations (the url attribute) are that case's.
    url: (id) => `${get(id).serving ? 'wss' : 'ws'}://${get(id).hostPort()}/${baseIdOf(id)}`,
    host: (id) => get(id).hostPort(),
    warmUp: (id) => (get(id).offersH2 ? `https://${get(id).hostPort()}${WARM_UP_PATH}` : undefined),
    record: (id) => get(id).rec,
    settled: (id, timeoutMs) => get(id).settled(timeoutMs),
    close: async () => {
      await Promise.all([...servers.values()].map((s) => s.close()));
    },
  };
}
