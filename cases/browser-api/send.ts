/** Browser-API cases: send(). */
import type { CaseDef } from '../types.js';
import { spec, connect, wait, close, read, opened, closeAndWait, closedWithoutStatus, accept, closeFrame, apiCase } from './common.js';

export const sendCases: CaseDef[] = [
  apiCase({
    id: 'api.send.connecting',
    title: 'send() while CONNECTING throws InvalidStateError',
    description: 'The server answers the opening request after 300 ms; the page calls send("x") right after constructing the socket.',
    expectation: 'send("x") throws InvalidStateError; nothing is sent; the socket still opens.',
    requirement: spec.send,
    check: {
      server: { handshake: { kind: 'accept', delayMs: 300 } },
      page: [connect(), { do: 'send', text: 'x' }, read('readyState'), wait('open'), ...closeAndWait],
      expectPage: ['send("x") → InvalidStateError', 'readyState = 0', 'open', ...closedWithoutStatus],
      expectWire: { messages: [], close: closeFrame(null) },
    },
  }),
  apiCase({
    id: 'api.send.closing.not-sent',
    title: 'send() after close() does not throw and sends nothing',
    description: 'Once the socket is open, the page calls close(), then send("hello") and send(10 bytes); the server answers the close after 300 ms.',
    expectation: 'Neither send() throws; the server receives no message, only the close frame.',
    requirement: spec.send,
    check: {
      server: { handshake: { kind: 'accept' }, onClose: { delayMs: 300 } },
      page: [...opened, close(), { do: 'send', text: 'hello' }, { do: 'send', bytes: 10 }, wait('close')],
      expectPage: ['open', 'close() → ok', 'send("hello") → ok', 'send(Uint8Array(10)) → ok', 'close 1005 "" clean'],
      expectWire: { messages: [], close: closeFrame(null) },
    },
  }),
  apiCase({
    id: 'api.send.closing.buffered-amount',
    title: 'send() after close() increases bufferedAmount by the data size',
    description: 'Once the socket is open, the page calls close(), then send("hello") and send(10 bytes), reading bufferedAmount before and after each.',
    expectation: 'bufferedAmount goes 0, 5, 15: the size of the data, without framing overhead.',
    requirement: spec.bufferedAmount,
    check: {
      server: { handshake: { kind: 'accept' }, onClose: { delayMs: 300 } },
      page: [...opened, close(), read('bufferedAmount'), { do: 'send', text: 'hello' }, read('bufferedAmount'), { do: 'send', bytes: 10 }, read('bufferedAmount'), wait('close')],
      expectPage: ['open', 'close() → ok', 'bufferedAmount = 0', 'send("hello") → ok', 'bufferedAmount = 5', 'send(Uint8Array(10)) → ok', 'bufferedAmount = 15', 'close 1005 "" clean'],
    },
  }),
  apiCase({
    id: 'api.send.closing.buffered-amount-utf8',
    title: 'bufferedAmount counts text in UTF-8 bytes',
    description: 'Once the socket is open, the page calls close(), then send("€€") (2 characters, 6 UTF-8 bytes).',
    expectation: 'bufferedAmount becomes 6.',
    requirement: spec.bufferedAmount,
    check: {
      server: { handshake: { kind: 'accept' }, onClose: { delayMs: 300 } },
      page: [...opened, close(), { do: 'send', text: '€€' }, read('bufferedAmount'), wait('close')],
      expectPage: ['open', 'close() → ok', 'send("€€") → ok', 'bufferedAmount = 6', 'close 1005 "" clean'],
    },
  }),
  apiCase({
    id: 'api.send.closed.buffered-amount',
    title: 'send() after CLOSED does not throw and increases bufferedAmount',
    description: 'After the close event, the page calls send("x").',
    expectation: 'No exception; bufferedAmount goes from 0 to 1.',
    requirement: spec.bufferedAmount,
    check: {
      server: accept,
      page: [...opened, ...closeAndWait, read('bufferedAmount'), { do: 'send', text: 'x' }, read('bufferedAmount')],
      expectPage: ['open', ...closedWithoutStatus, 'bufferedAmount = 0', 'send("x") → ok', 'bufferedAmount = 1'],
    },
  }),
  apiCase({
    id: 'api.send.before-close',
    title: 'Messages sent before close() reach the server before the close frame',
    description: 'Once the socket is open, the page sends "a", "b" and 200,000 bytes of text, then calls close(1000) at once.',
    expectation: 'close() does not discard what was sent: the server receives "a", "b", the 200,000 bytes, then the close frame 1000.',
    requirement: spec.close,
    check: {
      server: accept,
      page: [...opened, { do: 'send', text: 'a' }, { do: 'send', text: 'b' }, { do: 'send', text: { repeat: 'c', times: 200_000 } }, close(1000), wait('close', 5000)],
      expectPage: ['open', 'send("a") → ok', 'send("b") → ok', 'send("c"×200000) → ok', 'close(1000) → ok', 'close 1000 "" clean'],
      expectWire: { messages: ['text "a"', 'text "b"', 'text (200000 bytes)'], close: closeFrame(1000, '') },
    },
  }),
];
