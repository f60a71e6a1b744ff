/**
 * The browser-API catalogue (`api.*`): what the WHATWG WebSockets standard says a browser's
 * WebSocket object does, checked in real browsers against a server that can misbehave on purpose.
 * Each case is a BrowserApiCheck (see browser-api-types.ts): the server's script, the page's
 * actions, what the page must observe and what must cross the wire. The expectations come from
 * the standard (and RFC 6455 where the standard defers to it), never from what engines do.
 */
import type { ApiCloseFrameExpectation, ApiPageAction, ApiServerScript, ApiWireExpectation, BrowserApiCheck } from './browser-api-types.js';
import type { CaseDef, Requirement } from './types.js';

const spec = {
  close: { spec: 'WHATWG WebSockets §3.1 close()', level: 'MUST' },
  send: { spec: 'WHATWG WebSockets §3.1 send()', level: 'MUST' },
  bufferedAmount: { spec: 'WHATWG WebSockets §3.1 bufferedAmount, send()', level: 'MUST' },
  newWebSocket: { spec: 'WHATWG WebSockets §3.1 new WebSocket()', level: 'MUST' },
  attributes: { spec: 'WHATWG WebSockets §3.1, §4 Feedback from the protocol', level: 'MUST' },
  feedback: { spec: 'WHATWG WebSockets §4 Feedback from the protocol', level: 'MUST' },
  failOnDrop: { spec: 'WHATWG WebSockets §4 Feedback from the protocol; RFC 6455 §7.2.1 (a lost connection fails it)', level: 'MUST' },
  failOnBadClose: { spec: 'WHATWG WebSockets §4 Feedback from the protocol; RFC 6455 §5.5.1, §7.4', level: 'MUST' },
  failOnBadText: { spec: 'WHATWG WebSockets §4 Feedback from the protocol; RFC 6455 §8.1', level: 'MUST' },
  handshake: { spec: 'WHATWG WebSockets §2.2 Opening handshake; RFC 6455 §4.1', level: 'MUST' },
  disappear: { spec: 'WHATWG WebSockets §7 Garbage collection (make disappear)', level: 'MUST' },
} satisfies Record<string, Requirement>;

// ---- the page's actions -------------------------------------------------------------------------

const connect = (protocols?: string | string[]): ApiPageAction => (protocols === undefined ? { do: 'connect' } : { do: 'connect', protocols });
const wait = (event: 'open' | 'message' | 'error' | 'close', timeoutMs?: number): ApiPageAction => (timeoutMs === undefined ? { do: 'wait', event } : { do: 'wait', event, timeoutMs });
const close = (code?: number, reason?: string | { repeat: string; times: number }): ApiPageAction => {
  if (code === undefined) return { do: 'close' };
  return reason === undefined ? { do: 'close', code } : { do: 'close', code, reason };
};
const read = (attr: 'readyState' | 'bufferedAmount' | 'protocol' | 'extensions' | 'binaryType' | 'url'): ApiPageAction => ({ do: 'read', attr });
const opened: ApiPageAction[] = [connect(), wait('open')];
/** Ends a case whose socket is open with the plain closing handshake. */
const closeAndWait: ApiPageAction[] = [close(), wait('close')];
const closedWithoutStatus = ['close() → ok', 'close 1005 "" clean'];

// ---- the server's scripts -----------------------------------------------------------------------

const accept: ApiServerScript = { handshake: { kind: 'accept' } };
/** Accepts, then plays `actions` in the same write as the 101 response. */
const acceptThen = (...actions: NonNullable<ApiServerScript['actions']>): ApiServerScript => ({ handshake: { kind: 'accept' }, actions });
/**
 * Accepts, then plays `actions` 100 ms later, once the page has surely seen `open`: these cases are
 * about what follows; the api.event-order.* cases check what happens when it all comes at once.
 */
const acceptThenLater = (...actions: NonNullable<ApiServerScript['actions']>): ApiServerScript => ({ handshake: { kind: 'accept' }, actions: [{ do: 'wait', ms: 100 }, ...actions] });
const utf8Hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

// ---- what the page and the wire must show -------------------------------------------------------

/** A failed connection as the page sees it: `error`, then `close` 1006, not clean (§4). */
const failed = ['error', 'close 1006 "" not clean'];
const noFrames: ApiWireExpectation = { messages: [], close: 'none' };
const closeFrame = (code: number | null, reason?: string): ApiCloseFrameExpectation => (reason === undefined ? { code } : { code, reason });

interface ApiCaseSpec {
  id: string;
  title: string;
  description: string;
  expectation: string;
  requirement: Requirement;
  check: BrowserApiCheck;
}

