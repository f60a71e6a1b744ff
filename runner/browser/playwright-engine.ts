/**
 * Chromium and Firefox (and Playwright's own WebKit, when it was downloaded) through playwright-core.
 * The browser is started with launchServer, so that its process can be killed when the page hangs,
 * and driven through connect. Stock Firefox has no Juggler: it is driven over WebDriver BiDi (the
 * `moz-firefox` channel), which needs playwright-core 1.64 (1.65 sends a command Firefox ESR 153
 * does not know). Playwright's own downloaded browsers are used only when present.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContextOptions, BrowserServer, BrowserType, LaunchOptions as PwLaunchOptions, Page } from 'playwright-core';
import { briefError, EngineUnavailable, withTimeout, type EngineHandle, type EngineName, type LaunchOptions } from './engines.js';
import { findExecutable, isExecutable, knownPaths } from './executables.js';
import type { EngineTrust } from './tls.js';
import { acceptingAny, chromiumTrust, firefoxTrust, trustDir, type TrustDir } from './trust.js';

// playwright-core is CommonJS: require() loads it about 0.2 s faster than import, which first
// scans its 7 MB of bundles for named exports.
const { chromium, firefox, webkit } = createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core');

const LAUNCH_TIMEOUT_MS = 60_000;
const GOTO_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 5_000;

const types: Record<EngineName, BrowserType> = { chromium, firefox, webkit };

/** Playwright's own downloaded browser for `engine`, when it is on this machine. */
export function playwrightOwnBrowser(engine: EngineName): string | null {
  try {
    const p = types[engine].executablePath();
    return p && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

interface Plan {
  options: PwLaunchOptions;
  description: string;
}

function plan(engine: EngineName, o: LaunchOptions): Plan {
  const own = playwrightOwnBrowser(engine);
  if (o.executablePath !== undefined) {
    if (!isExecutable(o.executablePath)) throw new EngineUnavailable(engine, `--executable-path ${o.executablePath} is not an executable file`);
  }
  if (engine === 'chromium') {
    const path = o.executablePath ?? findExecutable(knownPaths.chromium) ?? own;
    if (!path)
      throw new EngineUnavailable(
        engine,
        `no Chromium found (looked for ${knownPaths.chromium.join(', ')} and Playwright's own download); install one (Debian: apt-get install chromium) or pass --executable-path`,
      );
    return { options: { executablePath: path }, description: `${path} via Playwright (CDP)` };
  }
  if (engine === 'firefox') {
    const stock = o.executablePath ?? findExecutable(knownPaths.firefox);
    // Playwright's own Firefox speaks Juggler; a stock Firefox only WebDriver BiDi.
    if (stock && stock !== own) return { options: { executablePath: stock, channel: 'moz-firefox' }, description: `${stock} via Playwright (WebDriver BiDi)` };
    if (own) return { options: { executablePath: own }, description: `${own} via Playwright (Juggler)` };
    throw new EngineUnavailable(
      engine,
      `no Firefox found (looked for ${knownPaths.firefox.join(', ')} and Playwright's own download); install one (Debian: apt-get install firefox-esr) or pass --executable-path`,
    );
  }
  const path = o.executablePath ?? own;
  if (!path) throw new EngineUnavailable(engine, "Playwright's own WebKit is not downloaded here");
  return { options: { executablePath: path }, description: `${path} via Playwright` };
}

/**
 * Over TLS, what the launch adds so that the engine trusts the run's CA (trust.ts); where it
 * cannot, the context accepts any certificate and the trust says so.
 */
function tlsLaunch(engine: EngineName, p: Plan, o: LaunchOptions): { dir: TrustDir | null; launch: Record<string, unknown>; context: BrowserContextOptions; trust?: EngineTrust } {
  if (!o.tls) return { dir: null, launch: {}, context: {} };
  const dir = trustDir();
  try {
    if (engine === 'chromium') {
      const t = chromiumTrust(dir, o.tls);
      return { dir, launch: { env: t.env, args: t.args }, context: {}, trust: t.trust };
    }
    if (engine === 'firefox' && p.options.channel === 'moz-firefox') {
      const t = firefoxTrust(dir, o.tls);
      // launchServer's own (undocumented) option for a profile of ours: Firefox reads the trust from
      // the profile's cert9.db, and Playwright otherwise makes the profile itself just before launch.
      return { dir, launch: { _userDataDir: t.profile, firefoxUserPrefs: t.prefs }, context: {}, trust: t.trust };
    }
    dir.remove();
    return { dir: null, launch: {}, context: { ignoreHTTPSErrors: true }, trust: acceptingAny(`${p.description} is given no trust store of ours (ignoreHTTPSErrors)`) };
  } catch (e) {
    dir.remove();
    return { dir: null, launch: {}, context: { ignoreHTTPSErrors: true }, trust: acceptingAny(`the CA could not be added (${briefError(e)}; ignoreHTTPSErrors)`) };
  }
}

export async function launchPlaywright(engine: EngineName, o: LaunchOptions): Promise<EngineHandle> {
  const p = plan(engine, o);
  const t = tlsLaunch(engine, p, o);
  const env: Record<string, string | undefined> = { ...process.env, ...((t.launch.env as Record<string, string> | undefined) ?? {}) };
  if (o.headed) {
    try {
      env.DISPLAY = await o.display.get();
    } catch (e) {
      throw new EngineUnavailable(engine, `--headed needs a display: ${briefError(e)}`);
    }
  }
  let server: BrowserServer;
  try {
    server = await types[engine].launchServer({ ...p.options, ...t.launch, headless: !o.headed, env, timeout: LAUNCH_TIMEOUT_MS, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
  } catch (e) {
    t.dir?.remove();
    throw new EngineUnavailable(engine, `${p.options.executablePath} did not start: ${briefError(e)}`);
  }
  let browser: Browser;
  let page: Page;
  try {
    browser = await types[engine].connect(server.wsEndpoint(), { timeout: LAUNCH_TIMEOUT_MS });
    const context = await browser.newContext(t.context);
    page = await context.newPage();
  } catch (e) {
    await server.kill().catch(() => undefined);
    t.dir?.remove();
    throw new EngineUnavailable(engine, `${p.options.executablePath} started but could not open a page: ${briefError(e)}`);
  }
  void new Promise<void>((resolve) => server.once('close', () => resolve())).then(() => t.dir?.remove());
  const gone = new Promise<string>((resolve) => {
    page.once('crash', () => resolve('the page crashed'));
    page.once('close', () => resolve('the page was closed'));
    browser.once('disconnected', () => resolve('the browser went away'));
    server.once('close', () => resolve('the browser process exited'));
  });
  let ended = false;
  return {
    engine,
    version: browser.version(),
    description: p.description,
    // WebDriver BiDi (stock Firefox) has no WebSocket frame events. A context's ignoreHTTPSErrors
    // does not reach a SharedWorker's connections: then the Autobahn loop stays in the page.
    pageSocketsInstrumented: p.options.channel !== 'moz-firefox' && t.context.ignoreHTTPSErrors !== true,
    ...(t.trust ? { trust: t.trust } : {}),
    gone,
    async goto(url) {
      await page.goto(url, { waitUntil: 'load', timeout: GOTO_TIMEOUT_MS });
    },
    async kill() {
      ended = true;
      await server.kill().catch(() => undefined);
    },
    ...(engine === 'chromium'
      ? {
          async crashPage() {
            // A page that is already gone has no CDP session to open: nothing left to crash.
            const cdp = await page
              .context()
              .newCDPSession(page)
              .catch(() => null);
            await cdp?.send('Page.crash').catch(() => undefined);
          },
        }
      : {}),
    async close() {
      if (ended) return;
      ended = true;
      try {
        await withTimeout(browser.close(), CLOSE_TIMEOUT_MS, 'closing the browser');
        await withTimeout(server.close(), CLOSE_TIMEOUT_MS, 'stopping the browser');
      } catch {
        await server.kill().catch(() => undefined);
      }
    },
  };
}

/**
 * A browser behind a Playwright browser server elsewhere (launchServer, `playwright run-server`):
 * connect, open a page. It cannot be killed from here: a hung or broken page is ended by closing
 * its context and disconnecting, and "restarting" connects again.
 */
export async function connectPlaywright(engine: EngineName, endpoint: string, o: { tls?: unknown } = {}): Promise<EngineHandle> {
  let browser: Browser;
  let page: Page;
  try {
    browser = await types[engine].connect(endpoint, { timeout: LAUNCH_TIMEOUT_MS });
  } catch (e) {
    throw new EngineUnavailable(engine, `cannot connect to the browser server at ${endpoint}: ${briefError(e)}`);
  }
  // A browser elsewhere cannot be handed a trust store: over TLS it accepts any certificate.
  const trust = o.tls ? acceptingAny(`a browser server elsewhere is given no trust store of ours (ignoreHTTPSErrors)`) : undefined;
  try {
    const context = await browser.newContext(trust ? { ignoreHTTPSErrors: true } : {});
    page = await context.newPage();
  } catch (e) {
    await browser.close().catch(() => undefined);
    throw new EngineUnavailable(engine, `the browser server at ${endpoint} could not open a page: ${briefError(e)}`);
  }
  const gone = new Promise<string>((resolve) => {
    page.once('crash', () => resolve('the page crashed'));
    page.once('close', () => resolve('the page was closed'));
    browser.once('disconnected', () => resolve('the browser server went away'));
  });
  let ended = false;
  const end = async (): Promise<void> => {
    if (ended) return;
    ended = true;
    await withTimeout(page.context().close(), CLOSE_TIMEOUT_MS, 'closing the context').catch(() => undefined);
    await withTimeout(browser.close(), CLOSE_TIMEOUT_MS, 'disconnecting').catch(() => undefined);
  };
  return {
    engine,
    version: browser.version(),
    description: `browser server at ${endpoint} via Playwright`,
    // Whatever runs behind the server, workers keep the automation out of the way; but a context's
    // ignoreHTTPSErrors does not reach a SharedWorker's connections, so over TLS the loop stays in the page.
    pageSocketsInstrumented: !trust,
    ...(trust ? { trust } : {}),
    gone,
    async goto(url) {
      await page.goto(url, { waitUntil: 'load', timeout: GOTO_TIMEOUT_MS });
    },
    kill: end,
    close: end,
  };
}
