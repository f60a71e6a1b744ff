/**
 * Browser-API cases: how close()'s arguments are converted before the method's steps see them.
 * close(optional [Clamp] unsigned short code, optional USVString reason): Web IDL treats an
 * undefined optional argument as missing, converts the code with ToNumber, clamps it to 0…65535
 * and rounds it to the nearest integer, ties to even (NaN becomes 0), and converts the reason with
 * ToString; then the method checks the code (1000 or 3000-4999) and the reason (123 bytes at most).
 */
import type { ApiValue } from '../browser-api-types.js';
import type { CaseDef, Requirement } from '../types.js';
import { wait, read, opened, closeAndWait, closedWithoutStatus, accept, closeFrame, apiCase } from './common.js';
import { v, closeWith, closeLine, shown } from './values.js';

const clamp: Requirement = { spec: 'WHATWG WebSockets §3.1 close(); Web IDL ConvertToInt ([Clamp] unsigned short)', level: 'MUST' };
const optional: Requirement = { spec: 'WHATWG WebSockets §3.1 close(); Web IDL overload resolution (undefined for an optional argument is missing)', level: 'MUST' };
const usv: Requirement = { spec: 'WHATWG WebSockets §3.1 close(); Web IDL USVString (ToString)', level: 'MUST' };

/** The socket is open; close(...args) is accepted: a close frame with `code` (null: no status) and `reason`. */
const accepted = (id: string, args: ApiValue[], code: number | null, why: string, requirement: Requirement = clamp, reason = ''): CaseDef =>
  apiCase({
    id: `api.close.arg.${id}`,
    title: `close(${args.map(shown).join(', ')}) is accepted`,
    description: `Once the socket is open, the page calls close(${args.map(shown).join(', ')}); the server echoes the close frame.`,
    expectation: `${why}: no exception; readyState becomes CLOSING; the close frame ${code === null ? 'has no body' : `carries ${code}${reason ? ` ${JSON.stringify(reason)}` : ''}`}.`,
    requirement,
    check: {
      server: accept,
      page: [...opened, closeWith(...args), read('readyState'), wait('close', 1000)],
      expectPage: ['open', closeLine(args, 'ok'), 'readyState = 2', code === null ? 'close 1005 "" clean' : `close ${code} ${JSON.stringify(reason)} clean`],
      expectWire: { messages: [], close: closeFrame(code, code === null ? undefined : reason), maxCloseFrames: 1 },
    },
  });

/** The socket is open; close(...args) throws `error` and changes nothing; a plain close() follows. */
const rejected = (id: string, args: ApiValue[], why: string, { error = 'InvalidAccessError', requirement = clamp }: { error?: string; requirement?: Requirement } = {}): CaseDef =>
  apiCase({
    id: `api.close.arg.${id}`,
    title: `close(${args.map(shown).join(', ')}) throws ${error}`,
    description: `Once the socket is open, the page calls close(${args.map(shown).join(', ')}), then close().`,
    expectation: `${why}: close() throws ${error} and changes nothing (readyState stays OPEN, no close frame); the later close() sends a close frame without a status code.`,
    requirement,
    check: {
      server: accept,
      page: [...opened, closeWith(...args), read('readyState'), ...closeAndWait],
      expectPage: ['open', closeLine(args, error), 'readyState = 1', ...closedWithoutStatus],
      expectWire: { messages: [], close: closeFrame(null), maxCloseFrames: 1 },
    },
  });

