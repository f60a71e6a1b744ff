/** Autobahn sections 1-4: plain framing, ping/pong, reserved bits, reserved opcodes (RFC 6455 §5). */
import type { CaseDef } from '../types.js';
import {
  binary, binaryMessage, closeAfter, closeFrame, closesNormally, failsConnection, frame, hex, killAfter,
  ping, pong, pongEvent, repeat, send, sendClose, text, textMessage,
} from '../dsl.js';

const sizes = [0, 125, 126, 127, 128, 65535, 65536];
const framingRef = { spec: 'RFC 6455 §5.2, §5.6', level: 'MUST' } as const;

function echoCases(section: string, kind: 'text' | 'binary'): CaseDef[] {
  const fill = kind === 'text' ? '*' : Buffer.from([0xfe]);
  const cases: CaseDef[] = sizes.map((n, i) => {
    const payload = repeat(fill, n);
    return {
      id: `${section}.${i + 1}`,
      title: `${kind} message, ${n} bytes`,
      description: `Send one ${kind} frame with a ${n}-byte payload (7-bit, 16-bit or 64-bit length).`,
      expectation: `The ${kind} message is echoed unchanged; the connection then closes normally.`,
      requirement: framingRef,
      steps: [killAfter(n > 128 ? 10_000 : 1000), send(kind === 'text' ? text(payload) : binary(payload))],
      expect: { kind: 'events', outcomes: { OK: [kind === 'text' ? textMessage(payload) : binaryMessage(payload)] }, close: closesNormally() },
    };
  });
  const big = repeat(fill, 65536);
  cases.push({
    id: `${section}.8`,
    title: `${kind} message, 65536 bytes in 997-octet writes`,
    description: `Send one ${kind} frame of 65536 bytes whose octets are written in chops of 997.`,
    expectation: 'The message is reassembled from the TCP pieces and echoed unchanged.',
    requirement: framingRef,
    steps: [killAfter(10_000), send(kind === 'text' ? text(big) : binary(big), { chop: 997 })],
    expect: { kind: 'events', outcomes: { OK: [kind === 'text' ? textMessage(big) : binaryMessage(big)] }, close: closesNormally() },
  });
  return cases;
}

const pingRef = { spec: 'RFC 6455 §5.5.2, §5.5.3', level: 'MUST' } as const;
const pingEcho = (id: string, title: string, payload: Buffer, chop?: number): CaseDef => ({
  id,
  title,
  description: `Send a ping with ${title}${chop ? `, written ${chop} octet at a time` : ''}.`,
  expectation: 'A pong with exactly the same payload.',
  requirement: pingRef,
  steps: [send(ping(payload), chop ? { chop } : 'together'), closeAfter(chop ? 2000 : 1000)],
  expect: { kind: 'events', outcomes: { OK: [pongEvent(payload)] }, close: closesNormally() },
});

const tenPings = Array.from({ length: 10 }, (_, i) => `payload-${i}`);

const section2: CaseDef[] = [
  pingEcho('2.1', 'an empty payload', Buffer.alloc(0)),
  pingEcho('2.2', 'a short text payload', Buffer.from('Hello, world!')),
  pingEcho('2.3', 'a short binary payload', hex('00fffefdfcfb00ff')),
  pingEcho('2.4', 'a 125-byte payload', repeat(Buffer.from([0xfe]), 125)),
  {
    id: '2.5',
    title: 'ping with a 126-byte payload',
    description: 'Send a ping whose payload is 126 bytes, one more than a control frame may carry.',
    expectation: 'The target fails the connection (1002) without answering the ping.',
    requirement: { spec: 'RFC 6455 §5.5', level: 'MUST' },
    steps: [killAfter(1000), send(ping(repeat(Buffer.from([0xfe]), 126)))],
    expect: { kind: 'events', outcomes: { OK: [] }, close: failsConnection(1002) },
  },
  pingEcho('2.6', 'a 125-byte payload', repeat(Buffer.from([0xfe]), 125), 1),
  {
    id: '2.7',
    title: 'unsolicited empty pong',
    description: 'Send a pong nobody asked for (empty payload), then close normally.',
    expectation: 'The pong is ignored; the close is answered.',
    requirement: { spec: 'RFC 6455 §5.5.3', level: 'MUST' },
    steps: [send(pong()), sendClose(1000), closeAfter(1000)],
    expect: { kind: 'events', outcomes: { OK: [] }, close: closesNormally() },
  },
  {
    id: '2.8',
    title: 'unsolicited pong with payload',
    description: 'Send a pong nobody asked for, with a payload, then close normally.',
    expectation: 'The pong is ignored; the close is answered.',
    requirement: { spec: 'RFC 6455 §5.5.3', level: 'MUST' },
    steps: [send(pong('unsolicited pong payload')), sendClose(1000), closeAfter(1000)],
    expect: { kind: 'events', outcomes: { OK: [] }, close: closesNormally() },
  },
  {
    id: '2.9',
    title: 'unsolicited pong, then ping',
    description: 'Send an unsolicited pong and then a ping.',
    expectation: 'Only the ping is answered, with a pong carrying its payload.',
    requirement: pingRef,
    steps: [send([pong('unsolicited pong payload'), ping('ping payload')]), closeAfter(1000)],
    expect: { kind: 'events', outcomes: { OK: [pongEvent('ping payload')] }, close: closesNormally() },
  },
  {
    id: '2.10',
    title: '10 pings back to back',
    description: 'Send ten pings with distinct payloads in one burst.',
    expectation: 'Ten pongs with the same payloads in the same order (the RFC allows answering only the latest; Autobahn expects all).',
    requirement: { spec: 'RFC 6455 §5.5.3', level: 'SHOULD' },
    steps: [send(tenPings.map((p) => ping(p))), closeAfter(3000)],
    expect: { kind: 'events', outcomes: { OK: tenPings.map((p) => pongEvent(p)) }, close: closesNormally() },
  },
  {
    id: '2.11',
    title: '10 pings, 1 octet at a time',
    description: 'Send ten pings with distinct payloads, every octet its own write.',
    expectation: 'Ten pongs with the same payloads in the same order.',
    requirement: { spec: 'RFC 6455 §5.5.3', level: 'SHOULD' },
    steps: [send(tenPings.map((p) => ping(p)), { chop: 1 }), closeAfter(3000)],
    expect: { kind: 'events', outcomes: { OK: tenPings.map((p) => pongEvent(p)) }, close: closesNormally() },
  },
];

