/** Browser-API cases: writing to and reading from a WebSocketStream, its streams, its signal and backpressure (api.stream.*; see stream-common.ts). */
import type { ApiValue } from '../browser-api-types.js';
import type { CaseDef } from '../types.js';
import { acceptThen, acceptThenLater, closeFrame, noFrames } from './common.js';
import { shown, str, v } from './values.js';
import { spec, create, opened, closed, write, read, info, openedLine, closedLine, writeLine, abortedBySignal, abortedOtherwise, streamCase, base, byClose, closedByPage } from './stream-common.js';

/** The socket is open; write(chunk) resolves and the server receives `wire`. */
const writes = (id: string, chunk: ApiValue, wire: string, why: string): CaseDef =>
  streamCase({
    id: `write.${id}`,
    title: `write(${shown(chunk)}) sends ${wire}`,
    description: `Once opened, the page writes ${shown(chunk)} to the writable, awaits it, then calls close().`,
    expectation: `${why}: the write resolves; before the close frame the server receives ${wire}.`,
    requirement: spec.write,
    page: [...base, write(chunk), ...byClose],
    expectPage: [openedLine(), writeLine(chunk), ...closedByPage],
    expectWire: { messages: [wire], close: closeFrame(null) },
  });

const MiB = 1048576;

export const streamDataCases: CaseDef[] = [
  streamCase({
    id: 'write.after-server-close',
    title: 'Writing after the server closed rejects with InvalidStateError',
    description: 'Shortly after the handshake the server closes with 1000; once closed resolves the page writes "late".',
    expectation: 'closed resolves with 1000; the writable is errored with an InvalidStateError, so the write rejects and nothing is sent.',
    requirement: spec.writeClosed,
    server: acceptThenLater({ do: 'close', code: 1000 }),
    page: [...base, closed(), write('late')],
    expectPage: [openedLine(), closedLine(1000), writeLine('late', 'rejected InvalidStateError')],
    expectWire: { messages: [] },
  }),
  writes('text', 'hello €', 'text "hello €"', 'A string is sent as a text message, in UTF-8'),
  writes('uint8array', v.view('Uint8Array', { count: 4 }), 'binary 00010203', 'A Uint8Array is sent as a binary message'),
  writes('arraybuffer', v.arrayBuffer({ hex: '00ff10' }), 'binary 00ff10', 'An ArrayBuffer is sent as a binary message'),
  writes('view-section', v.view('Uint8Array', { count: 8 }, 2, 4), 'binary 02030405', 'A view sends only its section of the buffer: 4 bytes from offset 2'),
  writes('dataview', v.view('DataView', { count: 8 }, 3, 2), 'binary 0304', 'A DataView is a BufferSource: its 2 bytes from offset 3'),
  writes('blob', v.blob(['ab']), 'text "[object Blob]"', 'A Blob is no BufferSource: it is converted to a string, "[object Blob]"'),
  writes('number', 42, 'text "42"', 'A number is converted to the string "42"'),
  writes('lone-surrogate', 'a\ud800b', 'text "a\ufffdb"', 'A USVString: a lone surrogate becomes U+FFFD'),
  streamCase({
    id: 'write.order',
    title: 'Writes leave in the order they were made',
    description: 'Once opened, the page writes "a" and an ArrayBuffer of 1 byte without awaiting them, then writes "c" and awaits it.',
    expectation: 'One message per chunk, in order: text "a", binary 00, text "c".',
    requirement: spec.write,
    page: [...base, write('a', true), write(v.arrayBuffer({ count: 1 }), true), write('c'), ...byClose],
    expectPage: [openedLine(), 'write("a") (not awaited)', 'write(ArrayBuffer(1)) (not awaited)', writeLine('c'), ...closedByPage],
    expectWire: { messages: ['text "a"', 'binary 00', 'text "c"'], close: closeFrame(null) },
  }),
  streamCase({
    id: 'read.text',
    title: 'A text message is read as a string',
    description: 'Shortly after the handshake the server sends the text "m1 €"; the page reads once.',
    expectation: 'read() gives the string "m1 €".',
    requirement: spec.read,
    server: acceptThenLater({ do: 'text', data: 'm1 €' }),
    page: [...base, read(), ...byClose],
    expectPage: [openedLine(), 'read → text "m1 €"', ...closedByPage],
  }),
  streamCase({
    id: 'read.binary',
    title: 'A binary message is read as a Uint8Array',
    description: 'Shortly after the handshake the server sends the binary message 01 02 03; the page reads once.',
    expectation: 'read() gives a Uint8Array of 01 02 03 (the explainer once said ArrayBuffer; the draft and the explainer now say Uint8Array).',
    requirement: spec.read,
    server: acceptThenLater({ do: 'binary', hex: '010203' }),
    page: [...base, read(), ...byClose],
    expectPage: [openedLine(), 'read → binary Uint8Array 010203', ...closedByPage],
  }),
  streamCase({
    id: 'read.order',
    title: 'Messages are read one chunk each, in order; a fragmented one whole',
    description: 'Right after the handshake the server sends "a", then "bc" in two fragments, then an empty text message, in one write; the page reads three times.',
    expectation: 'One chunk per message, in order: "a", "bc" (its fragments joined), "".',
    requirement: spec.read,
    server: acceptThen({ do: 'text', data: 'a' }, { do: 'raw', hex: '010162800163' }, { do: 'text', data: '' }),
    page: [...base, read(), read(), read(), ...byClose],
    expectPage: [openedLine(), 'read → text "a"', 'read → text "bc"', 'read → text ""', ...closedByPage],
  }),
  streamCase({
    id: 'writable.close',
    title: 'Closing the writable closes the connection cleanly',
    description: 'Once opened, the page closes the writable, then awaits closed.',
    expectation: 'The writable’s close algorithm closes the WebSocket with neither code nor reason: a Close frame with no body; closed resolves with 1005.',
    requirement: spec.streamsClose,
    page: [...base, { do: 'stream.writable-close' }, closed()],
    expectPage: [openedLine(), 'writable.close() → ok', closedLine(1005)],
    expectWire: { messages: [], close: closeFrame(null) },
  }),
  ...(
    [
      ['writable.abort', 'stream.writable-abort', 'writable.abort', v.webSocketError({ closeCode: 4001, reason: 'ab' }), 4001, 'ab'],
      ['readable.cancel', 'stream.readable-cancel', 'readable.cancel', v.webSocketError({ closeCode: 4002, reason: 'cx' }), 4002, 'cx'],
      ['writable.abort.plain-object', 'stream.writable-abort', 'writable.abort', info(3456, 'set'), null, ''],
      ['readable.cancel.no-reason', 'stream.readable-cancel', 'readable.cancel', v.undefined, null, ''],
    ] as const
  ).map(([id, action, call, reason, code, text]) =>
    streamCase({
      id,
      title: `${call}(${shown(reason)}) closes with ${code === null ? 'no code' : `${code} ${str(text)}`}`,
      description: `Once opened, the page calls ${call}(${shown(reason)}), then awaits closed.`,
      expectation:
        code === null
          ? 'Only a WebSocketError reason gives a code and reason: the Close frame has no body, and closed resolves with 1005.'
          : `A WebSocketError reason gives its closeCode and reason: the Close frame carries ${code} ${str(text)}, and closed resolves with them.`,
      requirement: spec.streamsClose,
      page: [...base, { do: action, args: [reason] }, closed()],
      expectPage: [openedLine(), `${call}(${shown(reason)}) → ok`, closedLine(code ?? 1005, text)],
      expectWire: { messages: [], close: code === null ? closeFrame(null) : closeFrame(code, text) },
    }),
  ),
  streamCase({
    id: 'abort.before',
    title: 'An aborted signal rejects opened and closed with its reason, and nothing connects',
    description: 'The page constructs a WebSocketStream with a signal that is already aborted, then awaits opened and closed.',
    expectation: 'The constructor returns; opened and closed reject with the signal’s abort reason (an AbortError); no opening request is made.',
    requirement: spec.signal,
    page: [create({ signal: 'aborted' }), opened, closed()],
    expectPage: abortedBySignal,
    nonStrictPage: [abortedOtherwise],
    expectWire: { connections: 0 },
  }),
  streamCase({
    id: 'abort.connecting',
    title: 'Aborting during the handshake rejects opened and closed with the signal’s reason',
    description: 'The server never answers the opening request; 200 ms after constructing, the page aborts the signal, then awaits opened and closed.',
    expectation: 'The abort steps fail the connection: opened and closed reject with the signal’s abort reason; no frame is sent.',
    requirement: spec.signal,
    server: { handshake: { kind: 'hold' } },
    page: [create({ signal: 'controller' }), { do: 'sleep', ms: 200 }, { do: 'stream.abort' }, opened, closed()],
    expectPage: ['signal aborted', ...abortedBySignal],
    nonStrictPage: [{ ...abortedOtherwise, lines: ['signal aborted', ...abortedOtherwise.lines] }],
    expectWire: noFrames,
  }),
  streamCase({
    id: 'abort.after-open',
    title: 'Aborting after opened does nothing',
    description: 'Once opened, the page aborts the signal, waits 500 ms for closed, writes "still", then calls close().',
    expectation: 'After the handshake the signal does nothing: closed stays pending, the write goes out, and close() closes cleanly.',
    requirement: spec.signal,
    page: [create({ signal: 'controller' }), opened, { do: 'stream.abort' }, closed(500), write('still'), ...byClose],
    expectPage: [openedLine(), 'signal aborted', '(closed pending after 500 ms)', writeLine('still'), ...closedByPage],
    expectWire: { messages: ['text "still"'], close: closeFrame(null) },
  }),
  streamCase({
    id: 'backpressure.read',
    title: 'A readable nobody reads makes the engine stop reading from the network',
    description:
      'Shortly after the handshake the server sends 64 binary messages of 1 MiB, each once TCP has taken the one before, and notes after 1.5 s how much the browser took in; the page reads nothing for 2.5 s, then reads all 64 and closes.',
    expectation: 'The engine applies backpressure: by then it has taken in at most 24 MiB (what the operating system and the engine buffer), not all 64; once read, all 64 MiB arrive.',
    requirement: spec.backpressure,
    server: acceptThenLater({ do: 'flood', messages: 64, bytes: MiB, measureAfterMs: 1500 }),
    page: [...base, { do: 'sleep', ms: 2500 }, read(64), ...byClose],
    expectPage: [openedLine(), `read ×64 → ${64 * MiB} bytes`, ...closedByPage],
    expectWire: { flood: { atMostBytes: 24 * MiB }, close: closeFrame(null) },
  }),
  streamCase({
    id: 'backpressure.write',
    title: 'The writer shows backpressure while a write is in flight',
    description: 'Once opened, the page reads the writer’s desiredSize, writes "a" without awaiting, reads desiredSize, awaits ready, and reads it again.',
    expectation: 'The writable has the default strategy (high water mark 1): desiredSize 1, then 0 while the write is in flight, and ready resolves with desiredSize 1 once it is sent.',
    requirement: spec.writeBackpressure,
    page: [...base, { do: 'stream.desired-size' }, write('a', true), { do: 'stream.desired-size' }, { do: 'stream.ready' }, { do: 'stream.desired-size' }, ...byClose],
    expectPage: [openedLine(), 'desiredSize = 1', 'write("a") (not awaited)', 'desiredSize = 0', 'ready → ok', 'desiredSize = 1', ...closedByPage],
    expectWire: { messages: ['text "a"'], close: closeFrame(null) },
  }),
];
