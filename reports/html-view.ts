/**
 * View models for the HTML report: plain objects holding display-ready strings, so that the
 * templates only lay them out. This file has the index page; the case page is in case-view.ts
 * and the text helpers in text.ts. Text from the target passes through `visible()`, and then
 * through Handlebars' {{ }} escaping in the templates; nothing here produces markup.
 */
import type { BrowserApiRecord, CaseResult, RunMeta, RunResults } from '../runner/engine/results.js';
import { Behavior, CloseBehavior } from '../runner/engine/results.js';
import { defaultPolicy, judgeCase, type Policy } from './gate.js';
import { handshakeFaultGroups } from './handshake-faults.js';
import { caseFileStem, compareCaseIds, differenceAnchor, groupOf, reportSectionOf, sectionTitle } from './names.js';
import { formatDuration, formatTime, optionValue, visible, visibleBlock } from './text.js';
import { agentTransport, runTransport } from './transport.js';

/** Index of the first step where the page's log leaves the expected one; -1 when they are equal. */
export function firstPageDifference(a: BrowserApiRecord): number {
  const { expectedPage: e, observedPage: o } = a;
  const n = Math.max(e.length, o.length);
  for (let i = 0; i < n; i++) if (e[i] !== o[i]) return i;
  return -1;
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
  [Behavior.OK, 'did what RFC 6455 (api.* cases: the WHATWG WebSockets standard) requires'],
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
  /** The target's close code, shown next to the behavior. */
  code: string;
  /**
   * Second line: the close verdict when it is one a reader must notice; when it is the same word as
   * the behavior (FAILED twice), what else failed instead: "close too", "wire too" (api.* cases,
   * judged on what crossed the wire) or "timed out".
   */
  closeVerdict: string;
  closeCls: string;
  extra: string;
  /** Browser-API cases that did not pass: what the browser did and what the standard wants, in short. */
  saw: string;
  want: string;
  fail: boolean;
  known: boolean;
  tip: string;
}

export interface RowView {
  id: string;
  title: string;
  fail: boolean;
  differs: boolean;
  /** Where a differing row's case is in the differences view (compat-view.ts); '' for the others. */
  diffAnchor: string;
  groupStart: boolean;
  cells: CellView[];
}

export interface SectionView {
  anchor: string;
  section: string;
  title: string;
  caseCount: number;
  /** "1 case", "37 cases". */
  caseCountText: string;
  clean: boolean;
  /** No row of this section differs between agents (browser matrix). */
  same: boolean;
  counts: Array<{ pass: number; fail: number }>;
  rows: RowView[];
}

export interface AgentColumn {
  name: string;
  sub: string;
}

export interface MatrixView {
  key: string;
  /** Length of the longest case ID, in characters (sizes the ID column, capped). */
  idChars: number;
  agents: AgentColumn[];
  agentCount: number;
  sections: SectionView[];
  highlightDiffs: boolean;
  diffCount: number;
  /** Some cell shows what a browser saw and what the standard wants (failing api.* cases). */
  hasWhy: boolean;
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
    /** runTransport: said in the header; when set, the agents table has a transport column. */
    transport: string;
  };
  agents: Array<{ name: string; url: string; engine: string; version: string; unavailable: string; results: number; transport: string; unverified: boolean }>;
  summary: {
    rows: Array<{ agent: string; total: number; behavior: VerdictCount[]; close: VerdictCount[]; failed: number; known: number }>;
  };
  legend: Array<{ word: string; cls: string; text: string }>;
  /** Agents whose opening handshake is broken: said once, with the answer the target sent. */
  handshakeFaults: Array<{ agent: string; text: string; caseId: string; href: string; response: string }>;
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

/**
 * For a browser-API result that did not pass: the first step where the page's log left the
 * standard's, or else the first wire aspect that failed. Empty for everything else.
 */
function apiDifference(r: CaseResult): { saw: string; want: string } {
  const a = r.browserApi;
  // A case that never finished says so in its verdict; its partial log is for the case page.
  if (!a || r.timedOutWaitingFor !== undefined) return { saw: '', want: '' };
  const i = firstPageDifference(a);
  if (i !== -1) {
    return { saw: a.observedPage[i] ?? '(nothing more)', want: a.expectedPage[i] ?? '(nothing more)' };
  }
  const w = a.wire.find((row) => row.ok === false);
  if (w) return { saw: w.observed, want: w.expected };
  return { saw: '', want: '' };
}

/**
 * A browser-API result (`behavior` judges the page, `behaviorClose` the wire): it has the judge's
 * record, or (a case the browser never finished) an api.* ID.
 */
export function isApiResult(r: CaseResult): boolean {
  return r.browserApi !== undefined || r.id.startsWith('api.');
}

