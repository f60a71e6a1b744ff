/**
 * The judge's rules for our own families, without sockets: tolerated close codes, the NON-STRICT
 * path of a case that may be refused or accepted, refused handshakes, and fuzz sequences.
 */
import assert from 'node:assert/strict';
import { caseById } from '../../../cases/index.js';
import type { CaseDef } from '../../../cases/types.js';
import { judge } from '../../../runner/engine/verdicts/judge.js';
import { emptyTranscript, type RecordedEvent, type Transcript } from '../../../runner/engine/transcript.js';
import { fuzzCaseFromWrites } from '../../../runner/fuzz/generate.js';
import { encodeFrame, Opcode } from '../../../runner/wire/frame.js';

const def = (id: string): CaseDef => {
  const d = caseById(id);
  assert.ok(d, id);
  return d;
};
const opened = (patch: Partial<Transcript>): Transcript => ({ ...emptyTranscript('client', 0), openedAtMs: 1, endedAtMs: 10, ...patch });
const pick = (v: { behavior: string; behaviorClose: string }): [string, string] => [v.behavior, v.behaviorClose];
const msg = (s: string | Buffer, binary = false): RecordedEvent => {
  const payload = Buffer.from(s);
  return { type: 'message', binary, length: payload.length, payload, sha1: null };
};

