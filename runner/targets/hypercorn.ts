/**
 * The built-in HTTP/2 target: Hypercorn (an ASGI server in Python, Debian's python3-hypercorn)
 * serving a WebSocket echo app of a dozen lines, which this file hands to Python on its command
 * line. Hypercorn serves WebSockets over HTTP/1.1 and, with extended CONNECT (RFC 8441), over
 * HTTP/2: on one port, h2c by prior knowledge, and over TLS h2 or HTTP/1.1 by ALPN.
 *
 * Python binds the listening socket itself (port 0) and prints the port. With TLS, the certificate
 * and its private key come over stdin and go into memfd files (memory, never a file system), which
 * Python's ssl module reads by their /proc/self/fd path.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's Python, the one its python3-hypercorn is installed for (the first python3 on PATH may be another). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

const BOOT = String.raw`
import asyncio, json, os, socket, sys
from hypercorn.asyncio import serve
from hypercorn.config import Config

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            m = await receive()
            if m["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif m["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    elif scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        while True:
            m = await receive()
            if m["type"] == "websocket.disconnect":
                return
            if m.get("text") is not None:
                await send({"type": "websocket.send", "text": m["text"]})
            else:
                await send({"type": "websocket.send", "bytes": m.get("bytes") or b""})
    else:
        await send({"type": "http.response.start", "status": 426, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"a WebSocket echo server\n"})

def memfile(name, text):
    fd = os.memfd_create(name)
    os.write(fd, text.encode())
    return "/proc/self/fd/%d" % fd

conf = json.loads(sys.stdin.readline())
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((conf["host"], 0))
sock.listen(128)
sock.set_inheritable(True)
config = Config()
config.bind = ["fd://%d" % sock.fileno()]
config.websocket_max_message_size = conf["maxMessageSize"]
config.accesslog = None
config.errorlog = "-"
config.loglevel = "WARNING"
if conf.get("cert"):
    config.certfile = memfile("cert", conf["cert"])
    config.keyfile = memfile("key", conf["key"])
print(json.dumps({"port": sock.getsockname()[1]}), flush=True)
asyncio.run(serve(app, config))
`;

export interface HypercornOptions {
  host?: string;
  /** Serve over TLS with this certificate and key (PEM): h2 by ALPN, wss:// URLs. Without it, cleartext (h2c and HTTP/1.1). */
  tls?: { cert: string; key: string };
  maxMessageSize?: number;
}

export interface HypercornTarget {
  /** ws://127.0.0.1:PORT/ or wss://… */
  url: string;
  pid: number;
  /** Stops the server. */
  stop(): Promise<void>;
}

export class HypercornMissingError extends Error {
  readonly code = 'WSCONFORM_HYPERCORN_MISSING';
}

/** Whether Hypercorn can be started here; the reason when it cannot. */
export function hypercornMissing(): string | null {
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} is missing: the built-in HTTP/2 target is Hypercorn under it (Debian: apt-get install python3-hypercorn)`;
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', 'import hypercorn.asyncio, h2, wsproto'], { stdio: 'ignore', timeout: 10_000 });
  if (probe.status !== 0) {
    return `Hypercorn is not installed for ${SYSTEM_PYTHON}: the built-in HTTP/2 target needs it (Debian: apt-get install python3-hypercorn)`;
  }
  return null;
}

/** Starts Hypercorn with the echo app on a free loopback port. */
export function spawnHypercorn(o: HypercornOptions = {}): Promise<HypercornTarget> {
  const missing = hypercornMissing();
  if (missing) return Promise.reject(new HypercornMissingError(missing));
  const host = o.host ?? '127.0.0.1';
  const child: ChildProcess = spawn(SYSTEM_PYTHON, ['-c', BOOT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdin!.end(JSON.stringify({ host, maxMessageSize: o.maxMessageSize ?? 64 * 1024 * 1024, ...(o.tls ? { cert: o.tls.cert, key: o.tls.key } : {}) }) + '\n');
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Hypercorn did not start within 10 s: ${stderr.trim().slice(-500)}`));
    }, 10_000);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`Hypercorn exited at start (code ${code}): ${stderr.trim().slice(-500)}`));
    };
    child.once('exit', onExit);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /^(\{.*\})\n/m.exec(out);
      if (!line) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      const port = (JSON.parse(line[1]!) as { port: number }).port;
      resolve({
        url: `${o.tls ? 'wss' : 'ws'}://${host}:${port}/`,
        pid: child.pid!,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), 2000);
            await exited;
            clearTimeout(t);
          }
        },
      });
    });
  });
}
