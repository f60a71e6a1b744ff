/** Browser-API cases: close() in every ready state. */
import type { CaseDef } from '../types.js';
import { spec, connect, wait, close, read, opened, closeAndWait, closedWithoutStatus, accept, failed, closeFrame, apiCase } from './common.js';

export const closeStateCases: CaseDef[] = [
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
