/**
 * What the harness and the page say to each other: the job the page fetches from /job/<token>
 * (built by job.ts) and the events it posts back (PageEvent, in page-server.ts). The page scripts
 * (page/client.js, page/autobahn-client.js) are plain browser JavaScript; they import these types
 * in JSDoc, so that the type checker holds both sides to the same shapes.
 */
import type { ApiContext, ApiPageAction, ApiStreamAction, ApiValue } from '../../cases/browser-api-types.js';
import type { PageEvent } from './page-server.js';

/** A browser-API case as the page runs it. */
export interface PageApiCase {
  /** The case's key in PageEvents (`api:<id>`). */
  key: string;
  id: string;
  /** The ws:// URL of the case's own server. */
  url: string;
  /** The host:port in `url`, which the page writes as `<server>` when it logs the url attribute. */
  host: string;
  page: ApiPageAction[];
  /** Quiet time after the last action, so that late events still count. */
  settleMs: number;
  /** Where the actions run (a worker variant of a case); absent: in the document. */
  context?: ApiContext;
  /**
   * test-browser --http2, where the case's server offers h2: an https:// URL of its origin that the
   * page fetches before the actions, so that the engine holds an HTTP/2 connection there (an engine
   * opens a WebSocket as a stream only of a connection it already has, RFC 8441 §3).
   */
  warmUp?: string;
}

/** Autobahn's URL protocol as the page plays it. */
export interface PageAutobahnPart {
  /** Fuzzing-server base URLs for each lane (ws://host:port), taken in turn. */
  urls: string[][];
  /** runCase numbers, phase after phase. */
  phases: number[][];
}

export interface PageJob {
  /** The agent name the page gives the fuzzing server. */
  agent: string;
  /** Cases run at once (each on its own socket). */
  concurrency: number;
  /** Browser-API cases run at once. */
  apiConcurrency: number;
  /** Where the Autobahn loop runs: in the page, or in SharedWorkers (see EngineHandle.pageSocketsInstrumented). */
  autobahnIn: 'shared-worker' | 'page';
  autobahnWorkers: number;
  /** A worker's first lane, in a worker's share of the job (set by the page, not by the harness). */
  firstLane?: number;
  autobahn: PageAutobahnPart | null;
  api: PageApiCase[] | null;
  /**
   * Deliberate faults for wsconform's own tests, by case key: the thread hangs, or the case waits
   * for good; `echoDelayMs`, every Autobahn case echoes each message this late; `shim`, a script the
   * page runs before its browser-API cases (a WebSocket wrapped to break a rule, which they must catch).
   */
  faults: { hangAt?: string | undefined; stallAt?: string | undefined; echoDelayMs?: number; shim?: string };
}

/** How page scripts report PageEvents to the harness (autobahn-client.js). */
export interface PageReporter {
  /** Queues an event; it leaves shortly, with whatever else is queued by then. */
  post(event: PageEvent): void;
  /** Queues an event and resolves once the harness has it. */
  send(event: PageEvent): Promise<void>;
  /** Resolves once every queued event has reached the harness. */
  flush(): Promise<void>;
}

/** What autobahn-client.js leaves in `self.wsconformAutobahn` for client.js. */
export interface AutobahnClientLib {
  /** Runs `task(item, lane)` for every item, `concurrency` at a time; lane is 0 … concurrency - 1. */
  pool<T>(items: readonly T[], concurrency: number, task: (item: T, lane: number) => Promise<void>): Promise<void>;
  maybeHang(job: PageJob, key: string): Promise<void>;
  reporter(token: string): PageReporter;
  runAutobahn(job: PageJob, report: PageReporter): Promise<void>;
}

/** What values.js leaves in `self.wsconformValues` for client.js. */
export interface PageValuesLib {
  /** Builds the value a case wrote; throws on a value it cannot build. */
  build(v: ApiValue, c: { url: string; host: string }): unknown;
  /** The arguments a case wrote, built, and as the log prints them (`1000, "bye"`); throws as build does. */
  buildArgs(args: ApiValue[], c: { url: string; host: string }): { list: unknown[]; shown: string };
  /** The value as the expectations print it. */
  show(v: ApiValue): string;
  /** A string as the expectations print it: JSON, or `"x"×123`. */
  str(s: string): string;
  /** The host of host:port. */
  hostOnly(host: string): string;
  /** What was thrown, as the expectations name it: its `name`, else itself as a string. */
  thrownName(e: unknown): string;
}

/** What api-player.js leaves in `self.wsconformApiPlayer`, for the page and the workers. */
export interface PageApiPlayerLib {
  /**
   * Plays a case's page actions, calling `note` with each line observed; `leave` makes the
   * document go away (null in a worker, where a navigate action ends the case with a line saying so).
   */
  runApiCase(c: PageApiCase, note: (line: string) => void, leave: (() => Promise<void>) | null): Promise<void>;
  /** `Name: message` of what was thrown. */
  describeError(e: unknown): string;
}

/** What stream-player.js leaves in `self.wsconformStreamPlayer`, for api-player.js. */
export interface PageStreamPlayerLib {
  /** Whether the action is one of a WebSocketStream (`stream.*`). */
  isStreamAction(a: ApiPageAction): a is ApiStreamAction;
  /**
   * The player of one case's stream actions: `play` gives (or resolves with) false when the case
   * ends there (no WebSocketStream in this engine, arguments that cannot be built), and gives its
   * answer at once for an action that does not wait; `end` closes what is left open.
   */
  streamCase(c: PageApiCase, note: (line: string) => void): { play(a: ApiStreamAction): boolean | Promise<boolean>; end(): void };
}

/** What the page tells the worker of a case's worker variant (page/api-worker.js). */
export type WorkerRequest = { do: 'init'; shim?: string } | { do: 'run'; case: PageApiCase };

/** What the worker answers: it is ready (or why not), then each case's lines and its end. */
export type WorkerReply = { ready: true } | { failed: string } | { key: string; line: string } | { key: string; done: true };

/** The page's or a worker's global object, as the page scripts use it. */
export interface PageScope {
  wsconformAutobahn?: AutobahnClientLib;
  wsconformValues?: PageValuesLib;
  wsconformApiPlayer?: PageApiPlayerLib;
  wsconformStreamPlayer?: PageStreamPlayerLib;
  /** Only in a SharedWorker: a page connected. */
  onconnect?: ((e: MessageEvent) => void) | null;
  /** Only in a SharedWorker (the DOM types the checker reads do not declare it). */
  SharedWorkerGlobalScope?: abstract new () => object;
}

export type { PageEvent } from './page-server.js';
