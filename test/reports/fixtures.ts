/** Hand-made results for the report tests: no sockets, every field spelled out once here. */
import type { Behavior, CaseResult, CloseBehavior, RunMeta, RunResults, WireEntry } from '../../runner/engine/results.js';

export function makeResult(overrides: Partial<CaseResult> = {}): CaseResult {
  return {
    id: '1.1.1',
    agent: 'ws',
    caseIndex: 1,
    role: 'client',
    title: 'text message, 0 bytes',
    description: 'Send one text frame with a 0-byte payload.',
    expectation: 'The text message is echoed unchanged; the connection then closes normally.',
    requirement: { spec: 'RFC 6455 §5.2, §5.6', level: 'MUST' },
    behavior: 'OK',
    behaviorClose: 'OK',
    result: 'Received what the case expected.',
    resultClose: 'The connection was closed as expected.',
    started: '2025-11-23T12:00:00.000Z',
    durationMs: 3,
    reportTime: false,
    reportCompressionRatio: false,
    expected: { OK: [['message', '', false]] },
    expectedClose: { closedByMe: true, closeCode: [1000], requireClean: true },
    received: [['message', '', false]],
    closedByMe: true,
    failedByMe: false,
    droppedByMe: false,
    wasClean: true,
    wasNotCleanReason: null,
    wasServerConnectionDropTimeout: false,
    wasOpenHandshakeTimeout: false,
    wasCloseHandshakeTimeout: false,
    localCloseCode: 1000,
    localCloseReason: null,
    remoteCloseCode: 1000,
    remoteCloseReason: null,
    httpRequest: 'GET / HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    httpResponse: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
    rxOctetStats: { '2': 1, '4': 1 },
    txOctetStats: { '6': 1, '8': 1 },
    rxFrameStats: { '1': 1, '8': 1 },
    txFrameStats: { '1': 1, '8': 1 },
    trafficStats: null,
    wirelog: [
      { t: 0.4, kind: 'octets', dir: 'tx', length: 6, hex: '818037fa213d', truncated: false },
      { t: 0.5, kind: 'frame', dir: 'tx', opcode: 1, fin: true, rsv: 0, masked: true, length: 0, hex: '', text: '', truncated: false },
      { t: 1.2, kind: 'frame', dir: 'rx', opcode: 1, fin: true, rsv: 0, masked: false, length: 0, hex: '', text: '', truncated: false },
      { t: 1.3, kind: 'note', text: 'expected events received: closing' },
      { t: 1.4, kind: 'frame', dir: 'tx', opcode: 8, fin: true, rsv: 0, masked: true, length: 2, hex: '03e8', text: '\u0003\ufffd', truncated: false },
      { t: 2.6, kind: 'frame', dir: 'rx', opcode: 8, fin: true, rsv: 0, masked: false, length: 2, hex: '03e8', text: '\u0003\ufffd', truncated: false },
    ],
    violations: [],
    ...overrides,
  };
}

export function makeMeta(overrides: Partial<RunMeta> = {}): RunMeta {
  return {
    tool: 'wsconform',
    version: '0.1.0',
    catalogueVersion: 'test-1',
    mode: 'test-server',
    startedAt: '2025-11-23T12:00:00.000Z',
    finishedAt: '2025-11-23T12:01:05.250Z',
    wallMs: 65_250,
    options: { cases: ['*'], concurrency: 8 },
    agents: [{ name: 'ws', url: 'ws://127.0.0.1:9001' }],
    ...overrides,
  };
}

export const HOSTILE_AGENT = '<script>alert(1)</script>';
export const HOSTILE_REASON = '</td><script>x</script>';

type Outcome = [Behavior, CloseBehavior];

const titles: Record<string, string> = {
  '1': 'text message, {n} bytes',
  '2': 'ping with payload #{n}',
  '5': 'fragmented message variant {n}',
  '6': 'UTF-8 sequence {n}',
  '7': 'close frame variant {n}',
  '9': 'large message, {n} MiB',
};

function longText(n: number): string {
  return 'Hello, wsconform! '.repeat(n).slice(0, 64);
}

