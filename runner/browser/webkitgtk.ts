/**
 * WebKitGTK through WebKitWebDriver, with plain W3C WebDriver HTTP calls (no client library).
 * MiniBrowser has no headless mode, so it runs on an X display (Xvfb when DISPLAY is unset).
 * WebKitWebDriver is started in its own process group: killing the group ends MiniBrowser and its
 * web processes with it.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { briefError, EngineUnavailable, withTimeout, type EngineHandle, type LaunchOptions } from './engines.js';
import { findExecutable, isExecutable, knownPaths } from './executables.js';

const DRIVER_READY_MS = 10_000;
/** Creating a session starts MiniBrowser; without a usable display the request never returns. */
const SESSION_TIMEOUT_MS = 30_000;
const GOTO_TIMEOUT_MS = 30_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface WebDriverReply {
  value?: { sessionId?: string; capabilities?: { browserVersion?: string }; error?: string; message?: string } | null;
}

async function call(base: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<WebDriverReply> {
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

export async function launchWebKit(o: LaunchOptions): Promise<EngineHandle> {
  const driverPath = findExecutable([...knownPaths.webkitDriver, 'WebKitWebDriver']);
  if (!driverPath) throw new EngineUnavailable('webkit', 'WebKitWebDriver is not installed (Debian: apt-get install webkit2gtk-driver)');
  if (o.executablePath !== undefined && !isExecutable(o.executablePath)) throw new EngineUnavailable('webkit', `--executable-path ${o.executablePath} is not an executable file`);
  const browserPath = o.executablePath ?? findExecutable(knownPaths.miniBrowser);
  if (!browserPath) throw new EngineUnavailable('webkit', `MiniBrowser not found (looked in ${knownPaths.miniBrowser.join(', ')}); it comes with libwebkit2gtk-4.1-0, or pass --executable-path`);
  let display: string;
  try {
    display = await o.display.get();
  } catch (e) {
    throw new EngineUnavailable('webkit', `WebKitGTK needs an X display: ${briefError(e)}`);
  }

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(driverPath, [`--port=${port}`, '--host=127.0.0.1'], { env: { ...process.env, DISPLAY: display }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(`WebKitWebDriver exited (${code ?? signal})`));
    child.once('error', (e) => resolve(`WebKitWebDriver could not start: ${e.message}`));
  });
  let dead = false;
  void exited.then(() => (dead = true));
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  // If wsconform itself dies, the browser must not outlive it.
  process.once('exit', killGroup);
  const fail = async (why: string): Promise<never> => {
    killGroup();
    process.removeListener('exit', killGroup);
    const tail = stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300);
    throw new EngineUnavailable('webkit', `${why}${tail ? ` (${tail})` : ''}`);
  };

  const readyBy = Date.now() + DRIVER_READY_MS;
  for (;;) {
    if (dead) return fail(await exited);
    try {
      await call(base, 'GET', '/status', undefined, 1000);
      break;
    } catch {
      if (Date.now() > readyBy) return fail(`WebKitWebDriver did not answer within ${DRIVER_READY_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  let sessionId: string;
  let version: string;
  try {
    const capabilities = { alwaysMatch: { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: browserPath, args: ['--automation'] } } };
    const reply = await withTimeout(
      Promise.race([call(base, 'POST', '/session', { capabilities }, SESSION_TIMEOUT_MS), exited.then((why) => Promise.reject(new Error(why)))]),
      SESSION_TIMEOUT_MS,
      'starting MiniBrowser',
    );
    sessionId = reply.value?.sessionId ?? '';
    version = reply.value?.capabilities?.browserVersion ?? 'unknown';
    if (!sessionId) throw new Error('WebKitWebDriver returned no session id');
    await call(base, 'POST', `/session/${sessionId}/timeouts`, { pageLoad: GOTO_TIMEOUT_MS, script: GOTO_TIMEOUT_MS }, 5000);
  } catch (e) {
    return fail(`${browserPath} did not start under WebKitWebDriver: ${briefError(e)}`);
  }

  let ended = false;
  const end = (): void => {
    ended = true;
    killGroup();
    process.removeListener('exit', killGroup);
  };
  return {
    engine: 'webkit',
    version,
    description: `${browserPath} via WebKitWebDriver (W3C WebDriver), DISPLAY=${display}`,
    gone: exited,
    async goto(url) {
      await call(base, 'POST', `/session/${sessionId}/url`, { url }, GOTO_TIMEOUT_MS + 5000);
    },
    async kill() {
      end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    },
    async close() {
      if (ended) return;
      await call(base, 'DELETE', `/session/${sessionId}`, undefined, 5000).catch(() => undefined);
      end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    },
  };
}
