/**
 * Testing a client: the harness is the fuzzing server (Autobahn's "fuzzingserver" mode). The client
 * under test drives the run over Autobahn's URL protocol (reference §5): it asks for the case count,
 * opens /runCase?case=N&agent=A for each case, echoes what it receives, then opens /updateReports.
 * The HTTP upgrade is read and answered by hand over raw sockets, so every byte is in the transcript.
 *
 * Autobahn's "direct command" mode (any other path, driven by JSON commands) is not supported:
 * unknown paths get 404.
 */
import net, { type Socket } from 'node:net';
import type { CaseDef } from '../../cases/types.js';
import { caseResult } from '../engine/case-result.js';
import type { CaseResult } from '../engine/results.js';
import { Session, type MessageCompressor } from '../engine/session.js';
import { type SessionOptions } from '../engine/defaults.js';
import { emptyTranscript } from '../engine/transcript.js';
import { FrameDecoder } from '../wire/decoder.js';
import { encodeFrame, Opcode } from '../wire/frame.js';
import { bentResponseText, bentServerResponse } from './handshake-responses.js';
import { buildHttpError, buildServerResponse, headerTokens, headerValues, parseClientRequest, parseHttpHead, type HttpHead } from '../wire/handshake.js';
import { negotiateAsServer } from '../wire/deflate/per-case.js';

export interface ClientRunOptions {
  /** Interface to bind; 127.0.0.1 by default. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** The selected cases in catalogue order; runCase's N is the index + 1. */
  cases: readonly CaseDef[];
  session: SessionOptions;
  /** Bound on receiving a complete HTTP request after TCP accept. */
  openHandshakeTimeoutMs: number;
  /** Cases excluded for an agent (Autobahn's exclude-agent-cases): the connection is closed at once, no result. */
  skip?: (agent: string, id: string) => boolean;
  /** Called when a client opens /runCase for a case it may run (N is runCase's number). */
  onCaseStart?: (agent: string, n: number) => void;
  /** Called for every result, including a later run of the same (agent, case) that replaces an earlier one. */
  onResult?: (r: CaseResult) => void;
  /** Called on /updateReports; the client's connection is closed once a returned promise settles. */
  onUpdateReports?: (agent: string) => void | Promise<void>;
  /** Protocol errors, refused connections, timeouts and run milestones, one line each. */
  log?: (line: string) => void;
  /** Connections open at once (handshakes, cases, status waits); more get 503. Default 256. */
  maxConnections?: number;
}

export type StopReason = 'stopServer' | 'shutdownOnComplete';

export interface FuzzingServer {
  url: string;
  port: number;
  /** The latest result per (agent, case), agents in the order they first ran a case, cases by N. */
  results(): CaseResult[];
  /** Agents that ran at least one case, in order of appearance. */
  agents(): string[];
  /**
   * Resolves when every agent that ran a case has called /updateReports (after its cases ended),
   * when a client asks the server to stop (see stopReason), or when the server is closed.
   */
  allAgentsDone(): Promise<void>;
  /**
   * Resolves once `n` distinct agents have called /updateReports (each after its cases ended), or
   * when the server is asked to stop or closed: for several clients run one after another.
   */
  agentsReported(n: number): Promise<void>;
  /** Resolves only when a client asks the server to stop (see stopReason) or the server is closed. */
  stopped(): Promise<void>;
  /** Set once a client opened /stopServer or /updateReports?shutdownOnComplete=true. */
  stopReason(): StopReason | null;
  /** Open connections and the time of the last accepted connection (epoch ms), to spot an idle client. */
  activity(): { connections: number; lastConnectionAt: number };
  /**
   * Accepts the same protocol on one more address (a free port on `host`), sharing every case and
   * result with the first. Browsers let only one connection per host (Firefox) or per host and port
   * (Chromium) be CONNECTING at a time, so a page running cases side by side needs several.
   */
  listenAlso(host: string): Promise<{ host: string; port: number }>;
  /** Stops listening and drops every connection; cases cut short this way leave no result. */
  close(): Promise<void>;
}

