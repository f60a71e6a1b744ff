/**
 * Runs the selected cases in one browser engine, a job at a time (job.ts: one page load running a
 * batch of cases; schedule.ts: which cases, in what order).
 *
 * When the page crashes, the browser exits or a case stops making progress, the attempt is
 * aborted: the browser is killed and started again. A case that was running alone then gets a
 * timeout verdict; when several were running, each runs again on its own, so that concurrency
 * never decides a verdict. Cases that had not started yet simply run in the next attempt.
 *
 * Once every case has a result, the cases whose verdict a timer shaped while the page ran several
 * at once are played again with one case at a time (second-look.ts), and that verdict is reported.
 */
import type { CaseDef } from '../../cases/types.js';
import type { CaseResult, PaceSummary } from '../engine/results.js';
import { timeoutResult, type PartialApiCase } from '../engine/verdicts/browser-api.js';
import { briefError, EngineUnavailable, type EngineHandle, type EngineName, type LaunchOptions } from './engines.js';
import type { EngineTrust } from './tls.js';
import { runJob, type Faults, type JobOptions, type JobOutcome } from './job.js';
import { launchEngine } from './launch.js';
import { itemsOf, nextBatch, type Item } from './schedule.js';
import { secondLook, type Suspect } from './second-look.js';

export interface BrowserAgent {
  name: string;
  engine: EngineName;
  version: string;
  description: string;
}

/**
 * LaunchOptions says how the engine is started (here, or reached at --browser-endpoint /
 * --webdriver-url); JobOptions what every job needs (the page server, the reach, the
 * URL-protocol cases, already chosen for a client target, in catalogue order: runCase N is index + 1).
 */
export interface BrowserRunOptions extends LaunchOptions, JobOptions {
  engine: EngineName;
  /** Browser-API cases (api.*). */
  apiCases: readonly CaseDef[];
  /** The `case` number stored for a browser-API result; by default they follow the URL-protocol cases. */
  apiCaseIndex?: (def: CaseDef, i: number) => number;
  /** Cases the page runs at once (each on its own socket). */
  concurrency: number;
  /** Browser restarts allowed before the remaining cases get timeout verdicts; default 10. */
  maxRestarts?: number;
  onAgent?: (a: BrowserAgent) => void;
  /** Called for every result, including a case's second look, whose result replaces the first. */
  onResult: (r: CaseResult) => void;
  /** Called once the engine's run knows what its second look found (for the run metadata). */
  onPace?: (agent: string, p: PaceSummary) => void;
  /**
   * When given, the browser is closed in the background once the last case has its result: the
   * closing is handed over here (to await later) instead of being awaited before returning.
   */
  deferClose?: (closing: Promise<void>) => void;
  /**
   * Faults for wsconform's own tests, by case ID, when that case starts: the page's script hangs,
   * the page crashes (Chromium; elsewhere the browser is killed), or the browser is killed. They
   * strike in the second look too; `secondLook`'s only there. `underLoad`: in a job that runs more
   * than one case at once, the page echoes each message of an Autobahn case `echoDelayMs` late (a
   * browser that misses the harness's timers only under load, which the second look must see through).
   * `shim`: a script every page runs before its browser-API cases (a WebSocket that breaks a rule).
   */
  faults?: FaultsAt & { secondLook?: FaultsAt; underLoad?: { echoDelayMs: number }; shim?: string };
}

type FaultsAt = { hangAt?: string; crashAt?: string; exitAt?: string };

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
  /** What the second look found; absent when the engine could not run or the run was stopped first. */
  pace?: PaceSummary;
  /** Over TLS: how the engine trusted the run's certificates, and what its page connection negotiated (set by runBrowsers). */
  tls?: { trust: EngineTrust; protocol?: string; cipher?: string };
}