function apiCase(s: ApiCaseSpec): CaseDef {
  return {
    id: s.id,
    title: s.title,
    description: s.description,
    expectation: s.expectation,
    requirement: s.requirement,
    applies: 'browsers',
    steps: [],
    expect: { kind: 'browser-api', check: s.check },
  };
}

/**
 * The server breaks an open connection: the page connects and waits for close, and must see open,
 * then the failure (§4); `expectWire` says what the browser may send back.
 */
const failsAfterOpen = ({ server, expectWire, ...s }: Omit<ApiCaseSpec, 'check'> & { server: ApiServerScript; expectWire?: ApiWireExpectation }): CaseDef =>
  apiCase({ ...s, check: { server, page: [connect(), wait('close')], expectPage: ['open', ...failed], ...(expectWire ? { expectWire } : {}) } });
/** A browser failing the connection sends nothing more, then a close frame with one of `codes`, or none. */
const failureOnTheWire = (...codes: number[]): ApiWireExpectation => ({ messages: [], close: { oneOf: codes, orNone: true } });

// ---- close(code): 1000 and 3000-4999 are accepted, every other code throws ----------------------

const acceptedCodes = [1000, 3000, 4999];
const rejectedCodes = [0, 999, ...Array.from({ length: 15 }, (_, i) => 1001 + i), 1016, 2999, 5000, 65535];

const closeCodeCases: CaseDef[] = [
  ...acceptedCodes.map((code) =>
    apiCase({
      id: `api.close.code.${code}`,
      title: `close(${code}) is accepted`,
      description: `Once the socket is open, the page calls close(${code}).`,
      expectation: `No exception; readyState becomes CLOSING; the server receives a close frame with status ${code}; the close event says ${code}, clean.`,
      requirement: spec.close,
      check: {
        server: accept,
        page: [...opened, close(code), read('readyState'), wait('close')],
        expectPage: ['open', `close(${code}) → ok`, 'readyState = 2', `close ${code} "" clean`],
        expectWire: { messages: [], close: closeFrame(code, '') },
      },
    }),
  ),
  ...rejectedCodes.map((code) =>
    apiCase({
      id: `api.close.code.${code}`,
      title: `close(${code}) throws InvalidAccessError`,
      description: `Once the socket is open, the page calls close(${code}), then close().`,
      expectation: `close(${code}) throws InvalidAccessError and changes nothing (readyState stays OPEN, no close frame); the later close() sends a close frame without a status code and the close event says 1005.`,
      requirement: spec.close,
      check: {
        server: accept,
        page: [...opened, close(code), read('readyState'), ...closeAndWait],
        expectPage: ['open', `close(${code}) → InvalidAccessError`, 'readyState = 1', ...closedWithoutStatus],
        expectWire: { messages: [], close: closeFrame(null), maxCloseFrames: 1 },
      },
    }),
  ),
  apiCase({
    id: 'api.close.code.65536',
    title: 'close(65536) is clamped to 65535 and throws InvalidAccessError',
    description: 'Once the socket is open, the page calls close(65536) ([Clamp] unsigned short makes it 65535), then close().',
    expectation: 'close(65536) throws InvalidAccessError; the later close() sends a close frame without a status code.',
    requirement: spec.close,
    check: {
      server: accept,
      page: [...opened, close(65536), read('readyState'), ...closeAndWait],
      expectPage: ['open', 'close(65536) → InvalidAccessError', 'readyState = 1', ...closedWithoutStatus],
      expectWire: { messages: [], close: closeFrame(null), maxCloseFrames: 1 },
    },
  }),
  apiCase({
    id: 'api.close.no-code',
    title: 'close() without a code sends no status code',
    description: 'Once the socket is open, the page calls close() with no argument; the server echoes the empty close frame.',
    expectation: 'The close frame has no body (the server sees no status code); the close event says 1005, clean.',
    requirement: spec.close,
    check: {
      server: accept,
      page: [...opened, close(), read('readyState'), wait('close')],
      expectPage: ['open', 'close() → ok', 'readyState = 2', 'close 1005 "" clean'],
      expectWire: { messages: [], close: closeFrame(null) },
    },
  }),
];

// ---- close(code, reason): at most 123 UTF-8 bytes ------------------------------------------------

const reasonAccepted = (id: string, title: string, reason: string | { repeat: string; times: number }, shown: string, wireReason: string, eventReason: string): CaseDef =>
  apiCase({
    id,
    title,
    description: `Once the socket is open, the page calls close(1000, ${shown}); the server echoes the close frame.`,
    expectation: 'No exception; the server receives status 1000 with the reason encoded as UTF-8; the close event carries the echoed reason.',
    requirement: spec.close,
    check: {
      server: accept,
      page: [...opened, close(1000, reason), wait('close')],
      expectPage: ['open', `close(1000, ${shown}) → ok`, `close 1000 ${eventReason} clean`],
      expectWire: { messages: [], close: closeFrame(1000, wireReason) },
    },
  });

