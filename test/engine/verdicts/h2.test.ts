/** judgeH2 as a pure function: one row per verdict path, on hand-written observations. */
import assert from 'node:assert/strict';
import { h2Cases } from '../../../cases/own/h2.js';
import { h2CaseResult, judgeH2, type H2Seen, type H2StreamSeen, type RawAnswer } from '../../../runner/engine/verdicts/h2.js';

const def = (id: string) => h2Cases.find((c) => c.id === id)!;
const stream = (label: string, o: Partial<H2StreamSeen> = {}): H2StreamSeen => ({
  label,
  request: [],
  status: 200,
  headers: [],
  messages: [],
  endStream: true,
  rstCode: null,
  timedOut: false,
  error: null,
  closeCode: 1000,
  ...o,
});
const seen = (o: Partial<H2Seen> = {}): H2Seen => ({
  settings: { enableConnectProtocol: true },
  sessionError: null,
  goaway: null,
  streams: [],
  timeoutMs: 1000,
  startedAt: 0,
  durationMs: 1,
  notes: [],
  ...o,
});
const text = (t: string) => ({ binary: false, text: t, length: t.length });
const judged = (id: string, s: H2Seen): string => {
  const v = judgeH2(def(id), s);
  return `${v.behavior} / ${v.behaviorClose}`;
};

