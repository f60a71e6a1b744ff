/**
 * One job: a page load that runs a batch of cases. The page is the client; URL-protocol cases go
 * to a fuzzing server started for the job, browser-API cases to their own servers. The job ends
 * when every case has its result, or is aborted (the page crashed or did not load, the browser
 * went away, a case or the page stopped making progress, the run was stopped).
 */
import { randomBytes } from 'node:crypto';
import type { CaseDef } from '../../cases/types.js';
import { startFuzzingServer, type FuzzingServer } from '../fuzzing-server/server.js';
import type { CaseResult } from '../engine/results.js';
import { caseLimitMs, DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS, type SessionOptions } from '../engine/defaults.js';
import { needsConfirmation } from '../engine/confirm.js';
import { apiCaseResult, notCheckableResult, type PartialApiCase } from '../engine/verdicts/browser-api.js';
import { startApiServers, type ApiServers } from './api-server.js';
import { forRun } from '../../cases/browser-api/values.js';
import { briefError, type EngineHandle } from './engines.js';
import type { PageApiCase, PageJob } from './page-job.js';
import type { PageEvent, PageServer } from './page-server.js';
import { listenOnLane, LOOPBACK, urlHost, type Reach } from './reach.js';
import { apiCheck, apiOrder, phases, type Item } from './schedule.js';
import { notCheckable, servedPlain, type BrowserTls } from './tls.js';

/** What a job needs of the run. */
export interface JobOptions {
  pages: PageServer;
  /** Where the browser reaches the servers (default: 127.0.0.1). */
  reach?: Reach;
  /** Every URL-protocol case of the run: the fuzzing server numbers them (runCase N is index + 1). */
  cases: readonly CaseDef[];
  session: SessionOptions;
  /** A case that has not ended this long after it started (or a page silent this long) aborts the job. */
  caseTimeoutMs: number;
  /** Over TLS (test-browser --tls): the servers' certificates. */
  tls?: BrowserTls;
  /**
   * With tls (test-browser --http2): the fuzzing server also speaks HTTP/2 and advertises extended
   * CONNECT (RFC 8441), and serves the page itself, so that the page and its Autobahn WebSockets
   * share one origin; the api.* servers offer h2 beside HTTP/1.1 (api-h2.ts).
   */
  http2?: boolean;
  shouldStop?: () => boolean;
  log?: (line: string) => void;
}

/** Deliberate faults, by item key (see BrowserRunOptions.faults). */
export type Faults = { [K in 'hangAt' | 'crashAt' | 'exitAt']: string | undefined } & { underLoad?: { echoDelayMs: number }; shim?: string };

export interface JobSpec {
  handle: EngineHandle;
  batch: Item[];
  agent: string;
  concurrency: number;
  faults: Faults;
  /** Hands a result over. */
  deliver: (r: CaseResult) => void;
}