/** What a client asked for, from the request target of its upgrade request. */
export type FuzzingRequest =
  | { kind: 'runCase'; n: number; agent: string }
  | { kind: 'getCaseCount' }
  | { kind: 'getCaseInfo'; n: number }
  | { kind: 'getCaseStatus'; n: number; agent: string }
  | { kind: 'updateReports'; agent: string; shutdownOnComplete: boolean }
  | { kind: 'stopServer' };

export type FuzzingRequestParse = { ok: true; request: FuzzingRequest } | { ok: false; status: 404 | 500; message: string };

export const PROTOCOL_PATHS = ['/getCaseCount', '/runCase', '/getCaseInfo', '/getCaseStatus', '/updateReports', '/stopServer'] as const;

const DEFAULT_MAX_CONNECTIONS = 256;
const MAX_HEAD_BYTES = 16384;
/** How long a refused or finished connection may linger before it is destroyed. */
const LINGER_MS = 1000;

/**
 * Reads the request target the way Autobahn's server does (parse_qs: blank values count as absent,
 * a repeated parameter is an error; `case` wins over `casetuple`; a given case must be in range).
 * Parameter errors are 500, as Autobahn refuses them; unknown paths are 404.
 */
export function parseFuzzingRequest(target: string, cases: readonly CaseDef[]): FuzzingRequestParse {
  let url: URL;
  try {
    url = new URL(target, 'http://fuzzingserver.invalid');
  } catch {
    return { ok: false, status: 500, message: `cannot parse the request target ${JSON.stringify(target.slice(0, 200))}` };
  }
  const path = url.pathname;
  if (!(PROTOCOL_PATHS as readonly string[]).includes(path)) {
    return { ok: false, status: 404, message: `unknown path ${JSON.stringify(path.slice(0, 200))}: this server speaks ${PROTOCOL_PATHS.join(', ')} (Autobahn's direct command mode is not supported)` };
  }
  const fail = (message: string): FuzzingRequestParse => ({ ok: false, status: 500, message: `${path}: ${message}` });
  const single = (name: string): string | null | Error => {
    const values = url.searchParams.getAll(name).filter((v) => v.length > 0);
    if (values.length > 1) return new Error(`the ${name} parameter is given ${values.length} times`);
    return values[0] ?? null;
  };
  const agent = single('agent');
  const tuple = single('casetuple');
  const caseParam = single('case');
  const shutdown = single('shutdownOnComplete');
  for (const p of [agent, tuple, caseParam, shutdown]) if (p instanceof Error) return fail(p.message);
  let n: number | null = null;
  if (typeof tuple === 'string') {
    const i = cases.findIndex((c) => c.id === tuple.trim());
    if (i < 0) return fail(`casetuple ${JSON.stringify(tuple.slice(0, 40))} is not among the ${cases.length} selected cases`);
    n = i + 1;
  }
  if (typeof caseParam === 'string') {
    if (!/^\s*[+-]?\d{1,15}\s*$/.test(caseParam)) return fail(`case ${JSON.stringify(caseParam.slice(0, 40))} is not a number`);
    n = Number(caseParam);
  }
  if (n !== null && (n < 1 || n > cases.length)) return fail(`case ${n} is out of range: the selection has cases 1..${cases.length}`);
  const agentName = typeof agent === 'string' ? agent : null;
  const needCase = (): FuzzingRequestParse | null => (n === null ? fail('needs a case parameter (case=N, 1-based, or casetuple=1.2.3)') : null);
  const needAgent = (): FuzzingRequestParse | null => (agentName === null ? fail('needs an agent parameter (agent=NAME)') : null);
  switch (path) {
    case '/getCaseCount':
      return { ok: true, request: { kind: 'getCaseCount' } };
    case '/stopServer':
      return { ok: true, request: { kind: 'stopServer' } };
    case '/getCaseInfo':
      return needCase() ?? { ok: true, request: { kind: 'getCaseInfo', n: n! } };
    case '/runCase':
      return needCase() ?? needAgent() ?? { ok: true, request: { kind: 'runCase', n: n!, agent: agentName! } };
    case '/getCaseStatus':
      return needCase() ?? needAgent() ?? { ok: true, request: { kind: 'getCaseStatus', n: n!, agent: agentName! } };
    default: {
      const on = typeof shutdown === 'string' && ['true', 'yes'].includes(shutdown.toLowerCase());
      return needAgent() ?? { ok: true, request: { kind: 'updateReports', agent: agentName!, shutdownOnComplete: on } };
    }
  }
}

