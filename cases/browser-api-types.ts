/**
 * What a browser-API case is: data, like every other case. It says what the harness's raw server
 * does on the connection (answer the handshake, maybe wrongly; send, close, drop), what the page
 * does with its WebSocket (construct, call close()/send(), read attributes, wait for events), what
 * the page must observe, and what must cross the wire. The browser driver plays it and judges it.
 *
 * The page writes what it observes as short lines, and the expectation is the list of lines a
 * conforming browser produces, in order:
 *   calls       `close(999) → InvalidAccessError`, `send("hello") → ok`, `new WebSocket → SyntaxError`
 *   attributes  `readyState = 1`, `protocol = "superchat"`, `bufferedAmount = 5`
 *   events      `open`, `error`, `message text "m1"`, `message binary Blob(3)`, `close 1000 "a" clean`
 *   waits       `(no close event within 3000 ms)`
 * Strings print as JSON; a long run of one character prints as `"x"×123`.
 */

/** How the server answers the opening request of a case. */
export type ApiHandshake =
  /** A correct 101, choosing this subprotocol and these extensions, optionally after a pause. */
  | { kind: 'accept'; protocol?: string; extensions?: string; delayMs?: number }
  /** A 101 whose Sec-WebSocket-Accept is computed from another key. */
  | { kind: 'wrong-accept' }
  /** A 101 without this header. */
  | { kind: 'omit-header'; header: 'Upgrade' | 'Connection' }
  /** Another status. `Location: redirect` points at a correct WebSocket endpoint of the same case. */
  | { kind: 'status'; status: number; reason: string; location?: 'redirect' }
  /** No answer at all: the connection stays CONNECTING until the browser gives up on it. */
  | { kind: 'hold' };

/** What the server does once it has accepted the connection, in order. */
export type ApiServerAction =
  | { do: 'text'; data: string }
  | { do: 'binary'; hex: string }
  /** Bytes written as they are, for frames the codec must not tidy up. */
  | { do: 'raw'; hex: string }
  /** A close frame: no code means an empty body; the reason is given as hex so it can be invalid UTF-8. */
  | { do: 'close'; code?: number; reasonHex?: string }
  /** Closes TCP at once, without a close frame. */
  | { do: 'drop' }
  | { do: 'wait'; ms: number };

export interface ApiServerScript {
  handshake: ApiHandshake;
  actions?: ApiServerAction[];
  /**
   * How the server answers the browser's close frame (it echoes the payload when it is valid, an
   * empty body otherwise, then closes TCP): after a pause, or sending a text message first.
   */
  onClose?: { delayMs?: number; textFirst?: string };
  /**
   * For handshakes a browser must refuse: if the browser keeps the connection anyway, the server
   * closes it (1000) this long after its answer, so that the page sees a close instead of waiting.
   */
  closeAfterMs?: number;
}

/** A string argument: given as is, or as one character repeated (to keep the data readable). */
export type ApiString = string | { repeat: string; times: number };

export type ApiPageAction =
  /** `new WebSocket(url, protocols)`; `url` varies the URL the case's server is reached at. */
  | { do: 'connect'; protocols?: string | string[]; url?: 'fragment' | 'http-scheme' | 'https-scheme' | 'ftp-scheme' }
  /** Waits until the event has fired (at once if it already has), or logs that it did not (default limit 10 s). */
  | { do: 'wait'; event: 'open' | 'message' | 'error' | 'close'; timeoutMs?: number }
  /** `close()`, `close(code)` or `close(code, reason)`: only the arguments given are passed. */
  | { do: 'close'; code?: number; reason?: ApiString }
  /** `send(text)` or `send(new Uint8Array(bytes))`. */
  | { do: 'send'; text?: ApiString; bytes?: number }
  | { do: 'read'; attr: 'readyState' | 'bufferedAmount' | 'protocol' | 'extensions' | 'binaryType' | 'url' }
  | { do: 'set'; binaryType: string }
  | { do: 'sleep'; ms: number }
  /** Leaves the page while the socket is open (the document goes away). */
  | { do: 'navigate' };

/** A close frame the browser sent, as the expectation states it. */
export type ApiCloseFrameExpectation =
  /** Exactly this code (null: no status code) and, when given, this reason. */
  | { code: number | null; reason?: string }
  /** Any of these codes (null: no status code); `orNone`: the browser may also send no close frame. */
  | { oneOf: Array<number | null>; orNone?: boolean }
  /** Some close frame, whatever it holds. */
  | 'any'
  /** No close frame at all. */
  | 'none';

export interface ApiWireExpectation {
  /** Messages the server receives before the browser's close frame, in order: `text "a"`, `text (200000 bytes)`, `binary (10 bytes)`. */
  messages?: string[];
  /** The first close frame the browser sends. */
  close?: ApiCloseFrameExpectation;
  /** The browser sends no more than this many close frames. */
  maxCloseFrames?: number;
  /** Opening requests the server receives for the case (0: the browser must not connect). */
  connections?: number;
  /** Header values of the opening request (names in lower case), compared exactly. */
  requestHeaders?: Record<string, string>;
}

/**
 * A case that exists only over TLS (`test-browser --tls`; not selected otherwise), and how its
 * server differs from the run's wss:// servers, which present a certificate the engine trusts.
 */
export interface ApiTlsCase {
  /** The server presents a certificate from a CA nobody told the engine to trust. */
  certificate?: 'untrusted-ca';
  /** The server is plain (ws://) although the page is https:// (mixed content). */
  plain?: true;
  /**
   * The page names the server by the test host name (TEST_HOST_NAME, an RFC 6761 .test name the
   * engine was launched to resolve to 127.0.0.1), which, unlike 127.0.0.1, is not a potentially
   * trustworthy origin (Secure Contexts, "is origin potentially trustworthy?").
   */
  testHostName?: true;
}

/** A host name for the cases that need one that is not loopback by its name (ApiTlsCase.testHostName). */
export const TEST_HOST_NAME = 'wsconform-mixed.test';

export interface BrowserApiCheck {
  server: ApiServerScript;
  page: ApiPageAction[];
  /** What the page must observe, in order. */
  expectPage: string[];
  /** Observations graded NON-STRICT instead of FAILED (a tolerated second choice), each with why. */
  nonStrictPage?: Array<{ lines: string[]; why: string }>;
  /** A TLS-only case (see ApiTlsCase). */
  tls?: ApiTlsCase;
  /** What must cross the wire; nothing is checked when absent. */
  expectWire?: ApiWireExpectation;
}
