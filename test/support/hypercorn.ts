/**
 * Hypercorn (Debian python3-hypercorn) with the small ASGI echo app of test/fixtures/hypercorn-echo.py:
 * WebSockets over HTTP/1.1 and HTTP/2, by prior knowledge (h2c, ws://) or over TLS with ALPN h2
 * (wss://, a certificate from runner/tls/certs.ts written to a temporary directory for the process).
 * `.ci/run` installs it; without it the tests say so and are pending, except in CI, where they fail.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCertificateAuthority } from '../../runner/tls/certs.js';

const PYTHON = '/usr/bin/python3';

/** Why Hypercorn cannot run here, or null. */
export function hypercornMissing(): string | null {
  const r = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import hypercorn, h2'], { stdio: 'ignore' }) : null;
  return r?.status === 0 ? null : 'Hypercorn is not installed (Debian: apt-get install python3-hypercorn)';
}

export interface Hypercorn {
  url: string;
  /** wss://: the CA that signed the server's certificate (PEM), for the client to trust. */
  ca?: string;
  stop(): Promise<void>;
}

export async function startHypercorn(o: { tls?: boolean } = {}): Promise<Hypercorn> {
  const script = fileURLToPath(new URL('../fixtures/hypercorn-echo.py', import.meta.url));
  let dir: string | null = null;
  let ca: string | undefined;
  const args = [script];
  if (o.tls) {
    const authority = createCertificateAuthority('wsconform test CA');
    const leaf = authority.issue(['127.0.0.1', 'localhost']);
    dir = mkdtempSync(join(tmpdir(), 'wsconform-hypercorn-'));
    writeFileSync(join(dir, 'cert.pem'), leaf.cert);
    writeFileSync(join(dir, 'key.pem'), leaf.key, { mode: 0o600 });
    args.push(join(dir, 'cert.pem'), join(dir, 'key.pem'));
    ca = authority.cert;
  }
  const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`hypercorn-echo.py exited with ${code}`)));
  });
  return {
    url: `${o.tls ? 'wss' : 'ws'}://127.0.0.1:${port}/`,
    ...(ca ? { ca } : {}),
    stop: () =>
      new Promise((resolve) => {
        const done = (): void => {
          if (dir) rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