/** Autobahn's getCaseInfo description: the text before the first '<', whitespace collapsed. */
export function caseInfoDescription(def: CaseDef): string {
  return (def.description.split('<')[0] ?? '').split(/\s+/).filter((w) => w.length > 0).join(' ');
}

export async function startFuzzingServer(o: ClientRunOptions): Promise<FuzzingServer> {
  const s = new FuzzingServerImpl(o);
  await s.listen();
  return s;
}

type Key = string;
const keyOf = (agent: string, id: string): Key => `${agent}\u0000${id}`;

class FuzzingServerImpl implements FuzzingServer {
  url = '';
  port = 0;
  private readonly o: ClientRunOptions;
  /** The first listener, then those added by listenAlso. */
  private readonly servers: net.Server[] = [];
  private readonly maxConnections: number;
  private readonly sockets = new Set<Socket>();
  private readonly stored = new Map<Key, CaseResult>();
  private readonly agentOrder: string[] = [];
  private readonly statusWaiters = new Map<Key, Set<(r: CaseResult) => void>>();
  private readonly running = new Map<string, Set<Promise<void>>>();
  /** Agents that ran a case and have not called /updateReports since. */
  private readonly pendingAgents = new Set<string>();
  private refused = 0;
  private lastConnectionAt = Date.now();
  private closing = false;
  private serverClosed: Promise<void> | null = null;
  private stop: StopReason | null = null;
  private resolveDone!: () => void;
  private readonly done: Promise<void>;
  /** Agents that have called /updateReports, and who waits for how many of them. */
  private readonly reported = new Set<string>();
  private readonly reportWaiters = new Set<{ n: number; resolve: () => void }>();
  private resolveStopped!: () => void;
  private readonly stoppedAt: Promise<void>;

  constructor(o: ClientRunOptions) {
    this.o = o;
    this.maxConnections = o.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.stoppedAt = new Promise((resolve) => (this.resolveStopped = resolve));
  }

  async listen(): Promise<void> {
    const host = this.o.host ?? '127.0.0.1';
    this.port = await this.addListener(host, this.o.port);
    this.url = `ws://${net.isIPv6(host) ? `[${host}]` : host}:${this.port}`;
  }

  async listenAlso(host: string): Promise<{ host: string; port: number }> {
    if (this.closing) throw new Error('the fuzzing server is closed');
    return { host, port: await this.addListener(host, 0) };
  }

  private addListener(host: string, port: number): Promise<number> {
    const server = net.createServer((socket) => this.onConnection(socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.removeListener('error', reject);
        if (this.closing) {
          server.close();
          reject(new Error('the fuzzing server is closed'));
          return;
        }
        server.on('error', (e) => this.log(`server error: ${e.message}`));
        this.servers.push(server);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  results(): CaseResult[] {
    const rank = new Map(this.agentOrder.map((a, i) => [a, i]));
    return [...this.stored.values()].sort((a, b) => (rank.get(a.agent) ?? 0) - (rank.get(b.agent) ?? 0) || a.caseIndex - b.caseIndex);
  }

  agents(): string[] {
    return [...this.agentOrder];
  }

  allAgentsDone(): Promise<void> {
    return this.done;
  }

  agentsReported(n: number): Promise<void> {
    if (this.reported.size >= n) return Promise.resolve();
    const counted = new Promise<void>((resolve) => this.reportWaiters.add({ n, resolve }));
    return Promise.race([counted, this.stoppedAt]);
  }

  stopped(): Promise<void> {
    return this.stoppedAt;
  }

  stopReason(): StopReason | null {
    return this.stop;
  }

  activity(): { connections: number; lastConnectionAt: number } {
    return { connections: this.sockets.size, lastConnectionAt: this.lastConnectionAt };
  }

  async close(): Promise<void> {
    if (!this.serverClosed) {
      this.closing = true;
      this.serverClosed = Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))).then(() => undefined);
      for (const socket of this.sockets) socket.destroy();
    }
    const cases = [...this.running.values()].flatMap((set) => [...set]);
    await Promise.all([...cases, this.serverClosed]);
    this.resolveDone();
    this.resolveStopped();
  }