export interface JobOutcome {
  completed: Set<string>;
  started: Map<string, number>;
  aborted: string | null;
  /** What the page and the server had seen of the browser-API cases that never ended. */
  partial: Map<string, PartialApiCase>;
  /**
   * URL-protocol cases of a job with more than one case at once whose verdict a timer shaped
   * (confirm.ts: not OK, a harness timer fired, no protocol violation), by key: their first results.
   */
  suspects: Map<string, CaseResult>;
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
/** How often the watchdog looks for cases over their time. */
const WATCHDOG_MS = 250;

export async function runJob(spec: JobSpec, o: JobOptions): Promise<JobOutcome> {
  const job = new Job(spec, o);
  const reach = o.reach ?? LOOPBACK;
  const token = randomBytes(12).toString('hex');
  let fuzz: FuzzingServer | null = null;
  let api: ApiServers | null = null;
  try {
    if (job.urlProtocolItems.length > 0) fuzz = await job.startFuzzingServer(reach);
    job.skipNotCheckable();
    // A case's URLs and expectations name its server's scheme as <ws>/<http> and its cookie as <cookie>.
    for (const item of job.apiItems) item.def = forRun(item.def, { secure: o.tls !== undefined && !servedPlain(item.def) });
    if (job.apiItems.length > 0)
      api = await startApiServers(
        job.apiItems.map((i) => i.def),
        reach,
        o.tls,
        { http2: job.overHttp2 },
      );
    job.api = api;
    const h2Origin = fuzz && job.overHttp2 ? `https://${urlHost(reach.publicHost)}:${fuzz.port}` : undefined;
    const url = o.pages.addJob(token, await pageJob(spec, fuzz, api, reach, job), (e) => job.onPageEvent(e), h2Origin);
    void spec.handle.gone.then((why) => job.abort(why));
    try {
      await spec.handle.goto(url);
    } catch (e) {
      job.abort(`the page did not load: ${briefError(e)}`);
    }
    await job.finished();
  } finally {
    o.pages.removeJob(token);
    // Cases cut short by closing leave no result (the fuzzing server drops them).
    await fuzz?.close();
    await api?.close();
  }
  return job.outcome();
}

/** The job the page fetches. */
async function pageJob(spec: JobSpec, fuzz: FuzzingServer | null, api: ApiServers | null, reach: Reach, job: Job): Promise<PageJob> {
  const { agent, concurrency, faults } = spec;
  return {
    agent,
    concurrency,
    apiConcurrency: Math.min(concurrency, API_CONCURRENCY),
    autobahnIn: spec.handle.pageSocketsInstrumented ? 'shared-worker' : 'page',
    autobahnWorkers: AUTOBAHN_WORKERS,
    autobahn: fuzz ? { urls: await laneUrls(fuzz, reach, Math.min(concurrency, job.urlProtocolItems.length), job.overHttp2), phases: phases(job.urlProtocolItems) } : null,
    api: api ? apiOrder(job.apiItems).map((i) => pageApiCase(i, api)) : null,
    // At a crash or exit fault the page waits for good (without blocking its thread, so that it can
    // still be crashed), so that the case cannot end before the fault strikes.
    faults: {
      hangAt: faults.hangAt,
      stallAt: faults.crashAt ?? faults.exitAt,
      ...(concurrency > 1 && faults.underLoad ? { echoDelayMs: faults.underLoad.echoDelayMs } : {}),
      ...(faults.shim !== undefined ? { shim: faults.shim } : {}),
    },
  };
}

/** A browser-API case as the page runs it. */
function pageApiCase(i: Item, api: ApiServers): PageApiCase {
  const check = apiCheck(i.def)!;
  const id = i.def.id;
  const warmUp = api.warmUp(id);
  return {
    key: i.key,
    id,
    url: api.url(id),
    host: api.host(id),
    page: check.page,
    settleMs: API_AFTER_MS,
    ...(check.context !== undefined ? { context: check.context } : {}),
    ...(warmUp !== undefined ? { warmUp } : {}),
  };
}

/**
 * URLs of the fuzzing server for each of `lanes` lanes: a host of its own and PORTS_PER_LANE ports
 * on it (the first lane's first URL is where the server already listens). Where a lane's loopback
 * address cannot be bound (only 127.0.0.1 exists on some systems), it gets ports on the run's own
 * host; where no more ports can be had (out of file descriptors), the first URL serves: slower, same verdicts.
 * Over HTTP/2 every lane has the first URL only, the page's origin: another would be a connection of its own.
 */
async function laneUrls(fuzz: FuzzingServer, reach: Reach, lanes: number, overHttp2: boolean): Promise<string[][]> {
  const scheme = fuzz.url.startsWith('wss:') ? 'wss' : 'ws';
  const first = `${scheme}://${urlHost(reach.publicHost)}:${fuzz.port}`;
  if (overHttp2) return Array.from({ length: lanes }, () => [first]);
  const listen = (at: Reach): Promise<string> => fuzz.listenAlso(at.listenHost).then((a) => `${scheme}://${urlHost(at.publicHost)}:${a.port}`);
  return Promise.all(
    Array.from({ length: lanes }, (_, k) => Promise.all(Array.from({ length: PORTS_PER_LANE }, (_, j) => (k === 0 && j === 0 ? first : listenOnLane(reach, k, listen).catch(() => first))))),
  );
}

/** The state of one job: which cases started and ended, what the page logged, whether it was aborted. */
class Job {
  readonly started = new Map<string, number>();
  readonly completed = new Set<string>();
  aborted: string | null = null;
  readonly urlProtocolItems: Item[];
  apiItems: Item[];
  /** The browser-API servers, once started. */
  api: ApiServers | null = null;
  /** The fuzzing server speaks HTTP/2 and serves the page (JobOptions.http2). */
  readonly overHttp2: boolean;
  private readonly byKey: Map<string, Item>;
  private readonly byN: Map<number, Item>;
  private readonly pageLogs = new Map<string, string[]>();
  // A URL-protocol case counts once the server has its result and the page has seen its end: a
  // result that arrives while the page is hung (the server's timers fired) says nothing about the
  // browser, and the case runs again.
  private readonly serverResults = new Map<string, CaseResult>();
  /** URL-protocol cases whose server-side verdict a timer shaped (see JobOutcome.suspects). */
  private readonly timerShaped = new Set<string>();
  private readonly suspects = new Map<string, CaseResult>();
  private readonly pageDone = new Set<string>();
  private lastProgress = Date.now();
  /** Set while finished() waits: ends the wait once the job is over. */
  private wake = (): void => undefined;

