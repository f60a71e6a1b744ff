/**
 * Selecting cases (Autobahn's pattern rules) and running them concurrently under a memory budget,
 * with results streamed as each case finishes. Results never depend on the concurrency: each case
 * has its own connection and its own timers.
 */
import type { CaseDef } from '../../cases/types.js';
import { caseLimitMs, type SessionOptions } from './defaults.js';

/**
 * Autobahn's case patterns: exact IDs, or `*` wildcards matched at the start of the ID (`anchored`:
 * at both ends, as wstest's exclude-agent-cases match).
 */
export function patternMatcher(pattern: string, o: { anchored?: boolean } = {}): (id: string) => boolean {
  if (!pattern.includes('*')) return (id) => id === pattern;
  const body = pattern
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(o.anchored ? `^${body}$` : `^${body}`);
  return (id) => re.test(id);
}

/** Splits "1.*,6.4.*" or repeated options into patterns. */
export function splitPatterns(values: string | string[] | undefined): string[] {
  if (values === undefined) return [];
  return (Array.isArray(values) ? values : [values])
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export interface Selection {
  cases: string[];
  exclude: string[];
}

/** (cases − exclude), in catalogue order (which is Autobahn's numeric order for numeric IDs). */
export function selectCases(catalogue: readonly CaseDef[], sel: Selection): CaseDef[] {
  const include = (sel.cases.length > 0 ? sel.cases : ['*']).map((p) => patternMatcher(p));
  const exclude = sel.exclude.map((p) => patternMatcher(p));
  return catalogue.filter((c) => include.some((m) => m(c.id)) && !exclude.some((m) => m(c.id)));
}

/**
 * The cases that apply when the harness plays `role` ('client': testing servers; 'server': testing
 * clients). Browser-API cases ('browsers') run only in a browser's page, never over a role; the tls.*
 * cases only where asked for (`tls`: test-client --tls with a client command, which can play them),
 * and the h2.client.* cases likewise (`h2Client`: test-client --http2 with a client command); the
 * h2.* cases only in an HTTP/2 run against servers (`http2`: over HTTP/1.1 there is no stream to play them on).
 */
export function casesForRole(cases: readonly CaseDef[], role: 'client' | 'server', o: { tls?: boolean; http2?: boolean; h2Client?: boolean } = {}): CaseDef[] {
  const skip = role === 'client' ? 'clients' : 'servers';
  return cases.filter(
    (c) => (c.applies ?? 'both') !== skip && c.applies !== 'browsers' && (!c.tls || o.tls === true) && (c.expect.kind !== 'h2' || o.http2 === true) && (!c.h2Client || o.h2Client === true),
  );
}

/** Why `def` is left out of a run over HTTP/1.1, or null when it is not (for a note when it was asked for by name). */
export function leftOutOverHttp1(def: CaseDef): string | null {
  return def.expect.kind === 'h2' ? 'h2.* cases run only over HTTP/2 (test-server --http2)' : null;
}

/** Patterns that select nothing, to warn about typos. */
export function unmatchedPatterns(catalogue: readonly CaseDef[], patterns: string[]): string[] {
  return patterns.filter((p) => {
    const m = patternMatcher(p);
    return !catalogue.some((c) => m(c.id));
  });
}

export interface ScheduleOptions {
  concurrency: number;
  /** Bytes of case cost allowed in flight at once (big messages are held in memory while echoed). */
  memoryBudget: number;
  /** Stop starting new cases (e.g. after SIGINT or the run deadline). */
  shouldStop?: () => boolean;
}

/** A rough guess of how long a case takes against a healthy local target, to start long ones first. */
export function estimateMs(def: CaseDef): number {
  let ms = 0;
  for (const step of def.steps) {
    if (step.do === 'wait') ms += step.ms;
    // Round trips, bytes, writes, and frames: a target pays for every frame (9.3.1/9.4.1 send 4 MiB
    // in 65,537 frames, which costs a browser seconds).
    if (step.do === 'echo') {
      const frames = step.rounds.fragmentSize ? (def.cost ?? 0) / step.rounds.fragmentSize : 0;
      ms += step.rounds.count * 0.3 + (def.cost ?? 0) / 50_000 + (step.rounds.chop ? (def.cost ?? 0) / step.rounds.chop / 50 : 0) + frames * 0.05;
    }
  }
  // A browser-API case takes the pauses its server and page make.
  if (def.expect.kind === 'browser-api') {
    const api = def.expect.check;
    const { handshake, actions, onClose, closeAfterMs } = api.server;
    ms += (handshake.kind === 'accept' ? (handshake.delayMs ?? 0) : 0) + (onClose?.delayMs ?? 0) + (closeAfterMs ?? 0);
    for (const a of actions ?? []) if (a.do === 'wait') ms += a.ms;
    for (const a of api.page) if (a.do === 'sleep') ms += a.ms;
  }
  return ms;
}

/** Parses "i/n" (1-based): shard i of n. */
export function parseShard(v: string): { index: number; count: number } | null {
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) return null;
  return { index, count };
}