export async function runBrowser(o: BrowserRunOptions): Promise<BrowserRunOutcome> {
  const t0 = Date.now();
  let handle: EngineHandle;
  try {
    handle = await launchEngine(o.engine, o);
  } catch (e) {
    const why = e instanceof EngineUnavailable ? e.why : briefError(e);
    return { engine: o.engine, agent: null, unavailable: why, restarts: 0, timeouts: [], launchMs: Date.now() - t0, wallMs: Date.now() - t0 };
  }
  const launchMs = Date.now() - t0;
  const { version, description } = handle;
  const agent = `${o.engine}-${version}`;
  o.onAgent?.({ name: agent, engine: o.engine, version, description });
  const supervisor = new Supervisor(o, agent, handle);
  let pace: PaceSummary | undefined;
  try {
    await supervisor.run();
    if (!o.shouldStop?.()) {
      pace = await supervisor.secondLook();
      o.onPace?.(agent, pace);
    }
  } finally {
    const closing = supervisor.handle?.close() ?? Promise.resolve();
    if (o.deferClose) o.deferClose(closing);
    else await closing;
  }
  const tls = handle.trust ? { tls: { trust: handle.trust } } : {};
  return { engine: o.engine, agent, version, description, restarts: supervisor.restarts, timeouts: supervisor.timeouts, launchMs, wallMs: Date.now() - t0, ...(pace ? { pace } : {}), ...tls };
}

/** Runs jobs until every case has a result, restarting the browser after an aborted job. */
class Supervisor {
  readonly timeouts: string[] = [];
  restarts = 0;
  /** Cases still to run, in order. */
  private pending: Item[];
  /** Cases that were in flight together when a job was aborted: each runs again in a job of its own. */
  private readonly isolate: Item[] = [];
  private readonly faults: Faults;
  private readonly againFaults: Faults;
  /** Cases whose verdict a timer shaped while the page ran several at once: played again once every case has a result. */
  private readonly suspects: Suspect[] = [];

  constructor(
    private readonly o: BrowserRunOptions,
    private readonly agent: string,
    /** The running browser; null between a kill and the next launch. */
    public handle: EngineHandle | null,
  ) {
    this.pending = itemsOf(o.cases, o.apiCases, o.apiCaseIndex);
    const keyOf = (id: string | undefined): string | undefined => (id === undefined ? undefined : this.pending.find((i) => i.def.id === id)?.key);
    const f = o.faults ?? {};
    const inPage = { ...(f.underLoad ? { underLoad: f.underLoad } : {}), ...(f.shim !== undefined ? { shim: f.shim } : {}) };
    this.faults = { hangAt: keyOf(f.hangAt), crashAt: keyOf(f.crashAt), exitAt: keyOf(f.exitAt), ...inPage };
    const again = f.secondLook ?? {};
    this.againFaults = { hangAt: keyOf(again.hangAt ?? f.hangAt), crashAt: keyOf(again.crashAt ?? f.crashAt), exitAt: keyOf(again.exitAt ?? f.exitAt), ...inPage };
  }

  async run(): Promise<void> {
    const { o } = this;
    while (this.hasWork() && !o.shouldStop?.()) {
      if (!this.handle) {
        const why = await this.relaunch();
        if (why !== null) {
          this.giveUp(`the browser could not be started again: ${why}`);
          break;
        }
      }
      const single = this.isolate.length > 0;
      const batch = nextBatch(this.pending, this.isolate);
      const concurrency = batch.length === 1 ? 1 : o.concurrency;
      const out = await runJob({ handle: this.handle!, batch, agent: this.agent, concurrency, faults: this.faults, deliver: (r) => deliver(o, r) }, o);
      for (const item of batch) {
        const first = out.suspects.get(item.key);
        if (first) this.suspects.push({ item, first });
      }
      this.pending = this.pending.filter((i) => !out.completed.has(i.key));
      if (!out.aborted) continue;
      if (o.shouldStop?.()) break;
      await this.restartAfter(out.aborted, out, { batch, single, shared: concurrency > 1 });
    }
  }

