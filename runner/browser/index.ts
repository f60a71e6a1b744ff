/**
 * Testing browsers: every requested engine in turn, sharing one page server and one X display.
 * An engine that cannot run here is reported (not available: why) and the others still run.
 */
import { displayProvider } from './display.js';
import { runBrowser, type BrowserRunOptions, type BrowserRunOutcome } from './driver.js';
import { ENGINES, type EngineName } from './engines.js';
import { startPageServer } from './page-server.js';
import { LOOPBACK, reachFromPublicUrl } from './reach.js';

export { ENGINES, isEngineName, type EngineName } from './engines.js';
export { reachFromPublicUrl } from './reach.js';
export { apiCasesFor, type BrowserTls, type EngineTrust } from './tls.js';

/**
 * Cases a page runs at once unless told otherwise (each on its own socket). Chromium delays a new
 * WebSocket by 1-5 s × 2^(pending - 16): beyond about 10 pending ones, more at once is slower.
 */
export type { BrowserAgent, BrowserRunOutcome } from './driver.js';

/** What runBrowser takes, except what runBrowsers provides itself: the engine, the display, the page server, the reach. */
export interface BrowsersRunOptions extends Omit<BrowserRunOptions, 'engine' | 'display' | 'pages' | 'reach' | 'caseTimeoutMs'> {
  /** Engines to run, or 'all'. */
  engines: EngineName[] | 'all';
  /** The address at which a remote browser reaches wsconform (http://HOST); default 127.0.0.1. */
  publicUrl?: string;
  /** Per-case watchdog; default: the session's case limit + 10 s. */
  caseTimeoutMs?: number;
  onUnavailable?: (engine: EngineName, why: string) => void;
  /** Called once each engine's run is over (over TLS, with how it trusted the certificates and what it negotiated). */
  onOutcome?: (outcome: BrowserRunOutcome) => void;
}

export async function runBrowsers(o: BrowsersRunOptions): Promise<BrowserRunOutcome[]> {
  const { engines: wanted, publicUrl, caseTimeoutMs, onUnavailable, onOutcome, ...shared } = o;
  const engines = wanted === 'all' ? [...ENGINES] : wanted;
  const reach = publicUrl !== undefined ? reachFromPublicUrl(publicUrl) : LOOPBACK;
  const display = displayProvider();
  const pages = await startPageServer(reach, o.tls?.serving);
  const outcomes: BrowserRunOutcome[] = [];
  // Each browser closes while the next engine runs (or, with deferClose, while reports are written);
  // the display goes once they all have.
  const closings: Array<Promise<void>> = [];
  try {
    for (const engine of engines) {
      if (o.shouldStop?.()) break;
      const outcome = await runBrowser({ ...shared, engine, display, pages, reach, caseTimeoutMs: caseTimeoutMs ?? o.session.caseTimeoutMs + 10_000, deferClose: (c) => closings.push(c) });
      if (outcome.unavailable !== undefined) onUnavailable?.(engine, outcome.unavailable);
      const negotiated = pages.negotiated();
      if (outcome.tls && negotiated) outcome.tls = { ...outcome.tls, ...negotiated };
      onOutcome?.(outcome);
      outcomes.push(outcome);
    }
  } finally {
    await pages.close();
    const closed = Promise.all(closings).then(() => display.stop());
    // Whoever defers the close may never await it (the run threw): a failure must not go unhandled.
    closed.catch(() => undefined);
    if (o.deferClose) o.deferClose(closed);
    else await closed;
  }
  return outcomes;
}
