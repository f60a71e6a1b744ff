/**
 * TLS targets for the tests: the `ws` echo server on `https.createServer` with a given certificate,
 * Python websockets serving over TLS (test/fixtures/websockets-tls-echo.py), and raw TCP servers
 * that break TLS on purpose: one that answers a ClientHello with plain HTTP, one that stalls in the
 * middle of the handshake, one that refuses it with an alert.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { listenRaw, type RawServer } from './raw-server.js';
import type { CertFiles } from './tls-certs.js';

export interface TlsTarget {
  /** wss://127.0.0.1:PORT */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The ws server also keeps the SNI name of every TLS connection it accepted (false: none sent). */
export interface WssEcho extends TlsTarget {
  servernames: Array<string | false>;
}

/** The ws echo server on https.createServer (the way its README serves wss://), in this process. */
export function startWssEcho(cert: CertFiles): Promise<WssEcho> {
  const server = https.createServer({ key: readFileSync(cert.key), cert: readFileSync(cert.cert) });
  const servernames: Array<string | false> = [];
  server.on('secureConnection', (s: tls.TLSSocket) => servernames.push((s as tls.TLSSocket & { servername: string | false }).servername));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // A client that refuses the certificate resets the connection: not this server's problem.
  server.on('tlsClientError', () => undefined);
  const wss = new WebSocketServer({ server, maxFragments: 0, maxPayload: 64 * 1024 * 1024 });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    ws.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `wss://127.0.0.1:${port}`,
        port,
        servernames,
        close: () =>
          new Promise<void>((done) => {
            for (const c of wss.clients) c.terminate();
            for (const s of sockets) s.destroy();
            wss.close();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Python websockets (Debian's python3-websockets) serving an echo over an ssl context, in a child process. */
export async function startPythonWssEcho(cert: CertFiles): Promise<TlsTarget> {
  const script = fileURLToPath(new URL('../fixtures/websockets-tls-echo.py', import.meta.url));
  const child = spawn('/usr/bin/python3', [script, cert.cert, cert.key], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`websockets-tls-echo.py exited with ${code}`)));
  });
  return {
    url: `wss://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.stdin.end();
      }),
  };
}

const asWss = (s: RawServer): TlsTarget => ({ url: `wss://127.0.0.1:${s.port}`, port: s.port, close: () => s.close() });

/** Answers the ClientHello with an HTTP 400, as a plain HTTP server on the port would. */
export async function plainHttpOnTlsPort(): Promise<TlsTarget> {
  return asWss(
    await listenRaw((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nbad request'))),
  );
}

/** Reads the ClientHello, sends the first 9 bytes of a handshake record (a ServerHello that never ends), and then nothing. */
export async function stallingTlsHandshake(): Promise<TlsTarget> {
  return asWss(await listenRaw((socket) => socket.once('data', () => socket.write(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76])))));
}

/** Refuses the ClientHello with a fatal handshake_failure alert (RFC 8446 §6), then closes. */
export async function alertingTlsServer(): Promise<TlsTarget> {
  return asWss(await listenRaw((socket) => socket.once('data', () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])))));
}
