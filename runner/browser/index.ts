/**
 * Testing browsers: every requested engine in turn, sharing one page server and one X display.
 * An engine that cannot run here is reported (not available: why) and the others still run.
 */
import type { CaseDef } from '../../cases/types.js';
import type { CaseResult } from '../results.js';
import type { SessionOptions } from '../session.js';
import { displayProvider } from './display.js';
import { runBrowser, type BrowserAgent, type BrowserRunOutcome } from './driver.js';
import { ENGINES, type EngineName } from './engines.js';
import { startPageServer } from './page-server.js';
import { LOOPBACK, reachFromPublicUrl } from './reach.js';

export { ENGINES, isEngineName, type EngineName } from './engines.js';
export { reachFromPublicUrl } from './reach.js';

/**
 * Cases a page runs at once unless told otherwise (each on its own socket). Chromium delays a new
 * WebSocket by 1-5 s × 2^(pending - 16): beyond about 10 pending ones, more at once is slower.
 */
export const DEFAULT_PAGE_CONCURRENCY = 8;
export type { BrowserAgent, BrowserRunOutcome } from './driver.js';

export interface BrowsersRunOptions {
  /** Engines to run, or 'all'. */
  engines: EngineName[] | 'all';
  executablePath?: string;
  headed?: boolean;
  /** The address at which a remote browser reaches wsconform (http://HOST); default 127.0.0.1. */
  publicUrl?: string;
  /** A Playwright browser server to connect to instead of launching. */
  browserEndpoint?: string;
  /** A WebDriver endpoint to open sessions on instead of launching. */
  webdriverUrl?: string;
  /** Cases for the page's Autobahn client loop (chosen for a client target). */
  cases: readonly CaseDef[];
  /** Browser-API cases. */
  apiCases: readonly CaseDef[];
  apiCaseIndex?: (def: CaseDef, i: number) => number;
  session: SessionOptions;
  concurrency: number;
  /** Per-case watchdog; default: the session's case limit + 10 s. */
  caseTimeoutMs?: number;
  maxRestarts?: number;
  onAgent?: (a: BrowserAgent) => void;
  onUnavailable?: (engine: EngineName, why: string) => void;
  onResult: (r: CaseResult) => void;
  log?: (line: string) => void;
  shouldStop?: () => boolean;
  faults?: { hangAt?: string; crashAt?: string; exitAt?: string };
}

export async function runBrowsers(o: BrowsersRunOptions): Promise<BrowserRunOutcome[]> {
  const engines = o.engines === 'all' ? [...ENGINES] : o.engines;
  const reach = o.publicUrl !== undefined ? reachFromPublicUrl(o.publicUrl) : LOOPBACK;
  const display = displayProvider();
  const pages = await startPageServer(reach);
  const outcomes: BrowserRunOutcome[] = [];
  try {
    for (const engine of engines) {
      if (o.shouldStop?.()) break;
      const outcome = await runBrowser({
        engine,
        display,
        pages,
        reach,
        cases: o.cases,
        apiCases: o.apiCases,
        session: o.session,
        concurrency: o.concurrency,
        caseTimeoutMs: o.caseTimeoutMs ?? o.session.caseTimeoutMs + 10_000,
        onResult: o.onResult,
        ...(o.executablePath !== undefined ? { executablePath: o.executablePath } : {}),
        ...(o.headed ? { headed: true } : {}),
        ...(o.apiCaseIndex ? { apiCaseIndex: o.apiCaseIndex } : {}),
        ...(o.maxRestarts !== undefined ? { maxRestarts: o.maxRestarts } : {}),
        ...(o.onAgent ? { onAgent: o.onAgent } : {}),
        ...(o.log ? { log: o.log } : {}),
        ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
        ...(o.faults ? { faults: o.faults } : {}),
        ...(o.browserEndpoint !== undefined ? { browserEndpoint: o.browserEndpoint } : {}),
        ...(o.webdriverUrl !== undefined ? { webdriverUrl: o.webdriverUrl } : {}),
      });
      if (outcome.unavailable !== undefined) o.onUnavailable?.(engine, outcome.unavailable);
      outcomes.push(outcome);
    }
  } finally {
    await pages.close();
    await display.stop();
  }
  return outcomes;
}
