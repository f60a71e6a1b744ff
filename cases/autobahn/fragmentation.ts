/** Autobahn section 5: fragmentation (RFC 6455 §5.4). */
import type { CaseDef, WriteMode } from '../types.js';
import {
  closeAfter, closesNormally, continuation, failsConnection, killAfter, ping, pong, pongEvent, send, text,
  textMessage, wait,
} from '../dsl.js';

const ref = { spec: 'RFC 6455 §5.4', level: 'MUST' } as const;
const modeName = (w: WriteMode): string => (w === 'together' ? '' : w === 'each' ? ' (frame-wise writes)' : ' (1-octet writes)');
const modes: WriteMode[] = ['together', 'each', { chop: 1 }];

const mustFail = (id: string, title: string, description: string, frames: ReturnType<typeof text>[], write: WriteMode = 'together'): CaseDef => ({
  id,
  title: title + modeName(write),
  description,
  expectation: 'The target fails the connection (1002) and echoes nothing.',
  requirement: ref,
  steps: [killAfter(1000), send(frames, write)],
  expect: { kind: 'events', outcomes: { OK: [] }, close: failsConnection() },
});

const twoFragments = (o: { pingBetween?: boolean } = {}) => [text('fragment1', { fin: false }), ...(o.pingBetween ? [ping('ping payload')] : []), continuation('fragment2')];

export const fragmentationCases: CaseDef[] = [
  mustFail('5.1', 'fragmented ping', 'Send a ping split into two frames (FIN=0, then a continuation).', [ping('fragment1', { fin: false }), continuation('fragment2')]),
  mustFail('5.2', 'fragmented pong', 'Send a pong split into two frames.', [pong('fragment1', { fin: false }), continuation('fragment2')]),
  ...modes.map((write, i): CaseDef => ({
    id: `5.${3 + i}`,
    title: 'text message in two fragments' + modeName(write),
    description: 'Send a text message as a first frame and one continuation frame.',
    expectation: 'The reassembled message is echoed.',
    requirement: ref,
    steps: [send(twoFragments(), write), closeAfter(1000)],
    expect: { kind: 'events', outcomes: { OK: [textMessage('fragment1fragment2')] }, close: closesNormally() },
  })),
  ...modes.map((write, i): CaseDef => ({
    id: `5.${6 + i}`,
    title: 'ping between two fragments' + modeName(write),
    description: 'Send a text message in two fragments with a ping between them.',
    expectation: 'The ping is answered at once (control frames may be interleaved), then the message is echoed.',
    requirement: { spec: 'RFC 6455 §5.4, §5.5', level: 'MUST' },
    steps: [send(twoFragments({ pingBetween: true }), write), closeAfter(1000)],
    expect: { kind: 'events', outcomes: { OK: [pongEvent('ping payload'), textMessage('fragment1fragment2')] }, close: closesNormally() },
  })),
  ...modes.map((write, i) =>
    mustFail(`5.${9 + i}`, 'continuation (FIN=1) with nothing to continue', 'Send a final continuation frame with no message started, then a valid text message.', [continuation('non-continuation payload'), text('Hello, world!')], write)),
  ...modes.map((write, i) =>
    mustFail(`5.${12 + i}`, 'continuation (FIN=0) with nothing to continue', 'Send a non-final continuation frame with no message started, then a valid text message.', [continuation('non-continuation payload', { fin: false }), text('Hello, world!')], write)),
  {
    id: '5.15',
    title: 'message, then a stray continuation',
    description: 'Send a complete two-fragment text message, then a continuation that continues nothing, then a text frame.',
    expectation: 'The first message is echoed, then the target fails the connection (1002). Failing before the echo is tolerated (NON-STRICT).',
    requirement: ref,
    steps: [killAfter(1000), send([text('fragment1', { fin: false }), continuation('fragment2'), continuation('fragment3', { fin: false }), text('fragment4')])],
    expect: { kind: 'events', outcomes: { OK: [textMessage('fragment1fragment2')], 'NON-STRICT': [] }, close: failsConnection() },
  },
  mustFail('5.16', 'continuation first, twice', 'Twice: a continuation (FIN=0), a text frame (FIN=0), a continuation (FIN=1).', [0, 1].flatMap(() => [continuation('fragment1', { fin: false }), text('fragment2', { fin: false }), continuation('fragment3')])),
  mustFail('5.17', 'final continuation first, twice', 'Twice: a continuation (FIN=1), a text frame (FIN=0), a continuation (FIN=1).', [0, 1].flatMap(() => [continuation('fragment1'), text('fragment2', { fin: false }), continuation('fragment3')])),
  mustFail('5.18', 'text frame where a continuation belongs', 'Send a text frame with FIN=0 followed by another text frame instead of a continuation.', [text('fragment1', { fin: false }), text('fragment2')]),
  ...(['together', 'each'] as const).map((write, i): CaseDef => ({
    id: `5.${19 + i}`,
    title: 'fragments with pings and a pause' + modeName(write),
    description: 'Send two fragments and a ping, wait one second, then two more fragments, a ping and the final fragment.',
    expectation: 'Each ping is answered when it arrives, before the message is complete; then the whole message is echoed.',
    requirement: { spec: 'RFC 6455 §5.4, §5.5', level: 'MUST' },
    steps: [
      send([text('fragment1', { fin: false }), continuation('fragment2', { fin: false }), ping('pongme 1!')], write),
      wait(1000),
      send([continuation('fragment3', { fin: false }), continuation('fragment4', { fin: false }), ping('pongme 2!'), continuation('fragment5')], write),
      closeAfter(1000),
    ],
    expect: {
      kind: 'events',
      outcomes: { OK: [pongEvent('pongme 1!'), pongEvent('pongme 2!'), textMessage('fragment1fragment2fragment3fragment4fragment5')] },
      close: closesNormally(),
    },
  })),
];
