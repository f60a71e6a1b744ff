/** Autobahn section 6: UTF-8 handling of text messages (RFC 6455 §5.6, §8.1). */
import { isValidUtf8 } from '../../runner/wire/utf8.js';
import { Opcode } from '../../runner/wire/frame.js';
import type { CaseDef } from '../types.js';
import {
  closeAfter, closesNormally, continuation, failsConnection, fragments, hex, killAfter, send, text, textMessage, timeoutEvent, wait,
} from '../dsl.js';
import { UTF8_GROUPS } from './utf8-vectors.js';

const ref = { spec: 'RFC 6455 §8.1', level: 'MUST' } as const;
const kosme = hex('cebae1bdb9cf83cebcceb5');
const hello = hex('48656c6c6f2dc2b540c39fc3b6c3a4c3bcc3a0c3a12d5554462d382121');

/** One frame per byte, then Autobahn's empty final continuation (see fragmentCount). */
const oneByteFrames = (payload: Buffer) => fragments(Opcode.text, payload, 1);

const validEcho = (id: string, title: string, description: string, frames: ReturnType<typeof text>[], message: Buffer): CaseDef => ({
  id,
  title,
  description,
  expectation: 'The text message is echoed unchanged.',
  requirement: ref,
  steps: [send(frames), closeAfter(1000)],
  expect: { kind: 'events', outcomes: { OK: [textMessage(message)] }, close: closesNormally() },
});

const invalid = hex('cebae1bdb9cf83cebcceb5eda080656469746564');

/**
 * 6.4.x: an invalid message in three parts with pauses; the target should fail as soon as part 2
 * arrives. The one-frame variants are a non-final frame, as Autobahn streams it, and its empty
 * final continuation right after part 3.
 */
function failFast(n: number, description: string, parts: [Buffer, Buffer, Buffer], o: { oneFrame?: boolean } = {}): CaseDef {
  const oneFrame = o.oneFrame === true;
  const whole = Buffer.concat(parts);
  const single = text(whole, { fin: false });
  const [p1, p2] = [parts[0].length, parts[0].length + parts[1].length];
  const sendPart = (i: 0 | 1 | 2) =>
    oneFrame
      ? send(single, { slice: i === 0 ? [0, p1] : i === 1 ? [p1, p2] : [p2, whole.length] })
      : send(i === 0 ? text(parts[0], { fin: false }) : continuation(parts[i], { fin: i === 2 }));
  return {
    id: `6.4.${n}`,
    title: `fail fast on invalid UTF-8 (${oneFrame ? 'one frame in 3 writes' : '3 frames'})`,
    description,
    expectation: 'The target fails the connection (1007) as soon as the invalid bytes arrive, before the second pause ends. Failing only at the end of the message is tolerated (NON-STRICT).',
    requirement: { spec: 'RFC 6455 §8.1 (fail fast is a SHOULD in spirit)', level: 'MUST' },
    steps: [sendPart(0), wait(1000, 'A'), sendPart(1), wait(1000, 'B'), sendPart(2), ...(oneFrame ? [send(continuation(''))] : []), killAfter(1000)],
    expect: { kind: 'events', outcomes: { OK: [timeoutEvent('A')], 'NON-STRICT': [timeoutEvent('A'), timeoutEvent('B')] }, close: failsConnection(1007, { closedByWrongEndpointIsFatal: true }) },
  };
}

const singleFrameCases: CaseDef[] = UTF8_GROUPS.flatMap(({ group, title, payloads }) =>
  payloads.map((h, i): CaseDef => {
    const payload = hex(h);
    const valid = isValidUtf8(payload);
    return {
      id: `${group}.${i + 1}`,
      title: `${title}: ${h.length > 24 ? h.slice(0, 24) + '…' : h}`,
      description: `Send one text frame whose payload is the ${payload.length} bytes ${h}${valid ? '' : ' (not valid UTF-8)'}.`,
      expectation: valid ? 'The text message is echoed unchanged.' : 'The target fails the connection (1007) and echoes nothing.',
      requirement: ref,
      steps: [killAfter(500), send(text(payload))],
      expect: valid
        ? { kind: 'events', outcomes: { OK: [textMessage(payload)] }, close: closesNormally() }
        : { kind: 'events', outcomes: { OK: [] }, close: failsConnection(1007, { closedByWrongEndpointIsFatal: true }) },
    };
  }),
);

export const utf8Cases: CaseDef[] = [
  validEcho('6.1.1', 'empty text frame', 'Send a text frame with an empty payload.', [text('')], Buffer.alloc(0)),
  validEcho('6.1.2', 'three empty fragments', 'Send a text message as three empty frames.', [text('', { fin: false }), continuation('', { fin: false }), continuation('')], Buffer.alloc(0)),
  validEcho('6.1.3', 'empty, non-empty, empty fragments', 'Send a text message as an empty frame, a non-empty one and an empty final one.', [text('', { fin: false }), continuation('middle frame payload', { fin: false }), continuation('')], Buffer.from('middle frame payload')),
  validEcho('6.2.1', 'valid UTF-8 in one frame', 'Send valid multi-byte UTF-8 text in one frame.', [text(hello)], hello),
  validEcho('6.2.2', 'valid UTF-8 split on a code point boundary', 'Send the same text in two frames split between code points.', [text(hello.subarray(0, 15), { fin: false }), continuation(hello.subarray(15))], hello),
  validEcho('6.2.3', 'valid UTF-8 in 1-byte frames', 'Send the same text as one frame per byte, so frames end inside code points, and an empty final frame.', oneByteFrames(hello), hello),
  validEcho('6.2.4', 'Greek "kosme" in 1-byte frames', 'Send the Greek word kosme one byte per frame, and an empty final frame.', oneByteFrames(kosme), kosme),
  {
    id: '6.3.1',
    title: 'invalid UTF-8 in one frame',
    description: 'Send a text frame that contains an encoded surrogate (ED A0 80).',
    expectation: 'The target fails the connection (1007).',
    requirement: ref,
    steps: [killAfter(1000), send(text(invalid))],
    expect: { kind: 'events', outcomes: { OK: [] }, close: failsConnection(1007, { closedByWrongEndpointIsFatal: true }) },
  },
  {
    id: '6.3.2',
    title: 'invalid UTF-8 in 1-byte frames',
    description: 'Send the same invalid text one byte per frame, and an empty final frame.',
    expectation: 'The target fails the connection (1007).',
    requirement: ref,
    steps: [killAfter(1000), send(oneByteFrames(invalid))],
    expect: { kind: 'events', outcomes: { OK: [] }, close: failsConnection(1007, { closedByWrongEndpointIsFatal: true }) },
  },
  failFast(1, 'Three frames: valid text, then a frame with a code point above U+10FFFF, then the rest, with 1 s pauses.', [kosme, hex('f4908080'), hex('656469746564')]),
  failFast(2, 'Three frames where the invalid sequence straddles frames: ...F4 | 90 | 80 80..., with 1 s pauses.', [hex('cebae1bdb9cf83cebcceb5f4'), hex('90'), hex('8080656469746564')]),
  failFast(3, 'One frame (FIN clear) written in three parts: valid text, then the invalid sequence, then the rest, with 1 s pauses; then an empty final continuation.', [kosme, hex('f4908080'), hex('656469746564')], { oneFrame: true }),
  failFast(4, 'One frame (FIN clear) written in three parts, the invalid sequence split across writes, with 1 s pauses; then an empty final continuation.', [hex('cebae1bdb9cf83cebcceb5f4'), hex('90'), hex('8080656469746564')], { oneFrame: true }),
  ...singleFrameCases,
];
