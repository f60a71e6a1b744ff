/**
 * The browser-API cases over HTTP/2 (test-browser --http2, RFC 8441): which cases' servers offer
 * h2, and what such a server answers on a stream. The server takes the TLS connections whose ALPN
 * chose h2 with node:http2 (the fuzzing server's H2Front, advertising extended CONNECT, RFC 8441
 * §3); an extended CONNECT is answered the way the case's handshake says (accept: `:status 200`
 * with what it selects, RFC 8441 §5; status: that status; hold: nothing), and its stream then
 * carries the case as a TCP connection would (H2StreamBytes: END_STREAM for FIN, RST_STREAM for RST).
 *
 * Browsers open a WebSocket as a stream only of an HTTP/2 connection they already hold to its
 * origin (Chromium and Firefox: a new connection for a WebSocket is always HTTP/1.1). Every case
 * has an origin of its own (api-server.ts), so the page first fetches the case's origin
 * (PageApiCase.warmUp), and that request gets a 204 here.
 */
import http2 from 'node:http2';
import type { ApiHandshake } from '../../cases/browser-api-types.js';
import type { CaseDef } from '../../cases/types.js';

/**
 * Whether a case's server offers h2 beside HTTP/1.1 in an --http2 run: not when what the case
 * checks has no HTTP/2 form (BrowserApiCheck.http1Only, a broken 101, TLS certificate cases), nor
 * for a 2xx answer, which fails an HTTP/1.1 handshake but is success over HTTP/2 (RFC 8441 §5).
 */
export function apiOverHttp2(def: CaseDef): boolean {
  if (def.expect.kind !== 'browser-api') return false;
  const c = def.expect.check;
  const h = c.server.handshake;
  const answers = h.kind === 'accept' || h.kind === 'hold' || (h.kind === 'status' && (h.status < 200 || h.status > 299));
  return c.http1Only === undefined && c.tls === undefined && answers;
}

/** The path a case's server answers the page's warm-up request on. */
export const WARM_UP_PATH = '/.wsconform-h2';

/** Answers a request that is not an extended CONNECT: the page's warm-up (204), or a 404. */
export function answerOrdinary(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  stream.on('error', () => undefined);
  const warmUp = headers[':path'] === WARM_UP_PATH;
  try {
    stream.respond({ ':status': warmUp ? 204 : 404, 'cache-control': 'no-store' }, { endStream: true });
  } catch {
    stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  }
}

/** The response header fields for a handshake, or null for one that gets no answer (hold). */
export function h2ResponseFields(h: ApiHandshake, location: string): http2.OutgoingHttpHeaders | null {
  switch (h.kind) {
    case 'hold':
      return null;
    case 'status':
      return { ':status': h.status, 'content-type': 'text/plain; charset=utf-8', ...(h.location ? { location } : {}) };
    case 'accept':
      return {
        ':status': 200,
        ...(h.protocol ? { 'sec-websocket-protocol': h.protocol } : {}),
        ...(h.extensions ? { 'sec-websocket-extensions': h.extensions } : {}),
        ...(h.setCookie ? { 'set-cookie': h.setCookie } : {}),
      };
    default:
      // A broken 101 has no HTTP/2 form: apiOverHttp2 keeps those cases' servers on HTTP/1.1.
      throw new Error(`the handshake ${h.kind} has no HTTP/2 form`);
  }
}

/** Response header fields as the record shows them, one per line. */
export function renderFields(fields: http2.OutgoingHttpHeaders): string {
  return `${Object.entries(fields)
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('\r\n')}\r\n\r\n`;
}
