/**
 * Runs the selected cases in one browser engine. The page is the client: it plays Autobahn's URL
 * protocol against a fuzzing server (one per attempt) and the browser-API cases against their own
 * servers, and reports each case's start and end. A job is one page load running a batch of cases.
 *
 * When the page crashes, the browser exits or a case stops making progress, the attempt is
 * aborted: the browser is killed and started again. A case that was running alone then gets a
 * timeout verdict; when several were running, each runs again on its own, so that concurrency
 * never decides a verdict. Cases that had not started yet simply run in the next attempt.
 */
import { randomBytes } from 'node:crypto';
import type { BrowserApiCheck } from '../../cases/browser-api-types.js';
import type { CaseDef } from '../../cases/types.js';
import { startFuzzingServer, type FuzzingServer } from '../fuzzing-server/server.js';
import { estimateMs } from '../engine/plan.js';
import type { CaseResult } from '../engine/results.js';
import { caseLimitMs, type SessionOptions } from '../engine/defaults.js';
import { apiCaseResult, timeoutResult, type PartialApiCase } from '../engine/verdicts/browser-api.js';
import { startApiServers, type ApiServers } from './api-server.js';
import { briefError, EngineUnavailable, type EngineHandle, type EngineName, type LaunchOptions } from './engines.js';
import { launchEngine } from './launch.js';
import type { PageEvent, PageServer } from './page-server.js';
import { listenOnLane, LOOPBACK, urlHost, type Reach } from './reach.js';

export interface BrowserAgent {
  name: string;
  engine: EngineName;
  version: string;
  description: string;
}

/** LaunchOptions says how the engine is started (here, or reached at --browser-endpoint / --webdriver-url). */
export interface BrowserRunOptions extends LaunchOptions {
  engine: EngineName;
  pages: PageServer;
  /** Where the browser reaches the servers (default: 127.0.0.1). */
  reach?: Reach;
  /** Cases played over Autobahn's URL protocol (already chosen for a client target), in catalogue order: runCase N is index + 1. */
  cases: readonly CaseDef[];
  /** Browser-API cases (api.*). */
  apiCases: readonly CaseDef[];
  /** The `case` number stored for a browser-API result; by default they follow the URL-protocol cases. */
  apiCaseIndex?: (def: CaseDef, i: number) => number;
  session: SessionOptions;
  /** Cases the page runs at once (each on its own socket). */
  concurrency: number;
  /** A case that has not ended this long after it started (or a page silent this long) aborts the attempt. */
  caseTimeoutMs: number;
  /** Browser restarts allowed before the remaining cases get timeout verdicts; default 10. */
  maxRestarts?: number;
  onAgent?: (a: BrowserAgent) => void;
  onResult: (r: CaseResult) => void;
  shouldStop?: () => boolean;
  /**
   * When given, the browser is closed in the background once the last case has its result: the
   * closing is handed over here (to await later) instead of being awaited before returning.
   */
  deferClose?: (closing: Promise<void>) => void;
  /**
   * Faults for wsconform's own tests, by case ID, when that case starts: the page's script hangs,
   * the page crashes (Chromium; elsewhere the browser is killed), or the browser is killed.
   */
  faults?: { hangAt?: string; crashAt?: string; exitAt?: string };
}

export interface BrowserRunOutcome {
  engine: EngineName;
  /** `<engine>-<version>`, null when the engine could not run. */
  agent: string | null;
  version?: string;
  description?: string;
  unavailable?: string;
  restarts: number;
  /** Cases that got a timeout verdict. */
  timeouts: string[];
  launchMs: number;
  wallMs: number;
}

interface Item {
  key: string;
  def: CaseDef;
  caseIndex: number;
  /** runCase's N, for URL-protocol cases. */
  n?: number;
  /** The case leaves the page, so it runs in a job of its own. */
  navigates: boolean;
}

interface JobOutcome {
  completed: Set<string>;
  started: Map<string, number>;
  aborted: string | null;
  /** What the page and the server had seen of the browser-API cases that never ended. */
  partial: Map<string, PartialApiCase>;
}

