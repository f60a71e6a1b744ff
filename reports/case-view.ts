/** View model of a case page: the verdicts and why, the expectation, the close, and the wire log. */
import type { CaseResult, EventJson, WireEntry } from '../runner/engine/results.js';
import { defaultPolicy, judgeCase, type Policy } from './gate.js';
import { classOf, firstPageDifference, isApiResult } from './html-view.js';
import { formatDuration, formatTime, visible, visibleBlock } from './text.js';
import { caseFileStem } from './names.js';

const opcodeNames = new Map<number, string>([
  [0, 'CONT'],
  [1, 'TEXT'],
  [2, 'BINARY'],
  [8, 'CLOSE'],
  [9, 'PING'],
  [10, 'PONG'],
]);

export function opcodeName(opcode: number): string {
  return opcodeNames.get(opcode) ?? `0x${opcode.toString(16)} reserved`;
}

export interface WireRowView {
  note: boolean;
  t: string;
  dir: string;
  dirCls: string;
  kind: string;
  opcode: string;
  fin: string;
  rsv: string;
  masked: string;
  length: string;
  text: string;
  hex: string;
  truncated: boolean;
  detail: string;
}

/** "1000, reason "bye"" for a close frame whose first bytes we have. */
function closeDetail(hex: string): string {
  const bytes = Buffer.from(hex.length % 2 === 0 ? hex : hex.slice(0, -1), 'hex');
  if (bytes.length < 2) return bytes.length === 0 ? 'no status code' : 'one-byte payload (invalid)';
  const reason = bytes.subarray(2).toString('utf8');
  return `code ${bytes.readUInt16BE(0)}${reason === '' ? '' : `, reason "${reason}"`}`;
}

function wireRow(e: WireEntry): WireRowView {
  const base = {
    note: false,
    t: Number.isNaN(e.t) ? '' : e.t.toFixed(1),
    dir: '',
    dirCls: '',
    kind: e.kind,
    opcode: '',
    fin: '',
    rsv: '',
    masked: '',
    length: '',
    text: '',
    hex: '',
    truncated: false,
    detail: '',
  };
  if (e.kind === 'note') return { ...base, note: true, text: visible(e.text) };
  const dir = e.dir === 'tx' ? 'sent' : 'recv';
  if (e.kind === 'octets') {
    return { ...base, dir, dirCls: e.dir, kind: 'octets', length: String(e.length), hex: e.hex, truncated: e.truncated };
  }
  return {
    ...base,
    dir,
    dirCls: e.dir,
    kind: 'frame',
    opcode: opcodeName(e.opcode),
    fin: e.fin ? '1' : '0',
    rsv: e.rsv.toString(2).padStart(3, '0'),
    masked: e.masked ? 'yes' : 'no',
    length: e.decodedLength !== undefined ? `${e.length} (${e.decodedLength} inflated)` : String(e.length),
    text: e.opcode === 2 ? '' : visible(e.opcode === 8 ? '' : e.text),
    hex: e.hex,
    truncated: e.truncated,
    detail: e.opcode === 8 ? visible(closeDetail(e.hex)) : '',
  };
}

function eventText(e: EventJson): string {
  switch (e[0]) {
    case 'message':
      return `${e[2] ? 'binary' : 'text'} message: ${e[1] === '' ? '(empty)' : e[1]}`;
    case 'pong':
    case 'ping':
      return `${e[0]}: ${e[1] === '' ? '(empty)' : e[1]}`;
    case 'timeout':
      return `wait ${e[1]} ended with the connection open`;
    default:
      return JSON.stringify(e);
  }
}

/** Long lists keep their head and tail, with a marker in between saying how much was left out. */
const LIST_HEAD = 60;
const LIST_TAIL = 20;
const WIRE_HEAD = 1500;
const WIRE_TAIL = 500;

export function headTail<T>(items: readonly T[], head: number, tail: number, gap: (omitted: number) => T): T[] {
  if (items.length <= head + tail) return [...items];
  return [...items.slice(0, head), gap(items.length - head - tail), ...items.slice(items.length - tail)];
}

const sameEvents = (a: EventJson[], b: EventJson[]): boolean => JSON.stringify(a) === JSON.stringify(b);

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
const orNone = (v: string | number | null): string => (v === null ? '—' : String(v));

/** One line the page logged, next to the line the standard expects at that step. */
export interface ApiStepView {
  n: number;
  expected: string;
  observed: string;
  /** same: equal; first: the first step that differs; after: past it (no longer aligned, not compared). */
  cls: 'same' | 'first' | 'after';
  mark: string;
}

export interface ApiWireRowView {
  what: string;
  expected: string;
  observed: string;
  cls: 'ok' | 'bad' | 'unchecked';
  mark: string;
}

