/**
 * The compatibility table: the cases where browser engines (or, in a run without browsers, the
 * agents) got different verdicts, by family, with what each one did and what the standard wants,
 * and each one's totals. A pure function of one run's results; compat-markdown.ts renders it for
 * publishing (and as JSON, which is this model as it is), compat-view.ts for the HTML report.
 *
 * "Differ" is the browser matrix's own rule: the (behavior, behaviorClose) pair is not the same for
 * every engine, or an engine has no result for the case. So the table, the matrix's highlighted rows
 * and the HTML report's differences view list the same cases.
 */
import type { BrowserApiRecord, CaseResult, RunResults } from '../runner/engine/results.js';
import { Behavior, CloseBehavior } from '../runner/engine/results.js';
import { orderedAgents } from './html-view.js';
import { caseFileStem, compareCaseIds, reportSectionOf, sectionTitle } from './names.js';

/** Names this format; a change that breaks readers gets a new number. */
export const COMPAT_FORMAT = 'wsconform-compat/1';

export interface CompatTotals {
  /** Results the engine has (cases it ran). */
  cases: number;
  /** Every `behavior` word, with how many of its results have it (zeros included). */
  behavior: Record<Behavior, number>;
  /** Every `behaviorClose` word likewise (api.* cases: the wire's verdict). */
  close: Record<CloseBehavior, number>;
}

export interface CompatEngine {
  /** The agent name the results carry ("chromium-156.0.8078.79"). */
  agent: string;
  engine: string;
  version: string;
  /** How it was driven ("/usr/bin/chromium via Playwright (CDP)"). */
  url: string;
  totals: CompatTotals;
}

/** What one engine did in a differing case. */
export interface CompatObservation {
  behavior: string;
  behaviorClose: string;
  /** The close code the engine sent (api.*: in its close frame); null: none. */
  closeCode: number | null;
  /** The verdict in a few words: "FAILED · wire WRONG CODE", "OK · close code 1000". */
  verdict: string;
  /**
   * What the engine did, one short line per aspect: api.* cases the page's log ("page: open;
   * error; close 1006 …", semicolons between its lines, as a line may hold an arrow) and each wire
   * aspect on which the engines differ (marked when the case does not check it) or this one
   * failed; other cases the verdicts' reasons.
   * Plain text, not escaped.
   */
  summary: string[];
  /** api.* cases: every line the page logged. */
  page?: string[];
  /** api.* cases: every wire aspect, as seen; `ok` null for one the case does not check. */
  wire?: Array<{ what: string; observed: string; ok: boolean | null }>;
  /** Set when the case's time limit cut it short: the step it was waiting for. */
  timedOutWaitingFor?: string;
  /** The case's page in the HTML report, relative to the report directory. */
  casePage: string;
}

export interface CompatRow {
  id: string;
  title: string;
  requirement?: { spec: string; level: string };
  /** What the standard requires, as the case states it; api.* cases also as page lines and wire aspects. */
  expected: { text: string; page?: string[]; wire?: Array<{ what: string; expected: string }> };
  /** By agent name, in the order of `engines`; null: the engine has no result for the case. */
  results: Record<string, CompatObservation | null>;
}

export interface CompatFamily {
  /** reportSectionOf: "api.close", "api.send", "1", "5". */
  family: string;
  title: string;
  /** Cases of the family that the engines ran (at least one of them). */
  cases: number;
  /** The family's differing cases, in catalogue order. */
  rows: CompatRow[];
}

export interface CompatTable {
  format: typeof COMPAT_FORMAT;
  tool: { name: 'wsconform'; version: string };
  catalogueVersion: string;
  run: { mode: string; startedAt: string; finishedAt?: string };
  /** Whether the engines are browser engines (false: a run of other agents, compared the same way). */
  browsers: boolean;
  engines: CompatEngine[];
  /** Engines that could not run, and why. */
  unavailable: Array<{ agent: string; why: string }>;
  /** Cases at least one engine ran. */
  compared: number;
  /** Cases where the engines differ (0 with fewer than two engines). */
  differing: number;
  /** Families with at least one differing case, in catalogue order. */
  families: CompatFamily[];
}

const zeros = <W extends string>(words: readonly W[]): Record<W, number> => Object.fromEntries(words.map((w) => [w, 0])) as Record<W, number>;

function totalsOf(results: CaseResult[]): CompatTotals {
  const behavior = zeros(Object.values(Behavior));
  const close = zeros(Object.values(CloseBehavior));
  for (const r of results) {
    if (r.behavior in behavior) behavior[r.behavior]++;
    if (r.behaviorClose in close) close[r.behaviorClose]++;
  }
  return { cases: results.length, behavior, close };
}

const isApi = (r: CaseResult): boolean => r.browserApi !== undefined || r.id.startsWith('api.');
const checkedWire = (a: BrowserApiRecord): BrowserApiRecord['wire'] => a.wire.filter((w) => w.ok !== null);

function verdictOf(r: CaseResult): string {
  if (isApi(r)) return r.behaviorClose === CloseBehavior.OK ? r.behavior : `${r.behavior} · wire ${r.behaviorClose}`;
  const close = r.behaviorClose === CloseBehavior.OK ? '' : ` · close ${r.behaviorClose}`;
  return `${r.behavior}${close} · close code ${r.remoteCloseCode ?? 'none'}`;
}