/** ~40 cases over sections 1, 2, 5, 6, 7, 9, two agents, mixed verdicts, one hostile close reason. */
export function sampleRun(): RunResults {
  const ids = [
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `1.1.${n}`),
    ...[1, 2, 3].map((n) => `1.2.${n}`),
    ...[1, 2, 3, 4, 5, 6].map((n) => `2.${n}`),
    ...[1, 2, 3, 4, 5].map((n) => `5.${n}`),
    '6.1.1',
    '6.1.2',
    '6.3.1',
    '6.4.1',
    '6.4.2',
    '6.4.3',
    '6.5.1',
    '7.1.1',
    '7.1.6',
    '7.3.1',
    '7.7.1',
    '7.9.1',
    '7.13.1',
    '9.1.1',
    '9.1.2',
    '9.2.1',
  ];
  const agents = ['ws 8.18.3', 'uWebSockets (broken build)'];
  const special: Record<string, Record<number, Outcome>> = {
    '1.1.3': { 1: ['FAILED', 'OK'] },
    '2.5': { 1: ['OK', 'FAILED'] },
    '5.3': { 0: ['NON-STRICT', 'OK'], 1: ['NON-STRICT', 'OK'] },
    '6.3.1': { 1: ['FAILED', 'WRONG CODE'] },
    '6.4.1': { 0: ['NON-STRICT', 'OK'], 1: ['NON-STRICT', 'OK'] },
    '6.4.2': { 1: ['FAILED', 'UNCLEAN'] },
    '7.1.6': { 0: ['INFORMATIONAL', 'INFORMATIONAL'], 1: ['INFORMATIONAL', 'INFORMATIONAL'] },
    '7.3.1': { 1: ['FAILED', 'WRONG CODE'] },
    '7.9.1': { 1: ['OK', 'FAILED BY CLIENT'] },
    '7.13.1': { 0: ['INFORMATIONAL', 'INFORMATIONAL'], 1: ['INFORMATIONAL', 'INFORMATIONAL'] },
    '9.2.1': { 1: ['UNIMPLEMENTED', 'UNIMPLEMENTED'] },
  };
  const results: CaseResult[] = [];
  agents.forEach((agent, a) => {
    ids.forEach((id, i) => {
      const section = id.split('.')[0] as string;
      const [behavior, behaviorClose] = special[id]?.[a] ?? (['OK', 'OK'] as Outcome);
      const failed = behavior === 'FAILED';
      const wirelog: WireEntry[] = [
        { t: 0.2, kind: 'octets', dir: 'tx', length: 24, hex: '8192a1b2c3d4e9d7afb8ce', truncated: false },
        { t: 0.3, kind: 'frame', dir: 'tx', opcode: 1, fin: true, rsv: 0, masked: true, length: 18, hex: Buffer.from(longText(1)).toString('hex'), text: longText(1), truncated: false },
        { t: 1.1, kind: 'frame', dir: 'rx', opcode: 1, fin: true, rsv: failed ? 4 : 0, masked: false, length: 300, hex: Buffer.from(longText(5)).toString('hex'), text: longText(5), truncated: true },
        { t: 1.2, kind: 'note', text: failed ? 'peer set RSV1 without an extension' : 'echo matched' },
        { t: 2.0, kind: 'frame', dir: 'tx', opcode: 8, fin: true, rsv: 0, masked: true, length: 2, hex: '03e8', text: '\u0003\ufffd', truncated: false },
        { t: 3.1, kind: 'frame', dir: 'rx', opcode: 8, fin: true, rsv: 0, masked: false, length: 5, hex: '03e8627965', text: '\u0003\ufffdbye', truncated: false },
      ];
      results.push(
        makeResult({
          id,
          agent,
          caseIndex: i + 1,
          title: (titles[section] ?? 'case {n}').replace('{n}', id.split('.').pop() ?? ''),
          behavior,
          behaviorClose,
          result: failed ? 'Expected a text message echo; received a frame with RSV1 set and no extension.' : 'Received what the case expected.',
          resultClose:
            behaviorClose === 'WRONG CODE' ? 'The target closed with 1000; allowed: 1002.' : behaviorClose === 'OK' ? 'The connection was closed as expected.' : `Close verdict ${behaviorClose}.`,
          durationMs: section === '9' ? 1234 + i * 97 : 2 + (i % 7),
          reportTime: section === '9',
          ...(section === '9' ? { expected: {}, received: [] } : {}),
          remoteCloseCode: behaviorClose === 'WRONG CODE' ? 1000 : behaviorClose === 'UNCLEAN' ? null : 1000,
          remoteCloseReason: id === '7.3.1' && a === 1 ? HOSTILE_REASON : null,
          violations: failed ? [{ code: 'WS_ERR_UNEXPECTED_RSV_1', message: 'RSV1 set but no extension negotiated' }] : [],
          wirelog,
          wasClean: behaviorClose !== 'UNCLEAN',
          wasNotCleanReason: behaviorClose === 'UNCLEAN' ? 'peer dropped the TCP connection without a close frame' : null,
          ...(id === '9.1.2' && a === 1 ? { timedOutWaitingFor: 'echo 412 of 1000' } : {}),
        }),
      );
    });
  });
  return {
    meta: makeMeta({
      agents: [
        { name: agents[0] as string, url: 'ws://127.0.0.1:9001' },
        { name: agents[1] as string, url: 'ws://127.0.0.1:9002' },
        { name: 'Firefox ESR', engine: 'firefox', unavailable: 'no firefox binary on PATH' },
      ],
    }),
    results,
  };
}

/**
 * A browser-API (api.*) result as the browser driver stores it: no events, judged on the page's
 * log and the wire (the `browserApi` record). The page's lines and the wire come from the target.
 */
export function makeApiResult(overrides: Partial<CaseResult> = {}): CaseResult {
  return makeResult({
    id: 'api.server-close.invalid-code.1005',
    agent: 'firefox-153',
    role: 'server',
    title: 'The server closes with the invalid code 1005',
    description: 'Shortly after the handshake the server sends a close frame with status 1005.',
    expectation: 'The browser fails the connection: the page sees open, error, close 1006, not clean.',
    requirement: { spec: 'WHATWG WebSockets §4 Feedback from the protocol', level: 'MUST' },
    behavior: 'FAILED',
    behaviorClose: 'WRONG CODE',
    result: 'At step 2 the page saw "close 1005 "" clean", expected "error".',
    resultClose: 'The browser sent a close frame without a status code; expected a close frame 1002, or none.',
    expected: {},
    expectedClose: { closedByMe: true, closeCode: [1002], requireClean: false },
    received: [],
    localCloseCode: 1005,
    localCloseReason: '',
    remoteCloseCode: null,
    remoteCloseReason: '',
    browserApi: {
      expectedPage: ['open', 'error', 'close 1006 "" not clean'],
      observedPage: ['open', 'close 1005 "" clean'],
      wire: [
        { what: 'opening requests', expected: '(not checked)', observed: '1 opening request', ok: null },
        { what: 'messages before the close frame', expected: 'no messages', observed: 'no messages', ok: true },
        { what: 'first close frame', expected: 'a close frame 1002, or none', observed: 'a close frame without a status code', ok: false },
      ],
    },
    ...overrides,
  });
}