/**
 * Shard `index` of `count` (1-based): a deterministic split balanced by expected cost. Cases are
 * dealt heaviest first to the least loaded shard (ties to the lowest shard), so every machine
 * computes the same split and the shards take about the same time.
 */
export function shardCases<T extends CaseDef>(cases: readonly T[], index: number, count: number, cost: (c: T) => number = shardCost): T[] {
  if (count <= 1) return [...cases];
  const load = new Array<number>(count).fill(0);
  const owner = new Map<string, number>();
  const order = cases.map((c, i) => ({ c, i, w: cost(c) })).sort((a, b) => b.w - a.w || a.i - b.i);
  for (const { c, w } of order) {
    let best = 0;
    for (let k = 1; k < count; k++) if (load[k]! < load[best]!) best = k;
    load[best]! += w;
    owner.set(c.id, best);
  }
  return cases.filter((c) => owner.get(c.id) === index - 1);
}

/** What a case costs a shard: its expected duration, with a floor for the connection itself. */
export function shardCost(def: CaseDef): number {
  return Math.max(estimateMs(def), 5);
}

/** Bytes a case holds in memory at its peak: the message being sent, its encoding and the echo. */
export function memoryCost(def: CaseDef): number {
  return (def.cost ?? 0) * 3;
}

/**
 * A bulk case: one that echoes messages of up to megabytes, many of them (9.x, 12.x, 13.x, the
 * cases with an echo step). Such a case keeps a target busy copying (and, with permessage-deflate,
 * compressing) for seconds, against timers of 100-1000 s, while the other cases have 1 s timers. The
 * pace keeps the two kinds apart on a busy target, and the compression ones run at most
 * DEFLATE_BULK_LIMIT at once.
 */
export function isBulkCase(def: CaseDef): boolean {
  return def.steps.some((s) => s.do === 'echo');
}

/**
 * Bytes a bulk case still holds while it only waits (Slot.waiting): the message it sent, kept to
 * compare the echo with, and as much of an echo as may have come; its encoding has left the harness.
 */
export function waitingMemoryCost(def: CaseDef): number {
  return (def.cost ?? 0) * 2;
}

/** At most `limit` items for which `is` holds run at once, whatever the concurrency. */
export interface BulkLimit<T> {
  limit: number;
  is: (item: T) => boolean;
}

/**
 * The compression cases (12.x, 13.x) each keep the target busy compressing for seconds to minutes,
 * against timers of 60-480 s. Run many at once and each gets a small share of the target, so a
 * healthy but slow target would fail the cases on their timers only at high concurrency. At most
 * this many run at once: enough to keep a target's cores and zlib threads busy, few enough that
 * each case's pace, and so its verdict, does not depend on --concurrency.
 */
export const DEFLATE_BULK_LIMIT = 4;

export const deflateBulk: BulkLimit<CaseDef> = {
  limit: DEFLATE_BULK_LIMIT,
  is: (def) => isBulkCase(def) && def.handshake?.deflate !== undefined,
};

/**
 * An upper bound on how long a run of `cases` takes (for a caller's own watchdog), besides the probe
 * and the load monitor's connection (an opening handshake each). One play of a case takes at most an
 * opening handshake and then the case's hard limit. The pace may narrow a pass to one case at a time
 * (a busy target), but a pass is never idle: whenever no case runs, schedule() starts one (a lone
 * case always fits the memory budget, the bulk limit and the pace), so a pass takes at most the sum
 * of its plays. Above concurrency 1 a case may be played three times (confirm.ts: the first pass,
 * the second look at the suspects, then alone), and any case can be a suspect, its hard limit being
 * a timer. Waves of cases at their limits would be tighter, but only while nothing narrows the run.
 */
