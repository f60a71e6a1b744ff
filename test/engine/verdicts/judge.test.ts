/** The judge is pure: transcripts in, Autobahn's verdicts out. A row per rule, each able to fail. */
import assert from 'node:assert/strict';
import { caseById } from '../../../cases/index.js';
import { judge } from '../../../runner/engine/verdicts/judge.js';
import { emptyTranscript, type RecordedEvent, type Transcript } from '../../../runner/engine/transcript.js';

const def = (id: string) => {
  const d = caseById(id);
  assert.ok(d);
  return d;
};

function transcript(patch: Partial<Transcript>, role: 'client' | 'server' = 'client'): Transcript {
  return { ...emptyTranscript(role, 0), openedAtMs: 1, endedAtMs: 10, ...patch };
}

const text = (s: string): RecordedEvent => ({ type: 'message', binary: false, length: Buffer.byteLength(s), payload: Buffer.from(s), sha1: null });
const cleanByMe = { closedByMe: true, wasClean: true, remoteCloseCode: 1000 };

describe('judge', () => {
  it('is OK when the events and the close are as expected', () => {
    assert.deepEqual(pick(judge(def('7.1.1'), transcript({ received: [text('Hello World!')], ...cleanByMe }))), ['OK', 'OK']);
  });

  it('fails behavior when an echo differs by one byte', () => {
    assert.deepEqual(pick(judge(def('7.1.1'), transcript({ received: [text('Hello World?')], ...cleanByMe }))), ['FAILED', 'OK']);
  });

  it('picks NON-STRICT when the tolerated outcome matches', () => {
    assert.deepEqual(pick(judge(def('3.2'), transcript({ received: [], closedByMe: false, remoteCloseCode: 1002 }))), ['NON-STRICT', 'OK']);
  });

  it('says FAILED (close) when the wrong endpoint closed', () => {
    assert.deepEqual(pick(judge(def('3.1'), transcript({ received: [], closedByMe: true, wasClean: true }))), ['OK', 'FAILED']);
  });

  it('makes a wrong closing endpoint fatal for invalid UTF-8', () => {
    assert.deepEqual(pick(judge(def('6.3.1'), transcript({ received: [], closedByMe: true, wasClean: true }))), ['FAILED', 'FAILED']);
  });

  it('says UNCLEAN before WRONG CODE when a clean close was required', () => {
    assert.deepEqual(pick(judge(def('1.1.1'), transcript({ received: [text('')], closedByMe: true, wasClean: false, remoteCloseCode: 1003 }))), ['OK', 'UNCLEAN']);
  });

  it('says WRONG CODE for a code outside the expected ones, and no code always passes', () => {
    assert.equal(judge(def('1.1.1'), transcript({ received: [text('')], ...cleanByMe, remoteCloseCode: 1003 })).behaviorClose, 'WRONG CODE');
    assert.equal(judge(def('1.1.1'), transcript({ received: [text('')], ...cleanByMe, remoteCloseCode: null })).behaviorClose, 'OK');
  });

  it('turns a WRONG CODE into a FAILED behavior in section 7', () => {
    assert.deepEqual(pick(judge(def('7.7.2'), transcript({ received: [], ...cleanByMe, remoteCloseCode: 1002 }))), ['FAILED', 'WRONG CODE']);
  });

  it('says FAILED BY CLIENT when the harness dropped TCP as a client, but not as a server', () => {
    const t = { received: [], closedByMe: true, wasClean: true, droppedByMe: true, remoteCloseCode: 1002 };
    assert.equal(judge(def('7.3.2'), transcript(t)).behaviorClose, 'FAILED BY CLIENT');
    assert.equal(judge(def('7.3.2'), transcript(t, 'server')).behaviorClose, 'OK');
  });

  it('forces INFORMATIONAL in 7.13.x whatever happened', () => {
    assert.deepEqual(pick(judge(def('7.13.1'), transcript({ received: [text('x')], closedByMe: false }))), ['INFORMATIONAL', 'INFORMATIONAL']);
  });

  it('fails 10.1.1 when the harness did not send 1 text frame and 50 continuations', () => {
    const received = [{ type: 'message' as const, binary: false, length: 65536, payload: Buffer.alloc(65536, '*'), sha1: null }];
    assert.equal(judge(def('10.1.1'), transcript({ received, ...cleanByMe, txFrameStats: { '1': 1, '0': 50, '8': 1 } })).behavior, 'OK');
    assert.equal(judge(def('10.1.1'), transcript({ received, ...cleanByMe, txFrameStats: { '1': 1, '0': 49 } })).behavior, 'FAILED');
  });

  it('grades echo rounds by what came back', () => {
    const echo = { count: 1000, sent: 1000, matched: 1000, mismatch: null, unimplemented: false };
    assert.equal(judge(def('9.7.1'), transcript({ echo, ...cleanByMe })).behavior, 'OK');
    assert.equal(judge(def('9.7.1'), transcript({ echo: { ...echo, matched: 999 }, ...cleanByMe })).behavior, 'FAILED');
    assert.equal(judge(def('9.7.1'), transcript({ echo: { ...echo, mismatch: 'echo 3: expected 0 bytes, got 1' }, ...cleanByMe })).behavior, 'FAILED');
    assert.equal(judge(def('9.7.1'), transcript({ echo: { ...echo, unimplemented: true }, ...cleanByMe })).behavior, 'UNIMPLEMENTED');
  });

  it('fails both axes when the opening handshake never completed', () => {
    const v = judge(def('1.1.1'), { ...emptyTranscript('client', 0), handshakeError: 'status 403' });
    assert.deepEqual(pick(v), ['FAILED', 'FAILED']);
    assert.match(v.result, /403/);
  });

  it('keeps 7.1.6 and 7.13.x INFORMATIONAL when the opening handshake never completed, as Autobahn does', () => {
    for (const id of ['7.1.6', '7.13.1', '7.13.2']) {
      const v = judge(def(id), { ...emptyTranscript('client', 0), handshakeError: 'handshake: Sec-WebSocket-Accept header is missing' });
      assert.deepEqual(pick(v), ['INFORMATIONAL', 'INFORMATIONAL'], id);
      assert.match(v.result, /Sec-WebSocket-Accept header is missing/, id);
    }
  });

  it('names the step a timed-out case was waiting for', () => {
    const v = judge(def('1.1.1'), transcript({ received: [], timedOutWaitingFor: 'the target to answer the close frame' }));
    assert.match(v.result, /waiting for the target to answer the close frame/);
  });
});

function pick(v: { behavior: string; behaviorClose: string }): [string, string] {
  return [v.behavior, v.behaviorClose];
}
