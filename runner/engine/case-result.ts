/** Turns a case, its transcript and its verdict into the stored CaseResult. */
import type { CaseDef } from '../../cases/types.js';
import { eventJson } from './verdicts/events.js';
import { judge } from './verdicts/judge.js';
import type { CaseResult, EventJson, TrafficStats } from './results.js';
import type { Transcript } from './transcript.js';

export function caseResult(def: CaseDef, t: Transcript, agent: string, caseIndex: number): CaseResult {
  // Browser-API results are built by apiCaseResult (verdicts/browser-api.ts) from the page's log.
  if (def.expect.kind === 'browser-api') throw new TypeError(`${def.id} is a browser-API case: apiCaseResult builds its result`);
  const v = judge(def, t);
  const expected: Record<string, EventJson[]> = {};
  if (def.expect.kind === 'events') {
    for (const [name, list] of Object.entries(def.expect.outcomes)) if (list) expected[name] = list.map(eventJson);
  }
  const close = def.expect.close;
  const r: CaseResult = {
    id: def.id,
    agent,
    caseIndex,
    role: t.role,
    title: def.title,
    description: def.description,
    expectation: def.expectation,
    behavior: v.behavior,
    behaviorClose: v.behaviorClose,
    result: v.result,
    resultClose: v.resultClose,
    started: new Date(t.startedAt).toISOString(),
    durationMs: Math.round(t.endedAtMs - (t.openedAtMs ?? 0)),
    reportTime: def.reportTime ?? false,
    reportCompressionRatio: def.handshake?.deflate !== undefined,
    expected,
    expectedClose: {
      closedByMe: close.closedByMe,
      closeCode: close.codes,
      requireClean: close.requireClean,
      ...(close.closedByWrongEndpointIsFatal ? { closedByWrongEndpointIsFatal: true } : {}),
    },
    received: t.received.map(eventJson),
    closedByMe: t.closedByMe,
    failedByMe: t.failedByMe,
    droppedByMe: t.droppedByMe,
    wasClean: t.wasClean,
    wasNotCleanReason: t.wasNotCleanReason,
    wasServerConnectionDropTimeout: t.wasServerConnectionDropTimeout,
    wasOpenHandshakeTimeout: t.wasOpenHandshakeTimeout,
    wasCloseHandshakeTimeout: t.wasCloseHandshakeTimeout,
    localCloseCode: t.localCloseCode,
    localCloseReason: t.localCloseReason === null ? null : t.localCloseReason.toString('utf8'),
    remoteCloseCode: t.remoteCloseCode,
    remoteCloseReason: t.remoteCloseReason === null ? null : t.remoteCloseReason.toString('utf8'),
    httpRequest: t.httpRequest,
    httpResponse: t.httpResponse,
    rxOctetStats: t.rxOctetStats,
    txOctetStats: t.txOctetStats,
    rxFrameStats: t.rxFrameStats,
    txFrameStats: t.txFrameStats,
    trafficStats: def.handshake?.deflate && v.behavior === 'OK' ? trafficStats(t) : null,
    wirelog: t.wirelog,
    violations: t.violations.map((x) => ({ code: x.code, message: x.message })),
  };
  if (def.requirement) r.requirement = def.requirement;
  if (t.timedOutWaitingFor) r.timedOutWaitingFor = t.timedOutWaitingFor;
  if (t.handshakeFault) r.handshakeFault = t.handshakeFault;
  if (t.deflate) r.notes = [`permessage-deflate: ${t.deflate}`];
  return r;
}

function trafficStats(t: Transcript): TrafficStats {
  const x = t.traffic;
  const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
  return {
    outgoingOctetsWireLevel: x.txWire,
    outgoingOctetsWebSocketLevel: x.txWsPayload,
    outgoingOctetsAppLevel: x.txApp,
    outgoingCompressionRatio: ratio(x.txWsPayload, x.txApp),
    outgoingWebSocketOverhead: ratio(x.txWire - x.txWsPayload, x.txWsPayload),
    outgoingWebSocketFrames: x.txFrames,
    outgoingWebSocketMessages: x.txMessages,
    incomingOctetsWireLevel: x.rxWire,
    incomingOctetsWebSocketLevel: x.rxWsPayload,
    incomingOctetsAppLevel: x.rxApp,
    incomingCompressionRatio: ratio(x.rxWsPayload, x.rxApp),
    incomingWebSocketOverhead: ratio(x.rxWire - x.rxWsPayload, x.rxWsPayload),
    incomingWebSocketFrames: x.rxFrames,
    incomingWebSocketMessages: x.rxMessages,
    preopenOutgoingOctetsWireLevel: x.preopenTx,
    preopenIncomingOctetsWireLevel: x.preopenRx,
  };
}
