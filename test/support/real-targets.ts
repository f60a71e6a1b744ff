/**
 * Real servers nobody here wrote, from Debian's packages: Tornado's echo server (python3-tornado,
 * single-threaded and slow) and websocketd running `cat` (websocketd). `.ci/run` installs both; on
 * a machine without them the tests say so and are pending, except in CI, where they fail.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../runner/browser/webkitgtk.js';

/** Debian's own Python, where its packages live (the first python3 on PATH may be another). */
const PYTHON = '/usr/bin/python3';

export interface RealTarget {
  url: string;
  name: string;
  stop(): Promise<void>;
}

/** Why a target cannot run here, or null. */
export function missing(what: 'tornado' | 'websocketd'): string | null {
  if (what === 'tornado') {
    const r = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import tornado'], { stdio: 'ignore' }) : null;
    return r?.status === 0 ? null : 'Tornado is not installed (Debian: apt-get install python3-tornado)';
  }
  return spawnSync('websocketd', ['--version'], { stdio: 'ignore' }).status === 0 ? null : 'websocketd is not installed (Debian: apt-get install websocketd)';
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

export async function startTornado(): Promise<RealTarget> {
  const script = fileURLToPath(new URL('../fixtures/tornado-echo.py', import.meta.url));
  const child = spawn(PYTHON, [script], { stdio: ['pipe', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`tornado-echo.py exited with ${code}`)));
  });
  return { url: `ws://127.0.0.1:${port}`, name: 'TornadoServer', stop: stopper(child) };
}

export async function startWebsocketd(): Promise<RealTarget> {
  const port = await freePort();
  const child = spawn('websocketd', ['--address=127.0.0.1', `--port=${port}`, 'cat'], { stdio: 'ignore' });
  await waitForListener(port);
  return { url: `ws://127.0.0.1:${port}`, name: 'websocketd', stop: stopper(child) };
}

/** A process that keeps one core busy until stopped: the machine "busy with other work". */
export function busyCore(): () => Promise<void> {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  return stopper(child);
}

async function waitForListener(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect({ host: '127.0.0.1', port }, () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}
