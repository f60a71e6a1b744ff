/**
 * Testing a client: the harness is the fuzzing server (Autobahn's "fuzzingserver" mode). The client
 * under test, the target, drives the run over Autobahn's URL protocol (reference §5, protocol.ts):
 * it asks for the case count, opens /runCase?case=N&agent=A for each case, echoes what it receives,
 * then opens /updateReports. The HTTP upgrade is read and answered by hand (intake.ts), so every
 * byte is in the transcript (case-connection.ts); the other paths get a reply and a close
 * (control-channel.ts); results and who waits for them live in result-store.ts. For the second look
 * at a client run as a command (second-look.ts) the server can offer only some of its cases again.
 *
 * Autobahn's "direct command" mode (any other path, driven by JSON commands) is not supported:
 * unknown paths get 404.
 */
import net, { type Socket } from 'node:net';
import type { CaseDef } from '../../cases/types.js';
import { caseResult } from '../engine/case-result.js';
import { type SessionOptions } from '../engine/defaults.js';
import type { CaseResult } from '../engine/results.js';
import type { Transcript } from '../engine/transcript.js';
import { buildServerResponse } from '../wire/handshake.js';
import { playCase } from './case-connection.js';
import { ControlChannel } from './control-channel.js';
import { intake, refuse, type Upgrade } from './intake.js';
import { caseInfoDescription } from './protocol.js';
import { ResultStore, type StopReason } from './result-store.js';

export { caseInfoDescription, parseFuzzingRequest, PROTOCOL_PATHS, type FuzzingRequest, type FuzzingRequestParse } from './protocol.js';
export type { StopReason } from './result-store.js';

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
  /** Called with a case's result and what the session recorded of it (the timers that fired among it), just before the result goes to onResult. */
  onPlayed?: (r: CaseResult, t: Transcript) => void;
  /** Called on /updateReports; the client's connection is closed once a returned promise settles. */
  onUpdateReports?: (agent: string) => void | Promise<void>;
  /** Protocol errors, refused connections, timeouts and run milestones, one line each. */
  log?: (line: string) => void;
  /** Connections open at once (handshakes, cases, status waits); more get 503. Default 256. */
  maxConnections?: number;
}

/** What the server saw of a case besides its result: what shaped the verdict, and when the case ran. */
export interface CaseSighting {
  transcript: Pick<Transcript, 'timersFired' | 'wasOpenHandshakeTimeout' | 'violations'>;
  /** When the upgrade request was complete and when the case ended (epoch ms). */
  fromMs: number;
  toMs: number;
}

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
  /** Resolves once no case is being played (the last ones of a client that has exited may still be ending here). */
  idle(): Promise<void>;
  /** What the server saw of the latest run of (agent, case), beside its result. */
  sighting(agent: string, id: string): CaseSighting | undefined;
  /**
   * Starts the second look (second-look.ts): from now on the server offers only the cases of
   * `suspects`, as cases 1..k (getCaseCount, getCaseInfo, runCase, getCaseStatus), and each result
   * keeps its case's first caseIndex. `settle` makes of a second result and the first the one that
   * is stored; a result for an (agent, case) that is not a suspect is dropped. allAgentsDone then
   * waits for this round's /updateReports.
   */
  playAgain(suspects: readonly CaseResult[], settle: (second: CaseResult, first: CaseResult) => CaseResult): void;
  /** Stores `r` in place of the latest result of its (agent, case) (the same case with a note added). */
  amend(r: CaseResult): void;
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

  constructor(o: ClientRunOptions) {
    this.o = o;
    this.maxConnections = o.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.offered = o.cases;
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

  activity(): { connections: number; lastConnectionAt: number } {
    return { connections: this.sockets.size, lastConnectionAt: this.lastConnectionAt };
  }

  async close(): Promise<void> {
    if (!this.serverClosed) {
      this.closing = true;
      this.serverClosed = Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))).then(() => undefined);
      for (const socket of this.sockets) socket.destroy();
    }
    await Promise.all([...this.store.inFlight(), this.serverClosed]);
    this.store.end();
  }

  // ---- connections --------------------------------------------------------------------------

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
      refuse(socket, 503, 'Service Unavailable', `too many connections (limit ${this.maxConnections}); try again later\n`, [['Retry-After', '1']]);
      return;
    }
    this.lastConnectionAt = Date.now();
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const from = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    void intake(socket, from, { cases: this.offered, openHandshakeTimeoutMs: this.o.openHandshakeTimeoutMs, log: (line) => this.log(line) }).then((upgrade) => {
      if (upgrade) this.onUpgrade(socket, from, upgrade);
    });
  }

  /** A valid upgrade of the URL protocol: a case, or a reply on a control channel. No subprotocol is chosen, as in Autobahn's fuzzing server. */
  private onUpgrade(socket: Socket, from: string, upgrade: Upgrade): void {
    const r = upgrade.request;
    if (r.kind === 'runCase') {
      this.runCase(socket, from, r.n, r.agent, upgrade);
      return;
    }
    socket.write(buildServerResponse({ key: upgrade.key }));
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

  private runCase(socket: Socket, from: string, n: number, agent: string, upgrade: Upgrade): void {
    // The intake checked n against the cases offered when the request came, and only playAgain changes them.
    const def = this.offered[n - 1];
    if (!def) {
      socket.destroy();
      return;
    }
    const replay = this.replay;
    if (this.o.skip?.(agent, def.id)) {
      this.log(`${from}: case ${def.id} is excluded for agent ${JSON.stringify(agent)}: closed at once, no result`);
      socket.write(buildServerResponse({ key: upgrade.key }));
      this.control(socket, upgrade.rest).reply(null);
      return;
    }
    this.store.caseStarted(agent);
    try {
      this.o.onCaseStart?.(agent, n);
    } catch (e) {
      this.log(`onCaseStart failed for ${agent} ${def.id}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const task = playCase(socket, def, upgrade, this.o.session)
      .then((transcript) => {
        // A case cut short by close() says nothing about the target; one the harness had already
        // ended (TCP closed by either side, the target's end still awaited) is complete.
        if (this.closing && transcript.tcpEnd === 'unknown') return;
        const key = `${agent}\u0000${def.id}`;
        const r = caseResult(def, transcript, agent, replay ? replay.caseIndex[n - 1]! : n);
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
