/**
 * The verdict: a pure function of a case's expectation and a session's transcript, in Autobahn's
 * two axes (`behavior`, `behaviorClose`) and with Autobahn's rules, so that results line up with
 * published Autobahn reports.
 */
import type { CaseDef, CloseExpectation, TargetEvent } from '../../../cases/types.js';
import { Behavior, CloseBehavior, type Verdict } from '../results.js';
import { eventsEqual } from './events.js';
import type { Transcript } from '../transcript.js';
import { fuzzVerdict } from './fuzz-oracle.js';
import { judgeRefusal } from './refusal.js';

export function judge(def: CaseDef, t: Transcript): Verdict {
  // A browser-API case has no transcript: judgeApi (browser-api.ts) judges the page's log and the wire record.
  if (def.expect.kind === 'browser-api') throw new TypeError(`${def.id} is a browser-API case: judgeApi judges it, not judge`);
  if (def.expect.kind === 'h2') throw new TypeError(`${def.id} is an h2.* case: judgeH2 (h2.ts) judges it, not judge`);
  if (def.expect.kind === 'handshake') return judgeRefusal(def.expect.refuse, t);
  if (def.expect.kind === 'tls') {
    // Played at all means the client completed a WebSocket opening handshake over the case's certificate.
    if (def.expect.mustRefuse) {
      return {
        behavior: Behavior.FAILED,
        behaviorClose: CloseBehavior.FAILED,
        result: 'The client opened the WebSocket over a certificate it must refuse: it does not verify the server certificate.',
        resultClose: 'The WebSocket should never have been opened.',
      };
    }
    return judge({ ...def, expect: { kind: 'events', outcomes: def.expect.outcomes, close: def.expect.close } }, t);
  }
  if (t.openedAtMs === null) {
    // Autobahn's informational cases (7.1.6, 7.13.x) report whatever happened, a failed handshake included.
    if (def.expect.kind === 'events' && def.expect.informational) {
      return {
        behavior: Behavior.INFORMATIONAL,
        behaviorClose: CloseBehavior.INFORMATIONAL,
        result: `The opening handshake failed: ${t.handshakeError ?? 'the connection was lost'} (informational).`,
        resultClose: 'The WebSocket opening handshake was never completed (informational).',
      };
    }
    return {
      behavior: Behavior.FAILED,
      behaviorClose: CloseBehavior.FAILED,
      result: `The opening handshake failed: ${t.handshakeError ?? 'the connection was lost'}.`,
      resultClose: 'The WebSocket opening handshake was never completed.',
    };
  }
  if (def.expect.kind === 'fuzz') {
    const f = fuzzVerdict(def.expect.model, t);
    return { behavior: f.ok ? Behavior.OK : Behavior.FAILED, behaviorClose: f.behaviorClose, result: f.result, resultClose: f.resultClose };
  }
  const close = judgeClose(def.expect.close, t);
  let v: Verdict;
  if (def.expect.kind === 'echo') {
    v = { ...judgeEcho(def, t), ...close };
  } else {
    const exp = def.expect;
    v = { behavior: Behavior.FAILED, result: 'What the target sent matches no expected outcome.', ...close };
    for (const [name, list] of Object.entries(exp.outcomes) as Array<[Behavior, TargetEvent[] | undefined]>) {
      if (list && eventsEqual(t.received, list)) {
        v.behavior = name;
        v.result = name === Behavior.OK ? 'What the target sent matches the expected outcome.' : 'What the target sent matches the tolerated (non-strict) outcome.';
        break;
      }
    }
    const closeExp = v.behavior === Behavior.NON_STRICT && exp.nonStrictClose ? exp.nonStrictClose : exp.close;
    if (closeExp !== exp.close) Object.assign(v, judgeClose(closeExp, t));
    if (closeExp.closedByWrongEndpointIsFatal && closeExp.closedByMe !== t.closedByMe) {
      v.behavior = Behavior.FAILED;
      v.result = closeExp.closedByMe
        ? 'The target closed when the harness was meant to.'
        : 'The target never failed the connection: the harness had to close it, so the target did not detect the problem.';
    }
    if (exp.wrongCodeFails && v.behaviorClose === CloseBehavior.WRONG_CODE) {
      v.behavior = Behavior.FAILED;
      v.result = v.resultClose;
    }
    if (exp.sentFrames) {
      const got = Object.fromEntries(Object.keys(exp.sentFrames).map((op) => [op, t.txFrameStats[op] ?? 0]));
      if (Object.entries(exp.sentFrames).some(([op, n]) => got[op] !== n)) {
        v.behavior = Behavior.FAILED;
        v.result = `The harness sent frames ${JSON.stringify(got)} instead of ${JSON.stringify(exp.sentFrames)}.`;
      }
    }
    if (exp.informational) {
      const what =
        v.behavior === Behavior.OK
          ? 'The target processed the message before the close.'
          : v.behavior === Behavior.NON_STRICT
            ? 'The target processed the close before the message could be returned.'
            : v.result;
      v = { behavior: Behavior.INFORMATIONAL, behaviorClose: CloseBehavior.INFORMATIONAL, result: what, resultClose: `${v.resultClose} (informational)` };
    }
  }
  const { codes, tolerated } = def.expect.close;
  const code = t.remoteCloseCode;
  if (code !== null && v.behavior === Behavior.OK && !codes.includes(code) && tolerated?.includes(code)) {
    v.behavior = Behavior.NON_STRICT;
    v.result = `The target closed with ${code}, a tolerated second choice: the preferred code is ${codes.join(' or ')}.`;
  }
  if (t.timedOutWaitingFor && v.behavior === Behavior.FAILED) v.result += ` The case time limit was reached while waiting for ${t.timedOutWaitingFor}.`;
  if (t.violations.length > 0 && v.behavior === Behavior.FAILED) v.result += ` Protocol violation by the target: ${t.violations[0]!.message}.`;
  return v;
}

