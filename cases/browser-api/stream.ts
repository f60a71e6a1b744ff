/**
 * Browser-API cases: WebSocketStream, the streams-based interface of the WHATWG WebSockets
 * standard. `opened` resolves with the readable and writable sides, the subprotocol and the
 * extensions; `closed` with the close code and reason of a clean close, and both reject when the
 * handshake fails or is aborted through the `signal` option (which no longer matters once open).
 * Writing a string sends text, a BufferSource binary; reading gives text as a string and binary
 * as a Uint8Array (the explainer changed it from ArrayBuffer in January 2024); messages wait in
 * the readable side until read. close({closeCode, reason})
 * validates as WebSocket's close() does (InvalidAccessError, SyntaxError), and a reason without a
 * code closes with 1000. Each case starts with `require`: an engine without WebSocketStream
 * (Firefox ESR 153, WebKitGTK 2.50) gets UNIMPLEMENTED, not FAILED.
 */
import type { ApiPageAction, ApiServerScript, ApiStreamAction, ApiWireExpectation } from '../browser-api-types.js';
import type { CaseDef, Requirement } from '../types.js';
import { accept, acceptThen, acceptThenLater, apiCase, closeFrame, utf8Hex } from './common.js';
import { v } from './values.js';

/** The section is named, not numbered: WebSocketStream joined the standard after the numbers the other families cite. */
const rule = (what: string): Requirement => ({ spec: `WHATWG WebSockets § The WebSocketStream interface (${what})`, level: 'MUST' });

const require: ApiPageAction = { do: 'require', name: 'WebSocketStream' };
const connect = (o: { protocols?: string[]; signal?: true } = {}): ApiStreamAction => ({ do: 'stream-connect', ...o });
const opened: ApiStreamAction = { do: 'stream-opened' };
const closed: ApiStreamAction = { do: 'stream-closed' };
const read: ApiStreamAction = { do: 'stream-read' };
const close = (...args: Parameters<typeof v.object>[0][]): ApiStreamAction => (args.length === 0 ? { do: 'stream-close' } : { do: 'stream-close', args: args.map((a) => v.object(a)) });
const write = (value: Parameters<typeof v.view>[1] | string, view?: 'Uint8Array' | 'ArrayBuffer'): ApiStreamAction =>
  typeof value === 'string' ? { do: 'stream-write', value } : { do: 'stream-write', value: view === 'ArrayBuffer' ? v.arrayBuffer(value) : v.view('Uint8Array', value) };

/** The page's lines for a plain open with nothing selected. */
const openedPlain = 'opened: protocol = "", extensions = ""';
const closedNoStatus = ['close() → ok', 'closed: closeCode = 1005, reason = ""'];

const streamCase = (id: string, title: string, o: { server?: ApiServerScript; page: ApiPageAction[]; expectPage: string[]; expectation: string; what: string; wire?: ApiWireExpectation }): CaseDef => {
  const check = { server: o.server ?? accept, page: [require, ...o.page], expectPage: o.expectPage, ...(o.wire ? { expectWire: o.wire } : {}) };
  return apiCase({ id: `api.stream.${id}`, title, description: `The page uses WebSocketStream: ${title.toLowerCase()}.`, expectation: o.expectation, requirement: rule(o.what), check });
};

const invalidCode = (code: number): CaseDef =>
  streamCase(`close.invalid-code.${code}`, `close({closeCode: ${code}}) throws InvalidAccessError`, {
    page: [connect(), opened, close({ closeCode: code }), close(), closed],
    expectPage: [openedPlain, `close({closeCode: ${code}}) → InvalidAccessError`, ...closedNoStatus],
    expectation: `Only 1000 and 3000-4999 may be given: close() throws InvalidAccessError and the stream stays open (a plain close() then closes it, 1005).`,
    what: 'close(), the close code',
    wire: { close: closeFrame(null) },
  });