const reasonRejected = (id: string, title: string, code: number, reason: { repeat: string; times: number }, shown: string, error: string, why: string): CaseDef =>
  apiCase({
    id,
    title,
    description: `Once the socket is open, the page calls close(${code}, ${shown}), then close().`,
    expectation: `close(${code}, ${shown}) throws ${error} (${why}) and changes nothing; the later close() sends a close frame without a status code.`,
    requirement: spec.close,
    check: {
      server: accept,
      page: [...opened, close(code, reason), read('readyState'), ...closeAndWait],
      expectPage: ['open', `close(${code}, ${shown}) → ${error}`, 'readyState = 1', ...closedWithoutStatus],
      expectWire: { messages: [], close: closeFrame(null), maxCloseFrames: 1 },
    },
  });

const closeReasonCases: CaseDef[] = [
  reasonAccepted('api.close.reason.123-bytes', 'close(1000, reason of 123 bytes) is accepted', { repeat: 'x', times: 123 }, '"x"×123', 'x'.repeat(123), '"x"×123'),
  reasonRejected('api.close.reason.124-bytes', 'close(1000, reason of 124 bytes) throws SyntaxError', 1000, { repeat: 'x', times: 124 }, '"x"×124', 'SyntaxError', 'the reason is longer than 123 bytes'),
  reasonAccepted('api.close.reason.41-euro', 'close(1000, 41 × "€" = 123 UTF-8 bytes) is accepted', { repeat: '€', times: 41 }, '"€"×41', '€'.repeat(41), '"€"×41'),
  reasonRejected('api.close.reason.42-euro', 'close(1000, 42 × "€" = 126 UTF-8 bytes) throws SyntaxError', 1000, { repeat: '€', times: 42 }, '"€"×42', 'SyntaxError', 'the reason is counted in UTF-8 bytes, not in characters'),
  reasonAccepted('api.close.reason.lone-surrogate', 'close(1000, lone surrogate) sends U+FFFD', '\ud800', '"\\ud800"', '\ufffd', '"\ufffd"'),
  reasonRejected('api.close.reason.code-checked-first', 'close(999, reason of 124 bytes) throws InvalidAccessError', 999, { repeat: 'x', times: 124 }, '"x"×124', 'InvalidAccessError', 'the code is checked before the reason'),
];

// ---- close() in every ready state --------------------------------------------------------------

const closeStateCases: CaseDef[] = [
  apiCase({
    id: 'api.close.connecting',
    title: 'close() while CONNECTING fails the connection',
    description: 'The server never answers the opening request; the page calls close() right after constructing the socket.',
    expectation: 'No exception; readyState becomes CLOSING; then error, then close 1006, not clean; open never fires.',
    requirement: spec.close,
    check: {
      server: { handshake: { kind: 'hold' } },
      page: [connect(), close(), read('readyState'), wait('close')],
      expectPage: ['close() → ok', 'readyState = 2', ...failed],
    },
  }),
  apiCase({
    id: 'api.close.connecting.with-code',
    title: 'close(4000, "r") while CONNECTING fails the connection',
    description: 'The server never answers the opening request; the page calls close(4000, "r") right after constructing the socket.',
    expectation: 'No exception; then error, then close 1006, not clean (the code and reason are not used).',
    requirement: spec.close,
    check: {
      server: { handshake: { kind: 'hold' } },
      page: [connect(), close(4000, 'r'), read('readyState'), wait('close')],
      expectPage: ['close(4000, "r") → ok', 'readyState = 2', ...failed],
    },
  }),
  apiCase({
    id: 'api.close.twice',
    title: 'A second close() while CLOSING does nothing',
    description: 'Once the socket is open, the page calls close(1000, "a") and then close(3000, "b").',
    expectation: 'Neither call throws; only one close frame (1000 "a") is sent; the close event says 1000 "a", clean.',
    requirement: spec.close,
    check: {
      server: accept,
      page: [...opened, close(1000, 'a'), close(3000, 'b'), read('readyState'), wait('close')],
      expectPage: ['open', 'close(1000, "a") → ok', 'close(3000, "b") → ok', 'readyState = 2', 'close 1000 "a" clean'],
      expectWire: { messages: [], close: closeFrame(1000, 'a'), maxCloseFrames: 1 },
    },
  }),
  apiCase({
    id: 'api.close.closed',
    title: 'close() after CLOSED does nothing',
    description: 'After the close event, the page calls close(3000) and waits a moment.',
    expectation: 'No exception, readyState stays CLOSED, no further event.',
    requirement: spec.close,
    check: {
      server: accept,
      page: [...opened, ...closeAndWait, close(3000), read('readyState'), { do: 'sleep', ms: 100 }],
      expectPage: ['open', ...closedWithoutStatus, 'close(3000) → ok', 'readyState = 3'],
      expectWire: { close: closeFrame(null), maxCloseFrames: 1 },
    },
  }),
  apiCase({
    id: 'api.close.closed.invalid-code',
    title: 'close(999) after CLOSED still throws InvalidAccessError',
    description: 'After the close event, the page calls close(999).',
    expectation: 'The arguments are checked before the ready state: InvalidAccessError.',
    requirement: spec.close,
    check: {
      server: accept,
      page: [...opened, ...closeAndWait, close(999), read('readyState')],
      expectPage: ['open', ...closedWithoutStatus, 'close(999) → InvalidAccessError', 'readyState = 3'],
    },
  }),
  apiCase({
    id: 'api.ready-state',
    title: 'readyState goes CONNECTING, OPEN, CLOSING, CLOSED',
    description: 'The page reads readyState after constructing, after open, after close() and after the close event.',
    expectation: 'readyState is 0, 1, 2, then 3.',
    requirement: spec.attributes,
    check: {
      server: accept,
      page: [connect(), read('readyState'), wait('open'), read('readyState'), close(), read('readyState'), wait('close'), read('readyState')],
      expectPage: ['readyState = 0', 'open', 'readyState = 1', 'close() → ok', 'readyState = 2', 'close 1005 "" clean', 'readyState = 3'],
    },
  }),
];