describe('judgeH2 (verdicts of the h2.* cases)', () => {
  it('every h2.* case states its RFC section and level, applies to servers only, and has a unique id', () => {
    assert.equal(new Set(h2Cases.map((c) => c.id)).size, h2Cases.length);
    for (const c of h2Cases) {
      assert.match(c.requirement?.spec ?? '', /RFC (8441|9113|6455) §/);
      assert.ok(['MUST', 'SHOULD'].includes(c.requirement!.level));
      assert.equal(c.applies, 'servers');
      assert.match(c.id, /^h2\.[a-z0-9-]+$/);
    }
  });

  it('no SETTINGS is FAILED; SETTINGS without the setting is FAILED for the setting case and UNIMPLEMENTED for the others', () => {
    assert.equal(judged('h2.connect-status-200', seen({ settings: null })), 'FAILED / FAILED');
    assert.equal(judged('h2.settings-enable-connect', seen({ settings: { enableConnectProtocol: false } })), 'FAILED / OK');
    assert.equal(judged('h2.close-end-stream', seen({ settings: { enableConnectProtocol: false } })), 'UNIMPLEMENTED / UNIMPLEMENTED');
  });

  it('accept: 200 and the echo is OK; other 2xx or sec-websocket-accept NON-STRICT; 101, a refusal or a wrong echo FAILED', () => {
    const id = 'h2.connect-status-200';
    const echo = [text('Hello over HTTP/2')];
    assert.equal(judged(id, seen({ streams: [stream('ws', { messages: echo })] })), 'OK / OK');
    assert.equal(judged(id, seen({ streams: [stream('ws', { messages: echo, status: 204 })] })), 'NON-STRICT / OK');
    assert.equal(judged(id, seen({ streams: [stream('ws', { messages: echo, headers: [['sec-websocket-accept', 'x']] })] })), 'NON-STRICT / OK');
    assert.equal(judged(id, seen({ streams: [stream('ws', { status: 101 })] })), 'FAILED / FAILED');
    assert.equal(judged(id, seen({ streams: [stream('ws', { status: 403 })] })), 'FAILED / FAILED');
    assert.equal(judged(id, seen({ streams: [stream('ws', { messages: [text('other')] })] })), 'FAILED / OK');
    assert.equal(judged(id, seen({ streams: [stream('ws', { messages: echo, endStream: false, rstCode: 8 })] })), 'OK / UNCLEAN');
  });

  it('refuse: a listed 4xx OK, another status NON-STRICT, a reset without status NON-STRICT, 2xx or a missing version field FAILED; the follow-up decides the close axis', () => {
    const id = 'h2.version-99';
    const good = stream('follow-up');
    const v13: Array<[string, string]> = [['sec-websocket-version', '13']];
    assert.equal(judged(id, seen({ streams: [stream('probe', { status: 426, headers: v13 }), good] })), 'OK / OK');
    assert.equal(judged(id, seen({ streams: [stream('probe', { status: 403, headers: v13 }), good] })), 'NON-STRICT / OK');
    assert.equal(judged(id, seen({ streams: [stream('probe', { status: 426 }), good] })), 'FAILED / OK');
    assert.equal(judged(id, seen({ streams: [stream('probe', { status: null, rstCode: 1 }), good] })), 'NON-STRICT / OK');
    assert.equal(judged(id, seen({ streams: [stream('probe', { status: 200 }), good] })), 'FAILED / OK');
    assert.equal(judged(id, seen({ goaway: { code: 1 }, streams: [stream('probe', { status: null }), stream('follow-up', { status: null, error: 'gone' })] })), 'FAILED / FAILED');
  });

  it('isolation: the bad stream failed and the other echoed is OK; a GOAWAY that cut the other off FAILED; an unfailed bad stream FAILED', () => {
    const id = 'h2.stream-error-unmasked';
    const other = stream('other', { messages: [text('Hello, other stream')] });
    assert.equal(judged(id, seen({ streams: [stream('bad', { closeCode: 1002 }), other] })), 'OK / OK');
    assert.equal(judged(id, seen({ streams: [stream('bad', { closeCode: 1000 }), other] })), 'OK / WRONG CODE');
    assert.equal(judged(id, seen({ goaway: { code: 1 }, streams: [stream('bad', { closeCode: undefined, endStream: false }), stream('other', { messages: [] })] })), 'FAILED / FAILED');
    assert.equal(judged(id, seen({ streams: [stream('bad', { closeCode: undefined, endStream: false }), other] })), 'FAILED / FAILED');
  });

  it('close: END_STREAM OK, RST_STREAM UNCLEAN, neither FAILED, no close frame FAILED', () => {
    const id = 'h2.close-end-stream';
    assert.equal(judged(id, seen({ streams: [stream('ws')] })), 'OK / OK');
    assert.equal(judged(id, seen({ streams: [stream('ws', { endStream: false, rstCode: 8 })] })), 'OK / UNCLEAN');
    assert.equal(judged(id, seen({ streams: [stream('ws', { endStream: false, timedOut: true })] })), 'OK / FAILED');
    assert.equal(judged(id, seen({ streams: [stream('ws', { closeCode: undefined })] })), 'FAILED / OK');
  });

  it('close-others: the other echoed OK; cut off by the connection FAILED', () => {
    const id = 'h2.close-leaves-others';
    assert.equal(judged(id, seen({ streams: [stream('closed'), stream('other', { messages: [text('Hello, other stream')] })] })), 'OK / OK');
    assert.equal(judged(id, seen({ connectionClosed: true, streams: [stream('closed'), stream('other', { error: 'gone' })] })), 'FAILED / FAILED');
  });

  it('flow control: the whole echo OK; other octets or a stall FAILED', () => {
    const id = 'h2.flow-control-16mib';
    const s = [stream('ws')];
    assert.equal(judged(id, seen({ streams: s, flow: { sent: 10, echoed: 10, equal: true, sendWindow: 1 } })), 'OK / OK');
    assert.equal(judged(id, seen({ streams: s, flow: { sent: 10, echoed: 10, equal: false, sendWindow: 1 } })), 'FAILED / OK');
    const stalled = judgeH2(def(id), seen({ streams: s, flow: { sent: 10, echoed: 3, equal: false, sendWindow: 0 } }));
    assert.equal(stalled.behavior, 'FAILED');
    assert.match(stalled.result, /WINDOW_UPDATE/);
  });

  it('raw headers: RST_STREAM PROTOCOL_ERROR or a 4xx OK; GOAWAY or another reset NON-STRICT; 2xx or silence FAILED; the follow-up decides the close axis', () => {
    const id = 'h2.connect-without-path';
    const ok: RawAnswer = { kind: 'response', status: 200, endStream: false, rstCode: null };
    const raw = (answer: RawAnswer, followUp: RawAnswer | null = ok) => seen({ raw: { answer, followUp } });
    assert.equal(judged(id, raw({ kind: 'reset', code: 1 })), 'OK / OK');
    assert.equal(judged(id, raw({ kind: 'response', status: 400, endStream: true, rstCode: null })), 'OK / OK');
    assert.equal(judged(id, raw({ kind: 'reset', code: 2 })), 'NON-STRICT / OK');
    assert.equal(judged(id, raw({ kind: 'goaway', code: 1 }, null)), 'NON-STRICT / OK');
    assert.equal(judged(id, raw(ok)), 'FAILED / OK');
    assert.equal(judged(id, raw({ kind: 'timeout' }, null)), 'FAILED / FAILED');
    assert.equal(judged(id, raw({ kind: 'reset', code: 1 }, { kind: 'timeout' })), 'OK / FAILED');
    // Against a server that advertises the setting, the §3 case does not apply.
    assert.equal(judged('h2.protocol-without-setting', seen()), 'INFORMATIONAL / INFORMATIONAL');
    assert.equal(judged('h2.protocol-without-setting', { ...raw({ kind: 'reset', code: 1 }, null), settings: { enableConnectProtocol: false } }), 'OK / OK');
  });

  it('h2CaseResult stores the requests and answers of every stream and the case fields', () => {
    const r = h2CaseResult(def('h2.connect-status-200'), { agent: 'a', caseIndex: 7 }, seen({ streams: [stream('ws', { request: [[':method', 'CONNECT']], messages: [text('Hello over HTTP/2')] })] }));
    assert.equal(r.id, 'h2.connect-status-200');
    assert.equal(r.caseIndex, 7);
    assert.match(r.httpRequest, /\[stream ws\]\n:method: CONNECT/);
    assert.match(r.httpResponse, /:status: 200/);
    assert.deepEqual(r.received, [['message', 'Hello over HTTP/2', false]]);
    assert.equal(r.requirement?.level, 'MUST');
  });
});