  /** Plays the suspects again, one case at a time in the page (second-look.ts). */
  secondLook(): Promise<PaceSummary> {
    const { o } = this;
    const order = new Map(itemsOf(o.cases, o.apiCases, o.apiCaseIndex).map((i, k) => [i.key, k]));
    const suspects = [...this.suspects].sort((a, b) => order.get(a.item.key)! - order.get(b.item.key)!);
    return secondLook(suspects, {
      firstConcurrency: o.concurrency,
      deliver: (r) => {
        if (r.timedOutWaitingFor === undefined && this.timeouts.includes(r.id)) this.timeouts.splice(this.timeouts.indexOf(r.id), 1);
        deliver(o, r);
      },
      timedOut: (item, why, startedAt, partial) => timeoutResult(item.def, this.agent, item.caseIndex, `${why}, played again alone`, startedAt, Date.now(), partial),
      ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
      job: async (batch, deliverAgain) => {
        if (!this.handle) {
          if (this.restarts > (o.maxRestarts ?? 10)) return `the browser was restarted ${this.restarts} times, the limit`;
          const why = await this.relaunch();
          if (why !== null) return `the browser could not be started again: ${why}`;
        }
        const out = await runJob({ handle: this.handle!, batch, agent: this.agent, concurrency: 1, faults: this.againFaults, deliver: deliverAgain }, o);
        if (out.aborted && !o.shouldStop?.()) {
          this.restarts++;
          o.log?.(`${this.agent}: ${out.aborted} (playing timer verdicts again); restarting the browser`);
          await this.handle!.kill();
          this.handle = null;
        }
        return out;
      },
    });
  }

  private hasWork(): boolean {
    return this.pending.length > 0 || this.isolate.length > 0;
  }

  /** Starts the browser again: null, or why it could not be. */
  private async relaunch(): Promise<string | null> {
    try {
      this.handle = await launchEngine(this.o.engine, this.o);
      return null;
    } catch (e) {
      return e instanceof EngineUnavailable ? e.why : briefError(e);
    }
  }

  /** After an aborted job: kills the browser and decides what becomes of the job's cases. */
  private async restartAfter(why: string, out: JobOutcome, job: { batch: Item[]; single: boolean; shared: boolean }): Promise<void> {
    const { batch, single, shared } = job;
    this.restarts++;
    this.o.log?.(`${this.agent}: ${why}; restarting the browser`);
    await this.handle!.kill();
    this.handle = null;
    // An isolated case that never got to start (the page did not load) waits for the next browser.
    if (single && !out.started.has(batch[0]!.key) && !out.completed.has(batch[0]!.key)) this.isolate.unshift(batch[0]!);
    const inFlight = batch.filter((i) => out.started.has(i.key) && !out.completed.has(i.key));
    for (const item of inFlight) {
      this.pending = this.pending.filter((i) => i !== item);
      // A case that was running alone broke the browser by itself; others get a run of their own first.
      // One left running in a job that had run others beside it is played again on its own at the end.
      if (inFlight.length === 1) {
        const first = this.giveTimeout(item, `${why}; the browser was restarted for the remaining cases`, out.started.get(item.key)!, out.partial.get(item.key));
        if (shared) this.suspects.push({ item, first });
      } else this.isolate.push(item);
    }
    if (this.restarts > (this.o.maxRestarts ?? 10) && this.hasWork()) this.giveUp(`not run: the browser was restarted ${this.restarts} times, the limit`);
  }

  /** Every case left gets a timeout verdict saying why. */
  private giveUp(why: string): void {
    this.o.log?.(`${this.agent}: ${why}`);
    for (const item of [...this.isolate, ...this.pending]) this.giveTimeout(item, why, Date.now());
    this.pending = [];
    this.isolate.length = 0;
  }

  private giveTimeout(item: Item, why: string, startedAt: number, partial?: PartialApiCase): CaseResult {
    this.timeouts.push(item.def.id);
    const r = timeoutResult(item.def, this.agent, item.caseIndex, why, startedAt, Date.now(), partial);
    deliver(this.o, r);
    return r;
  }
}

/** Hands a result over; a callback that throws is logged, never left as an unhandled rejection. */
function deliver(o: BrowserRunOptions, r: CaseResult): void {
  try {
    o.onResult(r);
  } catch (e) {
    o.log?.(`onResult failed for ${r.agent} ${r.id}: ${briefError(e)}`);
  }
}
