/**
 * Browser-API cases: cookies and the opening handshake. The handshake is a Fetch request whose
 * credentials mode is "include" (WHATWG WebSockets, establish a WebSocket connection), so the
 * browser sends the cookies it holds for the server's URL, stores those a 101 sets (cookies are
 * per host, not per port: RFC 6265bis §8.5), sends a cookie the document set, keeps an HttpOnly one
 * from document.cookie, and leaves out one whose Path does not match. Each case's server listens on
 * the page's own host, so that its cookies are same-site ones, and its cookie has a name of its own
 * (`<cookie>`, rendered per case and worker variant: the contexts share the browser's cookies).
 */
import type { ApiHeaderExpectation, ApiPageAction, BrowserApiCheck } from '../browser-api-types.js';
import type { CaseDef, Requirement } from '../types.js';
import { apiCase, close, closeAndWait, closedWithoutStatus, connect, wait } from './common.js';

const rule = (what: string): Requirement => ({ spec: `WHATWG WebSockets §2.2 establish a WebSocket connection (credentials "include"); RFC 6265bis ${what}`, level: 'MUST' });

/** The Cookie header holds the case's cookie with this value. */
const holds = (value: string): ApiHeaderExpectation => ({ match: `(^|;\\s*)<cookie>=${value}(;|$)` });
/** The Cookie header, if any, does not hold the case's cookie (other cases' cookies for the host may be there). */
const lacks: ApiHeaderExpectation = { match: '^(?![\\s\\S]*(^|;\\s*)<cookie>=)', orAbsent: true };

/** Two sockets to the case's server, one after the other: the second shows what the first's 101 left. */
const twice: ApiPageAction[] = [connect(), wait('open'), close(), wait('close'), connect(), { do: 'wait', event: 'open', nth: 2 }, close(), { do: 'wait', event: 'close', nth: 2 }];
const twiceSeen = ['open', ...closedWithoutStatus, 'open', ...closedWithoutStatus];

const cookieCase = (id: string, title: string, o: { check: Omit<BrowserApiCheck, 'pageHost'>; expectation: string; what: string }): CaseDef =>
  apiCase({ id: `api.cookies.${id}`, title, description: `The page opens sockets to the case's server: ${title.toLowerCase()}.`, expectation: o.expectation, requirement: rule(o.what), check: { ...o.check, pageHost: true } });

export const cookieCases: CaseDef[] = [
  cookieCase('from-101', 'a cookie the 101 sets is sent on the next handshake', {
    check: {
      server: { handshake: { kind: 'accept', setCookie: '<cookie>=v1; Path=/' } },
      page: twice,
      expectPage: twiceSeen,
      expectWire: { connections: 2, cookies: [lacks, holds('v1')] },
    },
    expectation: 'The first handshake carries no such cookie; its 101 sets <cookie>=v1, and the second handshake sends it.',
    what: '§5.7 (storing), §5.8.3 (sending)',
  }),
  ...[
    { id: 'from-document', pause: [] as ApiPageAction[], when: 'at once' },
    { id: 'from-document.later', pause: [{ do: 'sleep', ms: 200 }] as ApiPageAction[], when: '200 ms later' },
  ].map(({ id, pause, when }) =>
    cookieCase(id, `a cookie the document set is sent on a handshake ${when}`, {
      check: {
        server: { handshake: { kind: 'accept' } },
        page: [{ do: 'set-cookie', value: '<cookie>=d1; path=/' }, ...pause, connect(), wait('open'), ...closeAndWait],
        expectPage: ['document.cookie ← "<cookie>=d1; path=/"', 'open', ...closedWithoutStatus],
        expectWire: { connections: 1, cookies: [holds('d1')] },
        windowOnly: 'document.cookie exists only in the document',
      },
      expectation: `The document sets <cookie>=d1 for its host, then (${when}) opens a socket to a server on that host (another port): the handshake sends the cookie, which the setter stored before it returned.`,
      what: '§5.8.3 (the same host, whatever the port); HTML document.cookie (stored as it is set)',
    }),
  ),
  cookieCase('http-only', 'an HttpOnly cookie from the 101 is sent but not seen by document.cookie', {
    check: {
      server: { handshake: { kind: 'accept', setCookie: '<cookie>=h1; Path=/; HttpOnly' } },
      page: [...twice.slice(0, 4), { do: 'has-cookie', name: '<cookie>' }, ...twice.slice(4)],
      expectPage: ['open', ...closedWithoutStatus, 'document.cookie has <cookie>: no', 'open', ...closedWithoutStatus],
      expectWire: { connections: 2, cookies: [lacks, holds('h1')] },
      windowOnly: 'document.cookie exists only in the document',
    },
    expectation: 'The 101 sets <cookie>=h1 HttpOnly: document.cookie does not show it, and the second handshake sends it.',
    what: '§5.7 (HttpOnly: not for non-HTTP APIs), §5.8.3',
  }),
  cookieCase('visible', 'a cookie from the 101 without HttpOnly is seen by document.cookie', {
    check: {
      server: { handshake: { kind: 'accept', setCookie: '<cookie>=s1; Path=/' } },
      page: [connect(), wait('open'), close(), wait('close'), { do: 'has-cookie', name: '<cookie>' }],
      expectPage: ['open', ...closedWithoutStatus, 'document.cookie has <cookie>: yes'],
      windowOnly: 'document.cookie exists only in the document',
    },
    expectation: 'The 101 sets <cookie>=s1 for the host, which is the document’s: document.cookie shows it.',
    what: '§5.7, §5.8.3 (a cookie is per host, not per port)',
  }),
  cookieCase('other-path', 'a cookie for another path is not sent', {
    check: {
      server: { handshake: { kind: 'accept', setCookie: '<cookie>=p1; Path=/elsewhere' } },
      page: twice,
      expectPage: twiceSeen,
      expectWire: { connections: 2, cookies: [lacks, lacks] },
    },
    expectation: 'The 101 sets <cookie>=p1 for /elsewhere only: neither handshake (to /api.cookies.other-path) sends it.',
    what: '§5.8.3 (path-match)',
  }),
];