  constructor(
    private readonly spec: JobSpec,
    private readonly o: JobOptions,
  ) {
    this.byKey = new Map(spec.batch.map((i) => [i.key, i]));
    this.urlProtocolItems = spec.batch.filter((i) => i.n !== undefined);
    this.apiItems = spec.batch.filter((i) => i.n === undefined);
    this.byN = new Map(this.urlProtocolItems.map((i) => [i.n!, i]));
    this.overHttp2 = o.http2 === true && o.tls !== undefined;
  }

  abort(why: string): void {
    this.aborted ??= why;
    this.wake();
  }

  /** The browser-API cases this engine cannot be asked get UNIMPLEMENTED with why, and do not run. */
  skipNotCheckable(): void {
    const trust = this.spec.handle.trust;
    this.apiItems = this.apiItems.filter((item) => {
      const why = notCheckable(item.def, trust);
      if (why !== null) this.complete(item, notCheckableResult(item.def, this.spec.agent, item.caseIndex, why, Date.now()));
      return why === null;
    });
  }

  startFuzzingServer(reach: Reach): Promise<FuzzingServer> {
    const { agent, concurrency } = this.spec;
    return startFuzzingServer({
      host: reach.listenHost,
      port: 0,
      cases: this.o.cases,
      session: this.o.session,
      openHandshakeTimeoutMs: DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS,
      ...(this.o.tls ? { tls: this.o.tls.serving } : {}),
      ...(this.overHttp2 ? { http2: { enableConnectProtocol: true, ordinary: (stream, headers) => this.o.pages.serveStream(stream, headers) } } : {}),
      onCaseStart: (a, n) => {
        const item = this.byN.get(n);
        if (item && a === agent) this.caseStarted(item.key);
      },
      // The page has no load monitor: a timer verdict from a job running several cases at once is a suspect (lag: cannot tell).
      onPlayed: (r, t) => {
        const item = this.byN.get(r.caseIndex);
        if (item && r.agent === agent && concurrency > 1 && needsConfirmation(r, t, Infinity, 0)) this.timerShaped.add(item.key);
      },
      onResult: (r) => {
        const item = this.byN.get(r.caseIndex);
        if (!item || r.agent !== agent) return;
        this.serverResults.set(item.key, r);
        this.completeUrlCase(item);
      },
      log: (line) => {
        if (/harness error/.test(line)) this.o.log?.(`fuzzing server: ${line}`);
      },
    });
  }

