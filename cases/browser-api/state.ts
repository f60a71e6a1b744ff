/**
 * Browser-API cases: the attributes as each event handler sees them, on the failure paths of the
 * catalogue. The standard sets readyState to OPEN and fills in protocol and extensions in the task
 * that fires open (§4), and sets readyState to CLOSED in the task that fires error and then close,
 * in that one task: so error already sees CLOSED, and a task queued from the error handler runs
 * only after close. Nothing was sent, so bufferedAmount stays 0.
 */
import type { ApiHandlerAction, ApiServerScript } from '../browser-api-types.js';
import type { CaseDef, Requirement } from '../types.js';
import { connect, wait, close, read, accept, acceptThen, acceptThenLater, utf8Hex, apiCase } from './common.js';
import { inside } from './values.js';

const requirement: Requirement = { spec: 'WHATWG WebSockets §4 Feedback from the protocol (the close task: readyState CLOSED, then error, then close)', level: 'MUST' };

const attrs: ApiHandlerAction[] = [read('readyState'), read('bufferedAmount'), read('protocol'), read('extensions')] as ApiHandlerAction[];
/** The lines `attrs` logs inside the handler of `event`. */
const seen = (event: string, readyState: number, { protocol = '', extensions = '' } = {}): string[] => [
  `${event}: readyState = ${readyState}`,
  `${event}: bufferedAmount = 0`,
  `${event}: protocol = ${JSON.stringify(protocol)}`,
  `${event}: extensions = ${JSON.stringify(extensions)}`,
];
/** The handlers of a failing connection: attributes in each, and a task queued from error. */
const watched = [inside('open', ...attrs), inside('error', ...attrs, { do: 'queue-task' }), inside('close', ...attrs)];
const failure = (negotiated: { protocol?: string; extensions?: string } = {}): string[] => [
  'error',
  ...seen('error', 3, negotiated),
  'close 1006 "" not clean',
  ...seen('close', 3, negotiated),
  '(task queued in error ran)',
];

/** The handshake fails (the server answers wrongly): no open; error and close see CLOSED. */
const handshake = (id: string, server: ApiServerScript, what: string, protocols?: string[]): CaseDef =>
  apiCase({
    id: `api.state.handshake.${id}`,
    title: `Attributes inside error and close: ${what}`,
    description: `${what}; the page reads readyState, bufferedAmount, protocol and extensions inside each handler, and queues a task from the error handler.`,
    expectation: 'No open; error sees readyState CLOSED and empty protocol and extensions, then close sees the same, then the queued task runs (error and close fire in one task).',
    requirement,
    check: {
      server: { ...server, closeAfterMs: 1000 },
      page: [connect(protocols), ...watched, wait('close'), { do: 'sleep', ms: 20 }],
      expectPage: failure(),
    },
  });

/** The connection fails after open: open sees OPEN; error and close see CLOSED and the attributes open set. */
const afterOpen = (id: string, server: ApiServerScript, what: string, o: { protocols?: string[]; negotiated?: { protocol?: string; extensions?: string } } = {}): CaseDef =>
  apiCase({
    id: `api.state.${id}`,
    title: `Attributes inside open, error and close: ${what}`,
    description: `${what}; the page reads readyState, bufferedAmount, protocol and extensions inside each handler, and queues a task from the error handler.`,
    expectation: 'open sees readyState OPEN; error sees CLOSED, then close sees CLOSED, then the queued task runs; protocol and extensions keep what open set.',
    requirement,
    check: {
      server,
      page: [connect(o.protocols), ...watched, wait('close'), { do: 'sleep', ms: 20 }],
      expectPage: ['open', ...seen('open', 1, o.negotiated), ...failure(o.negotiated)],
    },
  });

