/**
 * Runs the selected cases in one browser engine, a job at a time (job.ts: one page load running a
 * batch of cases; schedule.ts: which cases, in what order).
 *
 * When the page crashes, the browser exits or a case stops making progress, the attempt is
 * aborted: the browser is killed and started again. A case that was running alone then gets a
 * timeout verdict; when several were running, each runs again on its own, so that concurrency
 * never decides a verdict. Cases that had not started yet simply run in the next attempt.
 */
import type { CaseDef } from '../../cases/types.js';
import type { CaseResult } from '../engine/results.js';
import { timeoutResult, type PartialApiCase } from '../engine/verdicts/browser-api.js';
import { briefError, EngineUnavailable, type EngineHandle, type EngineName, type LaunchOptions } from './engines.js';
import { runJob, type Faults, type JobOptions, type JobOutcome } from './job.js';
import { launchEngine } from './launch.js';
import { itemsOf, nextBatch, type Item } from './schedule.js';

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
  onResult: (r: CaseResult) => void;
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
  try {
    await supervisor.run();
  } finally {
    const closing = supervisor.handle?.close() ?? Promise.resolve();
    if (o.deferClose) o.deferClose(closing);
    else await closing;
  }
  return { engine: o.engine, agent, version, description, restarts: supervisor.restarts, timeouts: supervisor.timeouts, launchMs, wallMs: Date.now() - t0 };
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

  constructor(
    private readonly o: BrowserRunOptions,
    private readonly agent: string,
    /** The running browser; null between a kill and the next launch. */
    public handle: EngineHandle | null,
  ) {
    this.pending = itemsOf(o.cases, o.apiCases, o.apiCaseIndex);
    const keyOf = (id: string | undefined): string | undefined => (id === undefined ? undefined : this.pending.find((i) => i.def.id === id)?.key);
    this.faults = { hangAt: keyOf(o.faults?.hangAt), crashAt: keyOf(o.faults?.crashAt), exitAt: keyOf(o.faults?.exitAt) };
  }

  async run(): Promise<void> {
    const { o } = this;
    while (this.hasWork() && !o.shouldStop?.()) {
      if (!this.handle && !(await this.relaunch())) break;
      const single = this.isolate.length > 0;
      const batch = nextBatch(this.pending, this.isolate);
      const out = await runJob({ handle: this.handle!, batch, agent: this.agent, concurrency: batch.length === 1 ? 1 : o.concurrency, faults: this.faults, deliver: (r) => deliver(o, r) }, o);
      this.pending = this.pending.filter((i) => !out.completed.has(i.key));
      if (!out.aborted) continue;
      if (o.shouldStop?.()) break;
      await this.restartAfter(out.aborted, out, { batch, single });
    }
  }

  private hasWork(): boolean {
    return this.pending.length > 0 || this.isolate.length > 0;
  }

  /** Starts the browser again; when it cannot be, every case left gets a timeout verdict (false). */
  private async relaunch(): Promise<boolean> {
    try {
      this.handle = await launchEngine(this.o.engine, this.o);
      return true;
    } catch (e) {
      this.giveUp(`the browser could not be started again: ${e instanceof EngineUnavailable ? e.why : briefError(e)}`);
      return false;
    }
  }

  /** After an aborted job: kills the browser and decides what becomes of the job's cases. */
  private async restartAfter(why: string, out: JobOutcome, job: { batch: Item[]; single: boolean }): Promise<void> {
    const { batch, single } = job;
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
      if (inFlight.length === 1) this.giveTimeout(item, `${why}; the browser was restarted for the remaining cases`, out.started.get(item.key)!, out.partial.get(item.key));
      else this.isolate.push(item);
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

  private giveTimeout(item: Item, why: string, startedAt: number, partial?: PartialApiCase): void {
    this.timeouts.push(item.def.id);
    deliver(this.o, timeoutResult(item.def, this.agent, item.caseIndex, why, startedAt, Date.now(), partial));
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
