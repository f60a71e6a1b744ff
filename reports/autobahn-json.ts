/**
 * Autobahn-shaped JSON: index.json and the flat per-case objects, with Autobahn's field names, so
 * that CI scripts written against wstest's output read ours unchanged. Our richer data rides along
 * under a `wsconform` key, which Autobahn readers ignore.
 */
import type { CaseResult, EventJson, ExpectedClose, RunResults, TrafficStats, WireEntry } from '../runner/engine/results.js';
import { caseFileStem } from './names.js';

export { pyJson } from './pyjson.js';

export interface IndexEntry {
  behavior: string;
  behaviorClose: string;
  /** Integer milliseconds. */
  duration: number;
  remoteCloseCode: number | null;
  reportfile: string;
}

/** index.json: agent -> case ID -> entry. Only cases that ran appear. */
export type IndexJson = Record<string, Record<string, IndexEntry>>;

/** Sets an own property even for keys such as "__proto__", which a target may choose as its agent name. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function getOwn<T>(obj: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function indexJson(run: RunResults): IndexJson {
  const index: IndexJson = {};
  for (const r of run.results) {
    let cases = getOwn(index, r.agent);
    if (!cases) {
      cases = {};
      setOwn(index, r.agent, cases);
    }
    setOwn(cases, r.id, {
      behavior: r.behavior,
      behaviorClose: r.behaviorClose,
      duration: Math.round(r.durationMs),
      remoteCloseCode: r.remoteCloseCode,
      reportfile: `${caseFileStem(r.agent, r.id)}.json`,
    });
  }
  return index;
}

/** Error code when a file given as a baseline is not an index.json. */
export const WSC_BAD_INDEX_JSON = 'WSC_BAD_INDEX_JSON';

/** Checks the shape of a parsed index.json (a baseline); throws an Error with code WSC_BAD_INDEX_JSON. */
export function parseIndexJson(value: unknown): IndexJson {
  const fail = (why: string): never => {
    throw Object.assign(new Error(`not an Autobahn index.json: ${why}`), { code: WSC_BAD_INDEX_JSON });
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) return fail('the top level is not an object');
  const index: IndexJson = {};
  for (const [agent, cases] of Object.entries(value)) {
    if (!isObject(cases)) return fail(`agent ${JSON.stringify(agent)} does not map to an object`);
    const out: Record<string, IndexEntry> = {};
    for (const [id, e] of Object.entries(cases)) {
      if (!isObject(e) || typeof e.behavior !== 'string' || typeof e.behaviorClose !== 'string') {
        return fail(`case ${JSON.stringify(id)} of ${JSON.stringify(agent)} has no behavior/behaviorClose strings`);
      }
      setOwn(out, id, {
        behavior: e.behavior,
        behaviorClose: e.behaviorClose,
        duration: typeof e.duration === 'number' ? e.duration : 0,
        remoteCloseCode: typeof e.remoteCloseCode === 'number' ? e.remoteCloseCode : null,
        reportfile: typeof e.reportfile === 'string' ? e.reportfile : '',
      });
    }
    setOwn(index, agent, out);
  }
  return index;
}

/** An Autobahn wirelog row (see reference README §3). */
export type AutobahnWireRow =
  | ['RO', [number, string]]
  | ['TO', [number, string], boolean]
  | ['RF', [number, string], number, boolean, number, boolean, string | null]
  | ['TF', [number, string], number, boolean, number, string | null, number | null, number | null, boolean]
  | ['NOTE', string];

/** Autobahn appends " ..." to a payload or hex dump it cut at 64 bytes. */
const cut = (s: string, truncated: boolean): string => (truncated ? `${s} ...` : s);

/**
 * Our wire entries as Autobahn rows. We do not keep the masking key, a transmitted frame's repeat
 * length or chop size, or write sync flags; those slots are null/false. Timestamps survive only in
 * the `wsconform.wirelog` copy.
 */
export function autobahnWireRow(e: WireEntry): AutobahnWireRow {
  if (e.kind === 'note') return ['NOTE', e.text];
  if (e.kind === 'octets') {
    const data: [number, string] = [e.length, cut(e.hex, e.truncated)];
    return e.dir === 'rx' ? ['RO', data] : ['TO', data, false];
  }
  const data: [number, string] = [e.length, cut(e.text, e.truncated)];
  return e.dir === 'rx' ? ['RF', data, e.opcode, e.fin, e.rsv, e.masked, null] : ['TF', data, e.opcode, e.fin, e.rsv, null, null, null, false];
}