function judgeEcho(def: CaseDef, t: Transcript): Pick<Verdict, 'behavior' | 'result'> {
  const echo = t.echo;
  const step = def.steps.find((s) => s.do === 'echo');
  const seconds = step && step.do === 'echo' ? step.rounds.timeoutMs / 1000 : 0;
  if (!echo) return { behavior: Behavior.FAILED, result: 'The case never started sending.' };
  if (echo.unimplemented) return { behavior: Behavior.UNIMPLEMENTED, result: 'permessage-deflate was not negotiated, so the case does not apply.' };
  if (echo.mismatch) return { behavior: Behavior.FAILED, result: `Wrong echo: ${echo.mismatch}.` };
  if (echo.matched === echo.count) return { behavior: Behavior.OK, result: echo.count === 1 ? 'The message came back with the right type and length.' : `All ${echo.count} echoes came back correct.` };
  return {
    behavior: Behavior.FAILED,
    result: echo.count === 1 ? `No echo within ${seconds} s.` : `Only ${echo.matched} of ${echo.count} echoes arrived within ${seconds} s.`,
  };
}

function judgeClose(exp: CloseExpectation, t: Transcript): Pick<Verdict, 'behaviorClose' | 'resultClose'> {
  if (exp.eitherMayClose && t.closedByMe)
    return { behaviorClose: CloseBehavior.OK, resultClose: 'The client left the connection open after the refused handshake, as HTTP allows; the harness closed it.' };
  if (exp.closedByMe !== t.closedByMe) {
    return {
      behaviorClose: CloseBehavior.FAILED,
      resultClose: exp.closedByMe ? 'The target started the close, but the harness was meant to.' : 'The harness had to close the connection: the target was meant to fail it.',
    };
  }
  if (exp.requireClean && !t.wasClean) {
    return { behaviorClose: CloseBehavior.UNCLEAN, resultClose: `The connection had to end with a clean closing handshake, but ${t.wasNotCleanReason ?? 'it did not'}.` };
  }
  if (t.remoteCloseCode !== null && !exp.codes.includes(t.remoteCloseCode) && !exp.tolerated?.includes(t.remoteCloseCode)) {
    return { behaviorClose: CloseBehavior.WRONG_CODE, resultClose: `The target closed with ${t.remoteCloseCode}; expected ${exp.codes.join(' or ')} or no code.` };
  }
  // A tolerated code the harness itself rejects (5000) makes it drop TCP at once: that drop says nothing about the target.
  const rejectedTolerated = t.remoteCloseCode !== null && exp.tolerated?.includes(t.remoteCloseCode) && t.violations.some((v) => v.code === 'WS_ERR_INVALID_CLOSE_CODE');
  if (t.role === 'client' && t.droppedByMe && !rejectedTolerated) {
    return { behaviorClose: CloseBehavior.FAILED_BY_CLIENT, resultClose: 'The harness had to close TCP; the server should close it after the closing handshake.' };
  }
  return { behaviorClose: CloseBehavior.OK, resultClose: 'The connection was closed properly.' };
}