/** Lines of one browser-API case's page log kept (and judged): a flood of events stops counting there. */
const MAX_LOG_LINES = 1000;

/** How long a browser-API case's connections may take to close after the page reported its end. */
const API_SETTLE_MS = 2000;
/** Quiet time after a case's last action, so that late events still count. */
const API_AFTER_MS = 50;
/**
 * Browser-API cases the page runs at once (at most --concurrency). Chromium delays each new
 * WebSocket by 1-5 s × 2^(pending + failed/(succeeded + 1)) / 65536, counted per renderer: with 10
 * at once a socket waits at most 2^9/65536 × 5 s = 39 ms, with 16 whole seconds. Measured here:
 * api.* in 1.5-1.7 s at 6, 1.1-1.2 s at 10, 1.05 s at 12, and once 9.4 s at 16.
 */
const API_CONCURRENCY = 10;
/** SharedWorkers (threads) the Autobahn cases are spread over, where they run in workers. */
const AUTOBAHN_WORKERS = 4;
/**
 * Ports each lane takes its cases to in turn. Firefox holds the next connection to a host, port
 * and path back by 200-400 ms after one that failed (RFC 6455 §7.2.3), and a browser's fuzzing
 * run fails connections all the time: with 8 ports a lane comes back to a port after 8 cases.
 */
const PORTS_PER_LANE = 8;

export async function runBrowser(o: BrowserRunOptions): Promise<BrowserRunOutcome> {
  const t0 = Date.now();
  const log = (line: string): void => o.log?.(line);
  const items: Item[] = [
    ...o.cases.map((def, i) => ({ key: `ab:${i + 1}`, def, caseIndex: i + 1, n: i + 1, navigates: false })),
    ...o.apiCases.map((def, i) => ({
      key: `api:${def.id}`,
      def,
      caseIndex: o.apiCaseIndex ? o.apiCaseIndex(def, i) : o.cases.length + i + 1,
      navigates: (apiCheck(def)?.page ?? []).some((a) => a.do === 'navigate'),
    })),
  ];
  const keyOf = (id: string | undefined): string | undefined => (id === undefined ? undefined : items.find((i) => i.def.id === id)?.key);
  const faults = { hangAt: keyOf(o.faults?.hangAt), crashAt: keyOf(o.faults?.crashAt), exitAt: keyOf(o.faults?.exitAt) };
  const launch = (): Promise<EngineHandle> => launchEngine(o.engine, o);

  let handle: EngineHandle | null;
  try {
    handle = await launch();
  } catch (e) {
    const why = e instanceof EngineUnavailable ? e.why : briefError(e);
    return { engine: o.engine, agent: null, unavailable: why, restarts: 0, timeouts: [], launchMs: Date.now() - t0, wallMs: Date.now() - t0 };
  }
  const launchMs = Date.now() - t0;
  const version = handle.version;
  const description = handle.description;
  const agent = `${o.engine}-${version}`;
  o.onAgent?.({ name: agent, engine: o.engine, version, description });

  const timeouts: string[] = [];
  const giveTimeout = (item: Item, why: string, startedAt: number, partial?: PartialApiCase): void => {
    timeouts.push(item.def.id);
    deliver(o, timeoutResult(item.def, agent, item.caseIndex, why, startedAt, Date.now(), partial));
  };
  let pending = items;
  const isolate: Item[] = [];
  let restarts = 0;
  const maxRestarts = o.maxRestarts ?? 10;
  try {
    while ((pending.length > 0 || isolate.length > 0) && !o.shouldStop?.()) {
      if (!handle) {
        try {
          handle = await launch();
        } catch (e) {
          const why = `the browser could not be started again: ${e instanceof EngineUnavailable ? e.why : briefError(e)}`;
          log(`${agent}: ${why}`);
          for (const item of [...isolate, ...pending]) giveTimeout(item, why, Date.now());
          pending = [];
          break;
        }
      }
      const single = isolate.length > 0;
      const plain = pending.filter((i) => !i.navigates);
      const batch = single ? [isolate.shift()!] : plain.length > 0 ? plain : [pending[0]!];
      const out = await runJob(handle, batch, agent, batch.length === 1 ? 1 : o.concurrency, o, faults);
      pending = pending.filter((i) => !out.completed.has(i.key));
      if (!out.aborted) continue;
      if (o.shouldStop?.()) break;
      restarts++;
      log(`${agent}: ${out.aborted}; restarting the browser`);
      await handle.kill();
      handle = null;
      // An isolated case that never got to start (the page did not load) waits for the next browser.
      if (single && !out.started.has(batch[0]!.key) && !out.completed.has(batch[0]!.key)) isolate.unshift(batch[0]!);
      const inFlight = batch.filter((i) => out.started.has(i.key) && !out.completed.has(i.key));
      for (const item of inFlight) {
        pending = pending.filter((i) => i !== item);
        // A case that was running alone broke the browser by itself; others get a run of their own first.
        if (inFlight.length === 1) giveTimeout(item, `${out.aborted}; the browser was restarted for the remaining cases`, out.started.get(item.key)!, out.partial.get(item.key));
        else isolate.push(item);
      }
      if (restarts > maxRestarts && (pending.length > 0 || isolate.length > 0)) {
        const why = `not run: the browser was restarted ${restarts} times, the limit`;
        log(`${agent}: ${why}`);
        for (const item of [...isolate, ...pending]) giveTimeout(item, why, Date.now());
        pending = [];
        isolate.length = 0;
      }
    }
  } finally {
    const closing = handle?.close() ?? Promise.resolve();
    if (o.deferClose) o.deferClose(closing);
    else await closing;
  }
  return { engine: o.engine, agent, version, description, restarts, timeouts, launchMs, wallMs: Date.now() - t0 };
}

