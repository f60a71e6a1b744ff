/**
 * Browser-API cases: the opening request the browser sends (§2.2 establish a WebSocket
 * connection), checked by the server: Upgrade, Connection, a 16-byte base64 key, version 13, the
 * subprotocols offered, a permessage-deflate offer, the document's origin, no Referer (the
 * request's referrer is "no-referrer"), and the cache headers Fetch adds for cache mode "no-store".
 */
import type { ApiHeaderExpectation } from '../browser-api-types.js';
import type { CaseDef, Requirement } from '../types.js';
import { connect, wait, closeAndWait, closedWithoutStatus, accept, apiCase } from './common.js';

const handshakeRule = (step: string): Requirement => ({ spec: `WHATWG WebSockets §2.2 Opening handshake (${step}); RFC 6455 §4.1`, level: 'MUST' });

/** Header fields an extended CONNECT does not carry (RFC 8441 §4-5): their cases run over HTTP/1.1 only. */
const H1_ONLY: Record<string, string> = {
  upgrade: 'an extended CONNECT has no Upgrade (RFC 8441 §4)',
  connection: 'HTTP/2 has no Connection header field (RFC 9113 §8.2.2)',
  'sec-websocket-key': 'an extended CONNECT carries no Sec-WebSocket-Key (RFC 8441 §5)',
  host: 'HTTP/2 names the server in :authority, not Host (RFC 9113 §8.3.1)',
};

const header = (id: string, name: string, expected: ApiHeaderExpectation, step: string, why: string): CaseDef =>
  apiCase({
    id: `api.request.${id}`,
    title: `The opening request: ${name}${expected === null ? ' is absent' : ''}`,
    description: 'The page opens a socket to the case’s server, which records the opening request.',
    expectation: `${why}: ${name} ${expected === null ? 'is absent' : typeof expected === 'string' ? `is ${JSON.stringify(expected)}` : `matches /${expected.match}/`}.`,
    requirement: handshakeRule(step),
    check: {
      server: accept,
      page: [connect(), wait('open'), ...closeAndWait],
      expectPage: ['open', ...closedWithoutStatus],
      expectWire: { connections: 1, requestHeaders: { [name]: expected } },
      ...(H1_ONLY[name] !== undefined ? { http1Only: H1_ONLY[name] } : {}),
    },
  });

export const requestCases: CaseDef[] = [
  header('upgrade', 'upgrade', { match: '^[Ww][Ee][Bb][Ss][Oo][Cc][Kk][Ee][Tt]$' }, 'append Upgrade: websocket', 'The request asks to upgrade to websocket'),
  header('connection', 'connection', { match: '(^|,)\\s*[Uu][Pp][Gg][Rr][Aa][Dd][Ee]\\s*(,|$)' }, 'append Connection: Upgrade', 'Connection names Upgrade'),
  header('version', 'sec-websocket-version', '13', 'append Sec-WebSocket-Version: 13', 'The version is 13'),
  header('key', 'sec-websocket-key', { match: '^[A-Za-z0-9+/]{21}[AQgw]==$' }, 'a random 16-byte nonce, base64-encoded', 'The key is 16 bytes in base64: 22 characters and "=="'),
  header('no-protocol', 'sec-websocket-protocol', null, 'combine Sec-WebSocket-Protocol for each protocol', 'No subprotocol offered, no header'),
  header('extensions', 'sec-websocket-extensions', { match: '^permessage-deflate(\\s*;|\\s*$)' }, 'append Sec-WebSocket-Extensions: permessage-deflate', 'The browser offers permessage-deflate'),
  header('origin', 'origin', { match: '^https?://[^/\\s]+$' }, "the request's client is the document, so Fetch sends its origin", "Origin is the document's origin (scheme, host, port; no path)"),
  header('no-referer', 'referer', null, 'referrer "no-referrer"', 'The request is made with the referrer "no-referrer"'),
  header('pragma', 'pragma', 'no-cache', 'cache mode "no-store": Fetch appends Pragma: no-cache', 'A no-store request carries Pragma: no-cache'),
  header('cache-control', 'cache-control', 'no-cache', 'cache mode "no-store": Fetch appends Cache-Control: no-cache', 'A no-store request carries Cache-Control: no-cache'),
  header('host', 'host', { match: '^[^\\s/]+:[0-9]+$' }, 'the request URL', 'Host names the server and its (non-default) port'),
];