const rsvRef = { spec: 'RFC 6455 §5.2 (RSV1-3)', level: 'MUST' } as const;
const hello = 'Hello, world!';

const section3: CaseDef[] = [
  {
    id: '3.1',
    title: 'text frame with RSV1',
    description: 'Send a text frame with RSV1 set while no extension was negotiated.',
    expectation: 'The target fails the connection (1002).',
    requirement: rsvRef,
    steps: [killAfter(1000), send(text(hello, { rsv: 4 }))],
    expect: { kind: 'events', outcomes: { OK: [] }, close: failsConnection() },
  },
  ...([2, 3, 4] as const).map((n): CaseDef => ({
    id: `3.${n}`,
    title: `valid text, then text with RSV=${n}, then ping${n === 3 ? ' (frame-wise writes)' : n === 4 ? ' (1-octet writes)' : ''}`,
    description: `Send a valid text message, a text frame with the reserved bits ${n.toString(2).padStart(3, '0')}, and a ping.`,
    expectation: 'The first message is echoed, then the target fails the connection (1002) and does not answer the ping. Failing before the echo is tolerated (NON-STRICT).',
    requirement: rsvRef,
    steps: [killAfter(1000), send([text(hello), text(hello, { rsv: n }), ping()], n === 2 ? 'together' : n === 3 ? 'each' : { chop: 1 })],
    expect: { kind: 'events', outcomes: { OK: [textMessage(hello)], 'NON-STRICT': [] }, close: failsConnection() },
  })),
  {
    id: '3.5',
    title: 'binary frame with RSV=5',
    description: 'Send a binary frame with the reserved bits 101.',
    expectation: 'The target fails the connection (1002).',
    requirement: rsvRef,
    steps: [killAfter(1000), send(binary(hex('00fffefdfcfb00ff'), { rsv: 5 }))],
    expect: { kind: 'events', outcomes: { OK: [] }, close: failsConnection() },
  },
  {
    id: '3.6',
    title: 'binary frame with RSV=6',
    description: 'Send a binary frame with the reserved bits 110.',
    expectation: 'The target fails the connection (1002).',
    requirement: rsvRef,
    steps: [killAfter(1000), send(binary(hello, { rsv: 6 }))],
    expect: { kind: 'events', outcomes: { OK: [] }, close: failsConnection() },
  },
  {
    id: '3.7',
    title: 'close frame with RSV=7',
    description: 'Send a close frame with all three reserved bits set.',
    expectation: 'The target fails the connection (1002).',
    requirement: rsvRef,
    steps: [killAfter(1000), send(closeFrame(undefined, { rsv: 7 }))],
    expect: { kind: 'events', outcomes: { OK: [] }, close: failsConnection() },
  },
];

const opcodeRef = { spec: 'RFC 6455 §5.2 (opcodes)', level: 'MUST' } as const;
function reservedOpcodeCases(group: string, opcodes: readonly number[], kind: 'data' | 'control'): CaseDef[] {
  const [a, b, c, d, e] = opcodes as [number, number, number, number, number];
  const single = (n: number, op: number, payload: string): CaseDef => ({
    id: `${group}.${n}`,
    title: `reserved ${kind} opcode ${op}`,
    description: `Send a frame with the reserved ${kind} opcode ${op}${payload ? ' and a payload' : ''}.`,
    expectation: 'The target fails the connection (1002).',
    requirement: opcodeRef,
    steps: [killAfter(1000), send(frame(op, payload))],
    expect: { kind: 'events', outcomes: { OK: [] }, close: failsConnection() },
  });
  const afterText = (n: number, op: number, payload: string, o: { oneOctetWrites?: boolean } = {}): CaseDef => ({
    id: `${group}.${n}`,
    title: `text, reserved opcode ${op}, ping${o.oneOctetWrites ? ' (1-octet writes)' : ''}`,
    description: `Send a valid text message, a frame with the reserved ${kind} opcode ${op}, and a ping.`,
    expectation: 'The text is echoed, then the target fails the connection (1002) without answering the ping. Failing before the echo is tolerated (NON-STRICT).',
    requirement: opcodeRef,
    steps: [killAfter(1000), send([text(hello), frame(op, payload), ping()], o.oneOctetWrites ? { chop: 1 } : 'together')],
    expect: { kind: 'events', outcomes: { OK: [textMessage(hello)], 'NON-STRICT': [] }, close: failsConnection() },
  });
  return [
    single(1, a, ''),
    single(2, b, 'reserved opcode payload'),
    afterText(3, c, ''),
    afterText(4, d, hello),
    afterText(5, e, hello, { oneOctetWrites: true }),
  ];
}

export const framingCases: CaseDef[] = [
  ...echoCases('1.1', 'text'),
  ...echoCases('1.2', 'binary'),
  ...section2,
  ...section3,
  ...reservedOpcodeCases('4.1', [3, 4, 5, 6, 7], 'data'),
  ...reservedOpcodeCases('4.2', [11, 12, 13, 14, 15], 'control'),
];
