/**
 * The fuzzer's oracle, a pure function of the reference model and a transcript: the target must
 * stay responsive and either echo everything correctly and answer the final ping, or fail the
 * connection with a valid close code where the model allows a failure. Everything the target sends
 * must be a prefix of what the model expects, in order (messages and pongs separately, since a
 * server may answer a ping before it has echoed the message that came first).
 */
import { createHash } from 'node:crypto';
import type { FuzzModel } from '../../../cases/types.js';
import type { RecordedEvent, Transcript } from '../transcript.js';
import { isValidCloseCode } from '../../wire/close.js';

/** Why a sequence failed; the shrinker keeps a candidate only when it fails the same way. */
export type FuzzFailure =
  /** The target sent frames that break the protocol. */
  | 'peer-violation'
  /** A message or pong that differs from the model's, or one too many. */
  | 'wrong-answer'
  /** The target closed with a code that may not appear on the wire. */
  | 'bad-close-code'
  /** The target failed the connection although the sequence is valid. */
  | 'rejected-valid'
  /** The sequence breaks a MUST and the target did not fail the connection. */
  | 'did-not-fail'
  /** The target neither answered everything nor failed the connection in time. */
  | 'unresponsive';

export interface FuzzVerdict {
  ok: boolean;
  failure: FuzzFailure | null;
  result: string;
  resultClose: string;
  behaviorClose: 'OK' | 'UNCLEAN' | 'FAILED';
}

const messagesOf = (received: readonly RecordedEvent[]) => received.filter((e): e is Extract<RecordedEvent, { type: 'message' }> => e.type === 'message');
const pongsOf = (received: readonly RecordedEvent[]) => received.filter((e): e is Extract<RecordedEvent, { type: 'pong' }> => e.type === 'pong');

/** Everything the model expects has arrived (the session then closes); never true when the target must fail. */
export function fuzzAnswered(model: FuzzModel, received: readonly RecordedEvent[]): boolean {
  if (model.mustFail) return false;
  let m = 0;
  let p = 0;
  for (const e of received) {
    if (e.type === 'message') m++;
    else if (e.type === 'pong') p++;
  }
  return m >= model.messages.length && p >= model.pongs.length;
}

export function fuzzVerdict(model: FuzzModel, t: Transcript): FuzzVerdict {
  const fail = (failure: FuzzFailure, result: string, behaviorClose: FuzzVerdict['behaviorClose'], resultClose: string): FuzzVerdict => ({ ok: false, failure, result, behaviorClose, resultClose });
  const badCode = t.violations.find((v) => v.code === 'WS_ERR_INVALID_CLOSE_CODE');
  if (badCode || (t.remoteCloseCode !== null && !isValidCloseCode(t.remoteCloseCode))) {
    return fail('bad-close-code', `The target closed with ${t.remoteCloseCode ?? 'an invalid code'}, which may not appear in a close frame.`, 'OK', 'The close code is invalid (RFC 6455 §7.4).');
  }
  const violation = t.violations[0];
  if (violation) return fail('peer-violation', `The target sent an invalid frame: ${violation.message}.`, 'OK', 'The harness failed the connection.');
  const wrong = prefixProblem(model, t.received);
  const targetFailed = !t.closedByMe;
  if (targetFailed) {
    const how = t.remoteCloseCode !== null ? `with close code ${t.remoteCloseCode}` : t.wasClean ? 'with a close frame without a code' : 'by dropping TCP';
    if (wrong) return fail('wrong-answer', `${wrong}, then the target failed the connection ${how}.`, 'OK', `The target failed the connection ${how}.`);
    if (!model.mayFail) return fail('rejected-valid', `The target failed the connection ${how} although the sequence is valid.`, 'OK', `The target failed the connection ${how}.`);
    return {
      ok: true,
      failure: null,
      result: `The target failed the connection ${how}, where the model allows it, after answering correctly.`,
      behaviorClose: 'OK',
      resultClose: `The target failed the connection ${how}.`,
    };
  }
  // Everything answered and closed with 1000: done, even when the harness had to drop the
  // connection afterwards (the target answered the close but never closed TCP or ended its stream).
  const lingered = t.failedByMe && t.wasClean && fuzzAnswered(model, t.received);
  const completed = t.localCloseCode === 1000 && (!t.failedByMe || lingered);
  if (model.mustFail) {
    return fail(
      'did-not-fail',
      `The sequence breaks a MUST${wrong ? ` and ${lower(wrong)}` : ''}, but the target did not fail the connection: the harness had to close it.`,
      'FAILED',
      'The harness had to close the connection.',
    );
  }
  if (wrong)
    return fail(
      'wrong-answer',
      `${wrong}.`,
      completed ? (t.wasClean ? 'OK' : 'UNCLEAN') : 'FAILED',
      completed ? 'The harness closed after the answers arrived.' : 'The harness had to close the connection.',
    );
  if (!completed) {
    const got = `${messagesOf(t.received).length} of ${model.messages.length} echoes and ${pongsOf(t.received).length} of ${model.pongs.length} pongs`;
    return fail(
      'unresponsive',
      `The target stopped answering: ${got} arrived (the last pong answers the final ping).`,
      'FAILED',
      'The harness had to close the connection: the target neither answered nor failed it.',
    );
  }
  return {
    ok: true,
    failure: null,
    result: `Every echo (${model.messages.length}) and pong (${model.pongs.length}) arrived as the model says.`,
    behaviorClose: t.wasClean && !lingered ? 'OK' : 'UNCLEAN',
    resultClose: lingered
      ? 'The target answered the close frame but did not close the connection in time: the harness dropped it.'
      : t.wasClean
        ? 'The connection was closed properly.'
        : `The closing handshake was not clean: ${t.wasNotCleanReason ?? 'no reason recorded'}.`,
  };
}

/** Why the received messages or pongs are not a prefix of the model's, or null when they are. */
function prefixProblem(model: FuzzModel, received: readonly RecordedEvent[]): string | null {
  const msgs = messagesOf(received);
  for (let i = 0; i < msgs.length; i++) {
    const got = msgs[i]!;
    const want = model.messages[i];
    if (!want) return `The target sent message ${i + 1}, but only ${model.messages.length} are expected`;
    if (got.binary !== want.binary) return `Echo ${i + 1} is ${got.binary ? 'binary' : 'text'}, expected ${want.binary ? 'binary' : 'text'}`;
    if (got.length !== want.payload.length) return `Echo ${i + 1} has ${got.length} bytes, expected ${want.payload.length}`;
    const same = got.payload ? got.payload.equals(want.payload) : got.sha1 === createHash('sha1').update(want.payload).digest('hex');
    if (!same) return `Echo ${i + 1} differs from the message sent`;
  }
  const pongs = pongsOf(received);
  for (let i = 0; i < pongs.length; i++) {
    const want = model.pongs[i];
    if (!want) return `The target sent pong ${i + 1}, but only ${model.pongs.length} are expected`;
    if (!pongs[i]!.payload.equals(want)) return `Pong ${i + 1} does not carry its ping's payload`;
  }
  return null;
}

const lower = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