/** Wire aspects worth a line in a row: where the engines saw different things (checked or not), or one failed. */
function notableAspects(results: Array<CaseResult | undefined>): Set<string> {
  const seen = new Map<string, Set<string>>();
  const failed = new Set<string>();
  for (const r of results) {
    for (const w of r?.browserApi?.wire ?? []) {
      const values = seen.get(w.what) ?? new Set<string>();
      values.add(w.observed);
      seen.set(w.what, values);
      if (w.ok === false) failed.add(w.what);
    }
  }
  return new Set([...failed, ...[...seen].filter(([, values]) => values.size > 1).map(([what]) => what)]);
}

function observation(r: CaseResult, aspects: Set<string>): CompatObservation {
  const summary: string[] = [];
  if (r.timedOutWaitingFor !== undefined) summary.push(`timed out waiting for ${r.timedOutWaitingFor}`);
  const a = r.browserApi;
  if (a) {
    summary.push(`page: ${a.observedPage.length > 0 ? a.observedPage.join('; ') : '(nothing)'}`);
    for (const w of a.wire) if (aspects.has(w.what)) summary.push(`${w.what}${w.ok === null ? ' (not checked)' : ''}: ${w.observed}`);
  } else if (isApi(r)) {
    if (r.timedOutWaitingFor === undefined) summary.push(r.result);
  } else {
    if (r.behavior !== Behavior.OK) summary.push(r.result);
    if (r.behaviorClose !== CloseBehavior.OK && r.resultClose !== '') summary.push(r.resultClose);
  }
  return {
    behavior: r.behavior,
    behaviorClose: r.behaviorClose,
    closeCode: r.remoteCloseCode,
    verdict: verdictOf(r),
    summary: summary.filter((s) => s !== ''),
    ...(a ? { page: [...a.observedPage], wire: a.wire.map((w) => ({ what: w.what, observed: w.observed, ok: w.ok })) } : {}),
    ...(r.timedOutWaitingFor !== undefined ? { timedOutWaitingFor: r.timedOutWaitingFor } : {}),
    casePage: `${caseFileStem(r.agent, r.id)}.html`,
  };
}

function expectedOf(r: CaseResult): CompatRow['expected'] {
  const a = r.browserApi;
  if (!a) return { text: r.expectation };
  return { text: r.expectation, page: [...a.expectedPage], wire: checkedWire(a).map((w) => ({ what: w.what, expected: w.expected })) };
}

/** The engines a run compares: its browser agents with results, or, with none, every agent with results. */
function comparedAgents(run: RunResults): { agents: ReturnType<typeof orderedAgents>; browsers: boolean } {
  const withResults = new Set(run.results.map((r) => r.agent));
  const all = orderedAgents(run).filter((a) => withResults.has(a.name));
  const browsers = all.filter((a) => a.engine !== undefined && a.engine !== '');
  return browsers.length > 0 ? { agents: browsers, browsers: true } : { agents: all, browsers: false };
}

export function compatTable(run: RunResults): CompatTable {
  const { agents, browsers } = comparedAgents(run);
  const names = agents.map((a) => a.name);
  const byAgent = new Map<string, Map<string, CaseResult>>(names.map((n) => [n, new Map()]));
  for (const r of run.results) byAgent.get(r.agent)?.set(r.id, r);
  const ids = [...new Set(names.flatMap((n) => [...(byAgent.get(n)?.keys() ?? [])]))].sort(compareCaseIds);
  const families: CompatFamily[] = [];
  const caseCounts = new Map<string, number>();
  let differing = 0;
  for (const id of ids) {
    const family = reportSectionOf(id);
    caseCounts.set(family, (caseCounts.get(family) ?? 0) + 1);
    const results = names.map((n) => byAgent.get(n)?.get(id));
    const outcomes = new Set(results.map((r) => (r ? `${r.behavior}|${r.behaviorClose}` : 'missing')));
    if (names.length < 2 || outcomes.size < 2) continue;
    differing++;
    const first = results.find((r): r is CaseResult => r !== undefined) as CaseResult;
    const aspects = notableAspects(results);
    const row: CompatRow = {
      id,
      title: first.title,
      ...(first.requirement ? { requirement: { spec: first.requirement.spec, level: first.requirement.level } } : {}),
      expected: expectedOf(first),
      results: Object.fromEntries(names.map((n, i) => [n, results[i] ? observation(results[i], aspects) : null])),
    };
    const last = families.at(-1);
    if (last?.family === family) last.rows.push(row);
    else families.push({ family, title: sectionTitle(family), cases: 0, rows: [row] });
  }
  for (const f of families) f.cases = caseCounts.get(f.family) ?? 0;
  const m = run.meta;
  return {
    format: COMPAT_FORMAT,
    tool: { name: 'wsconform', version: m.version ?? '' },
    catalogueVersion: m.catalogueVersion ?? '',
    run: { mode: m.mode ?? '', startedAt: m.startedAt ?? '', ...(m.finishedAt !== undefined ? { finishedAt: m.finishedAt } : {}) },
    browsers,
    engines: agents.map((a) => ({
      agent: a.name,
      engine: a.engine ?? '',
      version: a.version ?? '',
      url: a.url ?? '',
      totals: totalsOf(run.results.filter((r) => r.agent === a.name)),
    })),
    unavailable: (m.agents ?? []).filter((a) => a.unavailable !== undefined).map((a) => ({ agent: a.name, why: a.unavailable as string })),
    compared: ids.length,
    differing,
    families,
  };
}

/** An engine's column heading: engine and version ("chromium 156.0.8078.79"), or the agent name. */
export function engineLabel(e: CompatEngine): string {
  return e.engine !== '' && e.version !== '' ? `${e.engine} ${e.version}` : e.agent;
}