// ---- send() ---------------------------------------------------------------------------------------

const sendCases: CaseDef[] = [
  apiCase({
    id: 'api.send.connecting',
    title: 'send() while CONNECTING throws InvalidStateError',
    description: 'The server answers the opening request after 300 ms; the page calls send("x") right after constructing the socket.',
    expectation: 'send("x") throws InvalidStateError; nothing is sent; the socket still opens.',
    requirement: spec.send,
    check: {
      server: { handshake: { kind: 'accept', delayMs: 300 } },
      page: [connect(), { do: 'send', text: 'x' }, read('readyState'), wait('open'), ...closeAndWait],
      expectPage: ['send("x") → InvalidStateError', 'readyState = 0', 'open', ...closedWithoutStatus],
      expectWire: { messages: [], close: closeFrame(null) },
    },
  }),
  apiCase({
    id: 'api.send.closing.not-sent',
    title: 'send() after close() does not throw and sends nothing',
    description: 'Once the socket is open, the page calls close(), then send("hello") and send(10 bytes); the server answers the close after 300 ms.',
    expectation: 'Neither send() throws; the server receives no message, only the close frame.',
    requirement: spec.send,
    check: {
      server: { handshake: { kind: 'accept' }, onClose: { delayMs: 300 } },
      page: [...opened, close(), { do: 'send', text: 'hello' }, { do: 'send', bytes: 10 }, wait('close')],
      expectPage: ['open', 'close() → ok', 'send("hello") → ok', 'send(Uint8Array(10)) → ok', 'close 1005 "" clean'],
      expectWire: { messages: [], close: closeFrame(null) },
    },
  }),
  apiCase({
    id: 'api.send.closing.buffered-amount',
    title: 'send() after close() increases bufferedAmount by the data size',
    description: 'Once the socket is open, the page calls close(), then send("hello") and send(10 bytes), reading bufferedAmount before and after each.',
    expectation: 'bufferedAmount goes 0, 5, 15: the size of the data, without framing overhead.',
    requirement: spec.bufferedAmount,
    check: {
      server: { handshake: { kind: 'accept' }, onClose: { delayMs: 300 } },
      page: [...opened, close(), read('bufferedAmount'), { do: 'send', text: 'hello' }, read('bufferedAmount'), { do: 'send', bytes: 10 }, read('bufferedAmount'), wait('close')],
      expectPage: ['open', 'close() → ok', 'bufferedAmount = 0', 'send("hello") → ok', 'bufferedAmount = 5', 'send(Uint8Array(10)) → ok', 'bufferedAmount = 15', 'close 1005 "" clean'],
    },
  }),
  apiCase({
    id: 'api.send.closing.buffered-amount-utf8',
    title: 'bufferedAmount counts text in UTF-8 bytes',
    description: 'Once the socket is open, the page calls close(), then send("€€") (2 characters, 6 UTF-8 bytes).',
    expectation: 'bufferedAmount becomes 6.',
    requirement: spec.bufferedAmount,
    check: {
      server: { handshake: { kind: 'accept' }, onClose: { delayMs: 300 } },
      page: [...opened, close(), { do: 'send', text: '€€' }, read('bufferedAmount'), wait('close')],
      expectPage: ['open', 'close() → ok', 'send("€€") → ok', 'bufferedAmount = 6', 'close 1005 "" clean'],
    },
  }),
  apiCase({
    id: 'api.send.closed.buffered-amount',
    title: 'send() after CLOSED does not throw and increases bufferedAmount',
    description: 'After the close event, the page calls send("x").',
    expectation: 'No exception; bufferedAmount goes from 0 to 1.',
    requirement: spec.bufferedAmount,
    check: {
      server: accept,
      page: [...opened, ...closeAndWait, read('bufferedAmount'), { do: 'send', text: 'x' }, read('bufferedAmount')],
      expectPage: ['open', ...closedWithoutStatus, 'bufferedAmount = 0', 'send("x") → ok', 'bufferedAmount = 1'],
    },
  }),
  apiCase({
    id: 'api.send.before-close',
    title: 'Messages sent before close() reach the server before the close frame',
    description: 'Once the socket is open, the page sends "a", "b" and 200,000 bytes of text, then calls close(1000) at once.',
    expectation: 'close() does not discard what was sent: the server receives "a", "b", the 200,000 bytes, then the close frame 1000.',
    requirement: spec.close,
    check: {
      server: accept,
      page: [...opened, { do: 'send', text: 'a' }, { do: 'send', text: 'b' }, { do: 'send', text: { repeat: 'c', times: 200_000 } }, close(1000), wait('close', 5000)],
      expectPage: ['open', 'send("a") → ok', 'send("b") → ok', 'send("c"×200000) → ok', 'close(1000) → ok', 'close 1000 "" clean'],
      expectWire: { messages: ['text "a"', 'text "b"', 'text (200000 bytes)'], close: closeFrame(1000, '') },
    },
  }),
];

