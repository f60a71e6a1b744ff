/**
 * Plain W3C WebDriver over HTTP (no client library): a session with one window, used for
 * WebKitGTK (a local WebKitWebDriver) and for any remote endpoint (Selenium Grid, a
 * WebKitWebDriver elsewhere) given with --webdriver-url.
 */
import { briefError, EngineUnavailable, withTimeout, type EngineHandle, type EngineName } from './engines.js';
import type { EngineTrust } from './tls.js';

/** Creating a session starts the browser; without a usable display the request never returns. */
export const SESSION_TIMEOUT_MS = 30_000;
const GOTO_TIMEOUT_MS = 30_000;

interface WebDriverReply {
  value?: { sessionId?: string; capabilities?: { browserVersion?: string; browserName?: string }; error?: string; message?: string } | null;
}

export async function webdriverCall(base: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<WebDriverReply> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const reply = (await res.json().catch(() => ({}))) as WebDriverReply;
  if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${res.status} ${reply.value?.error ?? ''} ${reply.value?.message ?? ''}`.trim());
  return reply;
}

export interface WebDriverSessionOptions {
  engine: EngineName;
  /** http://HOST:PORT of the endpoint (with a path prefix such as /wd/hub when it has one). */
  base: string;
  capabilities: Record<string, unknown>;
  description: string;
  /** Resolves when the driver process (if we started it) is gone. */
  gone?: Promise<string>;
  /** Ends what we started (the driver's process group); nothing for a remote endpoint. */
  end?: () => Promise<void>;
  /** Over TLS: how the browser trusts the run's certificates. */
  trust?: EngineTrust;
}

/** Opens a session; throws EngineUnavailable with why when the endpoint cannot start the browser. */
export async function openWebDriverSession(o: WebDriverSessionOptions): Promise<EngineHandle> {
  let sessionId: string;
  let version: string;
  const never = new Promise<string>(() => undefined);
  try {
    const reply = await withTimeout(
      Promise.race([webdriverCall(o.base, 'POST', '/session', { capabilities: { alwaysMatch: o.capabilities } }, SESSION_TIMEOUT_MS), (o.gone ?? never).then((why) => Promise.reject(new Error(why)))]),
      SESSION_TIMEOUT_MS,
      'starting the browser',
    );
    sessionId = reply.value?.sessionId ?? '';
    version = reply.value?.capabilities?.browserVersion ?? 'unknown';
    if (!sessionId) throw new Error('the endpoint returned no session id');
    await webdriverCall(o.base, 'POST', `/session/${sessionId}/timeouts`, { pageLoad: GOTO_TIMEOUT_MS, script: GOTO_TIMEOUT_MS }, 5000);
  } catch (e) {
    await o.end?.();
    throw new EngineUnavailable(o.engine, `${o.description}: no session: ${briefError(e)}`);
  }
  let ended = false;
  const end = async (): Promise<void> => {
    ended = true;
    await o.end?.();
  };
  return {
    engine: o.engine,
    version,
    description: o.description,
    pageSocketsInstrumented: false,
    ...(o.trust ? { trust: o.trust } : {}),
    gone: o.gone ?? never,
    async goto(url) {
      await webdriverCall(o.base, 'POST', `/session/${sessionId}/url`, { url }, GOTO_TIMEOUT_MS + 5000);
    },
    async kill() {
      // A remote browser cannot be killed from here; ending the session is what the endpoint offers.
      if (!o.end) await webdriverCall(o.base, 'DELETE', `/session/${sessionId}`, undefined, 5000).catch(() => undefined);
      await end();
    },
    async close() {
      if (ended) return;
      await webdriverCall(o.base, 'DELETE', `/session/${sessionId}`, undefined, 5000).catch(() => undefined);
      await end();
    },
  };
}

/** Capabilities for an engine on a remote endpoint (Selenium Grid names; MiniBrowser for WebKitGTK). */
export function remoteCapabilities(engine: EngineName, miniBrowser: string | null, executablePath?: string): Record<string, unknown> {
  switch (engine) {
    case 'chromium':
      return { browserName: 'chrome', 'goog:chromeOptions': { args: ['--headless=new', '--no-sandbox'], ...(executablePath ? { binary: executablePath } : {}) } };
    case 'firefox':
      return { browserName: 'firefox', 'moz:firefoxOptions': { args: ['-headless'], ...(executablePath ? { binary: executablePath } : {}) } };
    case 'webkit': {
      const binary = executablePath ?? miniBrowser;
      return { browserName: 'MiniBrowser', ...(binary ? { 'webkitgtk:browserOptions': { binary, args: ['--automation'] } } : {}) };
    }
  }
}
