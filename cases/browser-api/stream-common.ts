/**
 * What the api.stream.* cases share (stream.ts: opening and closing; stream-data.ts: writing,
 * reading, the streams, the signal, backpressure): the requirements, the page's actions and the
 * lines they log. WebSocketStream is the streams-based WebSocket. Its definition is the section
 * drafted for the WHATWG WebSockets standard (whatwg/websockets pull request 48, not merged when
 * these cases were written) and the WebSocketStream explainer, whose steps the requirements name:
 * `opened` resolves with the readable and writable streams and what was negotiated, `closed` with
 * the close code and reason of a clean close (a WebSocketError otherwise), close() validates its
 * WebSocketCloseInfo as WebSocket's close() does (a reason without a code is sent with 1000), a
 * chunk written is a binary message when it is a BufferSource and text otherwise, and a readable
 * nobody reads makes the engine stop reading from the network. An engine without WebSocketStream
 * gets every case UNIMPLEMENTED, with the reason.
 */
import type { ApiPageAction, ApiServerScript, ApiStreamAction, ApiValue, ApiWireExpectation, BrowserApiCheck } from '../browser-api-types.js';
import type { CaseDef, Requirement } from '../types.js';
import { accept, apiCase } from './common.js';
import { shown, str, v } from './values.js';

const DRAFT = 'WHATWG WebSockets §WebSocketStream (draft, whatwg/websockets#48; the WebSocketStream explainer)';
const req = (step: string): Requirement => ({ spec: `${DRAFT}: ${step}`, level: 'MUST' });
export const spec = {
  constructor: req('new WebSocketStream(url, options): get a URL record, validate the protocols, establish a WebSocket connection'),
  opened: req('the WebSocket connection is established: resolve the opened promise with WebSocketOpenInfo (readable, writable, extensions, protocol)'),
  closeValidate: req('close(closeInfo): validate close code and reason (a code other than 1000 or 3000–4999: InvalidAccessError; a reason over 123 UTF-8 bytes: SyntaxError), before anything else'),
  closeSend: req('close(closeInfo): close the WebSocket (a non-empty reason without a code is sent with 1000; no code and no reason: a Close frame with no body); the closed promise resolves with the close code and reason'),
  closeConnecting: req('close the WebSocket while the connection is not established: fail it; the opened promise rejects with a WebSocketError, the closed promise with a WebSocketError (close code 1006)'),
  closed: req('the WebSocket connection is closed cleanly: close the readable, resolve the closed promise with WebSocketCloseInfo (closeCode, reason)'),
  unclean: req('the WebSocket connection is closed, not cleanly: error the readable and the writable and reject the closed promise with a WebSocketError (closeCode 1006)'),
  handshake: req('the WebSocket connection is closed without ever being established: reject the opened promise with a WebSocketError, and the closed promise; WHATWG WebSockets §2.2 Opening handshake'),
  write: req('write(chunk): a BufferSource is sent as a binary message of a copy of its bytes, anything else converted to a USVString and sent as text'),
  writeClosed: req('the connection closed cleanly: error the writable with an InvalidStateError DOMException'),
  read: req('a WebSocket message has been received: enqueue a string (text) or a Uint8Array (binary) into the readable, one chunk per message'),
  streamsClose: req('the writable’s close algorithm and the readable’s cancel and the writable’s abort algorithms: close the WebSocket (a WebSocketError reason gives its closeCode and reason)'),
  backpressure: req('apply backpressure to the WebSocket: while the readable’s queue is full, the user agent stops reading from the network'),
  writeBackpressure: req('the writable is set up with the Streams standard’s default strategy (high water mark 1): desiredSize 0 and ready pending while a write is in flight'),
  signal: req('new WebSocketStream(url, {signal}): an aborted signal rejects the opened and closed promises with its abort reason; the abort steps fail a connection not yet established, and do nothing after'),
} satisfies Record<string, Requirement>;

// ---- the page's actions and the lines they log -------------------------------------------------

export const create = (o: Omit<Extract<ApiStreamAction, { do: 'stream.new' }>, 'do'> = {}): ApiStreamAction => ({ do: 'stream.new', ...o });
export const opened: ApiStreamAction = { do: 'stream.opened' };
export const closed = (timeoutMs?: number): ApiStreamAction => (timeoutMs === undefined ? { do: 'stream.closed' } : { do: 'stream.closed', timeoutMs });
export const closeWith = (...args: ApiValue[]): ApiStreamAction => ({ do: 'stream.close', args });
export const write = (chunk: ApiValue, noWait?: true): ApiStreamAction => (noWait ? { do: 'stream.write', args: [chunk], noWait } : { do: 'stream.write', args: [chunk] });
export const read = (count?: number): ApiStreamAction => (count === undefined ? { do: 'stream.read' } : { do: 'stream.read', count });
export const info = (closeCode?: number, reason?: string): ApiValue => v.object({ ...(closeCode !== undefined ? { closeCode } : {}), ...(reason !== undefined ? { reason } : {}) });

export const openedLine = (protocol = '', extensions = ''): string => `opened → {readable: ReadableStream, writable: WritableStream, protocol: ${JSON.stringify(protocol)}, extensions: ${JSON.stringify(extensions)}}`;
export const closedLine = (code: number, reason = ''): string => `closed → {closeCode: ${code}, reason: ${str(reason)}}`;
export const wsError = (code: number | null, reason = ''): string => `rejected WebSocketError {closeCode: ${code === null ? 'null' : code}, reason: ${str(reason)}}`;
export const closeLine = (args: ApiValue[], outcome: string): string => `close(${args.map(shown).join(', ')}) → ${outcome}`;
export const writeLine = (chunk: ApiValue, outcome = 'ok'): string => `write(${shown(chunk)}) → ${outcome}`;
/** The abort rejections as the draft asks (the signal's own reason), and a fresh AbortError of the engine's, tolerated. */
export const abortedBySignal = ["opened → rejected AbortError (the signal's reason)", "closed → rejected AbortError (the signal's reason)"];
export const abortedOtherwise = {
  lines: ['opened → rejected AbortError', 'closed → rejected AbortError'],
  why: 'opened and closed reject with an AbortError, but one of the engine’s own rather than the signal’s abort reason',
};
/** A connection that never opened, as the page sees it. */
export const neverOpened = [`opened → ${wsError(null)}`, `closed → ${wsError(1006)}`];

export const base: ApiPageAction[] = [create(), opened];
export const byClose: ApiPageAction[] = [closeWith(), closed()];
export const closedByPage = [closeLine([], 'ok'), closedLine(1005)];

export interface StreamCase {
  id: string;
  title: string;
  description: string;
  expectation: string;
  requirement: Requirement;
  server?: ApiServerScript;
  page: ApiPageAction[];
  expectPage: string[];
  nonStrictPage?: BrowserApiCheck['nonStrictPage'];
  expectWire?: ApiWireExpectation;
}
export const streamCase = (s: StreamCase): CaseDef =>
  apiCase({
    id: `api.stream.${s.id}`,
    title: s.title,
    description: s.description,
    expectation: s.expectation,
    requirement: s.requirement,
    check: { server: s.server ?? accept, page: s.page, expectPage: s.expectPage, ...(s.nonStrictPage ? { nonStrictPage: s.nonStrictPage } : {}), ...(s.expectWire ? { expectWire: s.expectWire } : {}) },
  });
