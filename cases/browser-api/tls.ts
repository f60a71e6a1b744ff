/**
 * Browser-API cases that exist only over TLS (`test-browser --tls`): the page is https:// and the
 * run's servers are wss://. A certificate the engine was not told to trust, mixed content (a ws://
 * socket from the https:// page) and the https: form of a URL.
 */
import type { BrowserApiCheck } from '../browser-api-types.js';
import type { CaseDef, Requirement } from '../types.js';
import { apiCase, close, closeAndWait, closedWithoutStatus, connect, failed, read, spec, wait } from './common.js';

/** Over TLS a worker's connections are the engine's, but how each engine trusts the run's CA (and resolves the test host name) was checked from the document only. */
const WINDOW_ONLY = 'the TLS cases run in the document: how the engines trust the CA was verified there only';

/** An engine that keeps a connection it should have refused is closed by the server, so that the page sees a close instead of waiting. */
const acceptButClose: BrowserApiCheck['server'] = { handshake: { kind: 'accept' }, closeAfterMs: 500 };

const requirements = {
  tlsFailure: {
    spec: 'WHATWG WebSockets §2.2 Opening handshake (establish a WebSocket connection: a network error fails the WebSocket connection), §4 Feedback from the protocol; RFC 6455 §4.1 (a TLS handshake that fails, e.g. a certificate that cannot be verified, fails the WebSocket connection)',
    level: 'MUST',
  },
  mixedContent: {
    spec: 'WHATWG WebSockets §3.1 new WebSocket() (no exception for a ws: URL: the connection is established in parallel), §2.2 Opening handshake (a network error fails the WebSocket connection); Fetch, main fetch (a request blocked as mixed content is a network error); Mixed Content, "should fetching request be blocked as mixed content?"',
    level: 'MUST',
  },
  loopback: {
    spec: 'WHATWG WebSockets §2.2 Opening handshake (the fetch of the request); Mixed Content, "should fetching request be blocked as mixed content?" (allowed when the URL is potentially trustworthy); Secure Contexts, "is origin potentially trustworthy?" (127.0.0.0/8 is)',
    level: 'MUST',
  },
} satisfies Record<string, Requirement>;

export const tlsApiCases: CaseDef[] = [
  apiCase({
    id: 'api.tls.untrusted-certificate',
    title: 'A wss:// server with a certificate the browser does not trust fails the connection',
    description: "The page opens wss:// to a server whose certificate comes from a CA nobody told the engine to trust (the run's own CA is trusted).",
    expectation: 'error, then close 1006, not clean; never open; no opening request reaches the server. Close code 1015 (TLS handshake failure, RFC 6455 §7.4.1) is NON-STRICT.',
    requirement: requirements.tlsFailure,
    check: {
      server: acceptButClose,
      tls: { certificate: 'untrusted-ca' },
      windowOnly: WINDOW_ONLY,
      page: [connect(), wait('close')],
      expectPage: failed,
      nonStrictPage: [
        {
          lines: ['error', 'close 1015 "" not clean'],
          why: 'the close event carries 1015, which RFC 6455 §7.4.1 sets aside for a failed TLS handshake; the connection close code of §7.1.5, which the standard hands to the close event, is 1006 when no close frame came',
        },
      ],
      expectWire: { connections: 0 },
    },
  }),
  apiCase({
    id: 'api.tls.mixed-content',
    title: 'A ws:// socket from an https:// page to a host that is not potentially trustworthy is blocked',
    description: 'From the https:// page, the page constructs the socket with ws:// and a host name (not 127.0.0.1, which is potentially trustworthy) that the engine resolves to this machine.',
    expectation:
      'The constructor does not throw; the fetch is blocked as mixed content, a network error: error, then close 1006, not clean; no opening request reaches the server. A SecurityError from the constructor (what the standard said before it used Fetch) is NON-STRICT.',
    requirement: requirements.mixedContent,
    check: {
      server: acceptButClose,
      tls: { plain: true, testHostName: true },
      windowOnly: WINDOW_ONLY,
      page: [connect(), wait('close')],
      expectPage: failed,
      nonStrictPage: [
        {
          lines: ['new WebSocket → SecurityError', '(no close event)'],
          why: 'the constructor threw SecurityError: the connection is refused, but the standard blocks it in the fetch (a network error, then error and close events), not with an exception',
        },
      ],
      expectWire: { connections: 0 },
    },
  }),
  apiCase({
    id: 'api.tls.mixed-content-loopback',
    title: 'A ws:// socket from an https:// page to 127.0.0.1 is not mixed content',
    description: 'From the https:// page, the page constructs the socket with ws://127.0.0.x (a loopback address).',
    expectation: 'The socket opens: a loopback URL is potentially trustworthy, so the fetch is not blocked as mixed content.',
    requirement: requirements.loopback,
    check: {
      server: { handshake: { kind: 'accept' } },
      tls: { plain: true },
      windowOnly: WINDOW_ONLY,
      // An engine that blocks it may fire error and never close: 3 s is plenty for an open on loopback.
      page: [connect(), wait('open', 3000), close(), wait('close', 3000)],
      expectPage: ['open', ...closedWithoutStatus],
      expectWire: { connections: 1 },
    },
  }),
  apiCase({
    id: 'api.tls.https-scheme',
    title: 'An https: URL becomes wss:',
    description: 'The page constructs the socket with the https: form of the wss:// server URL.',
    expectation: 'url reads wss://…; the socket opens.',
    requirement: spec.newWebSocket,
    check: {
      server: { handshake: { kind: 'accept' } },
      tls: {},
      windowOnly: WINDOW_ONLY,
      page: [{ do: 'connect', url: 'https-scheme' }, read('url'), wait('open'), ...closeAndWait],
      expectPage: ['url = "wss://<server>/api.tls.https-scheme"', 'open', ...closedWithoutStatus],
    },
  }),
];
