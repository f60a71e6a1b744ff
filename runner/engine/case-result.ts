/** Turns a case and what was observed of it into the stored CaseResult: one builder for every driver. */
import type { CaseDef } from '../../cases/types.js';
import { eventJson } from './verdicts/events.js';
import { judge } from './verdicts/judge.js';
import type { CaseResult, EventJson, TrafficStats, Verdict } from './results.js';
import type { Transcript } from './transcript.js';

/** The fields of a CaseResult that the case itself gives. */
type CaseFields = 'id' | 'agent' | 'caseIndex' | 'title' | 'description' | 'expectation' | 'requirement';

/** What a driver saw of one case and the verdict on it: a CaseResult without the case's own fields. */
export type CaseObservation = Omit<CaseResult, CaseFields>;

/**
 * The one place a CaseResult is put together, so that every driver writes the same keys in the
 * same order: the results are written as they are (results.jsonl, the per-case JSON), and the
 * Autobahn-shaped index.json keeps their order.
 */
export function buildCaseResult(def: CaseDef, run: { agent: string; caseIndex: number }, o: CaseObservation): CaseResult {
  const r: CaseResult = {
    id: def.id,
    agent: run.agent,
    caseIndex: run.caseIndex,
    role: o.role,
    title: def.title,
    description: def.description,
    expectation: def.expectation,
    behavior: o.behavior,
    behaviorClose: o.behaviorClose,
    result: o.result,
    resultClose: o.resultClose,
    started: o.started,
    durationMs: o.durationMs,
    reportTime: o.reportTime,
    reportCompressionRatio: o.reportCompressionRatio,
    expected: o.expected,
    expectedClose: o.expectedClose,
    received: o.received,
    closedByMe: o.closedByMe,
    failedByMe: o.failedByMe,
    droppedByMe: o.droppedByMe,
    wasClean: o.wasClean,
    wasNotCleanReason: o.wasNotCleanReason,
    wasServerConnectionDropTimeout: o.wasServerConnectionDropTimeout,
    wasOpenHandshakeTimeout: o.wasOpenHandshakeTimeout,
    wasCloseHandshakeTimeout: o.wasCloseHandshakeTimeout,
    localCloseCode: o.localCloseCode,
    localCloseReason: o.localCloseReason,
    remoteCloseCode: o.remoteCloseCode,
    remoteCloseReason: o.remoteCloseReason,
    httpRequest: o.httpRequest,
    httpResponse: o.httpResponse,
    rxOctetStats: o.rxOctetStats,
    txOctetStats: o.txOctetStats,
    rxFrameStats: o.rxFrameStats,
    txFrameStats: o.txFrameStats,
    trafficStats: o.trafficStats,
    wirelog: o.wirelog,
    violations: o.violations,
  };
  if (def.requirement) r.requirement = def.requirement;
  if (o.timedOutWaitingFor !== undefined) r.timedOutWaitingFor = o.timedOutWaitingFor;
  if (o.handshakeFault !== undefined) r.handshakeFault = o.handshakeFault;
  if (o.notes !== undefined) r.notes = o.notes;
  if (o.browserApi !== undefined) r.browserApi = o.browserApi;
  if (o.confirmedAlone !== undefined) r.confirmedAlone = o.confirmedAlone;
  return r;
}

/** An observation with nothing seen on the wire yet, for a driver without a transcript (a browser); the verdict is the caller's. */
export function emptyObservation(o: { role: CaseResult['role']; startedAt: number; durationMs: number }): Omit<CaseObservation, keyof Verdict> {
  return {
    role: o.role,
    started: new Date(o.startedAt).toISOString(),
    durationMs: Math.round(o.durationMs),
    reportTime: false,
    reportCompressionRatio: false,
    expected: {},
    expectedClose: { closedByMe: false, closeCode: [], requireClean: false },
    received: [],
    closedByMe: false,
    failedByMe: false,
    droppedByMe: false,
    wasClean: false,
    wasNotCleanReason: null,
    wasServerConnectionDropTimeout: false,
    wasOpenHandshakeTimeout: false,
    wasCloseHandshakeTimeout: false,
    localCloseCode: null,
    localCloseReason: null,
    remoteCloseCode: null,
    remoteCloseReason: null,
    httpRequest: '',
    httpResponse: '',
    rxOctetStats: {},
    txOctetStats: {},
    rxFrameStats: {},
    txFrameStats: {},
    trafficStats: null,
    wirelog: [],
    violations: [],
  };
}

/** The result of a case played over a connection: its transcript, judged. */
export function caseResult(def: CaseDef, t: Transcript, agent: string, caseIndex: number): CaseResult {
  // Browser-API results are built by apiCaseResult (verdicts/browser-api.ts) from the page's log.
  if (def.expect.kind === 'browser-api') throw new TypeError(`${def.id} is a browser-API case: apiCaseResult builds its result`);
  if (def.expect.kind === 'h2') throw new TypeError(`${def.id} is an h2.* case: h2CaseResult builds its result`);
  const v = judge(def, t);
  const expected: Record<string, EventJson[]> = {};
  if (def.expect.kind === 'events') {
    for (const [name, list] of Object.entries(def.expect.outcomes)) if (list) expected[name] = list.map(eventJson);
  }
  const close = def.expect.close;
  return buildCaseResult(
    def,
    { agent, caseIndex },
    {
      role: t.role,
      ...v,
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
      ...(t.timedOutWaitingFor ? { timedOutWaitingFor: t.timedOutWaitingFor } : {}),
      ...(t.handshakeFault ? { handshakeFault: t.handshakeFault } : {}),
      ...(t.deflate ? { notes: [`permessage-deflate: ${t.deflate}`] } : {}),
    },
  );
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