/** The browser-API part of a case page: the standard's expectation against what the browser did. */
export interface ApiView {
  recorded: boolean;
  pageOk: boolean;
  /** One sentence on the page's log: all steps matched, or where it first differs. */
  pageSummary: string;
  steps: ApiStepView[];
  wire: ApiWireRowView[];
}

function apiView(r: CaseResult): ApiView {
  const a = r.browserApi;
  if (!a) return { recorded: false, pageOk: false, pageSummary: '', steps: [], wire: [] };
  const diff = firstPageDifference(a);
  const unfinished = r.timedOutWaitingFor !== undefined;
  const n = Math.max(a.expectedPage.length, a.observedPage.length);
  const steps: ApiStepView[] = [];
  for (let i = 0; i < n; i++) {
    // In a case that never finished, steps past the last one logged were not reached, not wrong.
    const reached = !unfinished || i < a.observedPage.length;
    const cls = diff === -1 || i < diff ? 'same' : i === diff && reached ? 'first' : 'after';
    steps.push({
      n: i + 1,
      expected: i < a.expectedPage.length ? visible(a.expectedPage[i] as string) : '(nothing more)',
      observed: i < a.observedPage.length ? visible(a.observedPage[i] as string) : unfinished ? '(not reached)' : '(nothing more)',
      cls,
      mark: cls === 'same' ? '✓' : cls === 'first' ? '✗' : '',
    });
  }
  const pageSummary = unfinished
    ? `The case never finished: the page had logged ${a.observedPage.length} step(s) when the browser stopped${diff === -1 || diff >= a.observedPage.length ? '' : `, the first differing at step ${diff + 1}`}.`
    : diff === -1
      ? `The page logged exactly the ${a.expectedPage.length} step(s) the standard requires.`
      : `The page's log first differs at step ${diff + 1}; the steps after it are shown as logged, not compared.`;
  return {
    recorded: true,
    pageOk: diff === -1,
    pageSummary,
    steps,
    wire: a.wire.map((w) => ({
      what: visible(w.what),
      expected: visible(w.expected),
      observed: visible(w.observed),
      cls: w.ok === null ? 'unchecked' : w.ok ? 'ok' : 'bad',
      mark: w.ok === null ? '' : w.ok ? '✓' : '✗',
    })),
  };
}

export interface CaseView {
  pageTitle: string;
  id: string;
  title: string;
  agent: string;
  caseIndex: number;
  role: string;
  /** The protocol the case's WebSocket came over, where a run served or spoke HTTP/2 ("HTTP/2 (h2)", "HTTP/1.1"). */
  protocol: string;
  started: string;
  duration: string;
  requirement: { spec: string; level: string } | null;
  description: string;
  expectation: string;
  outcome: { status: string; cls: string; reason: string };
  behavior: { label: string; word: string; cls: string; why: string };
  behaviorClose: { label: string; word: string; cls: string; why: string };
  /** Set for browser-API (api.*) cases, which are judged on the page's log and the wire, not on events. */
  api: ApiView | null;
  close: Array<{ side: string; code: string; reason: string }>;
  expectedClose: string;
  flags: Array<{ name: string; value: string; on: boolean }>;
  notCleanReason: string;
  timedOutWaitingFor: string;
  expected: Array<{ verdict: string; cls: string; events: string[]; matches: boolean }>;
  received: string[];
  violations: Array<{ code: string; message: string }>;
  notes: string[];
  httpRequest: string;
  httpResponse: string;
  stats: Array<{ name: string; entries: string }>;
  traffic: Array<{ name: string; value: string }>;
  wire: WireRowView[];
  wireOctets: number;
  wireTotal: number;
  indexHref: string;
  jsonHref: string;
}

function statsLine(s: Record<string, number>, label: (k: string) => string): string {
  const entries = Object.entries(s).sort(([a], [b]) => Number(a) - Number(b));
  return entries.length === 0 ? '—' : entries.map(([k, n]) => `${label(k)}: ${n}`).join(', ');
}

