/**
 * The fuzzing server's intake: what happens to a connection between accept and the 101. It reads
 * the HTTP request within the size and time bounds, refuses what is not a WebSocket upgrade of the
 * URL protocol with a plain HTTP response (400, 404, 408, 426, 500), and hands every valid upgrade
 * on. It works over any duplex byte stream the server accepted.
 */
import type { Duplex } from 'node:stream';
import type { CaseDef } from '../../cases/types.js';
import { readHttpHead } from '../engine/read-head.js';
import { buildHttpError, headerTokens, headerValues, parseClientRequest, type HttpHead } from '../wire/handshake.js';
import { LINGER_MS } from './control-channel.js';
import { helpPage, parseFuzzingRequest, PROTOCOL_PATHS, type FuzzingRequest } from './protocol.js';

/** A valid upgrade request of the URL protocol, not answered yet. */
export interface Upgrade {
  request: FuzzingRequest;
  head: HttpHead;
  key: string;
  extensionOffers: string[];
  /** The octets after the request (the stream is paused). */
  rest: Buffer;
  /** When the request was complete (epoch ms). */
  startedAt: number;
}

export interface IntakeOptions {
  cases: readonly CaseDef[];
  /** Bound on receiving a complete HTTP request. */
  openHandshakeTimeoutMs: number;
  log: (line: string) => void;
}

/**
 * Reads the request from `stream` (a connection from the address `from`) and resolves with the upgrade, or
 * with null when the connection was refused or closed first.
 */
export async function intake(stream: Duplex, from: string, o: IntakeOptions): Promise<Upgrade | null> {
  const r = await readHttpHead(stream, { timeoutMs: o.openHandshakeTimeoutMs, check: notHttp });
  if (!r.ok) {
    const f = r.failure;
    const n = r.received.length;
    switch (f.reason) {
      case 'timeout':
        o.log(`${from}: ${n === 0 ? 'sent nothing' : `sent an incomplete HTTP request (${n} bytes)`} within ${o.openHandshakeTimeoutMs} ms: 408, connection closed`);
        refuse(stream, 408, 'Request Timeout', `no complete HTTP request within ${o.openHandshakeTimeoutMs} ms\n`);
        break;
      case 'rejected':
        o.log(`${from}: ${f.message}: 400, connection closed`);
        refuse(stream, 400, 'Bad Request', `${f.message}\n`);
        break;
      case 'malformed':
        o.log(`${from}: bad HTTP request (${f.message}): 400, connection closed`);
        refuse(stream, 400, 'Bad Request', `${f.message}\n`);
        break;
      default:
      // Closed, reset or aborted: nobody to answer.
    }
    return null;
  }
  const startedAt = Date.now();
  const head = r.head;
  if (!headerTokens(head.headers, 'Upgrade').includes('websocket')) {
    servePlainHttp(stream, from, head, o);
    return null;
  }
  const req = parseClientRequest(head);
  if (req.problems.length > 0) {
    const wrongVersion = req.version !== '13' && req.version !== undefined;
    o.log(`${from}: refused the WebSocket handshake for ${req.path.slice(0, 200)}: ${req.problems.join('; ')}`);
    refuse(stream, wrongVersion ? 426 : 400, wrongVersion ? 'Upgrade Required' : 'Bad Request', `${req.problems.join('\n')}\n`, wrongVersion ? [['Sec-WebSocket-Version', '13']] : []);
    return null;
  }
  const route = parseFuzzingRequest(req.path, o.cases);
  if (!route.ok) {
    o.log(`${from}: ${route.status} for ${req.path.slice(0, 200)}: ${route.message}`);
    refuse(stream, route.status, route.status === 404 ? 'Not Found' : 'Internal Server Error', `wsconform fuzzing server: ${route.message}\n`);
    return null;
  }
  return { request: route.request, head, key: req.key!, extensionOffers: headerValues(head.headers, 'Sec-WebSocket-Extensions'), rest: r.rest, startedAt };
}

/** Answers with a plain HTTP response and closes; the stream is destroyed if the target does not close first. */
export function refuse(stream: Duplex, status: number, reason: string, body: string, headers: Array<[string, string]> = []): void {
  stream.removeAllListeners('data');
  stream.resume();
  if (!stream.destroyed) stream.end(buildHttpError(status, reason, body, headers));
  setTimeout(() => stream.destroy(), LINGER_MS).unref();
}

/** Requests without an Upgrade header: a short page on /, 426 on protocol paths, 404 elsewhere. */
function servePlainHttp(stream: Duplex, from: string, head: HttpHead, o: IntakeOptions): void {
  const [method = '', target = ''] = head.startLine.split(' ');
  const path = target.split('?')[0] ?? '';
  if (path === '/' && (method === 'GET' || method === 'HEAD')) {
    refuse(stream, 200, 'OK', method === 'HEAD' ? '' : helpPage(o.cases.length));
    return;
  }
  const known = (PROTOCOL_PATHS as readonly string[]).includes(path);
  o.log(`${from}: plain HTTP ${method} ${path.slice(0, 200)} without a WebSocket upgrade: ${known ? 426 : 404}`);
  if (known) refuse(stream, 426, 'Upgrade Required', `${path} is a WebSocket endpoint\n`, [['Upgrade', 'websocket']]);
  else refuse(stream, 404, 'Not Found', `unknown path ${path.slice(0, 200)}\n`);
}

/** A first look at the bytes: a reason when they cannot be the start of an HTTP request. */
function notHttp(buf: Buffer): string | null {
  const first = buf[0];
  if (first === 0x16) return 'a TLS handshake arrived, but this server speaks plain ws:// only';
  if (first !== undefined && (first < 0x41 || first > 0x5a)) return `not an HTTP request (first byte 0x${first.toString(16).padStart(2, '0')})`;
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return buf.length > 8192 ? 'HTTP request line longer than 8192 bytes' : null;
  const line = buf.subarray(0, eol).toString('latin1');
  if (!/^[A-Z]+ \S+ HTTP\/\d\.\d$/.test(line)) return `malformed HTTP request line ${JSON.stringify(line.slice(0, 80))}`;
  return null;
}
