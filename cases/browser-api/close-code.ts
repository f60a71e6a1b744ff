/** Browser-API cases: close(code): 1000 and 3000-4999 are accepted, every other code throws. */
import type { CaseDef } from '../types.js';
import { spec, wait, close, read, opened, closeAndWait, closedWithoutStatus, accept, closeFrame, apiCase } from './common.js';

const acceptedCodes = [1000, 3000, 4999];
const rejectedCodes = [0, 999, ...Array.from({ length: 15 }, (_, i) => 1001 + i), 1016, 2999, 5000, 65535];

export const closeCodeCases: CaseDef[] = [
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