/** Autobahn's flat per-case object plus our extras under `wsconform`. */
export interface AutobahnCaseJson {
  id: string;
  case: number;
  agent: string;
  description: string;
  expectation: string;
  started: string;
  duration: number;
  reportTime: boolean;
  reportCompressionRatio: boolean;
  behavior: string;
  behaviorClose: string;
  result: string;
  resultClose: string;
  expected: Record<string, EventJson[]>;
  expectedClose: ExpectedClose;
  received: EventJson[];
  wirelog: AutobahnWireRow[];
  createWirelog: boolean;
  closedByMe: boolean;
  failedByMe: boolean;
  droppedByMe: boolean;
  wasClean: boolean;
  wasNotCleanReason: string | null;
  wasServerConnectionDropTimeout: boolean;
  wasOpenHandshakeTimeout: boolean;
  wasCloseHandshakeTimeout: boolean;
  localCloseCode: number | null;
  localCloseReason: string | null;
  remoteCloseCode: number | null;
  remoteCloseReason: string | null;
  isServer: boolean;
  createStats: boolean;
  rxOctetStats: Record<string, number>;
  txOctetStats: Record<string, number>;
  rxFrameStats: Record<string, number>;
  txFrameStats: Record<string, number>;
  httpRequest: string;
  httpResponse: string;
  trafficStats: TrafficStats | null;
  wsconform: {
    title: string;
    role: CaseResult['role'];
    requirement: CaseResult['requirement'] | null;
    wirelog: WireEntry[];
    violations: CaseResult['violations'];
    timedOutWaitingFor: string | null;
    /** Why the opening handshake failed on an HTTP answer, in a few stable words; null when it did not. */
    handshakeFault: string | null;
    notes: string[];
    /** Browser-API cases: expected and observed page lines and wire rows; null for the others. */
    browserApi: CaseResult['browserApi'] | null;
    /** Set when the case was played again alone (its first verdict came from a timer under load); null otherwise. */
    confirmedAlone: CaseResult['confirmedAlone'] | null;
    /** Testing a client with --http2: the protocol the client's WebSocket came over (absent otherwise). */
    protocol?: CaseResult['protocol'];
  };
}

export function caseJson(r: CaseResult): AutobahnCaseJson {
  return {
    id: r.id,
    case: r.caseIndex,
    agent: r.agent,
    description: r.description,
    expectation: r.expectation,
    started: r.started,
    duration: Math.round(r.durationMs),
    reportTime: r.reportTime,
    reportCompressionRatio: r.reportCompressionRatio,
    behavior: r.behavior,
    behaviorClose: r.behaviorClose,
    result: r.result,
    resultClose: r.resultClose,
    expected: r.expected,
    expectedClose: r.expectedClose,
    received: r.received,
    wirelog: r.wirelog.map(autobahnWireRow),
    createWirelog: true,
    closedByMe: r.closedByMe,
    failedByMe: r.failedByMe,
    droppedByMe: r.droppedByMe,
    wasClean: r.wasClean,
    wasNotCleanReason: r.wasNotCleanReason,
    wasServerConnectionDropTimeout: r.wasServerConnectionDropTimeout,
    wasOpenHandshakeTimeout: r.wasOpenHandshakeTimeout,
    wasCloseHandshakeTimeout: r.wasCloseHandshakeTimeout,
    localCloseCode: r.localCloseCode,
    localCloseReason: r.localCloseReason,
    remoteCloseCode: r.remoteCloseCode,
    remoteCloseReason: r.remoteCloseReason,
    isServer: r.role === 'server',
    createStats: true,
    rxOctetStats: r.rxOctetStats,
    txOctetStats: r.txOctetStats,
    rxFrameStats: r.rxFrameStats,
    txFrameStats: r.txFrameStats,
    // Autobahn writes "?" when it has no handshake text.
    httpRequest: r.httpRequest === '' ? '?' : r.httpRequest,
    httpResponse: r.httpResponse === '' ? '?' : r.httpResponse,
    trafficStats: r.trafficStats,
    wsconform: {
      title: r.title,
      role: r.role,
      requirement: r.requirement ?? null,
      wirelog: r.wirelog,
      violations: r.violations,
      timedOutWaitingFor: r.timedOutWaitingFor ?? null,
      handshakeFault: r.handshakeFault ?? null,
      notes: r.notes ?? [],
      browserApi: r.browserApi ?? null,
      confirmedAlone: r.confirmedAlone ?? null,
      ...(r.protocol ? { protocol: r.protocol } : {}),
    },
  };
}
