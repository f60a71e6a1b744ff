/**
 * Browser-API cases: send(data) of every type send(BufferSource or Blob or USVString) takes, the
 * bytes compared on the wire. An ArrayBuffer, a view (only its own section of the buffer) and a
 * Blob go as binary messages; anything else is converted to a string (USVString: a lone surrogate
 * becomes U+FFFD) and goes as UTF-8 text. bufferedAmount grows by the bytes of each send() at once,
 * in the same task.
 */
import type { ApiValue } from '../browser-api-types.js';
import type { CaseDef, Requirement } from '../types.js';
import { spec, read, opened, closeAndWait, closedWithoutStatus, accept, closeFrame, apiCase } from './common.js';
import { v, sendWith, sendLine, shown } from './values.js';

const union: Requirement = { spec: 'WHATWG WebSockets §3.1 send(); Web IDL union conversion (BufferSource or Blob or USVString)', level: 'MUST' };

/** The socket is open; send(...args) is accepted and the server receives exactly `wire`. */
const sends = (id: string, args: ApiValue[], wire: string[], why: string, requirement: Requirement = spec.send): CaseDef =>
  apiCase({
    id: `api.send.${id}`,
    title: `send(${args.map(shown).join(', ')}) sends ${wire.join(', ')}`,
    description: `Once the socket is open, the page calls send(${args.map(shown).join(', ')}), then close().`,
    expectation: `${why}: no exception; before the close frame the server receives ${wire.join(', then ')}.`,
    requirement,
    check: {
      server: accept,
      page: [...opened, sendWith(...args), ...closeAndWait],
      expectPage: ['open', sendLine(args, 'ok'), ...closedWithoutStatus],
      expectWire: { messages: wire, close: closeFrame(null) },
    },
  });

const hex = (s: string): ApiValue => v.arrayBuffer({ hex: s });
const bytes8 = { count: 8 };
const text = (s: string): string => `text ${JSON.stringify(s)}`;

