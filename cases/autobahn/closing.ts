/** Autobahn section 7: the closing handshake (RFC 6455 §5.5.1, §7). */
import type { CaseDef, CloseExpectation, TargetEvent, Step } from '../types.js';
import {
  answersClose, closeFrame, closesNormally, continuation, hex, killAfter, ping, repeat, send, sendClose, text, textMessage,
} from '../dsl.js';

const ref = { spec: 'RFC 6455 §5.5.1, §7', level: 'MUST' } as const;

const closeCase = (id: string, title: string, description: string, expectation: string, steps: Step[], close: CloseExpectation, ok: TargetEvent[] = []): CaseDef => ({
  id,
  title,
  description,
  expectation,
  requirement: ref,
  steps: [killAfter(1000), ...steps],
  expect: { kind: 'events', outcomes: { OK: ok }, close, wrongCodeFails: true },
});

const validCodes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
const invalidCodes = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];

export const closingCases: CaseDef[] = [
  closeCase('7.1.1', 'echo, then close', 'Send a text message, then (once it is echoed) close normally.', 'The message is echoed and the close is answered with 1000.', [send(text('Hello World!'))], closesNormally(), [textMessage('Hello World!')]),
  closeCase('7.1.2', 'two close frames', 'Send a close frame (1000), then a second, empty close frame.', 'The second close frame is ignored; the handshake completes cleanly.', [sendClose(1000), send(closeFrame())], closesNormally()),
  closeCase('7.1.3', 'ping after close', 'Send a close frame (1000), then a ping.', 'The ping after the close frame is ignored (no pong).', [sendClose(1000), send(ping())], closesNormally()),
  closeCase('7.1.4', 'text after close', 'Send a close frame (1000), then a text message.', 'The message after the close frame is ignored (no echo).', [sendClose(1000), send(text('Hello World!'))], closesNormally()),
  closeCase('7.1.5', 'close in the middle of a message', 'Send the first fragment of a text message, a close frame (1000), then the final fragment.', 'The unfinished message is dropped; the close is answered.', [send(text('fragment1', { fin: false })), sendClose(1000), send(continuation('fragment2'))], closesNormally()),
  {
    id: '7.1.6',
    title: '256 KiB message, close, ping',
    description: 'Send a 256 KiB text message, a short text message, a close frame (1000) and a ping, back to back.',
    expectation: 'Implementation-defined: whether the short message is echoed before the close is processed is reported, not judged.',
    requirement: { spec: 'RFC 6455 §7', level: 'INFO' },
    steps: [killAfter(1000), send([text(repeat('BAsd7&jh23', 262144)), text('Hello World!')]), sendClose(1000), send(ping())],
    expect: { kind: 'events', outcomes: { OK: [textMessage('Hello World!')], 'NON-STRICT': [] }, close: closesNormally(), informational: true },
  },
  closeCase('7.3.1', 'close with empty payload', 'Send a close frame with no status code.', 'The close is answered (with 1000 or no code).', [sendClose()], closesNormally()),
  closeCase('7.3.2', 'close with a 1-byte payload', 'Send a close frame whose payload is a single byte.', 'A 1-byte close payload is malformed: the target answers with 1002 or drops TCP.', [sendClose(undefined, 'a')], answersClose([1002])),
  closeCase('7.3.3', 'close 1000 without reason', 'Send a close frame with status 1000 and no reason.', 'The close is answered with 1000.', [sendClose(1000)], closesNormally()),
  closeCase('7.3.4', 'close 1000 with reason', 'Send a close frame with status 1000 and a short reason.', 'The close is answered with 1000.', [sendClose(1000, 'Hello World!')], closesNormally()),
  closeCase('7.3.5', 'close with a 123-byte reason', 'Send a close frame with status 1000 and a 123-byte reason (125-byte payload, the maximum).', 'The close is answered with 1000.', [sendClose(1000, repeat('*', 123))], closesNormally()),
  closeCase('7.3.6', 'close with a 124-byte reason', 'Send a close frame with status 1000 and a 124-byte reason (126-byte payload, too long for a control frame).', 'The target fails the connection (1002) or drops TCP.', [sendClose(1000, repeat('*', 124))], answersClose([1002])),
  closeCase('7.5.1', 'close reason with invalid UTF-8', 'Send a close frame with status 1000 and a reason that is not valid UTF-8.', 'The target fails the connection (1007, or 1002) or drops TCP.', [sendClose(1000, hex('cebae1bdb9cf83cebcceb5eda080656469746564'))], answersClose([1002, 1007])),
  ...validCodes.map((code, i) =>
    closeCase(`7.7.${i + 1}`, `close with valid code ${code}`, `Send a close frame with the status code ${code}.`, `The close is answered with 1000${code === 1000 ? '' : ` or ${code}`}.`, [sendClose(code)], closesNormally(code === 1000 ? [1000] : [1000, code]))),
  ...invalidCodes.map((code, i) =>
    closeCase(`7.9.${i + 1}`, `close with invalid code ${code}`, `Send a close frame with the status code ${code}, which may not appear on the wire.`, 'The target fails the connection (1002) or drops TCP.', [sendClose(code)], answersClose([1002]))),
  ...[5000, 65535].map((code, i): CaseDef => ({
    id: `7.13.${i + 1}`,
    title: `close with out-of-range code ${code}`,
    description: `Send a close frame with the status code ${code}, outside every defined range.`,
    expectation: 'Reported, not judged: Autobahn treats this as informational.',
    requirement: { spec: 'RFC 6455 §7.4.2', level: 'INFO' },
    steps: [killAfter(1000), sendClose(code)],
    expect: { kind: 'events', outcomes: { OK: [] }, close: answersClose([1000, code, 1002]), informational: true },
  })),
];

