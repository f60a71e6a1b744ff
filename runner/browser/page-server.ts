/**
 * The small HTTP server the browser loads its page from (127.0.0.1 unless --public-url says otherwise). It serves the page,
 * its scripts and the workers' script (page/api-worker.js), hands each page its job, and receives the page's events. The page's WebSockets go
 * to other ports (the fuzzing server, the browser-API servers); only this channel is HTTP.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { LOOPBACK, urlHost, type Reach } from './reach.js';

/** What the page reports (see page/client.js). */
export type PageEvent = { type: 'start'; key: string } | { type: 'log'; key: string; line: string } | { type: 'done'; key: string } | { type: 'finished' } | { type: 'page-error'; message: string };

export interface PageServer {
  /** http://127.0.0.1:PORT, or https:// when served over TLS */
  origin: string;
  /** Over TLS: what the latest connection to the page negotiated (engines run one after another); null until then, or over plain HTTP. */
  negotiated(): { protocol: string; cipher: string } | null;
  /**
   * Registers a job; the page at the returned URL fetches it and reports to `onEvent`. With
   * `origin`, the URL is on that origin, whose server hands its ordinary requests to `serveStream`.
   */
  addJob(token: string, job: unknown, onEvent: (e: PageEvent) => void, origin?: string): string;
  /**
   * Serves an HTTP/2 request (a stream of another server: test-browser --http2 serves the page from
   * the fuzzing server's origin, so that the page's WebSockets can be streams of its connection).
   */
  serveStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void;
  removeJob(token: string): void;
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;

function pageFile(name: string): Buffer {
  return readFileSync(new URL(`./page/${name}`, import.meta.url));
}

/** What the handler uses of a request and a response: node:http's, or an HTTP/2 stream's (streamExchange). */
interface PageRequest {
  method?: string | undefined;
  url?: string | undefined;
  on(event: 'data', listener: (d: Buffer) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  destroy(): void;
}
interface PageResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: Buffer | string): unknown;
}

/** An HTTP/2 stream as a request and its response; a stream the browser already reset takes no answer. */
function streamExchange(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): { req: PageRequest; res: PageResponse } {
  const method = headers[':method'];
  const path = headers[':path'];
  const req: PageRequest = {
    ...(typeof method === 'string' ? { method } : {}),
    ...(typeof path === 'string' ? { url: path } : {}),
    on: (event: 'data' | 'end', listener: (d: Buffer) => void) => stream.on(event, listener),
    destroy: () => stream.close(),
  };
  const res: PageResponse = {
    writeHead: (status, h) => {
      if (!stream.destroyed && !stream.headersSent) stream.respond({ ':status': status, ...h });
    },
    end: (body) => {
      if (!stream.destroyed) stream.end(body);
    },
  };
  return { req, res };
}

function isPageEvent(v: unknown): v is PageEvent {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  switch (e.type) {
    case 'start':
      return typeof e.key === 'string';
    case 'log':
      return typeof e.key === 'string' && typeof e.line === 'string';
    case 'done':
      return typeof e.key === 'string';
    case 'finished':
      return true;
    case 'page-error':
      return typeof e.message === 'string';
    default:
      return false;
  }
}

/** With `tls`, the page is served over https:// with this certificate and key (PEM). */
export async function startPageServer(reach: Reach = LOOPBACK, tls?: { cert: string | Buffer; key: string | Buffer }): Promise<PageServer> {
  const files = new Map<string, { type: string; body: Buffer }>([
    ['/client.js', { type: 'text/javascript; charset=utf-8', body: pageFile('client.js') }],
    ['/autobahn-client.js', { type: 'text/javascript; charset=utf-8', body: pageFile('autobahn-client.js') }],
    ['/values.js', { type: 'text/javascript; charset=utf-8', body: pageFile('values.js') }],
    ['/stream-player.js', { type: 'text/javascript; charset=utf-8', body: pageFile('stream-player.js') }],
    ['/api-player.js', { type: 'text/javascript; charset=utf-8', body: pageFile('api-player.js') }],
    ['/api-worker.js', { type: 'text/javascript; charset=utf-8', body: pageFile('api-worker.js') }],
    ['/blank', { type: 'text/html; charset=utf-8', body: Buffer.from('<!doctype html><title>wsconform: blank</title>') }],
  ]);
  const index = pageFile('index.html');
  const jobs = new Map<string, { job: unknown; onEvent: (e: PageEvent) => void }>();

  const handler = (req: PageRequest, res: PageResponse): void => {
    const send = (status: number, type: string, body: Buffer | string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const parts = path.split('/');
    const file = files.get(path);
    if (req.method === 'GET' && file) return send(200, file.type, file.body);
    if (req.method === 'GET' && parts[1] === 'run' && parts.length === 3) return send(200, 'text/html; charset=utf-8', index);
    const entry = parts[1] === 'job' ? jobs.get(parts[2] ?? '') : undefined;
    if (req.method === 'GET' && entry && parts.length === 3) return send(200, 'application/json', JSON.stringify(entry.job));
    if (req.method === 'POST' && parts[1] === 'job' && parts[3] === 'event' && parts.length === 4) {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (d: Buffer) => {
        size += d.length;
        if (size > MAX_BODY) req.destroy();
        else chunks.push(d);
      });
      req.on('end', () => {
        res.writeHead(204, { 'cache-control': 'no-store' });
        res.end();
        // A job that was removed (an aborted attempt) gets no more events.
        const current = jobs.get(parts[2] ?? '');
        if (!current) return;
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return;
        }
        // An array of events in order (what the page sends), or a single event.
        for (const event of Array.isArray(body) ? body : [body]) if (isPageEvent(event)) current.onEvent(event);
      });
      return;
    }
    send(404, 'text/plain; charset=utf-8', 'not found\n');
  };
  let negotiated: { protocol: string; cipher: string } | null = null;
  const listener: http.RequestListener = (req, res) => handler(req, res);
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, listener) : http.createServer(listener);
  if (tls)
    server.on('secureConnection', (socket: TLSSocket) => {
      negotiated = { protocol: socket.getProtocol() ?? '?', cipher: socket.getCipher().name };
    });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, reach.listenHost, () => resolve());
  });
  // Once listening, an error (accept failing under EMFILE, say) must not end the run.
  server.removeAllListeners('error').on('error', () => undefined);
  const { port } = server.address() as AddressInfo;
  const origin = `${tls ? 'https' : 'http'}://${urlHost(reach.publicHost)}:${port}`;
  return {
    origin,
    negotiated: () => negotiated,
    addJob(token, job, onEvent, on = origin) {
      jobs.set(token, { job, onEvent });
      return `${on}/run/${token}`;
    },
    serveStream(stream, headers) {
      stream.on('error', () => undefined);
      const socket = stream.session?.socket;
      if (socket instanceof TLSSocket) negotiated = { protocol: socket.getProtocol() ?? '?', cipher: socket.getCipher().name };
      const { req, res } = streamExchange(stream, headers);
      handler(req, res);
    },
    removeJob(token) {
      jobs.delete(token);
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