// ---- what the server does, as the page sees it ----------------------------------------------------

const serverCloseCases: CaseDef[] = [
  apiCase({
    id: 'api.server-close.4000-bye',
    title: 'The server closes with 4000 "bye"',
    description: 'Right after the handshake the server sends a close frame 4000 "bye".',
    expectation: 'open, then close 4000 "bye", clean; the browser answers with a close frame.',
    requirement: spec.feedback,
    check: {
      server: acceptThen({ do: 'close', code: 4000, reasonHex: utf8Hex('bye') }),
      page: [connect(), wait('close')],
      expectPage: ['open', 'close 4000 "bye" clean'],
      expectWire: { messages: [], close: 'any' },
    },
  }),
  apiCase({
    id: 'api.server-close.no-status',
    title: 'The server closes without a status code',
    description: 'Right after the handshake the server sends a close frame with an empty body.',
    expectation: 'open, then close 1005 "", clean; the browser answers with a close frame.',
    requirement: spec.feedback,
    check: {
      server: acceptThen({ do: 'close' }),
      page: [connect(), wait('close')],
      expectPage: ['open', 'close 1005 "" clean'],
      expectWire: { messages: [], close: 'any' },
    },
  }),
  apiCase({
    id: 'api.server-close.after-message',
    title: 'Event order: open, message, close',
    description: 'Right after the handshake the server sends the text "m1" and a close frame 1000 "done" in one write.',
    expectation: 'open, then message "m1", then close 1000 "done", clean.',
    requirement: spec.feedback,
    check: {
      server: acceptThen({ do: 'text', data: 'm1' }, { do: 'close', code: 1000, reasonHex: utf8Hex('done') }),
      page: [connect(), wait('close')],
      expectPage: ['open', 'message text "m1"', 'close 1000 "done" clean'],
      expectWire: { messages: [], close: 'any' },
    },
  }),
  failsAfterOpen({
    id: 'api.server-drop',
    title: 'The server drops TCP after the handshake',
    description: 'Shortly after the handshake the server closes TCP without a close frame.',
    expectation: 'A lost connection fails the WebSocket connection: open, then error, then close 1006, not clean.',
    requirement: spec.failOnDrop,
    server: acceptThenLater({ do: 'drop' }),
  }),
  apiCase({
    id: 'api.server-drop.after-message',
    title: 'The server sends a message, then drops TCP',
    description: 'Shortly after the handshake the server sends the text "m1" and closes TCP without a close frame.',
    expectation: 'open, message "m1", then error, then close 1006, not clean.',
    requirement: spec.failOnDrop,
    check: {
      server: acceptThenLater({ do: 'text', data: 'm1' }, { do: 'drop' }),
      page: [connect(), wait('close')],
      expectPage: ['open', 'message text "m1"', ...failed],
    },
  }),
  ...[999, 1005, 1006, 1016, 2999].map((code) =>
    failsAfterOpen({
      id: `api.server-close.invalid-code.${code}`,
      title: `The server closes with the invalid code ${code}`,
      description: `Shortly after the handshake the server sends a close frame with status ${code}, which may not appear in a close frame.`,
      expectation: 'The browser fails the connection: the page sees open, error, close 1006, not clean; on the wire a close frame 1002 or none.',
      requirement: spec.failOnBadClose,
      server: acceptThenLater({ do: 'close', code }),
      expectWire: failureOnTheWire(1002),
    }),
  ),
  failsAfterOpen({
    id: 'api.server-close.one-byte',
    title: 'The server sends a close frame with a 1-byte body',
    description: 'Shortly after the handshake the server sends a close frame whose body is one byte (a status code needs two).',
    expectation: 'The browser fails the connection: open, error, close 1006, not clean; on the wire a close frame 1002 or none.',
    requirement: spec.failOnBadClose,
    server: acceptThenLater({ do: 'raw', hex: '880103' }),
    expectWire: failureOnTheWire(1002),
  }),
  failsAfterOpen({
    id: 'api.server-close.invalid-utf8-reason',
    title: 'The server closes with a reason that is not UTF-8',
    description: 'Shortly after the handshake the server sends a close frame 4000 whose reason is the invalid UTF-8 C3 28.',
    expectation: 'The browser fails the connection: open, error, close 1006, not clean; on the wire a close frame 1007 or 1002, or none.',
    requirement: spec.failOnBadClose,
    server: acceptThenLater({ do: 'close', code: 4000, reasonHex: 'c328' }),
    expectWire: failureOnTheWire(1002, 1007),
  }),
  failsAfterOpen({
    id: 'api.message.invalid-utf8',
    title: 'A text message that is not UTF-8 fails the connection',
    description: 'Shortly after the handshake the server sends a text frame holding C3 28.',
    expectation: 'No message event; open, error, close 1006, not clean; on the wire a close frame 1007 or none.',
    requirement: spec.failOnBadText,
    server: acceptThenLater({ do: 'raw', hex: '8102c328' }),
    expectWire: failureOnTheWire(1007),
  }),
  failsAfterOpen({
    id: 'api.event-order.drop-at-once',
    title: 'A connection lost right after the handshake still fires open first',
    description: 'The server sends its 101 response and closes TCP at once (one write, then FIN).',
    expectation: 'The connection was established, so open fires before the failure: open, error, close 1006, not clean.',
    requirement: spec.failOnDrop,
    server: acceptThen({ do: 'drop' }),
  }),
  failsAfterOpen({
    id: 'api.event-order.fail-at-once',
    title: 'A protocol error right after the handshake still fires open first',
    description: 'The server sends its 101 response and a text frame holding invalid UTF-8 in one write.',
    expectation: 'open, then error, then close 1006, not clean: the open task is queued before the failure.',
    requirement: spec.failOnBadText,
    server: acceptThen({ do: 'raw', hex: '8102c328' }),
  }),
  apiCase({
    id: 'api.message.after-close',
    title: 'A message arriving after close() is not delivered',
    description: 'Once the socket is open, the page calls close(); the server sends the text "late" before answering the close.',
    expectation: 'The message arrives while readyState is CLOSING, so no message event fires: open, then close 1005, clean.',
    requirement: spec.feedback,
    check: {
      server: { handshake: { kind: 'accept' }, onClose: { textFirst: 'late' } },
      page: [...opened, ...closeAndWait],
      expectPage: ['open', ...closedWithoutStatus],
    },
  }),
];

