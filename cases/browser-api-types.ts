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
 *   handlers    `error: readyState = 3` (an `on` action's line), `(task queued in error ran)`
 *   bad data    `(cannot build the arguments: Error: unknown value tag "x")`, and the case ends
 *   no context  `(not available: this engine has no SharedWorker)`, the only line: the case is
 *               UNIMPLEMENTED in that engine, with the reason (also `this engine has no
 *               WebSocketStream`, for the api.stream.* cases)
 *   streams     `opened → {readable: ReadableStream, writable: WritableStream, protocol: "", extensions: ""}`,
 *               `closed → {closeCode: 1000, reason: "bye"}`, `closed → rejected WebSocketError {closeCode: 1006, reason: ""}`,
 *               `write("a") → ok`, `read → text "m1"`, `read → binary Uint8Array 010203`, `read → done`,
 *               `(closed pending after 500 ms)` (see ApiStreamAction)
 * Strings print as JSON; a long run of one character prints as `"x"×123`; other values as
 * ApiValue says.
 */

/** How the server answers the opening request of a case. */
export type ApiHandshake =
  /** A correct 101, choosing this subprotocol and these extensions, optionally after a pause. */
  | { kind: 'accept'; protocol?: string; extensions?: string; delayMs?: number; setCookie?: string }
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
  | { do: 'wait'; ms: number }
  /**
   * `messages` binary messages of `bytes` each, the next written only once the socket has taken the
   * one before (so that what the browser took in can be read off); `measureAfterMs` after the
   * first, the record notes how much it had taken in (ApiWireRecord.flood). The script goes on once
   * all are written.
   */
  | { do: 'flood'; messages: number; bytes: number; measureAfterMs: number };

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

/** Bytes as a case writes them: hex, or `count` bytes 00 01 02 … (each byte its index mod 256). */
export type ApiBytes = { hex: string } | { count: number };

/** The typed-array constructors a case can build a view with (and DataView). */
export type ApiViewType = 'Int8Array' | 'Uint8Array' | 'Uint8ClampedArray' | 'Int16Array' | 'Uint16Array' | 'Int32Array' | 'Uint32Array' | 'Float32Array' | 'Float64Array' | 'DataView';

/**
 * A JavaScript value as a case writes it, so that every argument the standard talks about can be
 * data. Strings, finite numbers, booleans, null and arrays stand for themselves; what JSON cannot
 * hold is tagged with `$`. The page builds the value (page/values.js) and prints it the way the
 * expectations write it: `undefined`, `NaN`, `-0`, `1000n`, `{protocols: ["chat"]}`,
 * `ArrayBuffer(4)`, `Uint8Array(ArrayBuffer(8), 2, 4)`, `Blob([ArrayBuffer(2), "ab"])`.
 */
export type ApiValue =
  | string
  | number
  | boolean
  | null
  | ApiValue[]
  | { $: 'undefined' | 'NaN' | 'Infinity' | '-Infinity' | '-0' }
  | { $: 'bigint'; value: string }
  /** One character repeated, printed `"x"×123`. */
  | { $: 'repeat'; repeat: string; times: number }
  /** The URL of the case's server: `<server>` is host:port, `<host>` the host, `<path>` /<case id>. */
  | { $: 'url'; template: string }
  /** A plain object, for option bags. */
  | { $: 'object'; props: Record<string, ApiValue> }
  | { $: 'ArrayBuffer'; bytes: ApiBytes }
  /** `new <type>(new ArrayBuffer(...bytes), byteOffset, length)`; offset and length only when given. */
  | { $: 'view'; type: ApiViewType; bytes: ApiBytes; byteOffset?: number; length?: number }
  | { $: 'Blob'; parts: ApiValue[]; type?: string }
  /** `new WebSocketError(message, {closeCode, reason})`, with only the members given. */
  | { $: 'WebSocketError'; message?: string; closeCode?: number; reason?: string };

/** An attribute of the WebSocket the page reads. */
export type ApiAttribute = 'readyState' | 'bufferedAmount' | 'protocol' | 'extensions' | 'binaryType' | 'url';

/** What the page can do inside an event handler: nothing that waits. */
export type ApiHandlerAction =
  | Extract<ApiPageAction, { do: 'close' | 'send' | 'read' | 'set' }>
  /** Logs a field of the event: `origin = "ws://<server>"`, `ports = 0`, `data = ArrayBuffer 010203`. */
  | { do: 'field'; name: 'origin' | 'lastEventId' | 'source' | 'ports' | 'data' | 'bubbles' | 'cancelable' | 'isTrusted' | 'interface' }
  /** Queues a task (setTimeout 0) that logs `(task queued in <event> ran)` when it runs. */
  | { do: 'queue-task' };

export type ApiPageAction =
  /**
   * `new WebSocket(url, protocols)`; `url` varies the URL the case's server is reached at. With
   * `args`, exactly `new WebSocket(...args)`.
   */
  | { do: 'connect'; protocols?: string | string[]; url?: 'fragment' | 'http-scheme' | 'https-scheme' | 'ftp-scheme'; args?: ApiValue[] }
  /**
   * Waits until the event has fired (at once if it already has; with `nth`, until it has fired that
   * many times, on this socket and the ones before it), or logs that it did not (default limit 10 s).
   */
  | { do: 'wait'; event: 'open' | 'message' | 'error' | 'close'; timeoutMs?: number; nth?: number }
  /** `document.cookie = value` (the document only). */
  | { do: 'set-cookie'; value: string }
  /** Logs whether document.cookie holds a cookie of this name: `document.cookie has <name>: yes` (the document only). */
  | { do: 'has-cookie'; name: string }
  /**
   * `close()`, `close(code)` or `close(code, reason)`: only the arguments given are passed (a reason
   * without a code is `close(undefined, reason)`). With `args`, exactly `close(...args)`.
   */
  | { do: 'close'; code?: number; reason?: ApiString; args?: ApiValue[] }
  /** `send(text)` or `send(new Uint8Array(bytes))`; with `args`, exactly `send(...args)`. */
  | { do: 'send'; text?: ApiString; bytes?: number; args?: ApiValue[] }
  | { do: 'read'; attr: ApiAttribute }
  | { do: 'set'; binaryType: string }
  | { do: 'sleep'; ms: number }
  /**
   * From now on, whenever `event` fires (once only with `once`), these actions run inside the
   * handler, right after the event's own line; their lines read `<event>: <line>`.
   */
  | { do: 'on'; event: 'open' | 'message' | 'error' | 'close'; actions: ApiHandlerAction[]; once?: boolean }
  /** Events from now on are no longer logged (for what the standard leaves open). */
  | { do: 'quiet' }
  /** Leaves the page while the socket is open (the document goes away). */
  | { do: 'navigate' }
  | ApiStreamAction;

/**
 * What the page does with a WebSocketStream (the api.stream.* cases), played by
 * page/stream-player.js. A case starts with `stream.new`; where the engine has no WebSocketStream
 * that is the case's only line, `(not available: this engine has no WebSocketStream)`. A wait that
 * ends without an answer logs `(opened pending after 500 ms)` (default limit 10 s). A rejection
 * prints the error's name, a WebSocketError's closeCode and reason, and whether it is the signal's
 * abort reason: `rejected AbortError (the signal's reason)`.
 */
export type ApiStreamAction =
  /**
   * `new WebSocketStream(url, {protocols, signal})`, with only the options given: logs nothing, or
   * `new WebSocketStream → SyntaxError`. `signal`: an AbortController's (see stream.abort), or one
   * already aborted. With `args`, exactly `new WebSocketStream(...args)`.
   */
  | { do: 'stream.new'; protocols?: string[]; signal?: 'controller' | 'aborted'; args?: ApiValue[] }
  /** Awaits `opened` (or `closed`) and logs what it settled with. */
  | { do: 'stream.opened' | 'stream.closed'; timeoutMs?: number }
  /** `close(...args)`: `close({closeCode: 999}) → InvalidAccessError`. */
  | { do: 'stream.close'; args: ApiValue[] }
  /** The controller aborts the signal given to the constructor: `signal aborted`. */
  | { do: 'stream.abort' }
  /**
   * `write(chunk)` on the writable's writer (taken at its first use), awaited: `write("a") → ok`;
   * `noWait`: `write("a") (not awaited)`.
   */
  | { do: 'stream.write'; args: [ApiValue]; noWait?: true; timeoutMs?: number }
  /**
   * `read()` on the readable's reader: `read → text "m1"`, `read → binary Uint8Array 010203` (the
   * chunk's type; bytes as hex up to 32, else `(N bytes)`), `read → done`; with `count`, that many
   * reads summed up in one line: `read ×64 → 67108864 bytes`.
   */
  | { do: 'stream.read'; count?: number; timeoutMs?: number }
  /** The writer's desiredSize (`desiredSize = 1`), or awaits its ready promise (`ready → ok`). */
  | { do: 'stream.desired-size' }
  | { do: 'stream.ready'; timeoutMs?: number }
  /** `close()` / `abort(...args)` of the writable, `cancel(...args)` of the readable (their writer's or reader's once taken), awaited. */
  | { do: 'stream.writable-close' }
  | { do: 'stream.writable-abort' | 'stream.readable-cancel'; args: ApiValue[] };

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

/** A request header as the expectation states it: this value, absent (null), or matching a regular expression (`orAbsent`: or absent). */
export type ApiHeaderExpectation = string | null | { match: string; orAbsent?: true };

export interface ApiWireExpectation {
  /** Messages the server receives before the browser's close frame, in order: `text "a"`, `text (200000 bytes)`, `binary 0a0b0c` (hex up to 64 bytes), `binary (10000 bytes)`. */
  messages?: string[];
  /** The first close frame the browser sends. */
  close?: ApiCloseFrameExpectation;
  /** The browser sends no more than this many close frames. */
  maxCloseFrames?: number;
  /** Opening requests the server receives for the case (0: the browser must not connect). */
  connections?: number;
  /**
   * Of the server's flood (ApiServerAction `flood`), what the browser took in by the time it was
   * measured, while the page read nothing: at most this many bytes (a stream that is not read
   * makes the engine stop reading from the network).
   */
  flood?: { atMostBytes: number };
  /**
   * Header values of the opening request (names in lower case), compared exactly; null: the header
   * must be absent; `match`: the value must match this regular expression.
   */
  requestHeaders?: Record<string, ApiHeaderExpectation>;
  /** The Cookie header of each opening request, in order, as requestHeaders states a value. */
  cookies?: ApiHeaderExpectation[];
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

/**
 * Where the page's part of a case runs: in the document (the default), in a dedicated Worker, or
 * in a SharedWorker. The WebSocket interface is the same in all three ([Exposed=(Window,Worker)]).
 */
export type ApiContext = 'window' | 'worker' | 'sharedworker';

export interface BrowserApiCheck {
  /** Where the page's actions run (cases/browser-api/contexts.ts makes the worker variants); default the document. */
  context?: ApiContext;
  /** Why the case runs only in the document (it needs document, navigation, …): no worker variants. */
  windowOnly?: string;
  /**
   * Why the case's server speaks only HTTP/1.1 under test-browser --http2 (what it checks has no
   * HTTP/2 form, RFC 8441 §4-5: Upgrade, Connection, the key, Host). The handshakes other than
   * accept, status and hold are HTTP/1.1 only without saying so.
   */
  http1Only?: string;
  server: ApiServerScript;
  page: ApiPageAction[];
  /** What the page must observe, in order. */
  expectPage: string[];
  /** Observations graded NON-STRICT instead of FAILED (a tolerated second choice), each with why. */
  nonStrictPage?: Array<{ lines: string[]; why: string }>;
  /** A TLS-only case (see ApiTlsCase). */
  tls?: ApiTlsCase;
  /**
   * The case's server listens on the page's own host (another port), not a lane's: a cookie is
   * sent only to a site the page shares (the site of an IP address is the address itself).
   */
  pageHost?: true;
  /** What must cross the wire; nothing is checked when absent. */
  expectWire?: ApiWireExpectation;
}
