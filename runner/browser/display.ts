/**
 * An X display for browsers that need one (WebKitGTK's MiniBrowser has no headless mode; headed
 * Chromium and Firefox). DISPLAY is used when set; otherwise Xvfb is started once, on a free
 * display number it picks itself (-displayfd), and stopped by pid at the end of the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { findExecutable } from './executables.js';

export interface DisplayProvider {
  /** The DISPLAY value to use; starts Xvfb on first use when DISPLAY is unset. Rejects with why when there is none. */
  get(): Promise<string>;
  /** Stops the Xvfb this provider started, if any. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

export function displayProvider(env: NodeJS.ProcessEnv = process.env): DisplayProvider {
  let xvfb: ChildProcess | null = null;
  let pending: Promise<string> | null = null;
  const start = (): Promise<string> => {
    const binary = findExecutable(['Xvfb']);
    if (!binary) return Promise.reject(new Error('DISPLAY is unset and Xvfb is not installed (Debian: apt-get install xvfb xauth)'));
    return new Promise<string>((resolve, reject) => {
      const child = spawn(binary, ['-displayfd', '1', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], { stdio: ['ignore', 'pipe', 'pipe'] });
      xvfb = child;
      let out = '';
      let err = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`Xvfb did not report a display within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^(\d+)\n/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(`:${m[1]}`);
        }
      });
      child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`Xvfb could not start: ${e.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        xvfb = null;
        reject(new Error(`Xvfb exited (${code ?? signal}) before reporting a display: ${err.trim().split('\n').slice(-2).join(' ')}`));
      });
    });
  };
  return {
    get() {
      if (env.DISPLAY) return Promise.resolve(env.DISPLAY);
      pending ??= start();
      return pending;
    },
    async stop() {
      const child = xvfb;
      if (!child || child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