describe('judge: own families', () => {
  describe('tolerated close codes', () => {
    const rows: Array<[id: string, code: number | null, behavior: string, behaviorClose: string]> = [
      ['closecode.reason-invalid-utf8', 1007, 'OK', 'OK'],
      ['closecode.reason-invalid-utf8', 1002, 'NON-STRICT', 'OK'],
      ['closecode.reason-invalid-utf8', 1000, 'FAILED', 'WRONG CODE'],
      ['closecode.reason-invalid-utf8', null, 'OK', 'OK'],
      ['closecode.5000', 1002, 'OK', 'OK'],
      ['closecode.5000', 1000, 'NON-STRICT', 'OK'],
      ['closecode.5000', 5000, 'NON-STRICT', 'OK'],
      ['closecode.5000', 1001, 'FAILED', 'WRONG CODE'],
      ['closecode.1012', 1012, 'OK', 'OK'],
      ['closecode.1012', 1002, 'NON-STRICT', 'OK'],
      ['closecode.1015', 1000, 'FAILED', 'WRONG CODE'],
    ];
    for (const [id, code, behavior, behaviorClose] of rows) {
      it(`grades ${id} answered with ${code ?? 'no code'} ${behavior}/${behaviorClose}`, () => {
        const v = judge(def(id), opened({ closedByMe: true, wasClean: true, remoteCloseCode: code }));
        assert.deepEqual(pick(v), [behavior, behaviorClose], v.result);
      });
    }

    it('tolerates 1009 for a 64-bit length with the top bit set, and says which code is preferred', () => {
      const v = judge(def('frame.length-msb-set'), opened({ closedByMe: false, wasClean: true, remoteCloseCode: 1009 }));
      assert.deepEqual(pick(v), ['NON-STRICT', 'OK']);
      assert.match(v.result, /1009.*1002/);
    });
  });

  describe('a frame the target may refuse (OK) or accept (NON-STRICT)', () => {
    const id = 'frame.non-minimal-16';
    it('is OK when the target fails the connection with 1002', () => {
      assert.deepEqual(pick(judge(def(id), opened({ closedByMe: false, remoteCloseCode: 1002, wasClean: true }))), ['OK', 'OK']);
    });
    it('is NON-STRICT when the target echoes and the harness closes normally', () => {
      assert.deepEqual(pick(judge(def(id), opened({ received: [msg('Hello')], closedByMe: true, wasClean: true, remoteCloseCode: 1000 }))), ['NON-STRICT', 'OK']);
    });
    it('judges the accepting path by its own close rules (an unclean end is UNCLEAN)', () => {
      assert.deepEqual(pick(judge(def(id), opened({ received: [msg('Hello')], closedByMe: true, wasClean: false, remoteCloseCode: null }))), ['NON-STRICT', 'UNCLEAN']);
    });
    it('is FAILED for a wrong echo, and for silence (the harness had to close)', () => {
      assert.equal(judge(def(id), opened({ received: [msg('Hellx')], closedByMe: true, wasClean: true })).behavior, 'FAILED');
      assert.equal(judge(def(id), opened({ received: [], closedByMe: true, wasClean: true, localCloseCode: 1001 })).behaviorClose, 'FAILED');
    });
  });

  describe('refused handshakes', () => {
    const response = (status: string, headers: string[] = []): string => [`HTTP/1.1 ${status}`, ...headers, '', ''].join('\r\n');
    const hs = (patch: Partial<Transcript>): Transcript => ({ ...emptyTranscript('client', 0), endedAtMs: 5, ...patch });
    const rows: Array<[id: string, what: string, t: Partial<Transcript>, behavior: string, behaviorClose: string]> = [
      ['handshake.key-missing', '400', { httpResponse: response('400 Bad Request') }, 'OK', 'OK'],
      ['handshake.key-missing', '403', { httpResponse: response('403 Forbidden') }, 'NON-STRICT', 'OK'],
      ['handshake.key-missing', 'a 101', { httpResponse: response('101 Switching Protocols'), openedAtMs: 2 }, 'FAILED', 'FAILED'],
      ['handshake.key-missing', 'TCP closed without a response', { httpResponse: '?', handshakeError: 'closed' }, 'NON-STRICT', 'OK'],
      ['handshake.key-missing', 'no answer in time', { httpResponse: '?', wasOpenHandshakeTimeout: true }, 'FAILED', 'FAILED'],
      ['handshake.version-99', '426 with the version header', { httpResponse: response('426 Upgrade Required', ['Sec-WebSocket-Version: 13']) }, 'OK', 'OK'],
      ['handshake.version-99', '400 with a version list', { httpResponse: response('400 Bad Request', ['Sec-WebSocket-Version: 13, 8']) }, 'OK', 'OK'],
      ['handshake.version-99', '400 without the version header', { httpResponse: response('400 Bad Request') }, 'FAILED', 'OK'],
      ['handshake.version-99', '404 with the version header', { httpResponse: response('404 Not Found', ['Sec-WebSocket-Version: 13']) }, 'NON-STRICT', 'OK'],
      ['handshake.method-post', '405', { httpResponse: response('405 Method Not Allowed') }, 'OK', 'OK'],
    ];
    for (const [id, what, t, behavior, behaviorClose] of rows) {
      it(`grades ${id} answered with ${what} ${behavior}/${behaviorClose}`, () => {
        const v = judge(def(id), hs(t));
        assert.deepEqual(pick(v), [behavior, behaviorClose], v.result);
      });
    }
  });

  describe('fuzz sequences', () => {
    const mask = Buffer.from([1, 2, 3, 4]);
    const frame = (opcode: number, payload: string, o: { fin?: boolean; rsv?: number } = {}): Buffer => encodeFrame({ opcode, payload: Buffer.from(payload), mask, ...o });
    const valid = fuzzCaseFromWrites('fuzz.0.1', [frame(Opcode.text, 'Hel', { fin: false }), frame(Opcode.ping, 'p'), frame(Opcode.continuation, 'lo')], 'valid');
    const invalid = fuzzCaseFromWrites('fuzz.0.2', [frame(Opcode.text, 'one'), frame(Opcode.text, 'two', { rsv: 2 })], 'rsv');
    const finalPong: RecordedEvent = { type: 'pong', payload: Buffer.from('wsconform-final-ping') };
    const pong = (s: string): RecordedEvent => ({ type: 'pong', payload: Buffer.from(s) });
    const done = { closedByMe: true, localCloseCode: 1000, wasClean: true, remoteCloseCode: 1000 };
    const rows: Array<[what: string, d: CaseDef, t: Partial<Transcript>, behavior: string, behaviorClose: string]> = [
      ['everything answered, pongs before the echo', valid, { ...done, received: [pong('p'), finalPong, msg('Hello')] }, 'OK', 'OK'],
      ['a wrong echo', valid, { ...done, received: [pong('p'), msg('Hellx'), finalPong] }, 'FAILED', 'OK'],
      ['a valid sequence refused', valid, { closedByMe: false, remoteCloseCode: 1002, wasClean: true, received: [pong('p')] }, 'FAILED', 'OK'],
      ['no answer to the final ping', valid, { closedByMe: true, failedByMe: true, localCloseCode: 1001, received: [pong('p'), msg('Hello')] }, 'FAILED', 'FAILED'],
      ['an invalid sequence failed after the first echo', invalid, { closedByMe: false, remoteCloseCode: 1002, wasClean: true, received: [msg('one')] }, 'OK', 'OK'],
      ['an invalid sequence failed by dropping TCP', invalid, { closedByMe: false, received: [] }, 'OK', 'OK'],
      ['an invalid sequence failed with a code that may not be sent', invalid, { closedByMe: false, remoteCloseCode: 1005, received: [] }, 'FAILED', 'OK'],
      ['an invalid sequence accepted', invalid, { closedByMe: true, failedByMe: true, localCloseCode: 1001, received: [msg('one'), msg('two'), finalPong] }, 'FAILED', 'FAILED'],
    ];
    for (const [what, d, t, behavior, behaviorClose] of rows) {
      it(`grades ${what} ${behavior}/${behaviorClose}`, () => {
        const v = judge(d, opened(t));
        assert.deepEqual(pick(v), [behavior, behaviorClose], v.result);
      });
    }
  });
});
