/**
 * Browser-API cases: new WebSocket(url, protocols). The constructor parses url against the
 * document's base URL (failure: SyntaxError), turns http: into ws: and https: into wss:, refuses
 * other schemes and any fragment (SyntaxError), then checks protocols: a string is a list of one,
 * and each value must be a token that occurs only once (SyntaxError). The standard's constructor
 * takes no options dictionary: a plain object as the second argument is converted to a string.
 * Ports are not checked here: a bad port fails the connection later, in Fetch.
 */
import type { ApiValue } from '../browser-api-types.js';
import type { CaseDef, Requirement } from '../types.js';
import { spec, wait, close, read, closeAndWait, closedWithoutStatus, accept, failed, apiCase } from './common.js';
import { v, connectWith, serverUrl, shown } from './values.js';

const parse: Requirement = { spec: 'WHATWG WebSockets §3.1 new WebSocket() (URL parsing, scheme, fragment); WHATWG URL', level: 'MUST' };
const protocolsRule: Requirement = { spec: 'WHATWG WebSockets §3.1 new WebSocket() (protocols); RFC 6455 §4.1 (Sec-WebSocket-Protocol values are tokens, each unique)', level: 'MUST' };

/** new WebSocket(...args) throws SyntaxError (or `error`) and makes no connection. */
const throws = (id: string, args: ApiValue[], why: string, requirement = parse, error = 'SyntaxError'): CaseDef =>
  apiCase({
    id: `api.constructor.${id}`,
    title: `new WebSocket(${args.map(shown).join(', ')}) throws ${error}`,
    description: `The page constructs a socket with ${args.map(shown).join(', ')} (<server> is the case's server, <path> its path).`,
    expectation: `${why}: the constructor throws ${error}; no connection is made.`,
    requirement,
    check: { server: accept, page: [connectWith(...args)], expectPage: [`new WebSocket → ${error}`], expectWire: { connections: 0 } },
  });

/** new WebSocket(template) reaches the case's server: url reads `url`, and the socket opens. */
const opens = (id: string, template: string, url: string, why: string): CaseDef =>
  apiCase({
    id: `api.constructor.${id}`,
    title: `new WebSocket(${JSON.stringify(template)}) opens ${url}`,
    description: `The page constructs a socket with ${JSON.stringify(template)} and reads url.`,
    expectation: `${why}: url reads ${JSON.stringify(url)}; the socket opens.`,
    requirement: parse,
    check: {
      server: accept,
      page: [connectWith(v.url(template)), read('url'), wait('open'), ...closeAndWait],
      expectPage: [`url = ${JSON.stringify(url)}`, 'open', ...closedWithoutStatus],
      expectWire: { connections: 1 },
    },
  });

/** new WebSocket(template) does not throw; url reads `url`; the page closes it at once (nothing listens there). */
const elsewhere = (id: string, template: string, url: string, why: string, requirement = parse): CaseDef =>
  apiCase({
    id: `api.constructor.${id}`,
    title: `new WebSocket(${JSON.stringify(template)}): url reads ${url}`,
    description: `The page constructs a socket with ${JSON.stringify(template)}, reads url and readyState, and calls close() at once.`,
    expectation: `${why}: no exception; url reads ${JSON.stringify(url)}; readyState is CONNECTING; close() fails the connection (error, close 1006).`,
    requirement,
    check: {
      server: accept,
      page: [connectWith(v.url(template)), read('url'), read('readyState'), close(), wait('close', 3000)],
      expectPage: [`url = ${JSON.stringify(url)}`, 'readyState = 0', 'close() → ok', ...failed],
    },
  });

/** new WebSocket(url, protocols) is accepted: the request offers `header` (null: no header). */
const offers = (id: string, protocols: ApiValue, header: string | null, why: string, select?: string): CaseDef =>
  apiCase({
    id: `api.constructor.protocols.${id}`,
    title: `new WebSocket(url, ${shown(protocols)}) offers ${header === null ? 'no subprotocol' : JSON.stringify(header)}`,
    description: `The page constructs a socket with the protocols argument ${shown(protocols)}${select ? `; the server selects ${JSON.stringify(select)}` : ''}.`,
    expectation: `${why}: no exception; the request ${header === null ? 'has no Sec-WebSocket-Protocol header' : `offers ${JSON.stringify(header)}`}; protocol reads ${JSON.stringify(select ?? '')} once open.`,
    requirement: protocolsRule,
    check: {
      server: select ? { handshake: { kind: 'accept', protocol: select } } : accept,
      page: [connectWith(serverUrl, protocols), wait('open'), read('protocol'), ...closeAndWait],
      expectPage: ['open', `protocol = ${JSON.stringify(select ?? '')}`, ...closedWithoutStatus],
      expectWire: { requestHeaders: { 'sec-websocket-protocol': header } },
    },
  });

const badToken = (id: string, protocols: ApiValue, why: string): CaseDef => throws(`protocols.${id}`, [serverUrl, protocols], why, protocolsRule);

const separators: Array<[string, string]> = [
  ['comma', 'a,b'],
  ['semicolon', 'a;b'],
  ['slash', 'a/b'],
  ['equals', 'a=b'],
  ['parentheses', '(a)'],
  ['angle-brackets', '<a>'],
  ['at', 'a@b'],
  ['colon', 'a:b'],
  ['backslash', 'a\\b'],
  ['quote', '"a"'],
  ['square-brackets', '[a]'],
  ['question-mark', 'a?b'],
  ['braces', '{a}'],
  ['tab', 'a\tb'],
];

