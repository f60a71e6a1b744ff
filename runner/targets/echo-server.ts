/**
 * The built-in target: an echo server made with the `ws` package, the most used WebSocket server
 * for Node. `wsconform test-server` without a URL tests it, so the first run shows a real report.
 * It runs in a child process so that its CPU and memory are its own, not the harness's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

export interface EchoServerOptions {
  host?: string;
  port?: number;
  perMessageDeflate?: boolean;
  maxPayload?: number;
}

/** Starts the echo server in this process; resolves with its port and a close function. */
export function startEchoServer(o: EchoServerOptions = {}): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const wss = new WebSocketServer({
      host: o.host ?? '127.0.0.1',
      port: o.port ?? 0,
      perMessageDeflate: o.perMessageDeflate ?? false,
      // ws limits a message to 16384 fragments by default; Autobahn sends 65,537 in 9.3.1/9.4.1 and 16,385 in 9.3.2/9.4.2.
      maxFragments: 0,
      maxPayload: o.maxPayload ?? 64 * 1024 * 1024,
    });
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
      ws.on('error', () => undefined);
    });
    wss.on('error', reject);
    wss.on('listening', () => {
      const addr = wss.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const c of wss.clients) c.terminate();
            wss.close(() => done());
          }),
      });
    });
  });
}

export interface ChildEchoServer {
  url: string;
  pid: number;
  /** Stops the child and returns the CPU time (ms) it used. */
  stop(): Promise<{ cpuMs: number }>;
}

/** Starts the echo server in a child process on a free loopback port. */
export function spawnEchoServer(o: EchoServerOptions = {}): Promise<ChildEchoServer> {
  const self = fileURLToPath(import.meta.url);
  const child: ChildProcess = fork(self, ['--serve', JSON.stringify(o)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`built-in echo server exited early (code ${code})`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (m: { port: number }) => {
      child.removeListener('exit', onExit);
      resolve({
        url: `ws://${o.host ?? '127.0.0.1'}:${m.port}`,
        pid: child.pid ?? 0,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done({ cpuMs: 0 });
            child.once('message', (s: { cpuMs: number }) => {
              child.kill();
              done(s);
            });
            child.once('exit', () => done({ cpuMs: 0 }));
            child.send('stop');
          }),
      });
    });
  });
}

if (process.argv[2] === '--serve' && process.send) {
  const o = JSON.parse(process.argv[3] ?? '{}') as EchoServerOptions;
  const parent = process.send.bind(process);
  startEchoServer(o).then(
    ({ port }) => {
      parent({ port });
      process.on('message', (m) => {
        if (m === 'stop') {
          const u = process.cpuUsage();
          parent({ cpuMs: (u.user + u.system) / 1000 }, () => process.exit(0));
        }
      });
      // Never outlive the harness that started us.
      process.on('disconnect', () => process.exit(0));
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