// ---- opening handshake failures -------------------------------------------------------------------

const handshakeFailure = (id: string, title: string, server: ApiServerScript, what: string, protocols?: string[], wire: ApiWireExpectation = noFrames): CaseDef =>
  apiCase({
    id,
    title,
    description: `${what} The page waits for the close event (a browser that opens anyway gets a close frame from the server after 1 s).`,
    expectation: 'The connection fails: error, then close 1006, not clean; open never fires; nothing is sent.',
    requirement: spec.handshake,
    check: {
      server: { ...server, closeAfterMs: 1000 },
      page: [connect(protocols), wait('close'), read('readyState')],
      expectPage: [...failed, 'readyState = 3'],
      expectWire: wire,
    },
  });

const handshakeCases: CaseDef[] = [
  handshakeFailure('api.handshake.wrong-accept', 'Wrong Sec-WebSocket-Accept', { handshake: { kind: 'wrong-accept' } }, 'The server answers 101 with a Sec-WebSocket-Accept computed from another key.'),
  handshakeFailure('api.handshake.status-200', 'Status 200 instead of 101', { handshake: { kind: 'status', status: 200, reason: 'OK' } }, 'The server answers 200 OK.'),
  handshakeFailure('api.handshake.status-403', 'Status 403', { handshake: { kind: 'status', status: 403, reason: 'Forbidden' } }, 'The server answers 403 Forbidden.'),
  handshakeFailure(
    'api.handshake.redirect',
    'A redirect (302) is not followed',
    { handshake: { kind: 'status', status: 302, reason: 'Found', location: 'redirect' } },
    'The server answers 302 with a Location that leads to a working WebSocket endpoint.',
    undefined,
    { ...noFrames, connections: 1 },
  ),
  handshakeFailure('api.handshake.missing-upgrade', 'No Upgrade header in the 101', { handshake: { kind: 'omit-header', header: 'Upgrade' } }, 'The server answers 101 without an Upgrade header.'),
  handshakeFailure('api.handshake.missing-connection', 'No Connection header in the 101', { handshake: { kind: 'omit-header', header: 'Connection' } }, 'The server answers 101 without a Connection header.'),
  handshakeFailure('api.handshake.unrequested-protocol', 'A subprotocol the page did not ask for', { handshake: { kind: 'accept', protocol: 'chat' } }, 'The page asks for no subprotocol; the server answers with Sec-WebSocket-Protocol: chat.'),
  handshakeFailure('api.handshake.unoffered-protocol', 'A subprotocol other than those offered', { handshake: { kind: 'accept', protocol: 'other' } }, 'The page offers "chat"; the server answers with Sec-WebSocket-Protocol: other.', ['chat']),
  handshakeFailure('api.handshake.protocol-not-selected', 'No subprotocol selected when some were offered', accept, 'The page offers "chat"; the server answers without Sec-WebSocket-Protocol.', ['chat']),
  handshakeFailure('api.handshake.unrequested-extension', 'An extension the page did not offer', { handshake: { kind: 'accept', extensions: 'x-wsconform-unknown' } }, 'The server answers with Sec-WebSocket-Extensions: x-wsconform-unknown.'),
];