type Faults = { [K in 'hangAt' | 'crashAt' | 'exitAt']: string | undefined };

/**
 * The order the page runs URL-protocol cases in: bulk transfers (9.x, 12.x, 13.x) first, then the
 * rest, each phase longest first. The rest's verdicts hang on short timers (a peer must fail the
 * connection within a second), which a browser starved by 16 MB echoes next to them can miss.
 */
function phases(items: readonly Item[]): number[][] {
  const longestFirst = (list: Item[]): number[] => list.sort((a, b) => estimateMs(b.def) - estimateMs(a.def)).map((i) => i.n!);
  const bulk = items.filter((i) => i.def.steps.some((s) => s.do === 'echo'));
  const rest = items.filter((i) => !bulk.includes(i));
  return [longestFirst(bulk), longestFirst(rest)].filter((p) => p.length > 0);
}

/**
 * URLs of the fuzzing server for each of `lanes` lanes: a host of its own and PORTS_PER_LANE ports
 * on it (the first lane's first URL is where the server already listens). Where a lane's loopback
 * address cannot be bound (only 127.0.0.1 exists on some systems), it gets ports on the run's own
 * host; where no more ports can be had (out of file descriptors), the first URL serves: slower, same verdicts.
 */
async function laneUrls(fuzz: FuzzingServer, reach: Reach, lanes: number): Promise<string[][]> {
  const first = `ws://${urlHost(reach.publicHost)}:${fuzz.port}`;
  const listen = (at: Reach): Promise<string> => fuzz.listenAlso(at.listenHost).then((a) => `ws://${urlHost(at.publicHost)}:${a.port}`);
  return Promise.all(
    Array.from({ length: lanes }, (_, k) =>
      Promise.all(Array.from({ length: PORTS_PER_LANE }, (_, j) => (k === 0 && j === 0 ? first : listenOnLane(reach, k, listen).catch(() => first)))),
    ),
  );
}

/**
 * The order the page runs browser-API cases in: those that open first, then those whose socket
 * never opens (refused handshakes), each part longest first. Chromium's delay for a new socket
 * doubles with every failed handshake beyond the successful ones of the renderer, so eight
 * refused handshakes first in a fresh browser would hold every later case up by seconds.
 */