export const closeArgCases: CaseDef[] = [
  // Missing and undefined arguments.
  accepted('undefined', [v.undefined], null, 'An undefined code is a missing code, as in close()', optional),
  accepted('undefined-undefined', [v.undefined, v.undefined], null, 'Both arguments undefined are both missing, as in close()', optional),
  accepted('1000-undefined', [1000, v.undefined], 1000, 'An undefined reason is a missing reason: status 1000 and no reason', optional),
  apiCase({
    id: 'api.close.arg.undefined-reason',
    title: 'close(undefined, "r") is accepted',
    description: 'Once the socket is open, the page calls close(undefined, "r"): a reason without a code.',
    expectation:
      'The code is missing, so step 1 does not throw, and the 1-byte reason passes step 2: no exception, readyState becomes CLOSING and a close frame follows. (What that frame holds is left open: the standard only defines a body with a code.)',
    requirement: optional,
    check: {
      server: accept,
      page: [...opened, closeWith(v.undefined, 'r'), read('readyState'), { do: 'quiet' }, wait('close', 1000)],
      expectPage: ['open', 'close(undefined, "r") → ok', 'readyState = 2'],
      expectWire: { messages: [], close: 'any', maxCloseFrames: 1 },
    },
  }),
  rejected('undefined-long-reason', [v.undefined, v.repeat('x', 124)], 'Without a code the reason is still checked: 124 bytes', { error: 'SyntaxError', requirement: optional }),
  // ToNumber of other types.
  accepted('string-1000', ['1000'], 1000, 'ToNumber("1000") is 1000'),
  accepted('string-hex', ['0x3e8'], 1000, 'ToNumber("0x3e8") is 1000'),
  accepted('string-exponent', ['1e3'], 1000, 'ToNumber("1e3") is 1000'),
  accepted('string-padded', [' 3000\n'], 3000, 'ToNumber trims white space: 3000'),
  accepted('array', [[4000]], 4000, 'ToNumber([4000]) goes through the string "4000": 4000'),
  rejected('string-reason', ['r'], 'ToNumber("r") is NaN, which converts to 0'),
  rejected('string-empty', [''], 'ToNumber("") is 0'),
  rejected('string-trailing', ['1000x'], 'ToNumber("1000x") is NaN, which converts to 0'),
  rejected('null', [null], 'ToNumber(null) is 0'),
  rejected('true', [true], 'ToNumber(true) is 1'),
  rejected('false', [false], 'ToNumber(false) is 0'),
  rejected('object', [v.object({})], 'ToNumber({}) is NaN, which converts to 0'),
  rejected('bigint', [v.bigint('1000')], 'ToNumber of a BigInt throws', { error: 'TypeError' }),
  // Special numbers: [Clamp] clamps to 0…65535; NaN becomes 0; no wrapping modulo 65536.
  rejected('nan', [v.NaN], 'NaN converts to 0'),
  rejected('negative-zero', [v.negZero], '-0 converts to 0'),
  rejected('minus-1', [-1], '[Clamp] makes -1 0'),
  rejected('infinity', [v.Infinity], '[Clamp] makes Infinity 65535'),
  rejected('minus-infinity', [v.negInfinity], '[Clamp] makes -Infinity 0'),
  rejected('66536', [66536], '[Clamp] makes 66536 65535, not 1000 (no wrapping modulo 65536)'),
  rejected('minus-64536', [-64536], '[Clamp] makes -64536 0, not 1000 (no wrapping modulo 65536)'),
  rejected('1e10', [1e10], '[Clamp] makes 1e10 65535'),
  // [Clamp] rounds to the nearest integer, ties to even.
  accepted('999.5', [999.5], 1000, '999.5 is halfway: rounded to the even 1000'),
  accepted('1000.5', [1000.5], 1000, '1000.5 is halfway: rounded to the even 1000'),
  accepted('1000.4', [1000.4], 1000, '1000.4 rounds to 1000'),
  accepted('999.6', [999.6], 1000, '999.6 rounds to 1000'),
  accepted('2999.5', [2999.5], 3000, '2999.5 is halfway: rounded to the even 3000'),
  accepted('3000.5', [3000.5], 3000, '3000.5 is halfway: rounded to the even 3000'),
  accepted('3999.5', [3999.5], 4000, '3999.5 is halfway: rounded to the even 4000'),
  accepted('4998.5', [4998.5], 4998, '4998.5 is halfway: rounded to the even 4998'),
  accepted('4999.4', [4999.4], 4999, '4999.4 rounds to 4999'),
  rejected('4999.5', [4999.5], '4999.5 is halfway: rounded to the even 5000'),
  rejected('999.4', [999.4], '999.4 rounds to 999 (a truncating engine agrees; one that rounds up does not)'),
  rejected('1000.6', [1000.6], '1000.6 rounds to 1001 (an engine that truncates gets 1000 and accepts it)'),
  rejected('1001.5', [1001.5], '1001.5 is halfway: rounded to the even 1002'),
  rejected('2999.4', [2999.4], '2999.4 rounds to 2999'),
  rejected('2998.5', [2998.5], '2998.5 is halfway: rounded to the even 2998'),
  // The reason: ToString of anything but undefined.
  accepted('reason-null', [1000, null], 1000, 'ToString(null) is "null"', usv, 'null'),
  accepted('reason-number', [3000, 42], 3000, 'ToString(42) is "42"', usv, '42'),
  accepted('reason-true', [1000, true], 1000, 'ToString(true) is "true"', usv, 'true'),
  accepted('reason-bigint', [1000, v.bigint('7')], 1000, 'ToString(7n) is "7"', usv, '7'),
  accepted('reason-object', [1000, v.object({})], 1000, 'ToString({}) is "[object Object]"', usv, '[object Object]'),
  accepted('reason-empty', [1000, ''], 1000, 'An empty reason is present: status 1000 and no reason bytes', usv),
  accepted('extra-argument', [1000, 'r', 'extra'], 1000, 'Arguments beyond the second are ignored', usv, 'r'),
];
