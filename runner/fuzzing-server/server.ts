/**
 * Testing a client: the harness is the fuzzing server (Autobahn's "fuzzingserver" mode). The client
 * under test, the target, drives the run over Autobahn's URL protocol (reference §5, protocol.ts):
 * it asks for the case count, opens /runCase?case=N&agent=A for each case, echoes what it receives,
 * then opens /updateReports. The HTTP upgrade is read and answered by hand (intake.ts), so every
 * byte is in the transcript (case-connection.ts); the other paths get a reply and a close
 * (control-channel.ts); results and who waits for them live in result-store.ts. For the second look
 * at a client run as a command (second-look.ts) the server can offer only some of its cases again.
 *
 * With `tls`, the same runs over TLS (wss://): tls-listener.ts handshakes and hands on a TLSSocket,
 * a byte stream like the plain one, and keeps what each TLS handshake did (the tls.* cases and the
 * reports read it).
 *
 * With `http2`, HTTP/2 connections (ALPN h2, or the h2c preface: h2-listener.ts) go to node:http2, and
 * each extended CONNECT stream (h2-intake.ts) is an upgrade played on the stream (h2-case-connection.ts).
 *
 * Autobahn's "direct command" mode (any other path, driven by JSON commands) is not supported:
 * unknown paths get 404.
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import net, { type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { CaseDef } from '../../cases/types.js';
import { caseResult } from '../engine/case-result.js';
import type { CaseResult } from '../engine/results.js';
import { buildServerResponse } from '../wire/handshake.js';
import { certificateInfo } from '../tls/certs.js';
import type { ByteStream } from '../engine/session-io.js';
import { playCase } from './case-connection.js';
import { ControlChannel } from './control-channel.js';
import { acceptStream, inapplicableOverH2, notJudgedOverH2, playCaseH2 } from './h2-case-connection.js';
import { h2Intake, type H2Upgrade } from './h2-intake.js';
import { H2Front, sniffPreface, type H2ConnectionSeen, type H2StreamOrigin } from './h2-listener.js';
import { H2StreamBytes } from './h2-stream.js';
import { intake, refuse, type Upgrade } from './intake.js';
import { caseInfoDescription } from './protocol.js';
import { ResultStore, type StopReason } from './result-store.js';
import { createTlsListener, TlsLog, type TlsConnection, type TlsTransport } from './tls-listener.js';

export { caseInfoDescription, parseFuzzingRequest, PROTOCOL_PATHS, type FuzzingRequest, type FuzzingRequestParse } from './protocol.js';
export type { StopReason } from './result-store.js';
export type { TlsConnection, TlsServing, TlsTransport } from './tls-listener.js';
export type { H2ConnectionSeen, H2Serving, WireProtocol } from './h2-listener.js';

export type { CaseSighting, ClientRunOptions, FuzzingServer } from './types.js';
import type { CaseSighting, ClientRunOptions, FuzzingServer } from './types.js';

const DEFAULT_MAX_CONNECTIONS = 256;

export async function startFuzzingServer(o: ClientRunOptions): Promise<FuzzingServer> {
  const s = new FuzzingServerImpl(o);
  await s.listen();
  return s;
}

class FuzzingServerImpl implements FuzzingServer {
  url = '';
  port = 0;
  private readonly o: ClientRunOptions;
  /** The first listener, then those added by listenAlso. */
  private readonly servers: net.Server[] = [];
  private readonly maxConnections: number;
  private readonly sockets = new Set<Socket>();
  private readonly store: ResultStore;
  /** The cases offered, 1..N: the selection, or the suspects of the second look. */
  private offered: readonly CaseDef[];
  private readonly sightings = new Map<string, CaseSighting>();
  private replay: { caseIndex: number[]; first: Map<string, CaseResult>; settle: (second: CaseResult, first: CaseResult) => CaseResult } | null = null;
  private refused = 0;
  private lastConnectionAt = Date.now();
  private closing = false;
  private serverClosed: Promise<void> | null = null;
  private readonly tlsLog = new TlsLog();
  private upgradeCount = 0;
  private readonly transports = new Map<string, TlsTransport>();
  private readonly certificate: TlsTransport['certificate'] | null;
  private readonly h2: H2Front | null;

  constructor(o: ClientRunOptions) {
    this.o = o;
    this.maxConnections = o.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.h2 = o.http2
      ? new H2Front(o.http2, { maxStreams: this.maxConnections, log: (line) => this.log(line), onStream: (stream, headers, origin) => this.onH2Stream(stream, headers, origin) })
      : null;
    this.offered = o.cases;
    this.certificate = o.tls ? certificateInfo(o.tls.cert) : null;
    this.store = new ResultStore((r) => {
      try {
        this.o.onResult?.(r);
      } catch (e) {
        this.log(`onResult failed for ${r.agent} ${r.id}: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  }

  async listen(): Promise<void> {
    const host = this.o.host ?? '127.0.0.1';
    this.port = await this.addListener(host, this.o.port);
    const urlHost = this.o.urlHost ?? host;
    this.url = `${this.o.tls ? 'wss' : 'ws'}://${net.isIPv6(urlHost) ? `[${urlHost}]` : urlHost}:${this.port}`;
  }

  async listenAlso(host: string): Promise<{ host: string; port: number }> {
    if (this.closing) throw new Error('the fuzzing server is closed');
    return { host, port: await this.addListener(host, 0) };
  }

  private addListener(host: string, port: number): Promise<number> {
    const server = this.o.tls
      ? createTlsListener(
          this.o.tls,
          {
            handshakeTimeoutMs: this.o.openHandshakeTimeoutMs,
            log: (line) => this.log(line),
            record: this.tlsLog,
            onConnect: () => (this.lastConnectionAt = Date.now()),
            ...(this.h2 ? { alpn: ['h2', 'http/1.1'] } : {}),
          },
          (socket) => (this.h2 && socket.alpnProtocol === 'h2' ? this.onH2Connection(socket, 'h2') : this.onConnection(socket)),
        )
      : net.createServer((socket) => (this.h2 ? void this.sniff(socket) : this.onConnection(socket)));
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
    return this.store.results();
  }

  agents(): string[] {
    return this.store.agents();
  }

  allAgentsDone(): Promise<void> {
    return this.store.done;
  }

  agentsReported(n: number): Promise<void> {
    return this.store.agentsReported(n);
  }

  stopped(): Promise<void> {
    return this.store.stopped;
  }

  stopReason(): StopReason | null {
    return this.store.stopReason();
  }

  async idle(): Promise<void> {
    await Promise.all(this.store.inFlight());
  }

  sighting(agent: string, id: string): CaseSighting | undefined {
    return this.sightings.get(`${agent}\u0000${id}`);
  }

  playAgain(suspects: readonly CaseResult[], settle: (second: CaseResult, first: CaseResult) => CaseResult): void {
    const byId = new Map<string, CaseDef>(this.o.cases.map((c) => [c.id, c]));
    const offered: CaseDef[] = [];
    const caseIndex: number[] = [];
    for (const r of [...suspects].sort((a, b) => a.caseIndex - b.caseIndex)) {
      const def = byId.get(r.id);
      if (!def || offered.includes(def)) continue;
      offered.push(def);
      caseIndex.push(r.caseIndex);
    }
    this.offered = offered;
    this.replay = { caseIndex, first: new Map(suspects.map((r) => [`${r.agent}\u0000${r.id}`, r])), settle };
    this.store.newRound();
    this.log(`second look: offering only ${offered.length} case(s) played beside others with a timer verdict: ${offered.map((c) => c.id).join(', ')}`);
  }

  amend(r: CaseResult): void {
    this.store.store(r);
  }

  upgrades(): number {
    return this.upgradeCount;
  }

  h2Connections(): H2ConnectionSeen[] {
    return this.h2?.connections() ?? [];
  }
  tlsConnections(): TlsConnection[] {
    return [...this.tlsLog.connections];
  }

  transportOf(agent: string): TlsTransport | undefined {
    return this.transports.get(agent);
  }

  activity(): { connections: number; lastConnectionAt: number } {
    // An HTTP/2 connection counts by its open streams: one kept open idle by a client that is done is not activity.
    return { connections: this.sockets.size + (this.h2?.streamsBeyondConnections() ?? 0), lastConnectionAt: Math.max(this.lastConnectionAt, this.h2?.lastStreamAt ?? 0) };
  }

  async close(): Promise<void> {
    if (!this.serverClosed) {
      this.closing = true;
      this.serverClosed = Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))).then(() => undefined);
      this.h2?.close();
      for (const socket of this.sockets) socket.destroy();
    }
    await Promise.all([...this.store.inFlight(), this.serverClosed]);
    this.store.end();
  }

  // ---- connections --------------------------------------------------------------------------

  /** Counts the connection in, or refuses it (closing, or over the limit: 503 when `http1`, else dropped); false when refused. */
  private admit(socket: Socket, o: { http1: boolean }): boolean {
    socket.on('error', () => undefined);
    if (this.closing) {
      socket.destroy();
      return false;
    }
    if (this.sockets.size >= this.maxConnections) {
      this.refused++;
      // One line per order of magnitude, so that a flood cannot flood the log too.
      if (Number.isInteger(Math.log10(this.refused))) this.log(`refused ${this.refused} connection(s)${o.http1 ? ' with 503' : ''}: more than ${this.maxConnections} open at once`);
      if (o.http1) refuse(socket, 503, 'Service Unavailable', `too many connections (limit ${this.maxConnections}); try again later\n`, [['Retry-After', '1']]);
      else socket.destroy();
      return false;
    }
    this.lastConnectionAt = Date.now();
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return true;
  }

  /** A plain connection to a server with http2: the HTTP/2 preface goes to node:http2 (h2c), anything else to the HTTP/1.1 intake. */
  private async sniff(socket: Socket): Promise<void> {
    const answer = await sniffPreface(socket, this.o.openHandshakeTimeoutMs);
    if (answer === 'h2c') this.onH2Connection(socket, 'h2c');
    else if (answer === 'http/1.1') this.onConnection(socket);
  }

  private onH2Connection(socket: Socket, protocol: 'h2' | 'h2c'): void {
    if (this.admit(socket, { http1: false })) this.h2!.take(socket, protocol);
  }

  private onH2Stream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, origin: H2StreamOrigin): void {
    if (this.closing) return void stream.close();
    const from = `${origin.from} (${origin.protocol} stream ${stream.id ?? '?'})`;
    const upgrade = h2Intake(stream, headers, from, { cases: this.offered, origin, log: (line) => this.log(line) });
    if (upgrade) this.onUpgrade(new H2StreamBytes(stream), from, upgrade);
  }

  private onConnection(socket: Socket): void {
    if (!this.admit(socket, { http1: true })) return;
    const from = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    void intake(socket, from, { cases: this.offered, openHandshakeTimeoutMs: this.o.openHandshakeTimeoutMs, log: (line) => this.log(line) }).then((upgrade) => {
      if (upgrade) this.onUpgrade(socket, from, upgrade);
    });
  }

  /** A valid upgrade of the URL protocol: a case, or a reply on a control channel. No subprotocol is chosen, as in Autobahn's fuzzing server. */
  private onUpgrade(socket: ByteStream, from: string, upgrade: Upgrade | H2Upgrade): void {
    const r = upgrade.request;
    this.upgradeCount++;
    if (r.kind === 'runCase') {
      this.runCase(socket, from, r.n, r.agent, upgrade);
      return;
    }
    this.accept(socket, upgrade);
    const channel = this.control(socket, upgrade.rest);
    switch (r.kind) {
      case 'getCaseCount':
        channel.reply(JSON.stringify(this.offered.length));
        break;
      case 'getCaseInfo': {
        const def = this.offered[r.n - 1]!;
        channel.reply(JSON.stringify({ id: def.id, description: caseInfoDescription(def) }));
        break;
      }
      case 'getCaseStatus': {
        // Autobahn waits for the result as long as the target keeps the connection open.
        const stop = this.store.whenResult(r.agent, this.offered[r.n - 1]!.id, (result) => channel.reply(JSON.stringify({ behavior: result.behavior })));
        socket.once('close', stop);
        break;
      }
      case 'updateReports':
        this.updateReports(channel, r.agent, { shutdownOnComplete: r.shutdownOnComplete });
        break;
      case 'stopServer':
        this.log(`${from}: /stopServer: stop requested`);
        channel.reply(null);
        this.store.requestStop('stopServer');
        break;
    }
  }

  /** The success response of an upgrade that is not a case: a 101, or a :status 200 on an HTTP/2 stream. */
  private accept(socket: ByteStream, upgrade: Upgrade | H2Upgrade): void {
    if ('h2' in upgrade) acceptStream(upgrade.h2.stream);
    else socket.write(buildServerResponse({ key: upgrade.key }));
  }

  private runCase(socket: ByteStream, from: string, n: number, agent: string, upgrade: Upgrade | H2Upgrade): void {
    // The intake checked n against the cases offered when the request came, and only playAgain changes them.
    const def = this.offered[n - 1];
    if (!def) {
      socket.destroy();
      return;
    }
    const replay = this.replay;
    if (this.o.skip?.(agent, def.id)) {
      this.log(`${from}: case ${def.id} is excluded for agent ${JSON.stringify(agent)}: closed at once, no result`);
      this.accept(socket, upgrade);
      this.control(socket, upgrade.rest).reply(null);
      return;
    }
    this.store.caseStarted(agent);
    const h2 = 'h2' in upgrade ? upgrade.h2 : null;
    const secure = h2 ? h2.origin.tls : socket instanceof TLSSocket ? socket : null;
    if (secure && !this.transports.has(agent)) {
      const name = (secure as TLSSocket & { servername?: string | false }).servername;
      this.transports.set(agent, {
        protocol: secure.getProtocol() ?? '?',
        cipher: secure.getCipher().name,
        ...(this.certificate ? { certificate: this.certificate } : {}),
        ...(name ? { servername: name } : {}),
      });
    }
    try {
      this.o.onCaseStart?.(agent, n);
    } catch (e) {
      this.log(`onCaseStart failed for ${agent} ${def.id}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const played = h2 ? playCaseH2(socket as H2StreamBytes, def, upgrade as H2Upgrade, this.o.session) : playCase(socket, def, upgrade, this.o.session);
    const notOverH2 = h2 ? inapplicableOverH2(def) : null;
    const task = played
      .then((transcript) => {
        // A case cut short by close() says nothing about the target; one the harness had already
        // ended (TCP closed by either side, the target's end still awaited) is complete.
        if (this.closing && transcript.tcpEnd === 'unknown') return;
        const key = `${agent}\u0000${def.id}`;
        let r = caseResult(def, transcript, agent, replay ? replay.caseIndex[n - 1]! : n);
        if (this.o.http2) r.protocol = h2 ? h2.origin.protocol : 'http/1.1';
        if (notOverH2) r = notJudgedOverH2(r, notOverH2);
        const first = replay?.first.get(key);
        if (replay && !first) {
          this.log(`second look: case ${def.id} for ${JSON.stringify(agent)} was not in question for that agent: its result is dropped`);
          return;
        }
        try {
          this.o.onPlayed?.(r, transcript);
        } catch (e) {
          this.log(`onPlayed failed for ${agent} ${def.id}: ${e instanceof Error ? e.message : String(e)}`);
        }
        const shaped = { timersFired: transcript.timersFired, wasOpenHandshakeTimeout: transcript.wasOpenHandshakeTimeout, violations: transcript.violations };
        this.sightings.set(key, { transcript: shaped, fromMs: transcript.startedAt, toMs: transcript.startedAt + transcript.endedAtMs });
        this.store.store(first ? replay!.settle(r, first) : r);
      })
      .catch((e: unknown) => this.log(`harness error in case ${def.id} for ${JSON.stringify(agent)}: ${e instanceof Error ? e.message : String(e)}`));
    this.store.track(agent, task);
  }

  private updateReports(channel: ControlChannel, agent: string, o: { shutdownOnComplete: boolean }): void {
    // The target's last case may still be ending on our side (its TCP close crosses this request).
    void Promise.all(this.store.inFlight(agent)).then(async () => {
      this.store.agentFinished(agent);
      try {
        await this.o.onUpdateReports?.(agent);
      } catch (e) {
        this.log(`updating the reports for ${JSON.stringify(agent)} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      this.log(`reports updated for agent ${JSON.stringify(agent)} (${this.store.resultCount(agent)} results)`);
      channel.reply(null);
      this.store.reportsUpdated(agent, o);
    });
  }

  private control(socket: ByteStream, rest: Buffer): ControlChannel {
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