export const streamCases: CaseDef[] = [
  streamCase('opened', 'opened resolves with the subprotocol and the extensions', {
    server: { handshake: { kind: 'accept', protocol: 'chat' } },
    page: [connect({ protocols: ['chat'] }), opened, close(), closed],
    expectPage: ['opened: protocol = "chat", extensions = ""', ...closedNoStatus],
    expectation: 'opened resolves with protocol "chat" (the offered one the server selected) and extensions ""; close() sends a close frame without a code, and closed resolves with 1005 and "".',
    what: 'opened, closed',
    wire: { requestHeaders: { 'sec-websocket-protocol': 'chat' }, close: closeFrame(null) },
  }),
  streamCase('write.text', 'writing a string sends a text message', {
    page: [connect(), opened, write('hello'), close({ closeCode: 1000, reason: 'done' }), closed],
    expectPage: [openedPlain, 'write("hello") → ok', 'close({closeCode: 1000, reason: "done"}) → ok', 'closed: closeCode = 1000, reason = "done"'],
    expectation: 'The server receives text "hello", then a close frame 1000 "done"; closed resolves with 1000 and "done".',
    what: 'the writable side',
    wire: { messages: ['text "hello"'], close: closeFrame(1000, 'done') },
  }),
  streamCase('write.binary', 'writing a Uint8Array or an ArrayBuffer sends a binary message', {
    page: [connect(), opened, write({ hex: '010203' }), write({ hex: '0405' }, 'ArrayBuffer'), close(), closed],
    expectPage: [openedPlain, 'write(Uint8Array(ArrayBuffer(3))) → ok', 'write(ArrayBuffer(2)) → ok', ...closedNoStatus],
    expectation: 'A BufferSource is sent as binary: the server receives binary 010203, then binary 0405.',
    what: 'the writable side',
    wire: { messages: ['binary 010203', 'binary 0405'], close: closeFrame(null) },
  }),
  streamCase('read.text', 'a text message is read as a string', {
    server: acceptThenLater({ do: 'text', data: 'm1' }),
    page: [connect(), opened, read, close(), closed],
    expectPage: [openedPlain, 'read text "m1"', ...closedNoStatus],
    expectation: 'The server sends text "m1": read() gives the string "m1".',
    what: 'the readable side',
  }),
  streamCase('read.binary', 'a binary message is read as a Uint8Array', {
    server: acceptThenLater({ do: 'binary', hex: '0a0b' }),
    page: [connect(), opened, read, close(), closed],
    expectPage: [openedPlain, 'read binary Uint8Array 0a0b', ...closedNoStatus],
    expectation: 'The server sends binary 0a0b: read() gives a Uint8Array of those two bytes.',
    what: 'the readable side',
  }),
  streamCase('read.later', 'messages wait until the page reads them', {
    server: acceptThen({ do: 'text', data: 'a' }, { do: 'text', data: 'b' }, { do: 'text', data: 'c' }),
    page: [connect(), opened, { do: 'sleep', ms: 300 }, read, read, read, close(), closed],
    expectPage: [openedPlain, 'read text "a"', 'read text "b"', 'read text "c"', ...closedNoStatus],
    expectation: 'Three messages come at once while the page is not reading: read() later gives all three, in order (the readable side queues them).',
    what: 'the readable side, backpressure',
  }),
  streamCase('remote-close', 'the server closes: read() is done and closed resolves with its code', {
    server: acceptThenLater({ do: 'close', code: 4001, reasonHex: utf8Hex('srv') }),
    page: [connect(), opened, read, closed],
    expectPage: [openedPlain, 'read done', 'closed: closeCode = 4001, reason = "srv"'],
    expectation: 'The server closes with 4001 "srv": the readable side ends (read() gives done) and closed resolves with 4001 and "srv"; the browser echoes the close frame.',
    what: 'closed, the closing handshake',
    wire: { close: closeFrame(4001, 'srv') },
  }),
  streamCase('close.code-reason', 'close({closeCode, reason}) sends them, and closed reflects them', {
    page: [connect(), opened, close({ closeCode: 4000, reason: 'bye' }), closed],
    expectPage: [openedPlain, 'close({closeCode: 4000, reason: "bye"}) → ok', 'closed: closeCode = 4000, reason = "bye"'],
    expectation: 'The close frame carries 4000 "bye", and closed resolves with them (the server echoes them).',
    what: 'close()',
    wire: { close: closeFrame(4000, 'bye') },
  }),
  streamCase('close.reason-only', 'close({reason}) closes with 1000', {
    page: [connect(), opened, close({ reason: 'bye' }), closed],
    expectPage: [openedPlain, 'close({reason: "bye"}) → ok', 'closed: closeCode = 1000, reason = "bye"'],
    expectation: 'A reason without a code closes with 1000 and the reason.',
    what: 'close(), a reason without a code',
    wire: { close: closeFrame(1000, 'bye') },
  }),
  ...[999, 1001, 2999, 5000].map(invalidCode),
  streamCase('close.reason-123', 'close() with a 123-byte reason closes', {
    page: [connect(), opened, close({ closeCode: 1000, reason: v.repeat('x', 123) }), closed],
    expectPage: [openedPlain, 'close({closeCode: 1000, reason: "x"×123}) → ok', 'closed: closeCode = 1000, reason = "x"×123'],
    expectation: '123 bytes is the longest reason a close frame holds: it is sent.',
    what: 'close(), the reason',
    wire: { close: closeFrame(1000, 'x'.repeat(123)) },
  }),
  streamCase('close.reason-124', 'close() with a 124-byte reason throws SyntaxError', {
    page: [connect(), opened, close({ closeCode: 1000, reason: v.repeat('x', 124) }), close(), closed],
    expectPage: [openedPlain, 'close({closeCode: 1000, reason: "x"×124}) → SyntaxError', ...closedNoStatus],
    expectation: 'A reason over 123 bytes: close() throws SyntaxError and the stream stays open.',
    what: 'close(), the reason',
    wire: { close: closeFrame(null) },
  }),
  streamCase('writer-close', "closing the writable side closes the connection", {
    page: [connect(), opened, { do: 'stream-writer-close' }, closed],
    expectPage: [openedPlain, 'writer.close() → ok', 'closed: closeCode = 1005, reason = ""'],
    expectation: "Closing the writable side starts the closing handshake with no code; closed resolves with 1005 and \"\".",
    what: 'the writable side',
    wire: { close: closeFrame(null) },
  }),
  streamCase('handshake-failure', 'a refused handshake rejects opened and closed', {
    server: { handshake: { kind: 'status', status: 403, reason: 'Forbidden' } },
    page: [connect(), opened, closed],
    expectPage: ['opened → WebSocketError', 'closed → WebSocketError'],
    expectation: 'The server answers 403: the connection fails, and opened and closed reject with a WebSocketError.',
    what: 'opened, closed, a failed connection',
  }),
  streamCase('abort.before-open', 'aborting the signal during the handshake rejects opened and closed', {
    server: { handshake: { kind: 'hold' } },
    page: [connect({ signal: true }), { do: 'stream-abort' }, opened, closed],
    expectPage: ['abort() → ok', 'opened → AbortError', 'closed → AbortError'],
    expectation: "The server never answers; the page aborts the signal it passed: opened and closed reject with the signal's reason, an AbortError.",
    what: 'the signal option',
  }),
  streamCase('abort.after-open', 'aborting the signal once open changes nothing', {
    page: [connect({ signal: true }), opened, { do: 'stream-abort' }, write('still'), close(), closed],
    expectPage: [openedPlain, 'abort() → ok', 'write("still") → ok', ...closedNoStatus],
    expectation: 'The signal only matters during the handshake: after opened, aborting it leaves the connection open (the message still goes out, the close is clean).',
    what: 'the signal option',
    wire: { messages: ['text "still"'], close: closeFrame(null) },
  }),
];
