import assert from 'node:assert/strict';
import { autobahnWireRow, caseJson, indexJson, parseIndexJson, pyJson, type AutobahnCaseJson } from '../../reports/autobahn-json.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { makeMeta, makeResult } from './fixtures.js';

describe('reports/autobahn-json', () => {
  describe('indexJson', () => {
    it('matches the golden index.json of a tiny run byte for byte', () => {
      const run = {
        meta: makeMeta(),
        results: [
          makeResult({ agent: 'ws', id: '2.1', durationMs: 12.4 }),
          makeResult({ agent: 'ws', id: '10.1.1', behavior: 'FAILED', behaviorClose: 'UNCLEAN', durationMs: 10003, remoteCloseCode: null }),
          makeResult({ agent: 'ws', id: '1.1.1', behavior: 'NON-STRICT', behaviorClose: 'WRONG CODE', durationMs: 2.6, remoteCloseCode: 1002 }),
          makeResult({ agent: 'Autobahn Server/1.0', id: '1.1.1', durationMs: 1 }),
        ],
      };
      // Generated with CPython: json.dumps(d, sort_keys=True, indent=3)
      const golden = `{
   "Autobahn Server/1.0": {
      "1.1.1": {
         "behavior": "OK",
         "behaviorClose": "OK",
         "duration": 1,
         "remoteCloseCode": 1000,
         "reportfile": "autobahn_server_1_0_case_1_1_1.json"
      }
   },
   "ws": {
      "1.1.1": {
         "behavior": "NON-STRICT",
         "behaviorClose": "WRONG CODE",
         "duration": 3,
         "remoteCloseCode": 1002,
         "reportfile": "ws_case_1_1_1.json"
      },
      "10.1.1": {
         "behavior": "FAILED",
         "behaviorClose": "UNCLEAN",
         "duration": 10003,
         "remoteCloseCode": null,
         "reportfile": "ws_case_10_1_1.json"
      },
      "2.1": {
         "behavior": "OK",
         "behaviorClose": "OK",
         "duration": 12,
         "remoteCloseCode": 1000,
         "reportfile": "ws_case_2_1.json"
      }
   }
}`;
      assert.equal(pyJson(indexJson(run)), golden);
    });

    it('keeps an agent called "__proto__" as a plain key', () => {
      const index = indexJson({ meta: makeMeta(), results: [makeResult({ agent: '__proto__' })] });
      assert.deepEqual(Object.keys(index), ['__proto__']);
      assert.equal(Object.getPrototypeOf(index), Object.prototype);
      assert.match(pyJson(index), /^\{\n {3}"__proto__": \{/);
    });

    it('parseIndexJson reads it back and refuses other shapes', () => {
      const index = indexJson({ meta: makeMeta(), results: [makeResult()] });
      assert.deepEqual(parseIndexJson(JSON.parse(pyJson(index))), index);
      assert.throws(() => parseIndexJson([]), { code: 'WSC_BAD_INDEX_JSON' });
      assert.throws(() => parseIndexJson({ ws: { '1.1.1': { behavior: 1 } } }), { code: 'WSC_BAD_INDEX_JSON' });
    });
  });

  describe('caseJson', () => {
    it('has exactly Autobahn\'s field names plus "wsconform"', () => {
      const fields = [
        'id',
        'case',
        'agent',
        'description',
        'expectation',
        'started',
        'duration',
        'reportTime',
        'reportCompressionRatio',
        'behavior',
        'behaviorClose',
        'result',
        'resultClose',
        'expected',
        'expectedClose',
        'received',
        'wirelog',
        'createWirelog',
        'closedByMe',
        'failedByMe',
        'droppedByMe',
        'wasClean',
        'wasNotCleanReason',
        'wasServerConnectionDropTimeout',
        'wasOpenHandshakeTimeout',
        'wasCloseHandshakeTimeout',
        'localCloseCode',
        'localCloseReason',
        'remoteCloseCode',
        'remoteCloseReason',
        'isServer',
        'createStats',
        'rxOctetStats',
        'txOctetStats',
        'rxFrameStats',
        'txFrameStats',
        'httpRequest',
        'httpResponse',
        'trafficStats',
        'wsconform',
      ];
      assert.deepEqual(Object.keys(caseJson(makeResult())).sort(), [...fields].sort());
    });

    it("maps our fields to Autobahn's meaning", () => {
      const j = caseJson(makeResult({ caseIndex: 17, role: 'server', durationMs: 41.7, httpResponse: '', timedOutWaitingFor: 'a pong' }));
      assert.equal(j.case, 17);
      assert.equal(j.isServer, true);
      assert.equal(j.duration, 42);
      assert.equal(j.httpResponse, '?');
      assert.equal(j.wsconform.timedOutWaitingFor, 'a pong');
      assert.equal(j.wsconform.requirement?.level, 'MUST');
      assert.equal(j.wsconform.wirelog.length, makeResult().wirelog.length);
      assert.equal(caseJson(makeResult({ role: 'client' })).isServer, false);
    });

    it('carries every CaseResult field (a field added to CaseResult fails tsc here until caseJson carries it)', () => {
      // Where each field of CaseResult lands in the case JSON. Record<keyof CaseResult, …> must name
      // every key, so a new field that caseJson forgets breaks the type check of this file.
      const carried: Record<keyof CaseResult, (j: AutobahnCaseJson) => unknown> = {
        id: (j) => j.id,
        agent: (j) => j.agent,
        caseIndex: (j) => j.case,
        role: (j) => j.wsconform.role,
        title: (j) => j.wsconform.title,
        description: (j) => j.description,
        expectation: (j) => j.expectation,
        requirement: (j) => j.wsconform.requirement,
        behavior: (j) => j.behavior,
        behaviorClose: (j) => j.behaviorClose,
        result: (j) => j.result,
        resultClose: (j) => j.resultClose,
        started: (j) => j.started,
        durationMs: (j) => j.duration,
        reportTime: (j) => j.reportTime,
        reportCompressionRatio: (j) => j.reportCompressionRatio,
        expected: (j) => j.expected,
        expectedClose: (j) => j.expectedClose,
        received: (j) => j.received,
        closedByMe: (j) => j.closedByMe,
        failedByMe: (j) => j.failedByMe,
        droppedByMe: (j) => j.droppedByMe,
        wasClean: (j) => j.wasClean,
        wasNotCleanReason: (j) => j.wasNotCleanReason,
        wasServerConnectionDropTimeout: (j) => j.wasServerConnectionDropTimeout,
        wasOpenHandshakeTimeout: (j) => j.wasOpenHandshakeTimeout,
        wasCloseHandshakeTimeout: (j) => j.wasCloseHandshakeTimeout,
        localCloseCode: (j) => j.localCloseCode,
        localCloseReason: (j) => j.localCloseReason,
        remoteCloseCode: (j) => j.remoteCloseCode,
        remoteCloseReason: (j) => j.remoteCloseReason,
        httpRequest: (j) => j.httpRequest,
        httpResponse: (j) => j.httpResponse,
        rxOctetStats: (j) => j.rxOctetStats,
        txOctetStats: (j) => j.txOctetStats,
        rxFrameStats: (j) => j.rxFrameStats,
        txFrameStats: (j) => j.txFrameStats,
        trafficStats: (j) => j.trafficStats,
        wirelog: (j) => j.wsconform.wirelog,
        violations: (j) => j.wsconform.violations,
        timedOutWaitingFor: (j) => j.wsconform.timedOutWaitingFor,
        handshakeFault: (j) => j.wsconform.handshakeFault,
        protocol: (j) => j.wsconform.protocol,
        notes: (j) => j.wsconform.notes,
        browserApi: (j) => j.wsconform.browserApi,
        confirmedAlone: (j) => j.wsconform.confirmedAlone,
      };
      // Every optional field set, to values caseJson passes through unchanged (whole-number duration, non-empty handshakes).
      const r = makeResult({
        caseIndex: 5,
        durationMs: 7,
        localCloseReason: 'bye',
        remoteCloseReason: 'ok',
        wasNotCleanReason: 'peer dropped',
        violations: [{ code: 'WS_ERR_X', message: 'x' }],
        timedOutWaitingFor: 'a pong',
        handshakeFault: 'wrong Sec-WebSocket-Accept',
        notes: ['a note'],
        protocol: 'h2',
        browserApi: { expectedPage: ['open'], observedPage: ['error'], wire: [{ what: 'close', expected: '1000', observed: '1006', ok: false }] },
        confirmedAlone: { first: { behavior: 'FAILED', behaviorClose: 'UNCLEAN', result: 'late', resultClose: 'dropped' }, firstTargetLagMs: 900, same: false },
      });
      const j = caseJson(r);
      assert.deepEqual(
        Object.keys(r).filter((k) => !(k in carried)),
        [],
        'the fixture has a field this test does not map',
      );
      for (const [key, get] of Object.entries(carried) as Array<[keyof CaseResult, (j: AutobahnCaseJson) => unknown]>) {
        assert.notEqual(r[key], undefined, `the fixture leaves ${key} unset`);
        assert.deepEqual(get(j), r[key], key);
      }
    });

    it('converts wire entries to Autobahn rows, marking cut payloads with " ..."', () => {
      assert.deepEqual(autobahnWireRow({ t: 1, kind: 'octets', dir: 'rx', length: 2, hex: '8800', truncated: false }), ['RO', [2, '8800']]);
      assert.deepEqual(autobahnWireRow({ t: 1, kind: 'octets', dir: 'tx', length: 900, hex: 'ab', truncated: true }), ['TO', [900, 'ab ...'], false]);
      assert.deepEqual(autobahnWireRow({ t: 1, kind: 'frame', dir: 'rx', opcode: 1, fin: true, rsv: 0, masked: false, length: 5, hex: '48656c6c6f', text: 'Hello', truncated: false }), [
        'RF',
        [5, 'Hello'],
        1,
        true,
        0,
        false,
        null,
      ]);
      assert.deepEqual(autobahnWireRow({ t: 1, kind: 'frame', dir: 'tx', opcode: 2, fin: false, rsv: 4, masked: true, length: 70, hex: 'ff', text: '\ufffd', truncated: true }), [
        'TF',
        [70, '\ufffd ...'],
        2,
        false,
        4,
        null,
        null,
        null,
        false,
      ]);
      assert.deepEqual(autobahnWireRow({ t: 1, kind: 'note', text: 'kill timer fired' }), ['NOTE', 'kill timer fired']);
    });

    it('serializes as Autobahn did: sorted keys, indent 3', () => {
      const text = pyJson(caseJson(makeResult()));
      assert.match(text, /^\{\n {3}"agent": "ws",\n {3}"behavior": "OK",/);
      assert.match(text, /\n {3}"wsconform": \{[\s\S]*\n\}$/);
    });
  });
});
