/**
 * Verdicts that do not depend on load. Autobahn plays one case at a time; wsconform plays many, and
 * a case's timers (1 s kill and closing-handshake timers, tagged pauses, the bulk echo timers) then
 * run while the target may be busy with the other cases. A verdict that is not OK, that a timer
 * shaped, and that was reached while the load monitor saw the target answer late (or had no way to
 * tell) is not trusted: the case is played again with the target not busy (bulk cases apart from the
 * short ones, the monitor prompt throughout; else with nothing else running at all, as Autobahn
 * plays it), and that verdict is the one reported. The case result keeps the first verdict beside it.
 * Testing a client, the client picks its own concurrency and the harness cannot see its load: the
 * suspects are those that ran beside other cases, and the client command runs a second time with
 * only them (runner/fuzzing-server/second-look.ts).
 * A browser's page has no load monitor: there every such verdict from a page running several cases
 * at once is played again with one case at a time in the page (runner/browser/second-look.ts).
 */
import type { CaseResult } from './results.js';
import type { Transcript } from './transcript.js';

/** A verdict that needs no second look: OK (or not applicable) on both counts. */
export function isClean(r: Pick<CaseResult, 'behavior' | 'behaviorClose'>): boolean {
  const fine = (v: string): boolean => v === 'OK' || v === 'INFORMATIONAL' || v === 'UNIMPLEMENTED';
  return fine(r.behavior) && fine(r.behaviorClose);
}

/** True when a harness timer decided part of what was recorded. */
export function timerShaped(t: Pick<Transcript, 'timersFired' | 'wasOpenHandshakeTimeout'>): boolean {
  return t.timersFired.length > 0 || t.wasOpenHandshakeTimeout;
}

/** A verdict that is not OK, that a timer shaped, and that no protocol violation of the target's decided. */
export function suspect(r: Pick<CaseResult, 'behavior' | 'behaviorClose'>, t: Pick<Transcript, 'timersFired' | 'wasOpenHandshakeTimeout' | 'violations'>): boolean {
  return !isClean(r) && timerShaped(t) && t.violations.length === 0;
}

/**
 * Whether a case's verdict from a concurrent pass must be confirmed alone. `targetLagMs` is the
 * largest lag the load monitor saw during the case (Infinity: no monitor, it cannot tell). A case in
 * which the target broke the protocol (a bad frame, a flood) is decided by bytes, not by a clock:
 * what the timers did after that does not make the verdict load's.
 */
export function needsConfirmation(
  r: Pick<CaseResult, 'behavior' | 'behaviorClose'>,
  t: Pick<Transcript, 'timersFired' | 'wasOpenHandshakeTimeout' | 'violations'>,
  targetLagMs: number,
  promptMs: number,
): boolean {
  return suspect(r, t) && !(targetLagMs < promptMs);
}

/**
 * How the second look was taken, for the notes. Testing a server, the harness plays the case again
 * while the load monitor watches (with `unmonitored`, at a quarter of the width); a browser
 * (`inPage`: how many cases the page ran at once the first time) plays it with one case at a time
 * in the page; testing a client, its command runs again with only the `clientCases` cases in question.
 */
export interface SecondLook {
  unmonitored?: boolean;
  inPage?: { concurrency: number };
  clientCases?: number;
}

function firstRun(first: CaseResult, firstLagMs: number, o: SecondLook): string {
  const was = `${first.behavior} / ${first.behaviorClose}`;
  // A client's load is its own business: all the harness knows is that other cases ran beside this one.
  if (o.clientCases !== undefined) return `the first run gave ${was} from a timer while other cases ran beside it`;
  if (o.inPage) return `the first run gave ${was} from a timer with ${o.inPage.concurrency} cases at once in the page`;
  const lag = Number.isFinite(firstLagMs) ? `the target answered the load monitor up to ${Math.round(firstLagMs)} ms late` : 'the load monitor could not tell how busy the target was';
  return `the first run gave ${was} from a timer while ${lag}`;
}

function secondRun(o: SecondLook): string {
  if (o.clientCases !== undefined) return `played again with only the ${o.clientCases === 1 ? 'case' : `${o.clientCases} cases`} in question`;
  if (o.inPage) return 'played again with one case at a time in the page';
  return o.unmonitored ? 'played again with a quarter as many cases at once' : 'played again with the target not busy';
}

/**
 * The result of the second look, carrying the first verdict and saying what the second look found.
 * `firstLagMs` is the load monitor's (Infinity: it could not tell, or there was none: a client, a page).
 */
export function confirmedResult(alone: CaseResult, first: CaseResult, firstLagMs: number, o: SecondLook = {}): CaseResult {
  const same = alone.behavior === first.behavior && alone.behaviorClose === first.behaviorClose;
  const note = same
    ? `Confirmed: ${firstRun(first, firstLagMs, o)}; ${secondRun(o)}, it gave the same verdict.`
    : `Played again: ${firstRun(first, firstLagMs, o)}; ${secondRun(o)}, it gave ${alone.behavior} / ${alone.behaviorClose}, the verdict reported.`;
  return {
    ...alone,
    notes: [...(alone.notes ?? []), note],
    confirmedAlone: {
      first: { behavior: first.behavior, behaviorClose: first.behaviorClose, result: first.result, resultClose: first.resultClose },
      firstTargetLagMs: Number.isFinite(firstLagMs) ? Math.round(firstLagMs) : null,
      same,
    },
  };
}

/** The first result, kept, when its second look could not be played (`why`: what stopped it). */
export function unconfirmedResult(first: CaseResult, why: string, o: SecondLook = {}): CaseResult {
  const note = `Not played again: ${firstRun(first, Infinity, o)}; the second look could not run (${why}), so this verdict stands.`;
  return { ...first, notes: [...(first.notes ?? []), note] };
}
