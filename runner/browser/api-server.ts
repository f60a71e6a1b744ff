/**
 * The server side of the browser-API cases: raw sockets that answer the opening handshake the way
 * a case says (correctly or not), play the case's server actions, answer the browser's close, and
 * record what crossed the wire. Every case gets its own port, because a browser lets only one
 * connection per host and port be CONNECTING at a time (RFC 6455 §4.1): a case that never answers
 * the handshake must not hold up the others.
 */
import net, { type Socket } from 'node:net';
import type { ApiHandshake, ApiServerScript } from '../../cases/browser-api-types.js';
import type { CaseDef } from '../../cases/types.js';
import { parseClosePayload } from '../wire/close.js';
import { FrameDecoder, type DecodedFrame } from '../wire/decoder.js';
import { encodeFrame, Opcode } from '../wire/frame.js';
import { buildHttpError, buildServerResponse, headerValue, newClientKey, parseHttpHead } from '../wire/handshake.js';
import { listenOnLane, LOOPBACK, urlHost, type Reach } from './reach.js';
import type { ApiWireRecord } from '../engine/verdicts/browser-api.js';

export interface ApiServers {
  /** ws://HOST:PORT/<case id> */
  url(id: string): string;
  /** HOST:PORT, as the page names it */
  host(id: string): string;
  record(id: string): ApiWireRecord;
  /** Resolves once every connection of the case has closed, or after `timeoutMs` (then they are dropped). */
  settled(id: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

const LOG_BYTES = 64;
const MAX_HEAD = 16384;
/** No connection of a case lives longer than this. */
const CONNECTION_CAP_MS = 15_000;
/** After the server ends TCP, how long the browser has to close its side. */
const LINGER_MS = 1000;

const emptyRecord = (): ApiWireRecord => ({
  connections: 0,
  httpRequest: '',
  httpResponse: '',
  requestHeaders: {},
  messages: [],
  messagesAfterClose: 0,
  closeFrames: [],
  serverClose: null,
  firstCloseBy: null,
  tcpClosedBy: null,
  wirelog: [],
  startedAt: Date.now(),
});

function renderMessage(binary: boolean, payload: Buffer): string {
  if (binary) return `binary (${payload.length} bytes)`;
  return payload.length <= 40 ? `text ${JSON.stringify(payload.toString('utf8'))}` : `text (${payload.length} bytes)`;
}

class CaseServer {
  readonly rec = emptyRecord();
  private readonly server: net.Server;
  private readonly sockets = new Set<Socket>();
  private readonly idle = new Set<() => void>();
  /** Pauses a case's script makes (a delayed answer, waits): cleared when the server closes. */
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  port = 0;

  constructor(
    readonly def: CaseDef,
    private readonly script: ApiServerScript,
    private readonly publicHost: string,
  ) {
    this.server = net.createServer((s) => this.onConnection(s));
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

  private t(): number {
    return Math.round((Date.now() - this.rec.startedAt) * 10) / 10;
  }

  private note(text: string): void {
    this.rec.wirelog.push({ t: this.t(), kind: 'note', text });
  }

  private logFrame(dir: 'rx' | 'tx', f: { opcode: number; fin: boolean; rsv: number; masked: boolean; payload: Buffer }): void {
    const cut = f.payload.subarray(0, LOG_BYTES);
    this.rec.wirelog.push({ t: this.t(), kind: 'frame', dir, opcode: f.opcode, fin: f.fin, rsv: f.rsv, masked: f.masked, length: f.payload.length, hex: cut.toString('hex'), text: cut.toString('utf8'), truncated: f.payload.length > LOG_BYTES });
  }

  private onConnection(socket: Socket): void {
    const first = this.sockets.size === 0 && this.rec.connections === 0;
    if (first) this.rec.startedAt = Date.now();
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    const cap = setTimeout(() => socket.destroy(), CONNECTION_CAP_MS);
    socket.once('close', () => {
      clearTimeout(cap);
      this.sockets.delete(socket);
      if (this.sockets.size === 0) for (const f of this.idle) f();
    });
    let head = Buffer.alloc(0);
    const onHead = (d: Buffer): void => {
      head = Buffer.concat([head, d]);
      const parsed = parseHttpHead(head, MAX_HEAD);
      if (parsed.state === 'incomplete') return;
      socket.removeListener('data', onHead);
      if (parsed.state === 'error') {
        this.note(`unreadable request: ${parsed.message}`);
        socket.destroy();
        return;
      }
      this.onRequest(socket, parsed.head, parsed.rest, first);
    };
    socket.on('data', onHead);
  }

  private onRequest(socket: Socket, head: { raw: string; startLine: string; headers: Array<[string, string]> }, rest: Buffer, first: boolean): void {
    const path = head.startLine.split(' ')[1] ?? '';
    this.rec.connections++;
    this.note(`opening request ${this.rec.connections} for ${path}`);
    if (first) {
      this.rec.httpRequest = head.raw;
      for (const [name, value] of head.headers) this.rec.requestHeaders[name.toLowerCase()] = value;
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
        const location: Array<[string, string]> = h.location ? [['Location', `http://${this.hostPort()}/${this.def.id}/redirected`]] : [];
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

  hostPort(): string {
    return `${urlHost(this.publicHost)}:${this.port}`;
  }

  tcpEnd(by: 'browser' | 'server'): void {
    this.rec.tcpClosedBy ??= by;
    this.note(by === 'browser' ? 'the browser closed TCP' : 'the server closed TCP');
  }

  frameIn(f: DecodedFrame): void {
    this.logFrame('rx', f);
  }

  frameOut(opcode: number, payload: Buffer): Buffer {
    this.logFrame('tx', { opcode, fin: true, rsv: 0, masked: false, payload });
    return encodeFrame({ opcode, payload, mask: null });
  }

  rawOut(bytes: Buffer): void {
    this.rec.wirelog.push({ t: this.t(), kind: 'octets', dir: 'tx', length: bytes.length, hex: bytes.subarray(0, LOG_BYTES).toString('hex'), truncated: bytes.length > LOG_BYTES });
  }

  noteOut(text: string): void {
    this.note(text);
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

/** One accepted connection: plays the server actions and answers the browser's frames. */
class Connection {
  private readonly decoder = new FrameDecoder({ maxPayload: 16 * 1024 * 1024 });
  private message: { binary: boolean; parts: Buffer[] } | null = null;
  private closeReceived = false;
  private closeSent = false;

  constructor(
    private readonly cs: CaseServer,
    private readonly socket: Socket,
    private readonly rest: Buffer,
    private readonly script: ApiServerScript,
  ) {}

  start(response: Buffer): void {
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.once('end', () => this.cs.tcpEnd('browser'));
    if (this.rest.length > 0) this.onData(this.rest);
    void this.play(response);
    const after = this.script.closeAfterMs;
    if (after !== undefined) {
      const timer = setTimeout(() => {
        if (this.closeSent || this.socket.destroyed) return;
        this.cs.noteOut(`the browser kept a connection it should have refused: closing it after ${after} ms`);
        this.closeSent = true;
        this.cs.rec.serverClose ??= { code: 1000, reason: '' };
        this.cs.rec.firstCloseBy ??= 'server';
        this.write(this.cs.frameOut(Opcode.close, Buffer.from([0x03, 0xe8])));
      }, after);
      this.socket.once('close', () => clearTimeout(timer));
    }
  }

  private write(bytes: Buffer): void {
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(bytes);
  }

  /** Ends TCP from the server's side, as RFC 6455 §7.1.1 asks of a server after the closing handshake. */
  private endTcp(): void {
    if (this.socket.writableEnded) return;
    this.socket.end();
    this.cs.tcpEnd('server');
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  private async play(response: Buffer): Promise<void> {
    // Frames written together (no pause between them) leave in one write, so the browser reads them at once.
    let batch: Buffer[] = [response];
    const flush = (): void => {
      if (batch.length > 0) this.write(Buffer.concat(batch));
      batch = [];
    };
    for (const a of this.script.actions ?? []) {
      if (this.socket.destroyed) return;
      switch (a.do) {
        case 'text':
          batch.push(this.cs.frameOut(Opcode.text, Buffer.from(a.data, 'utf8')));
          break;
        case 'binary':
          batch.push(this.cs.frameOut(Opcode.binary, Buffer.from(a.hex, 'hex')));
          break;
        case 'raw': {
          const bytes = Buffer.from(a.hex, 'hex');
          this.cs.rawOut(bytes);
          batch.push(bytes);
          break;
        }
        case 'close': {
          const reason = Buffer.from(a.reasonHex ?? '', 'hex');
          const payload = a.code === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.from([a.code >> 8, a.code & 0xff]), reason]);
          batch.push(this.cs.frameOut(Opcode.close, payload));
          this.cs.rec.serverClose ??= { code: a.code ?? null, reason: reason.toString('utf8') };
          this.cs.rec.firstCloseBy ??= 'server';
          this.closeSent = true;
          break;
        }
        case 'drop':
          flush();
          this.cs.noteOut('dropping TCP without a close frame');
          this.endTcp();
          return;
        case 'wait':
          flush();
          await this.cs.sleep(a.ms);
          break;
      }
    }
    flush();
  }

  private onData(d: Buffer): void {
    for (const f of this.decoder.push(d)) {
      this.cs.frameIn(f);
      this.onFrame(f);
    }
    if (this.decoder.error) {
      this.cs.noteOut(`undecodable frame from the browser: ${this.decoder.error.message}`);
      this.socket.destroy();
    }
  }

  private onFrame(f: DecodedFrame): void {
    const rec = this.cs.rec;
    if (f.opcode === Opcode.text || f.opcode === Opcode.binary || f.opcode === Opcode.continuation) {
      if (f.opcode !== Opcode.continuation) this.message = { binary: f.opcode === Opcode.binary, parts: [] };
      if (!this.message) return;
      this.message.parts.push(f.payload);
      if (f.fin) {
        if (this.closeReceived) rec.messagesAfterClose++;
        else rec.messages.push(renderMessage(this.message.binary, Buffer.concat(this.message.parts)));
        this.message = null;
      }
      return;
    }
    if (f.opcode === Opcode.ping) {
      if (!this.closeSent) this.write(this.cs.frameOut(Opcode.pong, f.payload));
      return;
    }
    if (f.opcode !== Opcode.close) return;
    const parsed = parseClosePayload(f.payload);
    rec.firstCloseBy ??= 'browser';
    rec.closeFrames.push({ code: parsed.code, reason: parsed.reason?.toString('utf8') ?? '', ...(parsed.problem ? { problem: parsed.problem } : {}) });
    if (this.closeReceived) return;
    this.closeReceived = true;
    if (this.closeSent) {
      this.endTcp();
      return;
    }
    void this.answerClose(parsed.problem ? Buffer.alloc(0) : f.payload);
  }

  /** Echoes a valid close payload (an empty body otherwise), then ends TCP. */
  private async answerClose(payload: Buffer): Promise<void> {
    const o = this.script.onClose ?? {};
    if (o.textFirst !== undefined) this.write(this.cs.frameOut(Opcode.text, Buffer.from(o.textFirst, 'utf8')));
    if (o.delayMs) await this.cs.sleep(o.delayMs);
    this.closeSent = true;
    this.cs.rec.serverClose ??= parseClosePayload(payload).code === null ? { code: null, reason: '' } : { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString('utf8') };
    this.write(this.cs.frameOut(Opcode.close, payload));
    this.endTcp();
  }
}

/**
 * Starts one listener per browser-API case, on hosts taken in turn from laneReach (127.0.0.1 …
 * 127.0.0.16, or `reach`'s own host): Firefox lets one connection per host be CONNECTING, so a
 * case whose handshake is never answered would hold up the cases on its host.
 */
export async function startApiServers(cases: readonly CaseDef[], reach: Reach = LOOPBACK): Promise<ApiServers> {
  const servers = new Map<string, CaseServer>();
  const start = async (def: CaseDef, script: ApiServerScript, at: Reach): Promise<CaseServer> => {
    const s = new CaseServer(def, script, at.publicHost);
    await s.listen(at.listenHost);
    return s;
  };
  try {
    for (const [i, def] of cases.entries()) {
      if (def.expect.kind !== 'browser-api') continue;
      const script = def.expect.check.server;
      const s = await listenOnLane(reach, i, (at) => start(def, script, at));
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
    url: (id) => `ws://${get(id).hostPort()}/${id}`,
    host: (id) => get(id).hostPort(),
    record: (id) => get(id).rec,
    settled: (id, timeoutMs) => get(id).settled(timeoutMs),
    close: async () => {
      await Promise.all([...servers.values()].map((s) => s.close()));
    },
  };
}
