/** Browser-API cases: close(code, reason): at most 123 UTF-8 bytes, counted after USVString conversion, in every ready state. */
import type { ApiValue } from '../browser-api-types.js';
import type { CaseDef } from '../types.js';
import { spec, connect, wait, close, read, opened, closeAndWait, closedWithoutStatus, accept, failed, closeFrame, apiCase } from './common.js';
import { v, closeWith, closeLine, shown, str } from './values.js';

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

/** The socket is open; close(1000, reason) is accepted and the reason crosses the wire as UTF-8. */
const utf8Accepted = (id: string, reason: ApiValue, wireReason: string, why: string): CaseDef =>
  apiCase({
    id: `api.close.reason.${id}`,
    title: `close(1000, ${shown(reason)}) is accepted`,
    description: `Once the socket is open, the page calls close(1000, ${shown(reason)}); the server echoes the close frame.`,
    expectation: `${why}: no exception; the close frame carries 1000 and the reason as ${Buffer.byteLength(wireReason)} bytes of UTF-8; the close event carries the echoed reason.`,
    requirement: spec.close,
    check: {
      server: accept,
      page: [...opened, closeWith(1000, reason), wait('close')],
      expectPage: ['open', closeLine([1000, reason], 'ok'), `close 1000 ${str(wireReason)} clean`],
      expectWire: { messages: [], close: closeFrame(1000, wireReason) },
    },
  });

/** close(...args) throws SyntaxError in the state the `before` actions leave the socket in, and changes nothing. */
const tooLong = (id: string, reason: ApiValue, why: string): CaseDef => {
  const args = [1000, reason];
  return apiCase({
    id: `api.close.reason.${id}`,
    title: `close(1000, ${shown(reason)}) throws SyntaxError`,
    description: `Once the socket is open, the page calls close(1000, ${shown(reason)}), then close().`,
    expectation: `${why}: more than 123 bytes, so close() throws SyntaxError and changes nothing; the later close() sends a close frame without a status code.`,
    requirement: spec.close,
    check: {
      server: accept,
      page: [...opened, closeWith(...args), read('readyState'), ...closeAndWait],
      expectPage: ['open', closeLine(args, 'SyntaxError'), 'readyState = 1', ...closedWithoutStatus],
      expectWire: { messages: [], close: closeFrame(null), maxCloseFrames: 1 },
    },
  });
};

const emoji = '\u{1f600}';
const long = v.repeat('x', 124);

/** The reason is checked before the ready state: in every state, a 124-byte reason throws. */
export const closeReasonUtf8Cases: CaseDef[] = [
  utf8Accepted('30-emoji-3-ascii', emoji.repeat(30) + 'xxx', emoji.repeat(30) + 'xxx', '30 × 4 bytes + 3 = 123 bytes (63 UTF-16 units; 183 bytes if each surrogate were encoded alone)'),
  tooLong('31-emoji', v.repeat(emoji, 31), '31 × 4 = 124 bytes, though only 62 UTF-16 units'),
  utf8Accepted('41-lone-surrogates', v.repeat('\ud800', 41), '\ufffd'.repeat(41), 'USVString turns each lone surrogate into U+FFFD: 41 × 3 = 123 bytes'),
  tooLong('42-lone-surrogates', v.repeat('\ud800', 42), 'Each lone surrogate becomes U+FFFD: 42 × 3 = 126 bytes'),
  utf8Accepted('reversed-pair', '\udc00\ud800', '\ufffd\ufffd', 'A low surrogate before a high one is two lone surrogates: two U+FFFD'),
  utf8Accepted('120-ascii-euro', 'x'.repeat(120) + '€', 'x'.repeat(120) + '€', '120 + 3 = 123 bytes'),
  tooLong('121-ascii-euro', 'x'.repeat(121) + '€', '121 + 3 = 124 bytes, the last character multibyte (123 characters)'),
  tooLong('122-ascii-e-acute', 'x'.repeat(122) + 'é', '122 + 2 = 124 bytes, the last character 2 bytes'),
  utf8Accepted('119-ascii-emoji', 'x'.repeat(119) + emoji, 'x'.repeat(119) + emoji, '119 + 4 = 123 bytes'),
  tooLong('120-ascii-emoji', 'x'.repeat(120) + emoji, '120 + 4 = 124 bytes, the last character a surrogate pair'),
  utf8Accepted('nul', 'a\u0000b', 'a\u0000b', 'U+0000 is an ordinary character: 3 bytes'),
  utf8Accepted('bom', '\ufeffbom', '\ufeffbom', 'A leading U+FEFF is sent (3 bytes) and the close event keeps it (UTF-8 decode without BOM does not strip it)'),
  apiCase({
    id: 'api.close.reason.connecting.124-bytes',
    title: 'close(1000, 124 bytes) while CONNECTING throws SyntaxError',
    description: 'The server never answers the opening request; the page calls close(1000, "x"×124), then close().',
    expectation: 'The reason is checked before the ready state: SyntaxError, readyState stays CONNECTING; the later close() fails the connection (error, close 1006).',
    requirement: spec.close,
    check: {
      server: { handshake: { kind: 'hold' } },
      page: [connect(), closeWith(1000, long), read('readyState'), close(), wait('close')],
      expectPage: [closeLine([1000, long], 'SyntaxError'), 'readyState = 0', 'close() → ok', ...failed],
    },
  }),
  apiCase({
    id: 'api.close.reason.closing.124-bytes',
    title: 'close(1000, 124 bytes) while CLOSING throws SyntaxError',
    description: 'Once the socket is open, the page calls close(); the server answers 300 ms later; meanwhile the page calls close(1000, "x"×124).',
    expectation: 'The reason is checked before the ready state: SyntaxError while CLOSING; one close frame, without a status code.',
    requirement: spec.close,
    check: {
      server: { handshake: { kind: 'accept' }, onClose: { delayMs: 300 } },
      page: [...opened, close(), closeWith(1000, long), read('readyState'), wait('close')],
      expectPage: ['open', 'close() → ok', closeLine([1000, long], 'SyntaxError'), 'readyState = 2', 'close 1005 "" clean'],
      expectWire: { messages: [], close: closeFrame(null), maxCloseFrames: 1 },
    },
  }),
  apiCase({
    id: 'api.close.reason.closed.124-bytes',
    title: 'close(1000, 124 bytes) after CLOSED throws SyntaxError',
    description: 'After the close event, the page calls close(1000, "x"×124).',
    expectation: 'The reason is checked before the ready state: SyntaxError; readyState stays CLOSED.',
    requirement: spec.close,
    check: {
      server: accept,
      page: [...opened, ...closeAndWait, closeWith(1000, long), read('readyState')],
      expectPage: ['open', ...closedWithoutStatus, closeLine([1000, long], 'SyntaxError'), 'readyState = 3'],
    },
  }),
];
