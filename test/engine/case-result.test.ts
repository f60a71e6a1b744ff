/** The one CaseResult builder: every driver's results carry the same keys in the same order. */
import assert from 'node:assert/strict';
import { allCases, caseById } from '../../cases/index.js';
import { caseResult } from '../../runner/engine/case-result.js';
import { emptyTranscript } from '../../runner/engine/transcript.js';
import { apiCaseResult, timeoutResult, type ApiWireRecord } from '../../runner/engine/verdicts/browser-api.js';

/** The order results.jsonl and the per-case JSON have always had. */
const KEYS = [
  'id',
  'agent',
  'caseIndex',
  'role',
  'title',
  'description',
  'expectation',
  'behavior',
  'behaviorClose',
  'result',
  'resultClose',
  'started',
  'durationMs',
  'reportTime',
  'reportCompressionRatio',
  'expected',
  'expectedClose',
  'received',
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
  'httpRequest',
  'httpResponse',
  'rxOctetStats',
  'txOctetStats',
  'rxFrameStats',
  'txFrameStats',
  'trafficStats',
  'wirelog',
  'violations',
  'requirement',
  'timedOutWaitingFor',
  'handshakeFault',
  'notes',
  'browserApi',
];

/** `keys` are KEYS without some of the optional ones, order kept. */
function assertCanonical(keys: string[]): void {
  assert.deepEqual(
    keys,
    KEYS.filter((k) => keys.includes(k)),
  );
  assert.deepEqual(keys.slice(0, 39), KEYS.slice(0, 39), 'every required key is there');
}

describe('CaseResult builder', () => {
  it('writes a transcript-based result in the canonical key order, optional fields last', () => {
    const t = emptyTranscript('client', 1000);
    t.timedOutWaitingFor = 'a pong';
    t.handshakeFault = 'wrong Sec-WebSocket-Accept';
    t.deflate = 'accepted';
    const r = caseResult(caseById('1.1.1')!, t, 'agent', 1);
    assertCanonical(Object.keys(r));
    assert.deepEqual(r.notes, ['permessage-deflate: accepted']);
  });

  it('writes browser results in the same order', () => {
    const def = allCases.find((c) => c.expect.kind === 'browser-api')!;
    const wire: ApiWireRecord = {
      connections: 1,
      httpRequest: 'GET',
      httpResponse: 'HTTP/1.1 101',
      requestHeaders: {},
      cookies: [],
      messages: [],
      messagesAfterClose: 0,
      closeFrames: [{ code: 1000, reason: '' }],
      serverClose: { code: 1000, reason: '' },
      firstCloseBy: 'browser',
      tcpClosedBy: 'server',
      wirelog: [],
      startedAt: 0,
    };
    assertCanonical(Object.keys(apiCaseResult(def, 'chromium', 1, ['open'], wire, 1000, 2000)));
    const partial = timeoutResult(def, 'chromium', 1, 'the page hung', 1000, 2000, { log: ['open'], wire });
    assertCanonical(Object.keys(partial));
    assert.equal(partial.httpResponse, 'HTTP/1.1 101');
    assertCanonical(Object.keys(timeoutResult(caseById('1.1.1')!, 'chromium', 1, 'the page hung', 1000, 2000)));
  });
});