export const stateCases: CaseDef[] = [
  handshake('wrong-accept', { handshake: { kind: 'wrong-accept' } }, 'a wrong Sec-WebSocket-Accept'),
  handshake('status-200', { handshake: { kind: 'status', status: 200, reason: 'OK' } }, 'status 200'),
  handshake('status-403', { handshake: { kind: 'status', status: 403, reason: 'Forbidden' } }, 'status 403'),
  handshake('redirect', { handshake: { kind: 'status', status: 302, reason: 'Found', location: 'redirect' } }, 'a redirect (302)'),
  handshake('missing-upgrade', { handshake: { kind: 'omit-header', header: 'Upgrade' } }, 'a 101 without Upgrade'),
  handshake('missing-connection', { handshake: { kind: 'omit-header', header: 'Connection' } }, 'a 101 without Connection'),
  handshake('unrequested-protocol', { handshake: { kind: 'accept', protocol: 'chat' } }, 'a subprotocol nobody asked for'),
  handshake('unoffered-protocol', { handshake: { kind: 'accept', protocol: 'other' } }, 'a subprotocol other than the one offered', ['chat']),
  handshake('protocol-not-selected', accept, 'no subprotocol selected though one was offered', ['chat']),
  handshake('unrequested-extension', { handshake: { kind: 'accept', extensions: 'x-wsconform-unknown' } }, 'an extension nobody offered'),
  afterOpen('server-drop', acceptThenLater({ do: 'drop' }), 'the server drops TCP after the handshake'),
  afterOpen('server-drop.negotiated', { handshake: { kind: 'accept', protocol: 'chat', extensions: 'permessage-deflate' }, actions: [{ do: 'wait', ms: 100 }, { do: 'drop' }] }, 'the server selects "chat" and permessage-deflate, then drops TCP', {
    protocols: ['chat'],
    negotiated: { protocol: 'chat', extensions: 'permessage-deflate' },
  }),
  ...[1005, 1016].map((code) => afterOpen(`invalid-close-code.${code}`, acceptThenLater({ do: 'close', code }), `the server closes with the invalid code ${code}`)),
  afterOpen('close-one-byte', acceptThenLater({ do: 'raw', hex: '880103' }), 'the server sends a close frame with a 1-byte body'),
  afterOpen('close-invalid-utf8', acceptThenLater({ do: 'close', code: 4000, reasonHex: 'c328' }), 'the server closes with a reason that is not UTF-8'),
  afterOpen('invalid-utf8-text', acceptThenLater({ do: 'raw', hex: '8102c328' }), 'the server sends a text frame that is not UTF-8'),
  afterOpen('drop-at-once', acceptThen({ do: 'drop' }), 'the server sends its 101 and closes TCP at once'),
  afterOpen('fail-at-once', acceptThen({ do: 'raw', hex: '8102c328' }), 'the server sends its 101 and invalid UTF-8 in one write'),
  apiCase({
    id: 'api.state.clean-close',
    title: 'Attributes inside open and close: the server closes cleanly',
    description: 'The server selects "chat", then closes with 4000 "bye"; the page reads the attributes inside open and close.',
    expectation: 'open sees OPEN and protocol "chat"; close sees CLOSED and protocol "chat" still; no error.',
    requirement,
    check: {
      server: { handshake: { kind: 'accept', protocol: 'chat' }, actions: [{ do: 'wait', ms: 100 }, { do: 'close', code: 4000, reasonHex: utf8Hex('bye') }] },
      page: [connect(['chat']), ...watched, wait('close'), { do: 'sleep', ms: 20 }],
      expectPage: ['open', ...seen('open', 1, { protocol: 'chat' }), 'close 4000 "bye" clean', ...seen('close', 3, { protocol: 'chat' })],
    },
  }),
  apiCase({
    id: 'api.state.message',
    title: 'readyState inside message is OPEN',
    description: 'Right after the handshake the server sends "m1"; the page reads readyState inside the message handler.',
    expectation: 'A message event only fires while OPEN (§4): readyState = 1.',
    requirement,
    check: {
      server: acceptThen({ do: 'text', data: 'm1' }),
      page: [connect(), inside('message', read('readyState') as ApiHandlerAction), wait('message'), close(), wait('close')],
      expectPage: ['open', 'message text "m1"', 'message: readyState = 1', 'close() → ok', 'close 1005 "" clean'],
    },
  }),
  apiCase({
    id: 'api.state.close-connecting',
    title: 'Attributes inside error and close after close() while CONNECTING',
    description: 'The server never answers; the page calls close() at once, reading the attributes inside each handler.',
    expectation: 'close() fails the connection: error sees CLOSED, then close 1006 sees CLOSED, then the queued task runs.',
    requirement,
    check: {
      server: { handshake: { kind: 'hold' } },
      page: [connect(), ...watched, close(), wait('close'), { do: 'sleep', ms: 20 }],
      expectPage: ['close() → ok', ...failure()],
    },
  }),
  apiCase({
    id: 'api.state.close-connecting.late-101',
    title: 'close() while CONNECTING, then the 101 arrives: no open',
    description: 'The server answers the opening request correctly, but 300 ms late; the page calls close() at once and waits 500 ms after the close event.',
    expectation: 'The connection was failed before it was established: error and close 1006 (both seeing CLOSED), and open never fires, not even when the 101 arrives.',
    requirement: { spec: 'WHATWG WebSockets §3.1 close() (fail the WebSocket connection while it is not established)', level: 'MUST' },
    check: {
      server: { handshake: { kind: 'accept', delayMs: 300 } },
      page: [connect(), ...watched, close(), wait('close'), { do: 'sleep', ms: 500 }],
      expectPage: ['close() → ok', ...failure()],
      expectWire: { messages: [] },
    },
  }),
];
