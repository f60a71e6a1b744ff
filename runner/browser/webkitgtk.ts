/**
 * WebKitGTK through a WebKitWebDriver started here, with plain W3C WebDriver calls (webdriver.ts).
 * MiniBrowser has no headless mode, so it runs on an X display (Xvfb when DISPLAY is unset).
 * WebKitWebDriver is started in its own process group: killing the group ends MiniBrowser and its
 * web processes with it.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { briefError, EngineUnavailable, type EngineHandle, type LaunchOptions } from './engines.js';
import { findExecutable, isExecutable, knownPaths } from './executables.js';
import { trustDir, webkitTrust } from './trust.js';
import { openWebDriverSession, webdriverCall } from './webdriver.js';

const DRIVER_READY_MS = 10_000;

/** A free TCP port on 127.0.0.1 (it is closed again at once: a later listen may still lose a race). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
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
      await webdriverCall(base, 'GET', '/status', undefined, 1000);
      break;
    } catch {
      if (Date.now() > readyBy) return fail(`WebKitWebDriver did not answer within ${DRIVER_READY_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  // Over TLS: the served certificate is allowed for each host the page names, and no other (trust.ts).
  const dir = o.tls ? trustDir() : null;
  const tls = dir && o.tls ? webkitTrust(dir, o.tls) : null;
  const end = async (): Promise<void> => {
    killGroup();
    process.removeListener('exit', killGroup);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    dir?.remove();
  };
  return openWebDriverSession({
    engine: 'webkit',
    base,
    capabilities: { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: browserPath, args: ['--automation'], ...(tls ? { certificates: tls.certificates } : {}) } },
    description: `${browserPath} via WebKitWebDriver (W3C WebDriver), DISPLAY=${display}`,
    gone: exited,
    end,
    ...(tls ? { trust: tls.trust } : {}),
  });
}