/** The cell's second line (see CellView.closeVerdict). */
function closeBadge(r: CaseResult): string {
  if (!notableClose.has(r.behaviorClose)) return '';
  if (r.behaviorClose !== r.behavior) return r.behaviorClose;
  if (r.timedOutWaitingFor !== undefined) return 'timed out';
  if (r.handshakeFault !== undefined) return 'in handshake';
  return isApiResult(r) ? 'wire too' : 'close too';
}

function cellView(r: CaseResult | undefined, policy: Policy): CellView {
  if (!r) {
    return { missing: true, href: '', behavior: '', behaviorCls: '', code: '', closeVerdict: '', closeCls: '', extra: '', saw: '', want: '', fail: false, known: false, tip: 'not run' };
  }
  const outcome = judgeCase(r, policy);
  const extra = [r.reportTime ? formatDuration(r.durationMs) : '', ratioText(r)].filter((s) => s !== '').join(' · ');
  const diff = apiDifference(r);
  const diffTip = diff.saw === '' ? '' : `\nsaw: ${diff.saw}\nwant: ${diff.want}`;
  return {
    missing: false,
    href: `${caseFileStem(r.agent, r.id)}.html`,
    behavior: r.behavior,
    behaviorCls: classOf(r.behavior),
    code: r.remoteCloseCode === null ? '' : String(r.remoteCloseCode),
    closeVerdict: closeBadge(r),
    closeCls: classOf(r.behaviorClose),
    extra,
    saw: visible(diff.saw),
    want: visible(diff.want),
    fail: outcome.status === 'fail',
    known: outcome.status === 'known',
    tip: visible(
      `${isApiResult(r) ? `page ${r.behavior} / wire ${r.behaviorClose}` : `${r.behavior} / ${r.behaviorClose}`}, close code ${r.remoteCloseCode ?? 'none'}${outcome.status === 'pass' ? '' : ` — ${outcome.brief}`}${diffTip}`,
    ),
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
    const section = reportSectionOf(id);
    if (!current || current.section !== section) {
      current = {
        anchor: `${key}-s${sections.length + 1}`,
        section,
        title: visible(sectionTitle(section)),
        caseCount: 0,
        caseCountText: '',
        clean: true,
        same: true,
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
      diffAnchor: differs ? differenceAnchor(id) : '',
      groupStart: lastGroup !== '' && group !== lastGroup,
      cells,
    };
    lastGroup = group;
    if (row.fail) current.clean = false;
    if (row.differs) current.same = false;
    current.caseCount++;
    current.caseCountText = `${current.caseCount} case${current.caseCount === 1 ? '' : 's'}`;
    current.rows.push(row);
  }
  return {
    key,
    idChars: Math.min(40, Math.max(5, ...ids.map((id) => [...id].length))),
    agents: agents.map((a) => ({
      name: visible(a.name),
      // Engine and version, unless the name already says them ("chromium-156.0.8078.79").
      sub: visible([a.engine, a.version].filter((s): s is string => s !== undefined && s !== '' && !a.name.includes(s)).join(' ')),
    })),
    agentCount: Math.max(1, agents.length),
    sections,
    highlightDiffs,
    diffCount,
    hasWhy: sections.some((s) => s.rows.some((row) => row.cells.some((c) => c.saw !== ''))),
  };
}

function counts(words: readonly string[], values: string[]): VerdictCount[] {
  return words.map((word) => ({ word, n: values.filter((v) => v === word).length, cls: classOf(word) })).filter((c) => c.n > 0);
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
      behavior: counts(
        behaviorWords,
        mine.map((r) => r.behavior),
      ),
      close: counts(
        closeWords,
        mine.map((r) => r.behaviorClose),
      ),
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
      options: Object.entries(m.options ?? {})
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => ({ key: visible(key), value: visible(optionValue(value)) })),
      transport: runTransport(agents, run.results),
    },
    agents: agents.map((a) => ({
      ...((t) => ({ transport: visible(t.transport), unverified: t.unverified }))(agentTransport(a, run.results)),
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
    handshakeFaults: handshakeFaultGroups(run).map((g) => {
      const failing = g.results.filter((r) => judgeCase(r, policy).status === 'fail').length;
      const example = g.results[0]!;
      const text = g.every
        ? `every case failed in the opening handshake: ${g.fault} (${failing} failing; the handshake.* cases send requests of their own and are judged on their own)`
        : `${g.results.length} cases failed in the opening handshake: ${g.fault}`;
      return { agent: visible(g.agent), text: visible(text), caseId: visible(example.id), href: `${caseFileStem(example.agent, example.id)}.html`, response: visibleBlock(example.httpResponse) };
    }),
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