  // ---- connections and the HTTP head --------------------------------------------------------

  private onConnection(socket: Socket): void {
    socket.on('error', () => undefined);
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.sockets.size >= this.maxConnections) {
      this.refused++;
      // One line per order of magnitude, so that a flood cannot flood the log too.
      if (Number.isInteger(Math.log10(this.refused))) this.log(`refused ${this.refused} connection(s) with 503: more than ${this.maxConnections} open at once`);
      this.answer(socket, 503, 'Service Unavailable', `too many connections (limit ${this.maxConnections}); try again later\n`, [['Retry-After', '1']]);
      return;
    }
    this.lastConnectionAt = Date.now();
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    this.readHead(socket);
  }

  /** Reads the HTTP head within the size and time bounds, then routes it. */
  private readHead(socket: Socket): void {
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    let buf: Buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (): void => {
      settled = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.pause();
    };
    const timer = setTimeout(() => {
      if (settled) return;
      finish();
      this.log(`${peer}: ${buf.length === 0 ? 'sent nothing' : `sent an incomplete HTTP request (${buf.length} bytes)`} within ${this.o.openHandshakeTimeoutMs} ms: 408, connection closed`);
      this.answer(socket, 408, 'Request Timeout', `no complete HTTP request within ${this.o.openHandshakeTimeoutMs} ms\n`);
    }, this.o.openHandshakeTimeoutMs);
    const onData = (d: Buffer): void => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      const garbage = notHttp(buf);
      if (garbage) {
        finish();
        this.log(`${peer}: ${garbage}: 400, connection closed`);
        this.answer(socket, 400, 'Bad Request', `${garbage}\n`);
        return;
      }
      // A head ends with a line feed: a client that trickles bytes costs no parse per byte.
      if (!d.includes(0x0a) && buf.length < MAX_HEAD_BYTES) return;
      const parsed = parseHttpHead(buf, MAX_HEAD_BYTES);
      if (parsed.state === 'incomplete') return;
      finish();
      if (parsed.state === 'error') {
        this.log(`${peer}: bad HTTP request (${parsed.message}): 400, connection closed`);
        this.answer(socket, 400, 'Bad Request', `${parsed.message}\n`);
        return;
      }
      this.onRequest(socket, peer, parsed.head, parsed.rest, Date.now());
    };
    socket.on('data', onData);
    socket.once('close', () => {
      if (!settled) finish();
    });
  }

  /** Answers with a plain HTTP response and closes; the socket is destroyed if the peer does not close first. */
  private answer(socket: Socket, status: number, reason: string, body: string, headers: Array<[string, string]> = []): void {
    socket.removeAllListeners('data');
    socket.resume();
    if (!socket.destroyed) socket.end(buildHttpError(status, reason, body, headers));
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  }

  private onRequest(socket: Socket, peer: string, head: HttpHead, rest: Buffer, startedAt: number): void {
    if (!headerTokens(head.headers, 'Upgrade').includes('websocket')) {
      this.servePlainHttp(socket, peer, head);
      return;
    }
    const req = parseClientRequest(head);
    if (req.problems.length > 0) {
      const wrongVersion = req.version !== '13' && req.version !== undefined;
      this.log(`${peer}: refused the WebSocket handshake for ${req.path.slice(0, 200)}: ${req.problems.join('; ')}`);
      this.answer(socket, wrongVersion ? 426 : 400, wrongVersion ? 'Upgrade Required' : 'Bad Request', `${req.problems.join('\n')}\n`, wrongVersion ? [['Sec-WebSocket-Version', '13']] : []);
      return;
    }
    const route = parseFuzzingRequest(req.path, this.o.cases);
    if (!route.ok) {
      this.log(`${peer}: ${route.status} for ${req.path.slice(0, 200)}: ${route.message}`);
      this.answer(socket, route.status, route.status === 404 ? 'Not Found' : 'Internal Server Error', `wsconform fuzzing server: ${route.message}\n`);
      return;
    }
    // No subprotocol is chosen, as in Autobahn's fuzzing server.
    const r = route.request;
    if (r.kind === 'runCase') {
      this.runCase(socket, peer, r.n, r.agent, { request: head.raw, key: req.key!, extensionOffers: headerValues(head.headers, 'Sec-WebSocket-Extensions'), startedAt, rest });
      return;
    }
    const response = buildServerResponse({ key: req.key! });
    socket.write(response);
    switch (r.kind) {
      case 'getCaseCount':
        this.control(socket, rest).reply(JSON.stringify(this.o.cases.length));
        break;
      case 'getCaseInfo': {
        const def = this.o.cases[r.n - 1]!;
        this.control(socket, rest).reply(JSON.stringify({ id: def.id, description: caseInfoDescription(def) }));
        break;
      }
      case 'getCaseStatus':
        this.caseStatus(socket, rest, r.agent, this.o.cases[r.n - 1]!.id);
        break;
      case 'updateReports':
        this.updateReports(socket, rest, r.agent, r.shutdownOnComplete);
        break;
      case 'stopServer':
        this.log(`${peer}: /stopServer: stop requested`);
        this.control(socket, rest).reply(null);
        this.requestStop('stopServer');
        break;
    }
  }

  /** Requests without an Upgrade header: a short page on /, 426 on protocol paths, 404 elsewhere. */
  private servePlainHttp(socket: Socket, peer: string, head: HttpHead): void {
    const [method = '', target = ''] = head.startLine.split(' ');
    const path = target.split('?')[0] ?? '';
    if (path === '/' && (method === 'GET' || method === 'HEAD')) {
      const body = [
        'wsconform fuzzing server (Autobahn|Testsuite URL protocol)',
        '',
        `Cases selected: ${this.o.cases.length}. Connect with WebSocket to:`,
        '  /getCaseCount                      the number of cases',
        '  /runCase?case=N&agent=NAME         run case N (1-based), or casetuple=1.2.3 instead of case',
        '  /getCaseInfo?case=N                {"id", "description"} of case N',
        '  /getCaseStatus?case=N&agent=NAME   {"behavior"} once case N has a result for NAME',
        '  /updateReports?agent=NAME          write the reports (shutdownOnComplete=true stops the server)',
        '  /stopServer                        stop the server',
        '',
      ].join('\n');
      this.answer(socket, 200, 'OK', method === 'HEAD' ? '' : body);
      return;
    }
    const known = (PROTOCOL_PATHS as readonly string[]).includes(path);
    this.log(`${peer}: plain HTTP ${method} ${path.slice(0, 200)} without a WebSocket upgrade: ${known ? 426 : 404}`);
    if (known) this.answer(socket, 426, 'Upgrade Required', `${path} is a WebSocket endpoint\n`, [['Upgrade', 'websocket']]);
    else this.answer(socket, 404, 'Not Found', `unknown path ${path.slice(0, 200)}\n`);
  }

  // ---- the URL protocol ---------------------------------------------------------------------

  private runCase(socket: Socket, peer: string, n: number, agent: string, hs: { request: string; key: string; extensionOffers: string[]; startedAt: number; rest: Buffer }): void {
    const def = this.o.cases[n - 1]!;
    if (this.o.skip?.(agent, def.id)) {
      this.log(`${peer}: case ${def.id} is excluded for agent ${JSON.stringify(agent)}: closed at once, no result`);
      socket.write(buildServerResponse({ key: hs.key }));
      this.control(socket, hs.rest).reply(null);
      return;
    }
    if (!this.agentOrder.includes(agent)) this.agentOrder.push(agent);
    this.pendingAgents.add(agent);
    try {
      this.o.onCaseStart?.(agent, n);
    } catch (e) {
      this.log(`onCaseStart failed for ${agent} ${def.id}: ${e instanceof Error ? e.message : String(e)}`);
    }
    // A case of sections 12/13 answers the client's permessage-deflate offers by its accept rule (a
    // client that offers nothing acceptable gets a 101 without it: UNIMPLEMENTED); a handshake.client.*
    // case may bend the response; every other case gets a correct 101.
    const deflate = negotiateAsServer(def, hs.extensionOffers);
    const pieces = deflate ? buildServerResponse({ key: hs.key, extensions: [deflate.responseExtension] }) : bentServerResponse(def, hs.key);
    const compressor: MessageCompressor | null = deflate?.compressor ?? null;
    const t = emptyTranscript('server', hs.startedAt);
    t.httpRequest = hs.request;
    t.httpResponse = typeof pieces === 'string' ? pieces : bentResponseText(def, hs.key);
    const task = writePieces(socket, pieces)
      .then(() => {
        t.openedAtMs = Date.now() - hs.startedAt;
        return new Session(socket, def, t, this.o.session, compressor).run(hs.rest);
      })
      .then((transcript) => {
        // A case cut short by close() says nothing about the client; one the harness had already
        // ended (TCP closed by either side, the client's end still awaited) is complete.
        if (this.closing && transcript.tcpEnd === 'unknown') return;
        const r = caseResult(def, transcript, agent, n);
        this.store(r);
      })
      .catch((e: unknown) => this.log(`harness error in case ${def.id} for ${JSON.stringify(agent)}: ${e instanceof Error ? e.message : String(e)}`));
    let set = this.running.get(agent);
    if (!set) this.running.set(agent, (set = new Set()));
    set.add(task);
    void task.finally(() => set.delete(task));
  }

  private store(r: CaseResult): void {
    const key = keyOf(r.agent, r.id);
    this.stored.delete(key);
    this.stored.set(key, r);
    try {
      this.o.onResult?.(r);
    } catch (e) {
      this.log(`onResult failed for ${r.agent} ${r.id}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const waiters = this.statusWaiters.get(key);
    if (waiters) {
      this.statusWaiters.delete(key);
      for (const w of waiters) w(r);
    }
  }

  private caseStatus(socket: Socket, rest: Buffer, agent: string, id: string): void {
    const channel = this.control(socket, rest);
    const send = (r: CaseResult): void => channel.reply(JSON.stringify({ behavior: r.behavior }));
    const known = this.stored.get(keyOf(agent, id));
    if (known) {
      send(known);
      return;
    }
    // Autobahn waits for the result as long as the client keeps the connection open.
    const key = keyOf(agent, id);
    let set = this.statusWaiters.get(key);
    if (!set) this.statusWaiters.set(key, (set = new Set()));
    set.add(send);
    socket.once('close', () => set.delete(send));
  }

  private updateReports(socket: Socket, rest: Buffer, agent: string, shutdownOnComplete: boolean): void {
    const channel = this.control(socket, rest);
    // The client's last case may still be ending on our side (its TCP close crosses this request).
    const inFlight = [...(this.running.get(agent) ?? [])];
    void Promise.all(inFlight)
      .then(async () => {
        this.pendingAgents.delete(agent);
        try {
          await this.o.onUpdateReports?.(agent);
        } catch (e) {
          this.log(`updating the reports for ${JSON.stringify(agent)} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
        this.log(`reports updated for agent ${JSON.stringify(agent)} (${this.resultCount(agent)} results)`);
        channel.reply(null);
        this.reported.add(agent);
        for (const w of this.reportWaiters) {
          if (this.reported.size < w.n) continue;
          this.reportWaiters.delete(w);
          w.resolve();
        }
        if (shutdownOnComplete) this.requestStop('shutdownOnComplete');
        else if (this.pendingAgents.size === 0) this.resolveDone();
      });
  }

  private resultCount(agent: string): number {
    let n = 0;
    for (const r of this.stored.values()) if (r.agent === agent) n++;
    return n;
  }

  private requestStop(reason: StopReason): void {
    this.stop ??= reason;
    this.resolveDone();
    this.resolveStopped();
  }

  private control(socket: Socket, rest: Buffer): ControlChannel {
    return new ControlChannel(socket, rest, this.o.session.closeHandshakeTimeoutMs);
  }

  private log(line: string): void {
    try {
      this.o.log?.(line);
    } catch {
      // A failing logger must not take the server down.
    }
  }
}