// ---- attributes: protocol, extensions, binaryType, url --------------------------------------------

const attributeCases: CaseDef[] = [
  apiCase({
    id: 'api.protocol.negotiated',
    title: 'protocol is the subprotocol the server selected',
    description: 'The page offers ["chat", "superchat"]; the server selects "superchat".',
    expectation: 'The request offers "chat, superchat"; protocol is "" before open and "superchat" after.',
    requirement: spec.attributes,
    check: {
      server: { handshake: { kind: 'accept', protocol: 'superchat' } },
      page: [connect(['chat', 'superchat']), read('protocol'), wait('open'), read('protocol'), ...closeAndWait],
      expectPage: ['protocol = ""', 'open', 'protocol = "superchat"', ...closedWithoutStatus],
      expectWire: { requestHeaders: { 'sec-websocket-protocol': 'chat, superchat' }, close: closeFrame(null) },
    },
  }),
  apiCase({
    id: 'api.protocol.string',
    title: 'A single subprotocol may be given as a string',
    description: 'The page passes "chat" (not an array); the server selects it.',
    expectation: 'The request offers "chat"; protocol is "chat" after open.',
    requirement: spec.newWebSocket,
    check: {
      server: { handshake: { kind: 'accept', protocol: 'chat' } },
      page: [connect('chat'), wait('open'), read('protocol'), ...closeAndWait],
      expectPage: ['open', 'protocol = "chat"', ...closedWithoutStatus],
      expectWire: { requestHeaders: { 'sec-websocket-protocol': 'chat' } },
    },
  }),
  apiCase({
    id: 'api.protocol.duplicate',
    title: 'The same subprotocol twice throws SyntaxError',
    description: 'The page constructs the socket with ["chat", "chat"].',
    expectation: 'The constructor throws SyntaxError; no connection is made.',
    requirement: spec.newWebSocket,
    check: { server: accept, page: [connect(['chat', 'chat'])], expectPage: ['new WebSocket → SyntaxError'], expectWire: { connections: 0 } },
  }),
  apiCase({
    id: 'api.protocol.invalid-token',
    title: 'A subprotocol that is not a token throws SyntaxError',
    description: 'The page constructs the socket with ["a b"] (a space is not allowed in a token).',
    expectation: 'The constructor throws SyntaxError; no connection is made.',
    requirement: spec.newWebSocket,
    check: { server: accept, page: [connect(['a b'])], expectPage: ['new WebSocket → SyntaxError'], expectWire: { connections: 0 } },
  }),
  apiCase({
    id: 'api.extensions.none',
    title: 'extensions is empty when the server selects none',
    description: 'The server accepts without Sec-WebSocket-Extensions.',
    expectation: 'extensions is "" before and after open.',
    requirement: spec.attributes,
    check: {
      server: accept,
      page: [connect(), read('extensions'), wait('open'), read('extensions'), ...closeAndWait],
      expectPage: ['extensions = ""', 'open', 'extensions = ""', ...closedWithoutStatus],
    },
  }),
  apiCase({
    id: 'api.extensions.negotiated',
    title: 'extensions is what the server selected',
    description: 'The server accepts with Sec-WebSocket-Extensions: permessage-deflate (the standard has every browser offer it).',
    expectation: 'extensions is "permessage-deflate" after open.',
    requirement: spec.attributes,
    check: {
      server: { handshake: { kind: 'accept', extensions: 'permessage-deflate' } },
      page: [connect(), wait('open'), read('extensions'), ...closeAndWait],
      expectPage: ['open', 'extensions = "permessage-deflate"', ...closedWithoutStatus],
    },
  }),
  apiCase({
    id: 'api.binary-type.blob',
    title: 'binaryType is "blob" by default and binary messages are Blobs',
    description: 'Right after the handshake the server sends a 3-byte binary message.',
    expectation: 'binaryType reads "blob"; the message event carries a Blob of 3 bytes.',
    requirement: spec.attributes,
    check: {
      server: acceptThen({ do: 'binary', hex: '010203' }),
      page: [connect(), read('binaryType'), wait('message'), ...closeAndWait],
      expectPage: ['binaryType = "blob"', 'open', 'message binary Blob(3)', ...closedWithoutStatus],
    },
  }),
  apiCase({
    id: 'api.binary-type.arraybuffer',
    title: 'binaryType "arraybuffer" gives ArrayBuffers',
    description: 'The page sets binaryType to "arraybuffer"; the server sends a 3-byte binary message.',
    expectation: 'The message event carries an ArrayBuffer of 3 bytes.',
    requirement: spec.attributes,
    check: {
      server: acceptThen({ do: 'binary', hex: '010203' }),
      page: [connect(), { do: 'set', binaryType: 'arraybuffer' }, read('binaryType'), wait('message'), ...closeAndWait],
      expectPage: ['binaryType ← "arraybuffer"', 'binaryType = "arraybuffer"', 'open', 'message binary ArrayBuffer(3)', ...closedWithoutStatus],
    },
  }),
  apiCase({
    id: 'api.binary-type.invalid',
    title: 'An invalid binaryType is ignored',
    description: 'Once the socket is open, the page sets binaryType to "text" (not a BinaryType value).',
    expectation: 'No exception; binaryType stays "blob" (Web IDL ignores an invalid enumeration value).',
    requirement: spec.attributes,
    check: {
      server: accept,
      page: [...opened, { do: 'set', binaryType: 'text' }, read('binaryType'), ...closeAndWait],
      expectPage: ['open', 'binaryType ← "text"', 'binaryType = "blob"', ...closedWithoutStatus],
    },
  }),
  apiCase({
    id: 'api.constructor.http-scheme',
    title: 'An http: URL becomes ws:',
    description: 'The page constructs the socket with the http: form of the server URL.',
    expectation: 'url reads ws://…; the socket opens.',
    requirement: spec.newWebSocket,
    check: {
      server: accept,
      page: [{ do: 'connect', url: 'http-scheme' }, read('url'), wait('open'), ...closeAndWait],
      expectPage: ['url = "ws://<server>/api.constructor.http-scheme"', 'open', ...closedWithoutStatus],
    },
  }),
  apiCase({
    id: 'api.constructor.fragment',
    title: 'A URL with a fragment throws SyntaxError',
    description: 'The page constructs the socket with the server URL followed by "#x".',
    expectation: 'The constructor throws SyntaxError; no connection is made.',
    requirement: spec.newWebSocket,
    check: { server: accept, page: [{ do: 'connect', url: 'fragment' }], expectPage: ['new WebSocket → SyntaxError'], expectWire: { connections: 0 } },
  }),
  apiCase({
    id: 'api.constructor.ftp-scheme',
    title: 'An ftp: URL throws SyntaxError',
    description: 'The page constructs the socket with the ftp: form of the server URL.',
    expectation: 'The constructor throws SyntaxError; no connection is made.',
    requirement: spec.newWebSocket,
    check: { server: accept, page: [{ do: 'connect', url: 'ftp-scheme' }], expectPage: ['new WebSocket → SyntaxError'], expectWire: { connections: 0 } },
  }),
];

// ---- the document goes away -------------------------------------------------------------------------

const navigationCases: CaseDef[] = [
  apiCase({
    id: 'api.navigate.going-away',
    title: 'Leaving the page closes the socket with 1001',
    description: 'Once the socket is open, the page navigates to another document.',
    expectation: 'The closing handshake starts with status 1001 (going away).',
    requirement: spec.disappear,
    check: {
      server: accept,
      page: [...opened, { do: 'navigate' }],
      expectPage: ['open', 'navigate'],
      expectWire: { messages: [], close: { code: 1001 } },
    },
  }),
];

/** Every browser-API case, in the order they are listed and run. */
export const browserApiCases: readonly CaseDef[] = [
  ...closeCodeCases,
  ...closeReasonCases,
  ...closeStateCases,
  ...sendCases,
  ...serverCloseCases,
  ...handshakeCases,
  ...attributeCases,
  ...navigationCases,
];
