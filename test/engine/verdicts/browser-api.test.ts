/** The browser-API judge: a row per outcome, no browser needed. */
import assert from 'node:assert/strict';
import type { ApiWireExpectation } from '../../../cases/browser-api-types.js';
import { judgePage, judgeWire, timeoutResult, wireRows, type ApiWire } from '../../../runner/engine/verdicts/browser-api.js';
import { caseById } from '../../../cases/index.js';

const wire = (w: Partial<ApiWire> = {}): ApiWire => ({ connections: 1, requestHeaders: {}, messages: [], messagesAfterClose: 0, closeFrames: [], ...w });
const frame = (code: number | null, reason = ''): ApiWire['closeFrames'][number] => ({ code, reason });

describe('browser-API judge', () => {
  describe('what the page observed', () => {
    it('is OK when the observations equal the expectation', () => {
      assert.equal(judgePage(['open', 'close 1000 "" clean'], ['open', 'close 1000 "" clean']).behavior, 'OK');
    });

    it('fails and names the first step that differs', () => {
      const v = judgePage(['open', 'error', 'close 1006 "" not clean'], ['open', 'close 1006 "" not clean']);
      assert.equal(v.behavior, 'FAILED');
      assert.match(v.result, /At step 2 the page saw "close 1006 "" not clean", expected "error"/);
    });

    it('fails when the page saw more than expected', () => {
      const v = judgePage(['open'], ['open', 'message text "late"']);
      assert.equal(v.behavior, 'FAILED');
      assert.match(v.result, /saw "message text "late"", expected nothing more/);
    });
  });

  describe('what crossed the wire', () => {
    const rows: Array<[string, ApiWireExpectation | undefined, ApiWire, string]> = [
      ['nothing required', undefined, wire({ closeFrames: [frame(1000)] }), 'OK'],
      ['the exact close frame', { close: { code: 1000, reason: 'a' } }, wire({ closeFrames: [frame(1000, 'a')] }), 'OK'],
      ['a close frame without a status code', { close: { code: null } }, wire({ closeFrames: [frame(null)] }), 'OK'],
      ['another code', { close: { code: 1000 } }, wire({ closeFrames: [frame(1001)] }), 'WRONG CODE'],
      ['another reason', { close: { code: 1000, reason: 'a' } }, wire({ closeFrames: [frame(1000, 'b')] }), 'FAILED'],
      ['no close frame where one is required', { close: 'any' }, wire(), 'UNCLEAN'],
      ['a close frame where none may be sent', { close: 'none' }, wire({ closeFrames: [frame(1002)] }), 'FAILED'],
      ['one of the allowed codes', { close: { oneOf: [1002, 1007], orNone: true } }, wire({ closeFrames: [frame(1007)] }), 'OK'],
      ['no frame when none is allowed', { close: { oneOf: [1002], orNone: true } }, wire(), 'OK'],
      ['a code outside the allowed ones', { close: { oneOf: [1002], orNone: true } }, wire({ closeFrames: [frame(999)] }), 'WRONG CODE'],
      ['two close frames where one is allowed', { maxCloseFrames: 1 }, wire({ closeFrames: [frame(1000), frame(3000)] }), 'FAILED'],
      ['messages in order', { messages: ['text "a"', 'text "b"'] }, wire({ messages: ['text "a"', 'text "b"'] }), 'OK'],
      ['messages out of order', { messages: ['text "a"', 'text "b"'] }, wire({ messages: ['text "b"', 'text "a"'] }), 'FAILED'],
      ['a message after the close frame', undefined, wire({ messagesAfterClose: 1 }), 'FAILED'],
      ['a connection where none may be made', { connections: 0 }, wire({ connections: 1 }), 'FAILED'],
      ['a followed redirect', { connections: 1 }, wire({ connections: 2 }), 'FAILED'],
      ['the offered subprotocols', { requestHeaders: { 'sec-websocket-protocol': 'chat, superchat' } }, wire({ requestHeaders: { 'sec-websocket-protocol': 'chat, superchat' } }), 'OK'],
      ['a missing header', { requestHeaders: { 'sec-websocket-protocol': 'chat' } }, wire(), 'FAILED'],
      ['an absent header that must be absent', { requestHeaders: { referer: null } }, wire(), 'OK'],
      ['a header that must be absent', { requestHeaders: { referer: null } }, wire({ requestHeaders: { referer: 'http://a/' } }), 'FAILED'],
      ['a header matching its pattern', { requestHeaders: { origin: { match: '^https?://[^/]+$' } } }, wire({ requestHeaders: { origin: 'http://127.0.0.1:80' } }), 'OK'],
      ['a header not matching its pattern', { requestHeaders: { origin: { match: '^https?://[^/]+$' } } }, wire({ requestHeaders: { origin: 'null' } }), 'FAILED'],
      ['a missing header that must match a pattern', { requestHeaders: { origin: { match: '.*' } } }, wire(), 'FAILED'],
      ['a flood the browser stopped reading', { flood: { atMostBytes: 100 } }, wire({ flood: { bytes: 1000, accepted: 100 } }), 'OK'],
      ['a flood the browser took in', { flood: { atMostBytes: 100 } }, wire({ flood: { bytes: 1000, accepted: 101 } }), 'FAILED'],
      ['a flood not yet measured', { flood: { atMostBytes: 100 } }, wire({ flood: { bytes: 1000, accepted: null } }), 'FAILED'],
      ['no flood at all', { flood: { atMostBytes: 100 } }, wire(), 'FAILED'],
    ];
    for (const [name, expectation, observed, verdict] of rows) {
      it(`${verdict} for ${name}`, () => assert.equal(judgeWire(expectation, observed).behaviorClose, verdict));
    }

    it('lays the wire out as rows for the report that agree with the verdict', () => {
      for (const [name, expectation, observed, verdict] of rows) {
        const bad = wireRows(expectation, observed).filter((row) => row.ok === false);
        assert.equal(bad.length > 0, verdict !== 'OK', name);
      }
      assert.deepEqual(wireRows({ requestHeaders: { referer: null, origin: { match: '^x$' } } }, wire({ requestHeaders: { origin: 'x' } })).slice(1, 3), [
        { what: 'request header', expected: 'referer: no such header', observed: 'referer: (absent)', ok: true },
        { what: 'request header', expected: 'origin: a value matching /^x$/', observed: 'origin: "x"', ok: true },
      ]);
      assert.match(
        judgeWire({ flood: { atMostBytes: 24 * 1048576 } }, wire({ flood: { bytes: 64 * 1048576, accepted: 64 * 1048576 } })).resultClose,
        /while the page read nothing: 64\.0 MiB of 64\.0 MiB taken in; .* \(at most 24\.0 MiB expected\)/,
      );
      assert.deepEqual(wireRows({ flood: { atMostBytes: 1048576 } }, wire({ flood: { bytes: 4 * 1048576, accepted: 524288 } }))[1], {
        what: 'flood taken in while unread',
        expected: 'at most 1.0 MiB',
        observed: '0.5 MiB of 4.0 MiB taken in',
        ok: true,
      });
      const r = wireRows({ close: { oneOf: [1002], orNone: true }, messages: [] }, wire({ connections: 1, closeFrames: [frame(999)] }));
      assert.deepEqual(r, [
        { what: 'opening requests', expected: '(not checked)', observed: '1 opening request', ok: null },
        { what: 'messages before the close frame', expected: 'no messages', observed: 'no messages', ok: true },
        { what: 'first close frame', expected: 'a close frame 1002, or none', observed: 'close frame 999', ok: false },
      ]);
    });
  });

  it('gives a case the browser never finished a FAILED timeout verdict that says why', () => {
    const r = timeoutResult(caseById('1.1.1')!, 'chromium-1', 1, 'the page crashed', 1000, 4000);
    assert.equal(r.behavior, 'FAILED');
    assert.equal(r.behaviorClose, 'FAILED');
    assert.equal(r.timedOutWaitingFor, 'the browser to finish the case');
    assert.match(r.result, /the page crashed/);
    assert.equal(r.durationMs, 3000);
  });
});
