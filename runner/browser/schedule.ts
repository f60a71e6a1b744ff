/**
 * Which cases a browser job runs and in what order. The orders are heuristics about browsers, not
 * about verdicts: they keep slow or failing cases from holding up the timers of the others.
 */
import type { BrowserApiCheck } from '../../cases/browser-api-types.js';
import type { CaseDef } from '../../cases/types.js';
import { estimateMs } from '../engine/plan.js';

/** A case as the driver schedules it. */
export interface Item {
  /** `ab:<N>` for a URL-protocol case, `api:<id>` for a browser-API case: the key in PageEvents. */
  key: string;
  def: CaseDef;
  caseIndex: number;
  /** runCase's N, for URL-protocol cases. */
  n?: number;
  /** The case leaves the page, so it runs in a job of its own. */
  navigates: boolean;
}

/** A browser-API case's check; undefined for a URL-protocol case. */
export function apiCheck(def: CaseDef): BrowserApiCheck | undefined {
  return def.expect.kind === 'browser-api' ? def.expect.check : undefined;
}

/**
 * The items of a run: URL-protocol cases first (runCase N is index + 1), then browser-API cases,
 * numbered by `apiCaseIndex` or after the URL-protocol cases.
 */
export function itemsOf(cases: readonly CaseDef[], apiCases: readonly CaseDef[], apiCaseIndex?: (def: CaseDef, i: number) => number): Item[] {
  return [
    ...cases.map((def, i) => ({ key: `ab:${i + 1}`, def, caseIndex: i + 1, n: i + 1, navigates: false })),
    ...apiCases.map((def, i) => ({
      key: `api:${def.id}`,
      def,
      caseIndex: apiCaseIndex ? apiCaseIndex(def, i) : cases.length + i + 1,
      navigates: (apiCheck(def)?.page ?? []).some((a) => a.do === 'navigate'),
    })),
  ];
}

/**
 * The next job's cases: the first isolated case alone; otherwise every pending case that stays on
 * the page; otherwise (only cases that navigate are left) the first of them alone.
 */
export function nextBatch(pending: readonly Item[], isolate: Item[]): Item[] {
  if (isolate.length > 0) return [isolate.shift()!];
  const plain = pending.filter((i) => !i.navigates);
  return plain.length > 0 ? plain : [pending[0]!];
}

/**
 * The order the page runs URL-protocol cases in: bulk transfers (9.x, 12.x, 13.x) first, then the
 * rest, each phase longest first. The rest's verdicts hang on short timers (a target must fail the
 * connection within a second), which a browser starved by 16 MB echoes next to them can miss.
 */
export function phases(items: readonly Item[]): number[][] {
  const longestFirst = (list: Item[]): number[] => list.sort((a, b) => estimateMs(b.def) - estimateMs(a.def)).map((i) => i.n!);
  const bulk = items.filter((i) => i.def.steps.some((s) => s.do === 'echo'));
  const rest = items.filter((i) => !bulk.includes(i));
  return [longestFirst(bulk), longestFirst(rest)].filter((p) => p.length > 0);
}

/**
 * The order the page runs browser-API cases in: those that open first (a WebSocket's open event,
 * a WebSocketStream's opened), then those whose socket never opens (refused handshakes), each part
 * longest first. Chromium's delay for a new socket doubles with every failed handshake beyond the
 * successful ones of the renderer, so eight refused handshakes first in a fresh browser would hold
 * every later case up by seconds.
 */
export function apiOrder(items: readonly Item[]): Item[] {
  const opens = (i: Item): boolean => apiCheck(i.def)?.expectPage.some((line) => line === 'open' || line.startsWith('opened → {')) ?? false;
  const longestFirst = (list: Item[]): Item[] => list.sort((a, b) => estimateMs(b.def) - estimateMs(a.def));
  return [...longestFirst(items.filter(opens)), ...longestFirst(items.filter((i) => !opens(i)))];
}
