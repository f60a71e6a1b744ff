/**
 * The second look for a browser (runner/engine/confirm.ts): after an engine's run, the cases whose
 * verdict a timer shaped while the page ran several cases at once are played again in a job of
 * their own with one case at a time in the page, nothing else running, and that verdict is the one
 * reported. The suspects are the URL-protocol cases whose fuzzing-server session saw a harness
 * timer fire and no protocol violation (JobOutcome.suspects), and the cases the browser did not
 * finish in time in a job shared with other cases (timeout verdicts). When every case passed, there
 * are none, and the second look costs nothing.
 */
import { confirmedResult, unconfirmedResult } from '../engine/confirm.js';
import type { CaseResult, PaceSummary } from '../engine/results.js';
import type { PartialApiCase } from '../engine/verdicts/browser-api.js';
import type { JobOutcome } from './job.js';
import { nextBatch, type Item } from './schedule.js';

/** A case to play again, with its first result. */
export interface Suspect {
  item: Item;
  first: CaseResult;
}

export interface SecondLookOptions {
  /** Cases the page ran at once the first time. */
  firstConcurrency: number;
  /**
   * Runs `batch` in one job with one case at a time in the page, handing each result to `deliver`;
   * a string when the job cannot run at all (the browser cannot be started again): why.
   */
  job: (batch: Item[], deliver: (r: CaseResult) => void) => Promise<JobOutcome | string>;
  deliver: (r: CaseResult) => void;
  /** The timeout verdict of a case that broke a job of its own (the driver's, see driver.ts). */
  timedOut: (item: Item, why: string, startedAt: number, partial?: PartialApiCase) => CaseResult;
  shouldStop?: () => boolean;
}

/** Plays `suspects` again and says what that found, for the run's metadata (PaceSummary). */
export async function secondLook(suspects: readonly Suspect[], o: SecondLookOptions): Promise<PaceSummary> {
  const inPage = { concurrency: o.firstConcurrency };
  const byId = new Map(suspects.map((s) => [s.item.def.id, s]));
  let pending = suspects.map((s) => s.item);
  let confirmed = 0;
  let changed = 0;
  let notPlayedAgain = 0;
  // A second job that cannot run leaves the first verdicts, each with a note saying why.
  const leave = (items: readonly Item[], why: string): void => {
    for (const item of items) {
      notPlayedAgain++;
      o.deliver(unconfirmedResult(byId.get(item.def.id)!.first, why, { inPage }));
    }
  };
  const settle = (alone: CaseResult): void => {
    const s = byId.get(alone.id);
    if (!s) return;
    const r = confirmedResult(alone, s.first, Infinity, { inPage });
    confirmed++;
    if (!r.confirmedAlone?.same) changed++;
    o.deliver(r);
  };
  while (pending.length > 0 && !o.shouldStop?.()) {
    const batch = nextBatch(pending, []);
    const out = await o.job(batch, settle);
    if (typeof out === 'string') {
      leave(pending, out);
      break;
    }
    pending = pending.filter((i) => !out.completed.has(i.key));
    if (!out.aborted || o.shouldStop?.()) continue;
    // The case the job broke at keeps its first verdict, unless that was already that the browser
    // did not finish it: alone, it did not either. The cases after it wait for the next browser. A
    // job that broke before any case started (the page did not load) ends the batch.
    const inFlight = batch.filter((i) => out.started.has(i.key) && !out.completed.has(i.key));
    const left = inFlight.length > 0 ? inFlight : batch.filter((i) => !out.completed.has(i.key));
    for (const item of left) {
      if (inFlight.includes(item) && byId.get(item.def.id)!.first.timedOutWaitingFor !== undefined) settle(o.timedOut(item, out.aborted, out.started.get(item.key)!, out.partial.get(item.key)));
      else leave([item], out.aborted);
    }
    pending = pending.filter((i) => !left.includes(i));
  }
  return { monitored: false, lowestConcurrency: o.firstConcurrency, bulkApart: false, confirmed, changed, inPage: true, ...(notPlayedAgain > 0 ? { notPlayedAgain } : {}) };
}
