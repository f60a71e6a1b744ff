/**
 * The browser engines wsconform drives, behind one small interface: launch, open a URL in the one
 * page, notice when the page or the browser goes away, kill. Chromium and Firefox go through
 * playwright-core (CDP, and WebDriver BiDi for stock Firefox); WebKitGTK through WebKitWebDriver
 * and plain W3C WebDriver calls. An engine that cannot run here throws EngineUnavailable with why.
 */
import type { DisplayProvider } from './display.js';
import type { BrowserTls, EngineTrust } from './tls.js';

export const ENGINES = ['chromium', 'firefox', 'webkit'] as const;
export type EngineName = (typeof ENGINES)[number];

export function isEngineName(v: string): v is EngineName {
  return (ENGINES as readonly string[]).includes(v);
}

export interface LaunchOptions {
  /** The browser binary to use instead of looking in the known places. */
  executablePath?: string;
  /** Show the browser window (needs a display; Xvfb is started when DISPLAY is unset). */
  headed?: boolean;
  display: DisplayProvider;
  log?: (line: string) => void;
  /** Connect to this Playwright browser server (launchServer / run-server) instead of launching. */
  browserEndpoint?: string;
  /** Open a session on this W3C WebDriver endpoint (Selenium Grid, WebKitWebDriver) instead of launching. */
  webdriverUrl?: string;
  /** Over TLS: the engine is launched trusting `tls.trust` (trust.ts). */
  tls?: BrowserTls;
}

export interface EngineHandle {
  readonly engine: EngineName;
  /** The browser's own version ("156.0.8078.79", "153.7.0", "2.50.6"). */
  readonly version: string;
  /** What was launched and how, for the report ("/usr/bin/chromium via Playwright (CDP)"). */
  readonly description: string;
  /**
   * The automation reports every WebSocket frame of the page, payload included (Playwright over CDP
   * or Juggler), which costs more than the traffic itself: the Autobahn loop then runs in a
   * SharedWorker, which the automation leaves alone.
   */
  readonly pageSocketsInstrumented: boolean;
  /** Over TLS: how the engine was made to trust the run's certificates. */
  readonly trust?: EngineTrust;
  /** Loads `url` in the page; rejects when the page cannot be loaded. */
  goto(url: string): Promise<void>;
  /** Resolves, with why, when the page crashed or the browser went away. */
  readonly gone: Promise<string>;
  /** Ends the browser at once (hung page, crash): every process it started. */
  kill(): Promise<void>;
  /** Crashes the page's renderer, where the engine can (wsconform's own tests). */
  crashPage?(): Promise<void>;
  /** Ends the browser politely, falling back to kill. */
  close(): Promise<void>;
}

/** The engine cannot run on this machine; `why` is shown as "not available: <why>". */
export class EngineUnavailable extends Error {
  readonly code = 'WSCONFORM_ENGINE_UNAVAILABLE';
  constructor(
    readonly engine: EngineName,
    readonly why: string,
  ) {
    super(`${engine}: not available: ${why}`);
    this.name = 'EngineUnavailable';
  }
}

/** The first useful line of a launcher's error (Playwright appends call logs and banners). */
export function briefError(e: unknown, max = 300): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text
    .split('\n')
    .map((l) => l.replace(/^[\s╔║╚═]+|[\s║╗╝═]+$/g, '').trim())
    .filter((l) => l !== '' && !/^=+ (logs|Call log)/i.test(l));
  const first = (lines[0] ?? 'unknown error').replace(/^\w+\.\w+: /, '');
  return first.length > max ? `${first.slice(0, max)}…` : first;
}

/** Races `p` against a timer; the message names what took too long. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]);
}
