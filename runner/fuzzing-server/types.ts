/**
 * What the fuzzing server offers the rest of wsconform: its options and the running server's
 * interface (server.ts implements it, and re-exports these names).
 */
import type { CaseDef } from '../../cases/types.js';
import type { SessionOptions } from '../engine/defaults.js';
import type { CaseResult } from '../engine/results.js';
import type { Transcript } from '../engine/transcript.js';
import type { StopReason } from './result-store.js';
import type { H2ConnectionSeen, H2Serving } from './h2-listener.js';
import type { TlsConnection, TlsServing, TlsTransport } from './tls-listener.js';

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
  /** Serve over TLS (wss://) with this certificate; the TLS handshake is bounded by openHandshakeTimeoutMs. */
  tls?: TlsServing;
  /** The host the URL names, when not `host` (a host name such as localhost for a listener on 127.0.0.1). */
  urlHost?: string;
  /**
   * Serve HTTP/2 too (RFC 8441 extended CONNECT) on the same port: chosen by ALPN h2 over TLS, by the
   * connection preface in plain text (h2c); HTTP/1.1 upgrades keep working. Each result then says
   * which protocol its client used (CaseResult.protocol).
   */
  http2?: H2Serving;
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
  /** Over TLS: every connection's TLS outcome (at most the first 200), in arrival order; empty otherwise. */
  tlsConnections(): TlsConnection[];
  /** WebSocket opening handshakes answered with 101, on any path of the URL protocol. */
  upgrades(): number;
  /** With http2: the HTTP/2 connections accepted (at most the first 200), in arrival order; empty otherwise. */
  h2Connections(): H2ConnectionSeen[];
  /** Over TLS: what the agent's first case connection negotiated; undefined otherwise. */
  transportOf(agent: string): TlsTransport | undefined;
  /** Stops listening and drops every connection; cases cut short this way leave no result. */
  close(): Promise<void>;
}