function apiOrder(items: readonly Item[]): Item[] {
  const opens = (i: Item): boolean => apiCheck(i.def)?.expectPage.includes('open') ?? false;
  const longestFirst = (list: Item[]): Item[] => list.sort((a, b) => estimateMs(b.def) - estimateMs(a.def));
  return [...longestFirst(items.filter(opens)), ...longestFirst(items.filter((i) => !opens(i)))];
}

async function runJob(h: EngineHandle, batch: Item[], agent: string, concurrency: number, o: BrowserRunOptions, faults: Faults): Promise<JobOutcome> {
  const started = new Map<string, number>();
  const completed = new Set<string>();
  let aborted: string | null = null;
  let lastProgress = Date.now();
  let wake = (): void => undefined;
  const progress = (): void => {
    lastProgress = Date.now();
    wake();
  };
  const abort = (why: string): void => {
    aborted ??= why;
    wake();
  };
  const byKey = new Map(batch.map((i) => [i.key, i]));
  const reach = o.reach ?? LOOPBACK;
  const urlProtocolItems = batch.filter((i) => i.n !== undefined);
  const apiItems = batch.filter((i) => i.n === undefined);
  const byN = new Map(urlProtocolItems.map((i) => [i.n!, i]));
  const complete = (item: Item, r: CaseResult): void => {
    if (aborted || completed.has(item.key)) return;
    completed.add(item.key);
    deliver(o, r);
    progress();
  };
  const pageLogs = new Map<string, string[]>();
  // A URL-protocol case counts once the server has its result and the page has seen its end: a
  // result that arrives while the page is hung (the server's timers fired) says nothing about the
  // browser, and the case runs again.
  const serverResults = new Map<string, CaseResult>();
  const pageDone = new Set<string>();
  const completeUrlCase = (item: Item): void => {
    const r = serverResults.get(item.key);
    if (r && pageDone.has(item.key)) complete(item, r);
  };

  // A case starts when the page says so (browser-API cases, and any case with a deliberate fault)
  // or when the fuzzing server sees its /runCase, whichever comes first.
  const caseStarted = (key: string): void => {
    if (aborted || started.has(key)) return;
    started.set(key, Date.now());
    if (faults.exitAt === key) void h.kill();
    if (faults.crashAt === key) void (h.crashPage ? h.crashPage() : h.kill());
    progress();
  };

  let fuzz: FuzzingServer | null = null;
  let api: ApiServers | null = null;
  const token = randomBytes(12).toString('hex');
  try {
    if (urlProtocolItems.length > 0) {
      fuzz = await startFuzzingServer({
        host: reach.listenHost,
        port: 0,
        cases: o.cases,
        session: o.session,
        openHandshakeTimeoutMs: 5000,
        onCaseStart: (a, n) => {
          const item = byN.get(n);
          if (item && a === agent) caseStarted(item.key);
        },
        onResult: (r) => {
          const item = byN.get(r.caseIndex);
          if (!item || r.agent !== agent) return;
          serverResults.set(item.key, r);
          completeUrlCase(item);
        },
        log: (line) => {
          if (/harness error/.test(line)) o.log?.(`fuzzing server: ${line}`);
        },
      });
    }
    if (apiItems.length > 0) api = await startApiServers(apiItems.map((i) => i.def), reach);
    const apiServers = api;
    const finishApi = async (item: Item, log: string[]): Promise<void> => {
      await apiServers!.settled(item.def.id, API_SETTLE_MS);
      complete(item, apiCaseResult(item.def, agent, item.caseIndex, log, apiServers!.record(item.def.id), started.get(item.key) ?? Date.now(), Date.now()));
    };
    const onEvent = (e: PageEvent): void => {
      if (aborted) return;
      switch (e.type) {
        case 'start':
          caseStarted(e.key);
          break;
        case 'log': {
          // Only this job's cases: a page cannot grow the map with keys of its own making.
          if (!byKey.has(e.key)) break;
          let lines = pageLogs.get(e.key);
          if (!lines) pageLogs.set(e.key, (lines = []));
          if (lines.length < MAX_LOG_LINES) lines.push(e.line);
          break;
        }
        case 'done': {
          const item = byKey.get(e.key);
          if (item && item.n === undefined) void finishApi(item, pageLogs.get(item.key) ?? []);
          if (item && item.n !== undefined) {
            pageDone.add(item.key);
            completeUrlCase(item);
          }
          progress();
          break;
        }
        case 'finished':
          progress();
          break;
        case 'page-error':
          o.log?.(`${agent}: page error: ${e.message}`);
          break;
      }
    };
    const job = {
      agent,
      concurrency,
      apiConcurrency: Math.min(concurrency, API_CONCURRENCY),
      autobahnIn: h.pageSocketsInstrumented ? 'shared-worker' : 'page',
      autobahnWorkers: AUTOBAHN_WORKERS,
      autobahn: fuzz ? { urls: await laneUrls(fuzz, reach, Math.min(concurrency, urlProtocolItems.length)), phases: phases(urlProtocolItems) } : null,
      api: apiServers
        ? apiOrder(apiItems).map((i) => ({ key: i.key, id: i.def.id, url: apiServers.url(i.def.id), host: apiServers.host(i.def.id), page: apiCheck(i.def)!.page, settleMs: API_AFTER_MS }))
        : null,
      // At a crash or exit fault the page waits for good (without blocking its thread, so that it can
      // still be crashed), so that the case cannot end before the fault strikes.
      faults: { hangAt: faults.hangAt, stallAt: faults.crashAt ?? faults.exitAt },
    };
    const url = o.pages.addJob(token, job, onEvent);
    void h.gone.then((why) => abort(why));
    try {
      await h.goto(url);
    } catch (e) {
      abort(`the page did not load: ${briefError(e)}`);
    }
    lastProgress = Date.now();
    await new Promise<void>((resolve) => {
      // Every event checks whether the job is over; the timer also looks for cases over their time.
      const timer = setInterval(() => {
        watchdog();
        wake();
      }, 250);
      const watchdog = (): void => {
        const now = Date.now();
        if (!aborted && o.shouldStop?.()) aborted = 'the run was stopped';
        if (!aborted) {
          for (const [key, t] of started) {
            const def = byKey.get(key)?.def;
            // A bulk case gets the extra time its own timer asks for beyond the run's limit (SessionOptions.stretchCaseTimeout).
            const limit = o.caseTimeoutMs + (def ? caseLimitMs(def, o.session) - o.session.caseTimeoutMs : 0);
            if (!completed.has(key) && now - t > limit) aborted ??= `case ${def?.id ?? key} did not end within ${limit / 1000} s`;
          }
          // Cases in flight have their own limits above (a bulk case may rightly take minutes).
          const inFlight = [...started.keys()].some((key) => !completed.has(key));
          if (!inFlight && now - lastProgress > o.caseTimeoutMs) aborted ??= `the page made no progress for ${o.caseTimeoutMs / 1000} s`;
        }
      };
      wake = (): void => {
        if (aborted || completed.size === batch.length) {
          clearInterval(timer);
          wake = () => undefined;
          resolve();
        }
      };
      watchdog();
      wake();
    });
  } finally {
    o.pages.removeJob(token);
    // Cases cut short by closing leave no result (the fuzzing server drops them).
    await fuzz?.close();
    await api?.close();
  }
  const partial = new Map<string, PartialApiCase>();
  for (const item of apiItems) {
    if (started.has(item.key) && !completed.has(item.key)) partial.set(item.key, { log: pageLogs.get(item.key) ?? [], wire: api?.record(item.def.id) ?? null });
  }
  return { completed, started, aborted, partial };
}

/** A browser-API case's check; undefined for a URL-protocol case. */
function apiCheck(def: CaseDef): BrowserApiCheck | undefined {
  return def.expect.kind === 'browser-api' ? def.expect.check : undefined;
}

/** Hands a result over; a callback that throws is logged, never left as an unhandled rejection. */
function deliver(o: BrowserRunOptions, r: CaseResult): void {
  try {
    o.onResult(r);
  } catch (e) {
    o.log?.(`onResult failed for ${r.agent} ${r.id}: ${briefError(e)}`);
  }
}