export const sendDataCases: CaseDef[] = [
  sends('arraybuffer', [hex('00ff10')], ['binary 00ff10'], 'The bytes of the buffer, as a binary message'),
  sends('arraybuffer.empty', [hex('')], ['binary (0 bytes)'], 'An empty buffer is an empty binary message'),
  sends('uint8array', [v.view('Uint8Array', { count: 4 })], ['binary 00010203'], 'A view of a whole buffer sends all of it'),
  sends('uint8array.offset-length', [v.view('Uint8Array', bytes8, 2, 4)], ['binary 02030405'], 'Only the section of the buffer the view covers: 4 bytes from offset 2'),
  sends('uint8array.offset', [v.view('Uint8Array', bytes8, 6)], ['binary 0607'], 'From offset 6 to the end of the buffer'),
  sends('int8array.offset-length', [v.view('Int8Array', bytes8, 1, 2)], ['binary 0102'], 'Signed views send their bytes as they are'),
  sends('uint16array.offset-length', [v.view('Uint16Array', bytes8, 2, 2)], ['binary 02030405'], 'Two 2-byte elements from offset 2: 4 bytes, in memory order'),
  sends('uint32array.offset-length', [v.view('Uint32Array', bytes8, 4, 1)], ['binary 04050607'], 'One 4-byte element from offset 4'),
  sends('float64array.offset-length', [v.view('Float64Array', { count: 16 }, 8, 1)], ['binary 08090a0b0c0d0e0f'], 'One 8-byte element from offset 8'),
  sends('uint8clampedarray', [v.view('Uint8ClampedArray', bytes8, 5, 3)], ['binary 050607'], 'A clamped view is a view like the others'),
  sends('dataview.offset-length', [v.view('DataView', bytes8, 3, 2)], ['binary 0304'], 'A DataView sends its section: 2 bytes from offset 3'),
  sends('dataview.empty', [v.view('DataView', bytes8, 8, 0)], ['binary (0 bytes)'], 'An empty DataView at the end of its buffer is an empty binary message'),
  sends('blob', [v.blob([hex('0102'), 'ab'])], ['binary 01026162'], "The Blob's raw data, as a binary message"),
  sends('blob.view-part', [v.blob([v.view('Uint8Array', bytes8, 2, 2)])], ['binary 0203'], 'A Blob made of a view holds only its section'),
  sends('blob.text-part', [v.blob(['€'], 'text/plain')], ['binary e282ac'], 'A Blob of text holds its UTF-8 bytes; its type does not make it a text message'),
  sends('blob.empty', [v.blob([])], ['binary (0 bytes)'], 'An empty Blob is an empty binary message'),
  apiCase({
    id: 'api.send.blob.order',
    title: 'A Blob sent before a string arrives before it',
    description: 'Once the socket is open, the page calls send(Blob of 3 bytes), send("after") and send(ArrayBuffer of 1 byte) in one task, then close().',
    expectation: 'Messages go out in the order of the send() calls, though a Blob must be read first: binary 000102, text "after", binary 00.',
    requirement: spec.send,
    check: {
      server: accept,
      page: [...opened, sendWith(v.blob([v.arrayBuffer({ count: 3 })])), sendWith('after'), sendWith(v.arrayBuffer({ count: 1 })), ...closeAndWait],
      expectPage: ['open', 'send(Blob([ArrayBuffer(3)])) → ok', 'send("after") → ok', 'send(ArrayBuffer(1)) → ok', ...closedWithoutStatus],
      expectWire: { messages: ['binary 000102', 'text "after"', 'binary 00'], close: closeFrame(null) },
    },
  }),
  sends('null', [null], [text('null')], 'null is none of the union\u2019s object types: it converts to the string "null"', union),
  sends('undefined', [v.undefined], [text('undefined')], 'An explicit undefined converts to the string "undefined" (the argument is required, not optional)', union),
  sends('number', [42], [text('42')], '42 converts to the string "42"', union),
  sends('object', [v.object({})], [text('[object Object]')], 'A plain object converts to the string "[object Object]"', union),
  sends('array', [[1, 2]], [text('1,2')], 'An array is not a BufferSource: it converts to the string "1,2"', union),
  sends('lone-surrogate', ['\ud800'], [text('\ufffd')], 'USVString turns a lone surrogate into U+FFFD: EF BF BD on the wire', union),
  sends('lone-low-surrogate', ['a\udc00b'], [text('a\ufffdb')], 'A lone low surrogate becomes U+FFFD', union),
  sends('reversed-pair', ['\udc00\ud800'], [text('\ufffd\ufffd')], 'A low surrogate before a high one is two lone surrogates: two U+FFFD', union),
  sends('astral', ['\u{1f600}'], [text('\u{1f600}')], 'A surrogate pair is one character, 4 bytes of UTF-8 (not two 3-byte halves)', union),
  apiCase({
    id: 'api.send.no-argument',
    title: 'send() without an argument throws TypeError',
    description: 'Once the socket is open, the page calls send() with no argument, then close().',
    expectation: 'The data argument is required: TypeError; nothing is sent.',
    requirement: union,
    check: {
      server: accept,
      page: [...opened, sendWith(), read('bufferedAmount'), ...closeAndWait],
      expectPage: ['open', 'send() → TypeError', 'bufferedAmount = 0', ...closedWithoutStatus],
      expectWire: { messages: [], close: closeFrame(null) },
    },
  }),
  apiCase({
    id: 'api.send.buffered-amount.same-task',
    title: 'bufferedAmount grows with each send() in the same task',
    description: 'Once the socket is open, the page sends "abc", an ArrayBuffer of 4 bytes, a Blob of 2 bytes and "€", reading bufferedAmount after each, all in one task.',
    expectation: 'bufferedAmount counts what was sent and not yet transmitted as of the last time the event loop started a task, so within one task it is 3, 7, 9, 12.',
    requirement: spec.bufferedAmount,
    check: {
      server: accept,
      page: [...opened, sendWith('abc'), read('bufferedAmount'), sendWith(hex('00010203')), read('bufferedAmount'), sendWith(v.blob(['xy'])), read('bufferedAmount'), sendWith('€'), read('bufferedAmount'), ...closeAndWait],
      expectPage: [
        'open',
        'send("abc") → ok',
        'bufferedAmount = 3',
        'send(ArrayBuffer(4)) → ok',
        'bufferedAmount = 7',
        'send(Blob(["xy"])) → ok',
        'bufferedAmount = 9',
        'send("€") → ok',
        'bufferedAmount = 12',
        ...closedWithoutStatus,
      ],
      expectWire: { messages: ['text "abc"', 'binary 00010203', 'binary 7879', 'text "€"'], close: closeFrame(null) },
    },
  }),
  apiCase({
    id: 'api.send.buffered-amount.lone-surrogate',
    title: 'bufferedAmount counts a lone surrogate as the 3 bytes of U+FFFD',
    description: 'Once the socket is open, the page calls send("\\ud800") and reads bufferedAmount in the same task.',
    expectation: 'The string is converted to U+FFFD before it is counted: bufferedAmount = 3 (not 1 UTF-16 unit).',
    requirement: spec.bufferedAmount,
    check: {
      server: accept,
      page: [...opened, sendWith('\ud800'), read('bufferedAmount'), ...closeAndWait],
      expectPage: ['open', sendLine(['\ud800'], 'ok'), 'bufferedAmount = 3', ...closedWithoutStatus],
    },
  }),
  apiCase({
    id: 'api.send.buffered-amount.drains',
    title: 'bufferedAmount returns to 0 once the data is sent',
    description: 'Once the socket is open, the page sends 1000 bytes, then waits 300 ms and reads bufferedAmount.',
    expectation: 'bufferedAmount does not include data already transmitted: 0 after the pause.',
    requirement: spec.bufferedAmount,
    check: {
      server: accept,
      page: [...opened, sendWith(v.arrayBuffer({ count: 1000 })), { do: 'sleep', ms: 300 }, read('bufferedAmount'), ...closeAndWait],
      expectPage: ['open', 'send(ArrayBuffer(1000)) → ok', 'bufferedAmount = 0', ...closedWithoutStatus],
      expectWire: { messages: ['binary (1000 bytes)'], close: closeFrame(null) },
    },
  }),
];
