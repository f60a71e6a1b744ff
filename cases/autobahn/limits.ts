/** Autobahn sections 9 and 10: big messages, many fragments, small writes, round trips, auto-fragmentation. */
import type { CaseDef, EchoRounds } from '../types.js';
import { closesNormally, fragments, killAfter, repeat, send, textMessage } from '../dsl.js';
import { Opcode } from '../../runner/wire/frame.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const textFill = 'BAsd7&jh23';
const binaryFill = Buffer.from('00fe23faf0', 'hex');
const ref = { spec: 'RFC 6455 §5.4 (no size limit in the protocol)', level: 'INFO' } as const;

/**
 * Small payloads are built once and shared by every round (the cases only read them); big ones are
 * built when a case sends them, so that a run does not hold every 16 MiB payload at once.
 */
const cache = new Map<string, Buffer>();
const filled = (fill: string | Buffer, n: number): Buffer => {
  if (n > 64 * KiB) return repeat(fill, n);
  const key = `${typeof fill === 'string' ? fill : fill.toString('hex')}:${n}`;
  let b = cache.get(key);
  if (!b) cache.set(key, (b = repeat(fill, n)));
  return b;
};

const human = (n: number): string => (n >= MiB ? `${n / MiB} MiB` : n >= KiB ? `${n / KiB} KiB` : `${n} bytes`);

function echoCase(id: string, title: string, description: string, rounds: EchoRounds, cost: number): CaseDef {
  return {
    id,
    title,
    description,
    expectation: rounds.count === 1
      ? `The message comes back with the same type and length within ${rounds.timeoutMs / 1000} s.`
      : `All ${rounds.count} echoes come back with the same type and length within ${rounds.timeoutMs / 1000} s.`,
    requirement: ref,
    steps: [{ do: 'echo', rounds }],
    expect: { kind: 'echo', close: closesNormally() },
    cost,
    reportTime: true,
  };
}

const bigSizes = [64 * KiB, 256 * KiB, MiB, 4 * MiB, 8 * MiB, 16 * MiB];
const fragSizes = [64, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB];
const chops = [64, 128, 256, 512, 1024, 2048];
const rtt: Array<[number, number]> = [[0, 60], [16, 60], [64, 60], [256, 120], [1024, 240], [4096, 480]];

export const limitsCases: CaseDef[] = [
  ...bigSizes.map((n, i) => echoCase(`9.1.${i + 1}`, `text message of ${human(n)}`, `Send one text frame of ${human(n)}.`,
    { count: 1, message: () => ({ binary: false, payload: filled(textFill, n) }), timeoutMs: (i < 2 ? 10 : 100) * 1000, compare: 'length' }, n)),
  ...bigSizes.map((n, i) => echoCase(`9.2.${i + 1}`, `binary message of ${human(n)}`, `Send one binary frame of ${human(n)}.`,
    { count: 1, message: () => ({ binary: true, payload: filled(binaryFill, n) }), timeoutMs: (i < 4 ? 10 : 100) * 1000, compare: 'length' }, n)),
  ...fragSizes.map((f, i) => echoCase(`9.3.${i + 1}`, `4 MiB text in ${human(f)} fragments`, `Send a 4 MiB text message split into frames of ${human(f)}${f < 4 * MiB ? ', then an empty final frame, as Autobahn does' : ''}.`,
    { count: 1, message: () => ({ binary: false, payload: filled('*', 4 * MiB) }), fragmentSize: f, timeoutMs: 100_000, compare: 'length' }, 4 * MiB + (4 * MiB / f) * 64)),
  ...fragSizes.map((f, i) => echoCase(`9.4.${i + 1}`, `4 MiB binary in ${human(f)} fragments`, `Send a 4 MiB binary message split into frames of ${human(f)}${f < 4 * MiB ? ', then an empty final frame, as Autobahn does' : ''}.`,
    { count: 1, message: () => ({ binary: true, payload: filled(i === 0 ? Buffer.from([0xfe]) : '*', 4 * MiB) }), fragmentSize: f, timeoutMs: 100_000, compare: 'length' }, 4 * MiB + (4 * MiB / f) * 64)),
  ...chops.map((c, i) => echoCase(`9.5.${i + 1}`, `1 MiB text in ${c}-octet writes`, `Send one 1 MiB text frame whose octets are written ${c} at a time.`,
    { count: 1, message: () => ({ binary: false, payload: filled(textFill, MiB) }), chop: c, timeoutMs: 1_000_000, compare: 'length' }, MiB + (MiB / c) * 256)),
  ...chops.map((c, i) => echoCase(`9.6.${i + 1}`, `1 MiB binary in ${c}-octet writes`, `Send one 1 MiB binary frame whose octets are written ${c} at a time.`,
    { count: 1, message: () => ({ binary: true, payload: filled(binaryFill, MiB) }), chop: c, timeoutMs: 1_000_000, compare: 'length' }, MiB + (MiB / c) * 256)),
  ...rtt.map(([n, t], i) => echoCase(`9.7.${i + 1}`, `1000 round trips of ${n}-byte text`, `Send 1000 text messages of ${n} bytes, each after the previous echo.`,
    { count: 1000, message: () => ({ binary: false, payload: filled('*', n) }), timeoutMs: t * 1000, compare: 'length' }, 1000 * (n + 2000))),
  ...rtt.map(([n, t], i) => echoCase(`9.8.${i + 1}`, `1000 round trips of ${n}-byte binary`, `Send 1000 binary messages of ${n} bytes, each after the previous echo.`,
    { count: 1000, message: () => ({ binary: true, payload: filled(Buffer.from([0xfe]), n) }), timeoutMs: t * 1000, compare: 'length' }, 1000 * (n + 2000))),
  {
    id: '10.1.1',
    title: '64 KiB text in 1300-byte frames',
    description: 'Send a 64 KiB text message that the harness fragments into 1300-byte frames (one text frame and 50 continuations).',
    expectation: 'The message is echoed unchanged.',
    requirement: { spec: 'RFC 6455 §5.4', level: 'MUST' },
    steps: [killAfter(10_000), send(fragments(Opcode.text, filled('*', 64 * KiB), 1300))],
    expect: { kind: 'events', outcomes: { OK: [textMessage(filled('*', 64 * KiB))] }, close: closesNormally(), sentFrames: { [Opcode.text]: 1, [Opcode.continuation]: 50 } },
  },
];