export function runTimeBoundMs(cases: readonly CaseDef[], concurrency: number, o: Pick<SessionOptions, 'caseTimeoutMs' | 'stretchCaseTimeout'> & { openHandshakeTimeoutMs: number }): number {
  const pass = cases.reduce((ms, c) => ms + o.openHandshakeTimeoutMs + caseLimitMs(c, o), 0);
  const plays = concurrency > 1 && cases.length > 0 ? 3 : 1;
  return 2 * o.openHandshakeTimeoutMs + plays * pass;
}

/** How a run adapts to its target while it runs (see runner/fuzzing-client/pace.ts). */
export interface Pace<T> {
  /** Cases at once now, at most ScheduleOptions.concurrency. */
  concurrency(): number;
  /** Whether `item` may start now beside those running. */
  mayStart(item: T, running: ReadonlySet<T>): boolean;
}

/**
 * What a running task may tell the scheduler about itself. A task that is only waiting (a long timer,
 * nothing in flight either way) lends its slot, and the memory it does not hold while it waits, to
 * another item; once it works again it takes them back at once, and the run is over its width or its
 * budget until enough tasks end. At most `concurrency` tasks lend their slots at a time. The bulk
 * limit and the pace still count a waiting task: it may start working again at any moment.
 */
export interface Slot {
  waiting(): void;
  working(): void;
}

/**
 * Runs `task` for every item, at most `concurrency` at once and within the memory budget. Items
 * with the highest priority (the longest expected duration) start first, so that long waits and
 * transfers overlap the many short cases instead of trailing after them. A `pace` can lower the
 * concurrency and hold items back while the run goes; the queue is then looked at again every 50 ms.
 * `waitingCost` is the memory a task still holds while it waits (see Slot; 0 when not given).
 */
export async function schedule<T>(
  items: readonly T[],
  cost: (item: T) => number,
  task: (item: T, slot: Slot) => Promise<void>,
  o: ScheduleOptions & { priority?: (item: T) => number; bulk?: BulkLimit<T>; pace?: Pace<T>; waitingCost?: (item: T) => number },
): Promise<void> {
  const queue = [...items].map((item, i) => ({ item, i, c: Math.min(cost(item), o.memoryBudget), p: o.priority ? o.priority(item) : 0, bulk: o.bulk?.is(item) ?? false }));
  queue.sort((a, b) => b.p - a.p || a.i - b.i);
  const running = new Set<T>();
  let inFlight = 0;
  let bulkRunning = 0;
  /** Running tasks that lent their slot (Slot.waiting). */
  let waiting = 0;
  const bulkLimit = Math.max(1, o.bulk?.limit ?? Infinity);
  let retry: NodeJS.Timeout | null = null;
  await new Promise<void>((resolve) => {
    const start = (item: T, c: number, bulk: boolean): void => {
      running.add(item);
      inFlight += c;
      if (bulk) bulkRunning++;
      const lent = c - Math.min(c, Math.max(0, o.waitingCost?.(item) ?? 0));
      let lending = false;
      let ended = false;
      const slot: Slot = {
        waiting: () => {
          if (ended || lending || waiting >= o.concurrency) return;
          lending = true;
          waiting++;
          inFlight -= lent;
          queueMicrotask(pump);
        },
        working: () => {
          if (ended || !lending) return;
          lending = false;
          waiting--;
          inFlight += lent;
        },
      };
      task(item, slot)
        .catch(() => undefined)
        .finally(() => {
          slot.working();
          ended = true;
          running.delete(item);
          inFlight -= c;
          if (bulk) bulkRunning--;
          pump();
        });
    };
    const pump = (): void => {
      if (o.shouldStop?.()) queue.length = 0;
      const width = Math.max(1, Math.min(o.concurrency, o.pace?.concurrency() ?? Infinity));
      while (queue.length > 0 && running.size - waiting < width) {
        // The heaviest item that fits; a single item always fits when nothing else runs.
        const idx = queue.findIndex((q) => {
          if (!((running.size === 0 || inFlight + q.c <= o.memoryBudget) && (!q.bulk || bulkRunning < bulkLimit))) return false;
          return !o.pace || running.size === 0 || o.pace.mayStart(q.item, running);
        });
        if (idx < 0) break;
        const { item, c, bulk } = queue.splice(idx, 1)[0]!;
        start(item, c, bulk);
      }
      if (running.size === 0 && queue.length === 0) {
        if (retry) clearTimeout(retry);
        resolve();
        return;
      }
      // What the pace holds back now it may let go later, with no case ending to say so.
      if (o.pace && queue.length > 0 && !retry) {
        retry = setTimeout(() => {
          retry = null;
          pump();
        }, 50);
      }
    };
    pump();
  });
}