  onPageEvent(e: PageEvent): void {
    if (this.aborted) return;
    switch (e.type) {
      case 'start':
        this.caseStarted(e.key);
        break;
      case 'log': {
        // Only this job's cases: a page cannot grow the map with keys of its own making.
        if (!this.byKey.has(e.key)) break;
        let lines = this.pageLogs.get(e.key);
        if (!lines) this.pageLogs.set(e.key, (lines = []));
        if (lines.length < MAX_LOG_LINES) lines.push(e.line);
        break;
      }
      case 'done': {
        const item = this.byKey.get(e.key);
        if (item && item.n === undefined) void this.finishApiCase(item);
        if (item && item.n !== undefined) {
          this.pageDone.add(item.key);
          this.completeUrlCase(item);
        }
        this.progress();
        break;
      }
      case 'finished':
        this.progress();
        break;
      case 'page-error':
        this.o.log?.(`${this.spec.agent}: page error: ${e.message}`);
        break;
    }
  }

  /** Resolves once every case has its result or the job was aborted; meanwhile a watchdog looks for cases over their time. */
  finished(): Promise<void> {
    this.lastProgress = Date.now();
    return new Promise<void>((resolve) => {
      // Every event checks whether the job is over; the timer also looks for cases over their time.
      const timer = setInterval(() => {
        this.watchdog();
        this.wake();
      }, WATCHDOG_MS);
      this.wake = (): void => {
        if (this.aborted || this.completed.size === this.spec.batch.length) {
          clearInterval(timer);
          this.wake = () => undefined;
          resolve();
        }
      };
      this.watchdog();
      this.wake();
    });
  }

  outcome(): JobOutcome {
    const partial = new Map<string, PartialApiCase>();
    for (const item of this.apiItems) {
      if (this.started.has(item.key) && !this.completed.has(item.key)) partial.set(item.key, { log: this.pageLogs.get(item.key) ?? [], wire: this.api?.record(item.def.id) ?? null });
    }
    return { completed: this.completed, started: this.started, aborted: this.aborted, partial, suspects: this.suspects };
  }

  private progress(): void {
    this.lastProgress = Date.now();
    this.wake();
  }

  // A case starts when the page says so (browser-API cases, and any case with a deliberate fault)
  // or when the fuzzing server sees its /runCase, whichever comes first.
  private caseStarted(key: string): void {
    if (this.aborted || this.started.has(key)) return;
    this.started.set(key, Date.now());
    const { faults, handle } = this.spec;
    if (faults.exitAt === key) void handle.kill();
    if (faults.crashAt === key) void (handle.crashPage ? handle.crashPage() : handle.kill());
    this.progress();
  }

  private complete(item: Item, r: CaseResult): void {
    if (this.aborted || this.completed.has(item.key)) return;
    this.completed.add(item.key);
    if (this.timerShaped.has(item.key)) this.suspects.set(item.key, r);
    this.spec.deliver(r);
    this.progress();
  }

  private completeUrlCase(item: Item): void {
    const r = this.serverResults.get(item.key);
    if (r && this.pageDone.has(item.key)) this.complete(item, r);
  }

  private async finishApiCase(item: Item): Promise<void> {
    const api = this.api!;
    await api.settled(item.def.id, API_SETTLE_MS);
    const log = this.pageLogs.get(item.key) ?? [];
    this.complete(item, apiCaseResult(item.def, this.spec.agent, item.caseIndex, log, api.record(item.def.id), this.started.get(item.key) ?? Date.now(), Date.now()));
  }

  private watchdog(): void {
    const { o } = this;
    const now = Date.now();
    if (!this.aborted && o.shouldStop?.()) this.aborted = 'the run was stopped';
    if (this.aborted) return;
    for (const [key, t] of this.started) {
      const def = this.byKey.get(key)?.def;
      // A bulk case gets the extra time its own timer asks for beyond the run's limit (SessionOptions.stretchCaseTimeout).
      const limit = o.caseTimeoutMs + (def ? caseLimitMs(def, o.session) - o.session.caseTimeoutMs : 0);
      if (!this.completed.has(key) && now - t > limit) this.aborted ??= `case ${def?.id ?? key} did not end within ${limit / 1000} s`;
    }
    // Cases in flight have their own limits above (a bulk case may rightly take minutes).
    const inFlight = [...this.started.keys()].some((key) => !this.completed.has(key));
    if (!inFlight && now - this.lastProgress > o.caseTimeoutMs) this.aborted ??= `the page made no progress for ${o.caseTimeoutMs / 1000} s`;
  }
}