/** A first look at the bytes: a reason when they cannot be the start of an HTTP request. */
function notHttp(buf: Buffer): string | null {
  const first = buf[0];
  if (first === 0x16) return 'a TLS handshake arrived, but this server speaks plain ws:// only';
  if (first !== undefined && (first < 0x41 || first > 0x5a)) return `not an HTTP request (first byte 0x${first.toString(16).padStart(2, '0')})`;
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return buf.length > 8192 ? 'HTTP request line longer than 8192 bytes' : null;
  const line = buf.subarray(0, eol).toString('latin1');
  if (!/^[A-Z]+ \S+ HTTP\/\d\.\d$/.test(line)) return `malformed HTTP request line ${JSON.stringify(line.slice(0, 80))}`;
  return null;
}

/**
 * A connection that carries a reply and a close rather than a case (getCaseCount, getCaseInfo,
 * getCaseStatus, updateReports, stopServer, skipped cases). Pings are answered; anything else the
 * client sends is ignored until its close frame. As a server, we drop TCP after the closing handshake.
 */
class ControlChannel {
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder({ maxPayload: 65536 });
  private readonly closeTimeoutMs: number;
  private closeSent = false;

  constructor(socket: Socket, leftover: Buffer, closeTimeoutMs: number) {
    this.socket = socket;
    this.closeTimeoutMs = closeTimeoutMs;
    socket.on('data', (d: Buffer) => this.onData(d));
    if (leftover.length > 0) this.onData(leftover);
    socket.resume();
  }

