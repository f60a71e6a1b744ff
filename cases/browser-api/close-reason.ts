/** Browser-API cases: close(code, reason): at most 123 UTF-8 bytes. */
import type { CaseDef } from '../types.js';
import { spec, wait, close, read, opened, closeAndWait, closedWithoutStatus, accept, closeFrame, apiCase } from './common.js';

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

export const closeReasonCases: CaseDef[] = [
  reasonAccepted('api.close.reason.123-bytes', 'close(1000, reason of 123 bytes) is accepted', { repeat: 'x', times: 123 }, '"x"×123', 'x'.repeat(123), '"x"×123'),
  reasonRejected('api.close.reason.124-bytes', 'close(1000, reason of 124 bytes) throws SyntaxError', 1000, { repeat: 'x', times: 124 }, '"x"×124', 'SyntaxError', 'the reason is longer than 123 bytes'),
  reasonAccepted('api.close.reason.41-euro', 'close(1000, 41 × "€" = 123 UTF-8 bytes) is accepted', { repeat: '€', times: 41 }, '"€"×41', '€'.repeat(41), '"€"×41'),
  reasonRejected('api.close.reason.42-euro', 'close(1000, 42 × "€" = 126 UTF-8 bytes) throws SyntaxError', 1000, { repeat: '€', times: 42 }, '"€"×42', 'SyntaxError', 'the reason is counted in UTF-8 bytes, not in characters'),
  reasonAccepted('api.close.reason.lone-surrogate', 'close(1000, lone surrogate) sends U+FFFD', '\ud800', '"\\ud800"', '\ufffd', '"\ufffd"'),
  reasonRejected('api.close.reason.code-checked-first', 'close(999, reason of 124 bytes) throws InvalidAccessError', 999, { repeat: 'x', times: 124 }, '"x"×124', 'InvalidAccessError', 'the code is checked before the reason'),
];
