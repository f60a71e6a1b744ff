/**
 * Starting an engine: a browser launched here (WebKitGTK through WebKitWebDriver, everything else
 * through playwright-core), or one reached elsewhere (a Playwright browser server, a WebDriver
 * endpoint).
 */
import { EngineUnavailable, type EngineHandle, type EngineName, type LaunchOptions } from './engines.js';
import { findExecutable, knownPaths } from './executables.js';
import { acceptingAny } from './trust.js';
import { openWebDriverSession, remoteCapabilities } from './webdriver.js';
import { launchWebKit } from './webkitgtk.js';

/** playwright-core takes about a second to load: only runs that start a browser pay for it. */
const playwright = (): Promise<typeof import('./playwright-engine.js')> => import('./playwright-engine.js');

export async function launchEngine(engine: EngineName, o: LaunchOptions): Promise<EngineHandle> {
  if (o.webdriverUrl !== undefined) {
    const base = o.webdriverUrl.replace(/\/+$/, '');
    const capabilities = remoteCapabilities(engine, findExecutable(knownPaths.miniBrowser), o.executablePath);
    // A browser elsewhere cannot be handed a trust store: over TLS it accepts any certificate.
    if (o.tls) capabilities.acceptInsecureCerts = true;
    const trust = o.tls ? { trust: acceptingAny('a WebDriver endpoint elsewhere is given no trust store of ours (acceptInsecureCerts)') } : {};
    return openWebDriverSession({ engine, base, capabilities, description: `WebDriver endpoint ${base}`, ...trust });
  }
  if (o.browserEndpoint !== undefined) return (await playwright()).connectPlaywright(engine, o.browserEndpoint, o.tls ? { tls: o.tls } : {});
  if (engine === 'webkit') {
    try {
      return await launchWebKit(o);
    } catch (e) {
      // WebKitGTK first (what the machine has installed); Playwright's own WebKit only as a fallback.
      if (!(e instanceof EngineUnavailable) || o.executablePath !== undefined) throw e;
      const pw = await playwright();
      if (!pw.playwrightOwnBrowser('webkit')) throw e;
      return pw.launchPlaywright('webkit', o);
    }
  }
  return (await playwright()).launchPlaywright(engine, o);
}