export function caseView(r: CaseResult, policy: Policy = defaultPolicy): CaseView {
  const outcome = judgeCase(r, policy);
  const stem = caseFileStem(r.agent, r.id);
  const ec = r.expectedClose;
  const api = isApiResult(r);
  const notes = r.notes ?? [];
  return {
    pageTitle: visible(`${r.id} ${r.title} — ${r.agent}`),
    id: visible(r.id),
    title: visible(r.title),
    agent: visible(r.agent),
    caseIndex: r.caseIndex,
    role: api ? "the browser's WebSocket API against the harness's server" : r.role === 'client' ? 'harness was the client (testing a server)' : 'harness was the server (testing a client)',
    protocol: r.protocol === undefined ? '' : r.protocol === 'http/1.1' ? 'over HTTP/1.1' : `over HTTP/2 (${r.protocol})`,
    started: formatTime(r.started),
    duration: formatDuration(r.durationMs),
    requirement: r.requirement ? { spec: visible(r.requirement.spec), level: r.requirement.level } : null,
    description: visible(r.description),
    expectation: visible(r.expectation),
    outcome: {
      status: outcome.status === 'fail' ? 'fails the gate' : outcome.status === 'known' ? 'known failure' : 'passes the gate',
      cls: outcome.status,
      reason: outcome.status === 'pass' ? '' : visible(outcome.brief),
    },
    behavior: { label: api ? 'behavior · the page' : 'behavior', word: r.behavior, cls: classOf(r.behavior), why: visible(r.result) },
    behaviorClose: { label: api ? 'behaviorClose · the wire' : 'behaviorClose', word: r.behaviorClose, cls: classOf(r.behaviorClose), why: visible(r.resultClose) },
    api: api ? apiView(r) : null,
    close: [
      { side: 'sent by the harness', code: orNone(r.localCloseCode), reason: r.localCloseReason === null ? '—' : visible(r.localCloseReason) },
      { side: 'sent by the target', code: orNone(r.remoteCloseCode), reason: r.remoteCloseReason === null ? '—' : visible(r.remoteCloseReason) },
    ],
    expectedClose:
      `${ec.closedByMe ? 'the harness' : 'the target'} starts the close; ` +
      `allowed codes: ${ec.closeCode.length > 0 ? ec.closeCode.join(', ') : 'any'}` +
      `${ec.requireClean ? '; must be clean' : ''}${ec.closedByWrongEndpointIsFatal ? '; the wrong side closing fails the case' : ''}`,
    flags: [
      { name: 'closedByMe', value: yesNo(r.closedByMe), on: r.closedByMe },
      { name: 'failedByMe', value: yesNo(r.failedByMe), on: r.failedByMe },
      { name: 'droppedByMe', value: yesNo(r.droppedByMe), on: r.droppedByMe },
      { name: 'wasClean', value: yesNo(r.wasClean), on: r.wasClean },
      { name: 'wasOpenHandshakeTimeout', value: yesNo(r.wasOpenHandshakeTimeout), on: r.wasOpenHandshakeTimeout },
      { name: 'wasCloseHandshakeTimeout', value: yesNo(r.wasCloseHandshakeTimeout), on: r.wasCloseHandshakeTimeout },
      { name: 'wasServerConnectionDropTimeout', value: yesNo(r.wasServerConnectionDropTimeout), on: r.wasServerConnectionDropTimeout },
    ],
    notCleanReason: r.wasNotCleanReason === null ? '' : visible(r.wasNotCleanReason),
    timedOutWaitingFor: visible(r.timedOutWaitingFor ?? ''),
    expected: Object.entries(r.expected).map(([verdict, events]) => ({
      verdict: visible(verdict),
      cls: classOf(verdict),
      events: headTail(
        events.map((e) => visible(eventText(e))),
        LIST_HEAD,
        LIST_TAIL,
        (n) => `… ${n} more events (see the case JSON)`,
      ),
      matches: sameEvents(events, r.received),
    })),
    received: headTail(
      r.received.map((e) => visible(eventText(e))),
      LIST_HEAD,
      LIST_TAIL,
      (n) => `… ${n} more events (see the case JSON)`,
    ),
    violations: r.violations.map((v) => ({ code: visible(v.code), message: visible(v.message) })),
    notes: notes.map(visible),
    httpRequest: visibleBlock(r.httpRequest),
    httpResponse: visibleBlock(r.httpResponse),
    stats: [
      { name: 'frames received (opcode: count)', entries: statsLine(r.rxFrameStats, (k) => opcodeName(Number(k))) },
      { name: 'frames sent (opcode: count)', entries: statsLine(r.txFrameStats, (k) => opcodeName(Number(k))) },
      { name: 'reads (octets: count)', entries: statsLine(r.rxOctetStats, (k) => k) },
      { name: 'writes (octets: count)', entries: statsLine(r.txOctetStats, (k) => k) },
    ],
    traffic: r.trafficStats ? Object.entries(r.trafficStats).map(([name, value]) => ({ name, value: value === null ? '—' : String(value) })) : [],
    wire: headTail(r.wirelog, WIRE_HEAD, WIRE_TAIL, (n): WireEntry => ({ t: NaN, kind: 'note', text: `… ${n} more entries, left out of this page (the case JSON has them all)` })).map(wireRow),
    wireOctets: r.wirelog.filter((e) => e.kind === 'octets').length,
    wireTotal: r.wirelog.length,
    indexHref: 'index.html',
    jsonHref: `${stem}.json`,
  };
}
