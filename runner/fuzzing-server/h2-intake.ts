/**
 * The intake of an HTTP/2 stream (RFC 8441 §4, §5): an extended CONNECT (`:method CONNECT`,
 * `:protocol websocket`, `sec-websocket-version: 13`) on a path of the URL protocol is an upgrade,
 * handed on unanswered like the HTTP/1.1 intake's; anything else gets a response and the stream
 * ends. The request's header fields become an HttpHead, so the transcript and the reports show
 * what the client sent (HTTP/2 field names are lowercase, pseudo-header fields first).
 */
import http2 from 'node:http2';
import type { CaseDef } from '../../cases/types.js';
import type { HttpHead } from '../wire/handshake.js';
import { LINGER_MS } from './control-channel.js';
import type { H2StreamOrigin } from './h2-listener.js';
import type { Upgrade } from './intake.js';
import { helpPage, parseFuzzingRequest, PROTOCOL_PATHS } from './protocol.js';

/** The HTTP/2 request's header fields as one list, pseudo-header fields first, in the order node gives them. */
export function h2RequestHead(headers: http2.IncomingHttpHeaders): HttpHead {
  const list: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) list.push([name, String(v)]);
  }
  list.sort(([a], [b]) => Number(b.startsWith(':')) - Number(a.startsWith(':')));
  const path = String(headers[':path'] ?? '');
  return { startLine: `${String(headers[':method'] ?? '')} ${path} HTTP/2`, headers: list, raw: `${list.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n` };
}

/** Answers the stream with a short response and ends it; the stream is reset if the client does not end its side. */
export function refuseStream(stream: http2.ServerHttp2Stream, status: number, body: string, headers: Record<string, string> = {}): void {
  if (stream.destroyed || stream.closed) return;
  try {
    stream.respond({ ':status': status, 'content-type': 'text/plain; charset=utf-8', ...headers });
    stream.end(body);
  } catch {
    stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  stream.resume();
  setTimeout(() => {
    if (!stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
  }, LINGER_MS).unref();
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** An HTTP/2 upgrade: the HTTP/1.1 intake's Upgrade and the stream it came on. */
export type H2Upgrade = Upgrade & { h2: { stream: http2.ServerHttp2Stream; origin: H2StreamOrigin } };

/** Reads one stream's request: an upgrade of the URL protocol, or null once refused. */
export function h2Intake(
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  from: string,
  o: { cases: readonly CaseDef[]; origin: H2StreamOrigin; log: (line: string) => void },
): H2Upgrade | null {
  const method = first(headers[':method']) ?? '';
  const path = first(headers[':path']) ?? '';
  const protocol = first(headers[':protocol']);
  const bare = path.split('?')[0] ?? '';
  if (method !== 'CONNECT' || protocol === undefined) {
    if (bare === '/' && (method === 'GET' || method === 'HEAD')) {
      refuseStream(stream, 200, method === 'HEAD' ? '' : helpPage(o.cases.length));
      return null;
    }
    const known = (PROTOCOL_PATHS as readonly string[]).includes(bare);
    o.log(`${from}: HTTP/2 ${method} ${bare.slice(0, 200)} without :protocol websocket: ${known ? 400 : 404}`);
    if (known) refuseStream(stream, 400, `${bare} is a WebSocket endpoint: over HTTP/2, open it with an extended CONNECT (:protocol websocket, RFC 8441)\n`);
    else refuseStream(stream, 404, `unknown path ${bare.slice(0, 200)}\n`);
    return null;
  }
  if (protocol.toLowerCase() !== 'websocket') {
    o.log(`${from}: extended CONNECT for :protocol ${JSON.stringify(protocol.slice(0, 40))}: 400`);
    refuseStream(stream, 400, `this server speaks :protocol websocket only (RFC 8441 §5)\n`);
    return null;
  }
  const version = first(headers['sec-websocket-version']);
  if (version !== '13') {
    o.log(`${from}: extended CONNECT with sec-websocket-version ${version === undefined ? 'missing' : JSON.stringify(version.slice(0, 20))}: 400`);
    refuseStream(stream, 400, 'sec-websocket-version must be 13 (RFC 8441 §5, RFC 6455 §4.1)\n', { 'sec-websocket-version': '13' });
    return null;
  }
  const route = parseFuzzingRequest(path, o.cases);
  if (!route.ok) {
    o.log(`${from}: ${route.status} for ${path.slice(0, 200)}: ${route.message}`);
    refuseStream(stream, route.status, `wsconform fuzzing server: ${route.message}\n`);
    return null;
  }
  const offers = headers['sec-websocket-extensions'];
  return {
    request: route.request,
    head: h2RequestHead(headers),
    key: '',
    extensionOffers: offers === undefined ? [] : Array.isArray(offers) ? offers : [offers],
    rest: Buffer.alloc(0),
    startedAt: Date.now(),
    h2: { stream, origin: o.origin },
  };
}