export const constructorCases: CaseDef[] = [
  // The URL.
  elsewhere('https-scheme', 'https://<server><path>', 'wss://<server>/api.constructor.https-scheme', 'https: becomes wss:'),
  opens('uppercase-scheme', '<WS>://<server><path>', '<ws>://<server>/api.constructor.uppercase-scheme', 'The URL parser lowercases the scheme'),
  opens('http-uppercase-scheme', '<HTTP>://<server><path>', '<ws>://<server>/api.constructor.http-uppercase-scheme', '<HTTP>: is <http>:, which becomes <ws>:'),
  opens('relative.scheme', '//<server><path>', '<ws>://<server>/api.constructor.relative.scheme', 'A scheme-relative URL is resolved against the document (<http>:), then <http>: becomes <ws>:'),
  opens('query', '<ws>://<server><path>?a=1&b', '<ws>://<server>/api.constructor.query?a=1&b', 'The query is kept'),
  opens('surrounding-space', ' <ws>://<server><path>\n', '<ws>://<server>/api.constructor.surrounding-space', 'The URL parser strips leading and trailing spaces and control characters'),
  opens('inner-newline', '<ws>:\n//<server><path>', '<ws>://<server>/api.constructor.inner-newline', 'The URL parser removes tabs and newlines anywhere'),
  throws('empty-fragment', [v.url('<ws>://<server><path>#')], 'An empty fragment is still a fragment (non-null)'),
  throws('query-fragment', [v.url('<ws>://<server><path>?a#b')], 'A fragment after a query is a fragment'),
  throws('invalid-host.space', [v.url('ws://a b<path>')], 'A space is a forbidden host code point: the URL does not parse'),
  throws('invalid-host.ipv6', [v.url('ws://[::1<path>')], 'An unclosed IPv6 address does not parse'),
  throws('invalid-host.empty', [v.url('ws://:1234<path>')], 'A special URL needs a host: the URL does not parse'),
  throws('invalid-port.range', [v.url('ws://<host>:65536<path>')], 'Port 65536 is out of range: the URL does not parse'),
  throws('invalid-port.letters', [v.url('ws://<host>:8o<path>')], 'A port with a letter does not parse'),
  throws('javascript-scheme', [v.url('javascript:void 0')], 'javascript: is neither ws:, wss:, http: nor https:'),
  throws('no-arguments', [], 'The url argument is required', spec.newWebSocket, 'TypeError'),
  elsewhere('default-port.ws', 'ws://<host>:80<path>', 'ws://<host>/api.constructor.default-port.ws', "ws:'s default port 80 is left out of the serialization"),
  elsewhere('default-port.wss', 'wss://<host>:443<path>', 'wss://<host>/api.constructor.default-port.wss', "wss:'s default port 443 is left out of the serialization"),
  elsewhere('default-port.leading-zeros', 'ws://<host>:0080<path>', 'ws://<host>/api.constructor.default-port.leading-zeros', 'Port 0080 is 80, the default'),
  elsewhere('blocked-port', 'ws://<host>:25<path>', 'ws://<host>:25/api.constructor.blocked-port', 'Port 25 is a bad port, but the constructor does not check ports (Fetch blocks the request, which fails the connection)', {
    spec: 'WHATWG WebSockets §3.1 new WebSocket(), §2.2 (Fetch blocks bad ports)',
    level: 'MUST',
  }),
  // The protocols argument.
  offers('empty-array', [], null, 'An empty list offers nothing'),
  offers('undefined', v.undefined, null, 'An undefined protocols argument is missing: the default, an empty list'),
  offers('null', null, 'null', 'null is not a sequence: it converts to the string "null"', 'null'),
  offers('number', 7, '7', '7 converts to the string "7"', '7'),
  offers('all-tchars', ["!#$%&'*+-.^_`|~09AZaz"], "!#$%&'*+-.^_`|~09AZaz", 'Every token character is allowed', "!#$%&'*+-.^_`|~09AZaz"),
  offers('three', ['a', 'b', 'c'], 'a, b, c', 'The values are combined into one header, comma-separated', 'b'),
  apiCase({
    id: 'api.constructor.protocols.duplicate-case',
    title: 'new WebSocket(url, ["chat", "CHAT"]) offers both',
    description: 'The page constructs a socket with ["chat", "CHAT"]; the server selects "chat".',
    expectation:
      'The standard throws when a value "occurs more than once"; "chat" and "CHAT" are different strings, so no exception, and the request offers "chat, CHAT". (Some tests elsewhere expect a SyntaxError, treating subprotocols as case-insensitive: the standard does not say so.)',
    requirement: { ...protocolsRule, level: 'INFO' },
    check: {
      server: { handshake: { kind: 'accept', protocol: 'chat' } },
      page: [connectWith(serverUrl, ['chat', 'CHAT']), wait('open'), read('protocol'), ...closeAndWait],
      expectPage: ['open', 'protocol = "chat"', ...closedWithoutStatus],
      expectWire: { requestHeaders: { 'sec-websocket-protocol': 'chat, CHAT' } },
    },
  }),
  badToken('duplicate-string-and-array', ['a', 'b', 'a'], 'A value that occurs twice, not next to each other'),
  badToken('empty-string', '', 'The empty string is not a token'),
  badToken('empty-element', ['chat', ''], 'The empty string is not a token'),
  badToken('non-ascii', ['chät'], 'A token is ASCII'),
  badToken('del', ['a\u007f'], 'DEL (0x7F) is not a token character'),
  badToken('control', ['a\u0001'], 'A control character is not a token character'),
  badToken('options-bag', v.object({ protocols: ['chat'] }), 'The standard has no options dictionary: the object is not iterable, so it converts to the string "[object Object]", which is not a token'),
  ...separators.map(([id, value]) => badToken(`separator.${id}`, [value], `${JSON.stringify(value)} holds a separator, which is not a token character`)),
];
