/**
 * View models for the HTML report: plain objects holding display-ready strings, so that the
 * templates only lay them out. Text from the target passes through `visible()` here, and through
 * Handlebars' {{ }} escaping in the templates; nothing here produces markup.
 */
import type { CaseResult, EventJson, RunMeta, RunResults, WireEntry } from '../runner/results.js';
import { Behavior, CloseBehavior } from '../runner/results.js';
import { defaultPolicy, judgeCase, type Policy } from './gate.js';
import { caseFileStem, compareCaseIds, groupOf, sectionOf, sectionTitle } from './names.js';

// ---- text ------------------------------------------------------------------------------------

const bidiControls = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const c0 = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
const c1 = /[\u0080-\u009f]/g;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Makes peer text safe to look at (escaping is Handlebars' job): control characters become their
 * visible Unicode pictures (NUL -> ␀), C1 controls and bidi overrides become <U+XXXX> tags so a
 * peer cannot reorder the page's text, lone surrogates become U+FFFD. Tabs and newlines stay.
 */
export function visible(s: string): string {
  return s
    .replace(loneSurrogate, '\ufffd')
    .replace(c0, (c) => (c === '\u007f' ? '\u2421' : String.fromCharCode(0x2400 + c.charCodeAt(0))))
    .replace(c1, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`)
    .replace(bidiControls, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
}

/** Handshake text for a <pre>: CRLF line ends shown as plain line breaks. */
function visibleBlock(s: string): string {
  return visible(s.replace(/\r\n/g, '\n'));
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

// ---- verdict classes ---------------------------------------------------------------------------

/** CSS class of a verdict word: a fixed set, never derived from data. */
const verdictClass = new Map<string, string>([
  [Behavior.OK, 'v-ok'],
  [Behavior.NON_STRICT, 'v-nonstrict'],
  [Behavior.INFORMATIONAL, 'v-info'],
  [Behavior.UNIMPLEMENTED, 'v-unimpl'],
  [Behavior.FAILED, 'v-failed'],
  [CloseBehavior.WRONG_CODE, 'v-wrongcode'],
  [CloseBehavior.UNCLEAN, 'v-unclean'],
  [CloseBehavior.FAILED_BY_CLIENT, 'v-byclient'],
]);
export const classOf = (word: string): string => verdictClass.get(word) ?? 'v-failed';

export const behaviorWords: readonly string[] = Object.values(Behavior);
export const closeWords: readonly string[] = Object.values(CloseBehavior);

const legendText: Array<[string, string]> = [
  [Behavior.OK, 'did what the RFC requires'],
  [Behavior.NON_STRICT, 'tolerated alternative (e.g. failed late)'],
  [Behavior.INFORMATIONAL, 'recorded, not graded'],
  [Behavior.UNIMPLEMENTED, 'optional feature not offered'],
  [Behavior.FAILED, 'did not do what is required'],
  [CloseBehavior.WRONG_CODE, 'closed with a code not allowed here'],
  [CloseBehavior.UNCLEAN, 'no close frame each way before TCP closed'],
  [CloseBehavior.FAILED_BY_CLIENT, 'harness dropped TCP (almost OK)'],
];

// ---- index page --------------------------------------------------------------------------------

export interface CellView {
  missing: boolean;
  href: string;
  behavior: string;
  behaviorCls: string;
  /** The peer's close code, shown next to the behavior. */
  code: string;
  /** Second line: the close verdict when it is one a reader must notice. */
  closeVerdict: string;
  closeCls: string;
  extra: string;
  fail: boolean;
  known: boolean;
  tip: string;
}

export interface RowView {
  id: string;
  title: string;
  fail: boolean;
  differs: boolean;
  groupStart: boolean;
  cells: CellView[];
}

export interface SectionView {
  anchor: string;
  section: string;
  title: string;
  caseCount: number;
  clean: boolean;
  counts: Array<{ pass: number; fail: number }>;
  rows: RowView[];
}

export interface AgentColumn {
  name: string;
  sub: string;
}

export interface MatrixView {
  key: string;
  agents: AgentColumn[];
  agentCount: number;
  sections: SectionView[];
  highlightDiffs: boolean;
  diffCount: number;
}

/** A verdict word with how many results have it (only non-zero counts are listed). */
export interface VerdictCount {
  word: string;
  n: number;
  cls: string;
}

export interface IndexView {
  pageTitle: string;
  meta: {
    version: string;
    catalogueVersion: string;
    mode: string;
    startedAt: string;
    finishedAt: string;
    wall: string;
    options: Array<{ key: string; value: string }>;
  };
  agents: Array<{ name: string; url: string; engine: string; version: string; unavailable: string; results: number }>;
  summary: {
    rows: Array<{ agent: string; total: number; behavior: VerdictCount[]; close: VerdictCount[]; failed: number; known: number }>;
  };
  legend: Array<{ word: string; cls: string; text: string }>;
  nav: Array<{ anchor: string; section: string; title: string; failing: number }>;
  matrix: MatrixView;
  browserMatrix: MatrixView | null;
  totalFailing: number;
}

type AgentMeta = RunMeta['agents'][number];

/** Agents in metadata order, then any that only appear in the results. */
export function orderedAgents(run: RunResults): AgentMeta[] {
  const list: AgentMeta[] = [];
  const seen = new Set<string>();
  for (const a of run.meta.agents ?? []) {
    if (seen.has(a.name)) continue;
    seen.add(a.name);
    list.push(a);
  }
  for (const r of run.results) {
    if (seen.has(r.agent)) continue;
    seen.add(r.agent);
    list.push({ name: r.agent });
  }
  return list;
}

/** Close verdicts that get their own line in a matrix cell; the others only show the code. */
const notableClose = new Set<string>([CloseBehavior.WRONG_CODE, CloseBehavior.UNCLEAN, CloseBehavior.FAILED_BY_CLIENT, CloseBehavior.FAILED]);

function ratioText(r: CaseResult): string {
  if (!r.reportCompressionRatio) return '';
  const s = r.trafficStats;
  const f = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(3));
  return s ? `ratio ${f(s.incomingCompressionRatio)} / ${f(s.outgoingCompressionRatio)}` : 'ratio -';
}

function cellView(r: CaseResult | undefined, policy: Policy): CellView {
  if (!r) {
    return { missing: true, href: '', behavior: '', behaviorCls: '', code: '', closeVerdict: '', closeCls: '', extra: '', fail: false, known: false, tip: 'not run' };
  }
  const outcome = judgeCase(r, policy);
  const extra = [r.reportTime ? formatDuration(r.durationMs) : '', ratioText(r)].filter((s) => s !== '').join(' · ');
  return {
    missing: false,
    href: `${caseFileStem(r.agent, r.id)}.html`,
    behavior: r.behavior,
    behaviorCls: classOf(r.behavior),
    code: r.remoteCloseCode === null ? '' : String(r.remoteCloseCode),
    closeVerdict: notableClose.has(r.behaviorClose) ? r.behaviorClose : '',
    closeCls: classOf(r.behaviorClose),
    extra,
    fail: outcome.status === 'fail',
    known: outcome.status === 'known',
    tip: visible(`${r.behavior} / ${r.behaviorClose}, close code ${r.remoteCloseCode ?? 'none'}${outcome.status === 'pass' ? '' : ` — ${outcome.reason}`}`),
  };
}

function matrixView(key: string, run: RunResults, agents: AgentMeta[], policy: Policy, highlightDiffs: boolean): MatrixView {
  const names = agents.map((a) => a.name);
  const byAgent = new Map<string, Map<string, CaseResult>>(names.map((n) => [n, new Map()]));
  const titles = new Map<string, string>();
  for (const r of run.results) {
    const mine = byAgent.get(r.agent);
    if (!mine) continue;
    mine.set(r.id, r);
    if (!titles.has(r.id)) titles.set(r.id, r.title);
  }
  const ids = [...titles.keys()].sort(compareCaseIds);
  const sections: SectionView[] = [];
  let current: SectionView | undefined;
  let lastGroup = '';
  let diffCount = 0;
  for (const id of ids) {
    const section = sectionOf(id);
    if (!current || current.section !== section) {
      current = {
        anchor: `${key}-s${sections.length + 1}`,
        section,
        title: visible(sectionTitle(section)),
        caseCount: 0,
        clean: true,
        counts: names.map(() => ({ pass: 0, fail: 0 })),
        rows: [],
      };
      sections.push(current);
      lastGroup = '';
    }
    const results = names.map((n) => byAgent.get(n)?.get(id));
    const cells = results.map((r) => cellView(r, policy));
    cells.forEach((c, i) => {
      const count = current?.counts[i];
      if (!count || c.missing) return;
      if (c.fail) count.fail++;
      else count.pass++;
    });
    const outcomes = new Set(results.map((r) => (r ? `${r.behavior}|${r.behaviorClose}` : 'missing')));
    const differs = highlightDiffs && outcomes.size > 1;
    if (differs) diffCount++;
    const group = groupOf(id);
    const row: RowView = {
      id: visible(id),
      title: visible(titles.get(id) ?? ''),
      fail: cells.some((c) => c.fail),
      differs,
      groupStart: lastGroup !== '' && group !== lastGroup,
      cells,
    };
    lastGroup = group;
    if (row.fail) current.clean = false;
    current.caseCount++;
    current.rows.push(row);
  }
  return {
    key,
    agents: agents.map((a) => ({
      name: visible(a.name),
      sub: visible([a.engine, a.version].filter((s) => s !== undefined && s !== '').join(' ')),
    })),
    agentCount: Math.max(1, agents.length),
    sections,
    highlightDiffs,
    diffCount,
  };
}

function counts(words: readonly string[], values: string[]): VerdictCount[] {
  return words.map((word) => ({ word, n: values.filter((v) => v === word).length, cls: classOf(word) })).filter((c) => c.n > 0);
}

function optionValue(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function indexView(run: RunResults, policy: Policy = defaultPolicy): IndexView {
  const agents = orderedAgents(run);
  const withResults = new Set(run.results.map((r) => r.agent));
  const matrixAgents = agents.filter((a) => withResults.has(a.name));
  const browsers = matrixAgents.filter((a) => a.engine !== undefined && a.engine !== '');
  const matrix = matrixView('m', run, matrixAgents, policy, false);
  const m = run.meta;
  const summaryRows = matrixAgents.map((a) => {
    const mine = run.results.filter((r) => r.agent === a.name);
    const outcomes = mine.map((r) => judgeCase(r, policy).status);
    return {
      agent: visible(a.name),
      total: mine.length,
      behavior: counts(behaviorWords, mine.map((r) => r.behavior)),
      close: counts(closeWords, mine.map((r) => r.behaviorClose)),
      failed: outcomes.filter((s) => s === 'fail').length,
      known: outcomes.filter((s) => s === 'known').length,
    };
  });
  return {
    pageTitle: `wsconform report: ${visible(matrixAgents.map((a) => a.name).join(', ') || 'no results')}`,
    meta: {
      version: visible(m.version ?? ''),
      catalogueVersion: visible(m.catalogueVersion ?? ''),
      mode: visible(m.mode ?? ''),
      startedAt: formatTime(m.startedAt),
      finishedAt: formatTime(m.finishedAt),
      wall: m.wallMs !== undefined ? formatDuration(m.wallMs) : '',
      options: Object.entries(m.options ?? {}).map(([key, value]) => ({ key: visible(key), value: visible(optionValue(value)) })),
    },
    agents: agents.map((a) => ({
      name: visible(a.name),
      url: visible(a.url ?? ''),
      engine: visible(a.engine ?? ''),
      version: visible(a.version ?? ''),
      unavailable: visible(a.unavailable ?? ''),
      results: run.results.filter((r) => r.agent === a.name).length,
    })),
    summary: {
      rows: summaryRows,
    },
    legend: legendText.map(([word, text]) => ({ word, cls: classOf(word), text })),
    nav: matrix.sections.map((s) => ({
      anchor: s.anchor,
      section: s.section,
      title: s.title,
      failing: s.rows.filter((r) => r.fail).length,
    })),
    matrix,
    browserMatrix: browsers.length > 0 ? matrixView('b', run, browsers, policy, true) : null,
    totalFailing: summaryRows.reduce((n, r) => n + r.failed, 0),
  };
}

// ---- case page ---------------------------------------------------------------------------------

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
  const base = { note: false, t: e.t.toFixed(1), dir: '', dirCls: '', kind: e.kind, opcode: '', fin: '', rsv: '', masked: '', length: '', text: '', hex: '', truncated: false, detail: '' };
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

const sameEvents = (a: EventJson[], b: EventJson[]): boolean => JSON.stringify(a) === JSON.stringify(b);

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
const orNone = (v: string | number | null): string => (v === null ? '—' : String(v));

export interface CaseView {
  pageTitle: string;
  id: string;
  title: string;
  agent: string;
  caseIndex: number;
  role: string;
  started: string;
  duration: string;
  requirement: { spec: string; level: string } | null;
  description: string;
  expectation: string;
  outcome: { status: string; reason: string };
  behavior: { word: string; cls: string; why: string };
  behaviorClose: { word: string; cls: string; why: string };
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
  return {
    pageTitle: visible(`${r.id} ${r.title} — ${r.agent}`),
    id: visible(r.id),
    title: visible(r.title),
    agent: visible(r.agent),
    caseIndex: r.caseIndex,
    role: r.role === 'client' ? 'harness was the client (testing a server)' : 'harness was the server (testing a client)',
    started: formatTime(r.started),
    duration: formatDuration(r.durationMs),
    requirement: r.requirement ? { spec: visible(r.requirement.spec), level: r.requirement.level } : null,
    description: visible(r.description),
    expectation: visible(r.expectation),
    outcome: {
      status: outcome.status === 'fail' ? 'fails the gate' : outcome.status === 'known' ? 'known failure' : 'passes the gate',
      reason: outcome.status === 'pass' ? '' : visible(outcome.reason),
    },
    behavior: { word: r.behavior, cls: classOf(r.behavior), why: visible(r.result) },
    behaviorClose: { word: r.behaviorClose, cls: classOf(r.behaviorClose), why: visible(r.resultClose) },
    close: [
      { side: 'sent by the harness', code: orNone(r.localCloseCode), reason: r.localCloseReason === null ? '—' : visible(r.localCloseReason) },
      { side: 'sent by the peer', code: orNone(r.remoteCloseCode), reason: r.remoteCloseReason === null ? '—' : visible(r.remoteCloseReason) },
    ],
    expectedClose:
      `${ec.closedByMe ? 'the harness' : 'the peer'} starts the close; ` +
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
      events: events.map((e) => visible(eventText(e))),
      matches: sameEvents(events, r.received),
    })),
    received: r.received.map((e) => visible(eventText(e))),
    violations: r.violations.map((v) => ({ code: visible(v.code), message: visible(v.message) })),
    notes: (r.notes ?? []).map(visible),
    httpRequest: visibleBlock(r.httpRequest),
    httpResponse: visibleBlock(r.httpResponse),
    stats: [
      { name: 'frames received (opcode: count)', entries: statsLine(r.rxFrameStats, (k) => opcodeName(Number(k))) },
      { name: 'frames sent (opcode: count)', entries: statsLine(r.txFrameStats, (k) => opcodeName(Number(k))) },
      { name: 'reads (octets: count)', entries: statsLine(r.rxOctetStats, (k) => k) },
      { name: 'writes (octets: count)', entries: statsLine(r.txOctetStats, (k) => k) },
    ],
    traffic: r.trafficStats ? Object.entries(r.trafficStats).map(([name, value]) => ({ name, value: value === null ? '—' : String(value) })) : [],
    wire: r.wirelog.map(wireRow),
    wireOctets: r.wirelog.filter((e) => e.kind === 'octets').length,
    indexHref: 'index.html',
    jsonHref: `${stem}.json`,
  };
}