  /** Sends `text` (when not null) as one text message, then a close frame without a status code. */
  reply(text: string | null): void {
    if (this.closeSent || this.socket.destroyed) return;
    if (text !== null) this.write(Opcode.text, Buffer.from(text, 'utf8'));
    this.write(Opcode.close, Buffer.alloc(0));
    this.closeSent = true;
    setTimeout(() => this.socket.destroy(), this.closeTimeoutMs).unref();
  }

  private onData(d: Buffer): void {
    for (const f of this.decoder.push(d)) {
      if (f.opcode === Opcode.ping && !this.closeSent) this.write(Opcode.pong, f.payload);
      if (f.opcode === Opcode.close) {
        if (!this.closeSent) {
          this.write(Opcode.close, f.payload.length >= 2 ? Buffer.from([0x03, 0xe8]) : Buffer.alloc(0));
          this.closeSent = true;
        }
        this.socket.end();
        setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
        return;
      }
    }
    if (this.decoder.error) this.socket.destroy();
  }

  private write(opcode: number, payload: Buffer): void {
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(encodeFrame({ opcode, payload, mask: null }));
  }
}

/** Writes a (possibly split) handshake response: each piece its own write, with a turn of the event loop between. */
async function writePieces(socket: Socket, pieces: string | Buffer[]): Promise<void> {
  if (typeof pieces === 'string') {
    socket.write(pieces);
    return;
  }
  for (const piece of pieces) {
    if (socket.destroyed) return;
    socket.write(piece);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
