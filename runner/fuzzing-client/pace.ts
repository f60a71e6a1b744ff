/**
 * Pacing a run to its target. A fast target (ws, most compiled servers) never lags and the run keeps
 * the concurrency it was given. A target that answers the load monitor late is busy: the run halves
 * its concurrency (at most twice a second) and doubles it again once the target has answered
 * promptly for a second; and from its first busy spell on, the bulk cases (isBulkCase: 9.x, 12.x,
 * 13.x) no longer run beside the short ones, whose 1 s timers a bulk transfer would otherwise eat.
 */
import type { CaseDef } from '../../cases/types.js';
import { isBulkCase, type Pace } from '../engine/plan.js';
import { PROMPT_MS, type LoadMonitor } from './load-monitor.js';

/**
 * Cases at once at the start of a paced run, doubled each half second the target stays prompt. Starting
 * at full width puts a single-threaded target (Tornado) behind at once, in the very first second,
 * before the monitor has seen anything: against Tornado, 2 of 4 runs at full width gave verdicts
 * that differ from --concurrency 1 (timers fired while the monitor still looked prompt), 0 of 4
 * with this start, at the same wall time (noisy figures: two shared cores).
 */
export const SLOW_START = 4;

export class MonitorPace implements Pace<CaseDef> {
  private readonly monitor: LoadMonitor;
  private readonly max: number;
  private width: number;
  private changedAt = 0;
  /** The target has been busy once: bulk and short cases run apart from then on. */
  slow = false;
  /** The lowest concurrency the run came down to, for the report. */
  lowest: number;

  /** `slow`: bulk and short cases apart from the start; `start`: the concurrency to begin with. */
  constructor(monitor: LoadMonitor, concurrency: number, o: { slow?: boolean; start?: number } = {}) {
    this.monitor = monitor;
    this.slow = o.slow ?? false;
    this.max = Math.max(1, concurrency);
    this.width = Math.max(1, Math.min(this.max, o.start ?? this.max));
    this.lowest = this.max;
  }

  concurrency(): number {
    const now = Date.now();
    if (this.monitor.busy()) {
      this.slow = true;
      if (now - this.changedAt >= 500 && this.width > 1) {
        this.width = Math.max(1, Math.floor(this.width / 2));
        this.lowest = Math.min(this.lowest, this.width);
        this.changedAt = now;
      }
    } else if (this.width < this.max && now - this.changedAt >= this.rampMs() && this.monitor.maxLagMs(this.rampMs()) < PROMPT_MS) {
      this.width = Math.min(this.max, this.width * 2);
      this.changedAt = now;
    }
    return this.width;
  }

  /**
   * How long the target must stay prompt before the width doubles: half a second while the run
   * ramps up from its slow start (a target that never lags reaches full width in 1.5 s), a second
   * once it has been busy.
   */
  private rampMs(): number {
    return this.slow ? 1000 : 500;
  }

  mayStart(def: CaseDef, running: ReadonlySet<CaseDef>): boolean {
    if (!this.slow) return true;
    const bulk = isBulkCase(def);
    for (const r of running) if (isBulkCase(r) !== bulk) return false;
    return true;
  }
}
