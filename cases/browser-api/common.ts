/**
 * What the browser-API families share: the requirements they cite, builders for the page's actions
 * and the server's scripts, and the page lines and wire expectations that recur.
 */
import type { ApiCloseFrameExpectation, ApiPageAction, ApiServerScript, ApiWireExpectation, BrowserApiCheck } from '../browser-api-types.js';
import type { CaseDef, Requirement } from '../types.js';

export const spec = {
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

export const connect = (protocols?: string | string[]): ApiPageAction => (protocols === undefined ? { do: 'connect' } : { do: 'connect', protocols });
export const wait = (event: 'open' | 'message' | 'error' | 'close', timeoutMs?: number): ApiPageAction => (timeoutMs === undefined ? { do: 'wait', event } : { do: 'wait', event, timeoutMs });
export const close = (code?: number, reason?: string | { repeat: string; times: number }): ApiPageAction => {
  if (code === undefined) return { do: 'close' };
  return reason === undefined ? { do: 'close', code } : { do: 'close', code, reason };
};
export const read = (attr: 'readyState' | 'bufferedAmount' | 'protocol' | 'extensions' | 'binaryType' | 'url'): ApiPageAction => ({ do: 'read', attr });
export const opened: ApiPageAction[] = [connect(), wait('open')];
/** Ends a case whose socket is open with the plain closing handshake. */
export const closeAndWait: ApiPageAction[] = [close(), wait('close')];
export const closedWithoutStatus = ['close() → ok', 'close 1005 "" clean'];

// ---- the server's scripts -----------------------------------------------------------------------

export const accept: ApiServerScript = { handshake: { kind: 'accept' } };
/** Accepts, then plays `actions` in the same write as the 101 response. */
export const acceptThen = (...actions: NonNullable<ApiServerScript['actions']>): ApiServerScript => ({ handshake: { kind: 'accept' }, actions });
/**
 * Accepts, then plays `actions` 100 ms later, once the page has surely seen `open`: these cases are
 * about what follows; the api.event-order.* cases check what happens when it all comes at once.
 */
export const acceptThenLater = (...actions: NonNullable<ApiServerScript['actions']>): ApiServerScript => ({ handshake: { kind: 'accept' }, actions: [{ do: 'wait', ms: 100 }, ...actions] });
export const utf8Hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

// ---- what the page and the wire must show -------------------------------------------------------

/** A failed connection as the page sees it: `error`, then `close` 1006, not clean (§4). */
export const failed = ['error', 'close 1006 "" not clean'];
export const noFrames: ApiWireExpectation = { messages: [], close: 'none' };
export const closeFrame = (code: number | null, reason?: string): ApiCloseFrameExpectation => (reason === undefined ? { code } : { code, reason });

export interface ApiCaseSpec {
  id: string;
  title: string;
  description: string;
  expectation: string;
  requirement: Requirement;
  check: BrowserApiCheck;
}

export function apiCase(s: ApiCaseSpec): CaseDef {
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
export const failsAfterOpen = ({ server, expectWire, ...s }: Omit<ApiCaseSpec, 'check'> & { server: ApiServerScript; expectWire?: ApiWireExpectation }): CaseDef =>
  apiCase({ ...s, check: { server, page: [connect(), wait('close')], expectPage: ['open', ...failed], ...(expectWire ? { expectWire } : {}) } });
/** A browser failing the connection sends nothing more, then a close frame with one of `codes`, or none. */
export const failureOnTheWire = (...codes: number[]): ApiWireExpectation => ({ messages: [], close: { oneOf: codes, orNone: true } });
