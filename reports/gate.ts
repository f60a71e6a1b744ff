/**
 * The CI gate: which results fail a run, as a pure function of the results and a policy.
 *
 * Policy, precisely:
 * - A case *fails the policy* when its `behavior` or its `behaviorClose` is one of the words in
 *   `failOn` (a word is matched against both axes; "FAILED" exists on both).
 * - Default `failOn` = {FAILED, WRONG CODE, UNCLEAN}: behavior FAILED, or behaviorClose FAILED,
 *   WRONG CODE or UNCLEAN. NON-STRICT, INFORMATIONAL, UNIMPLEMENTED and FAILED BY CLIENT pass.
 * - `strict`: NON-STRICT fails too.
 * - `failOn: [...]` replaces the default set (strict still adds NON-STRICT).
 * - `allow: [...]` names the words that pass; every other verdict word fails. A case passes iff
 *   both its behavior and its behaviorClose are allowed. (`failOn` = all words − `allow`;
 *   strict removes NON-STRICT from `allow`.) `failOn` and `allow` cannot be combined.
 * - `expectedFailures` (case ID -> reason, for every agent): a listed case that fails the policy
 *   passes as a known failure; a listed case that passes is reported as fixed, so the entry can
 *   be removed. Neither changes the exit code.
 * - `baseline` (an earlier index.json): a case that fails the policy still passes if it is not
 *   worse than the same agent's result for the same case in the baseline. Cases absent from the
 *   baseline are judged by the policy alone. Cases better than the baseline are listed as
 *   improvements, worse ones as `worse` (even when they still pass the policy, e.g. OK ->
 *   NON-STRICT). "Worse" compares ranks per axis (see `behaviorRank`, `closeRank`): a case is
 *   worse if either rank rose, better if neither rose and one fell.
 */
import type { CaseResult, RunResults } from '../runner/engine/results.js';
import { Behavior, CloseBehavior } from '../runner/engine/results.js';
import { getOwn, type IndexEntry, type IndexJson } from './autobahn-json.js';
import { handshakeFaultGroups } from './handshake-faults.js';
import { compareCaseIds, groupOf } from './names.js';
import { transportLines } from './transport.js';

export interface Policy {
  /** Verdict words that fail a case, matched against behavior and behaviorClose. */
  failOn: ReadonlySet<string>;
  baseline?: IndexJson;
  expectedFailures?: ReadonlyMap<string, string>;
}

export interface PolicyOptions {
  strict?: boolean;
  failOn?: readonly string[];
  allow?: readonly string[];
  baseline?: IndexJson;
  /** Case ID -> why it is known to fail. */
  expectedFailures?: ReadonlyMap<string, string> | Record<string, string>;
}

/** Every word either axis can take. */
export const VERDICT_WORDS: readonly string[] = [...new Set<string>([...Object.values(Behavior), ...Object.values(CloseBehavior)])];

export const DEFAULT_FAIL_ON: readonly string[] = [Behavior.FAILED, CloseBehavior.WRONG_CODE, CloseBehavior.UNCLEAN];

export const WSC_BAD_POLICY = 'WSC_BAD_POLICY';

function policyError(message: string): Error {
  return Object.assign(new Error(message), { code: WSC_BAD_POLICY });
}

function checkWords(option: string, words: readonly string[]): void {
  // A typo would silently let failures pass, so unknown words are refused.
  const unknown = words.filter((w) => !VERDICT_WORDS.includes(w));
  if (unknown.length > 0) {
    throw policyError(`${option}: unknown verdict ${unknown.map((w) => JSON.stringify(w)).join(', ')} (known: ${VERDICT_WORDS.join(', ')})`);
  }
}

export function makePolicy(opts: PolicyOptions = {}): Policy {
  if (opts.failOn && opts.allow) throw policyError('failOn and allow cannot be combined');
  let failOn: Set<string>;
  if (opts.allow) {
    checkWords('allow', opts.allow);
    const allowed = new Set(opts.allow);
    if (opts.strict) allowed.delete(Behavior.NON_STRICT);
    failOn = new Set(VERDICT_WORDS.filter((w) => !allowed.has(w)));
  } else {
    if (opts.failOn) checkWords('failOn', opts.failOn);
    failOn = new Set(opts.failOn ?? DEFAULT_FAIL_ON);
    if (opts.strict) failOn.add(Behavior.NON_STRICT);
  }
  const policy: Policy = { failOn };
  if (opts.baseline) policy.baseline = opts.baseline;
  if (opts.expectedFailures) {
    policy.expectedFailures = opts.expectedFailures instanceof Map ? opts.expectedFailures : new Map(Object.entries(opts.expectedFailures));
  }
  return policy;
}

export const defaultPolicy: Policy = makePolicy();

/** 0 is best. The three "neither pass nor fail" behaviors share a rank. */
export function behaviorRank(word: string): number {
  switch (word) {
    case Behavior.OK:
      return 0;
    case Behavior.NON_STRICT:
    case Behavior.INFORMATIONAL:
    case Behavior.UNIMPLEMENTED:
      return 1;
    default:
      return 2;
  }
}

export function closeRank(word: string): number {
  switch (word) {
    case CloseBehavior.OK:
      return 0;
    case CloseBehavior.INFORMATIONAL:
    case CloseBehavior.UNIMPLEMENTED:
    case CloseBehavior.FAILED_BY_CLIENT:
      return 1;
    case CloseBehavior.WRONG_CODE:
    case CloseBehavior.UNCLEAN:
      return 2;
    default:
      return 3;
  }
}

type Verdicts = Pick<CaseResult, 'behavior' | 'behaviorClose'> | Pick<IndexEntry, 'behavior' | 'behaviorClose'>;

/** -1 better, 0 same rank, 1 worse. */
export function compareVerdicts(now: Verdicts, before: Verdicts): -1 | 0 | 1 {
  const db = behaviorRank(now.behavior) - behaviorRank(before.behavior);
  const dc = closeRank(now.behaviorClose) - closeRank(before.behaviorClose);
  if (db > 0 || dc > 0) return 1;
  if (db < 0 || dc < 0) return -1;
  return 0;
}

/** Which words of a result the policy fails on, in axis order (behavior first). */
export function failingWords(r: Verdicts, policy: Policy): string[] {
  const words: string[] = [];
  if (policy.failOn.has(r.behavior)) words.push(`behavior ${r.behavior}`);
  if (policy.failOn.has(r.behaviorClose)) words.push(`close ${r.behaviorClose}`);
  return words;
}

export function failsPolicy(r: Verdicts, policy: Policy): boolean {
  return policy.failOn.has(r.behavior) || policy.failOn.has(r.behaviorClose);
}

export interface CaseRef {
  agent: string;
  id: string;
  behavior: string;
  behaviorClose: string;
  /** Why the case is in this list, one line. */
  reason: string;
}

export interface VerdictChange {
  agent: string;
  id: string;
  from: { behavior: string; behaviorClose: string };
  to: { behavior: string; behaviorClose: string };
}

export type CaseOutcome =
  | { status: 'pass' }
  /** `brief` names the failing verdicts only; `reason` adds the judge's explanations. */
  | { status: 'fail'; reason: string; brief: string }
  /** Fails the policy but is forgiven: listed in expectedFailures, or no worse than the baseline. */
  | { status: 'known'; reason: string; brief: string };

/** The gate's decision for one result. */
export function judgeCase(r: CaseResult, policy: Policy): CaseOutcome {
  const words = failingWords(r, policy);
  if (words.length === 0) return { status: 'pass' };
  const expected = policy.expectedFailures?.get(r.id);
  if (expected !== undefined) return { status: 'known', reason: `expected failure: ${expected}`, brief: `expected failure: ${expected}` };
  const before = policy.baseline ? getOwn(policy.baseline, r.agent) : undefined;
  const entry = before ? getOwn(before, r.id) : undefined;
  if (entry && compareVerdicts(r, entry) <= 0) {
    const same = `no worse than the baseline (${entry.behavior} / ${entry.behaviorClose})`;
    return { status: 'known', reason: same, brief: same };
  }
  const why = [r.behavior !== Behavior.OK ? r.result : '', r.behaviorClose !== CloseBehavior.OK ? r.resultClose : '']
    .map((s) => s.trim().replace(/\.$/, ''))
    .filter((s) => s !== '')
    .join('; ');
  const worse = entry ? `worse than the baseline (${entry.behavior} / ${entry.behaviorClose}); ` : '';
  const brief = `${worse}${words.join(', ')}`;
  return { status: 'fail', reason: `${brief}${why ? `: ${why}` : ''}`, brief };
}

export interface GateResult {
  failed: CaseRef[];
  /** Results that did not fail the gate (including known failures). */
  passed: number;
  improvements: VerdictChange[];
  worse: VerdictChange[];
  /** Failures forgiven by expectedFailures or by the baseline. */
  knownFailures: CaseRef[];
  /** Listed in expectedFailures but passing now: remove them from the file. */
  fixed: CaseRef[];
  /** In the baseline for an agent of this run, but not run this time. */
  missing: Array<{ agent: string; id: string }>;
  exitCode: 0 | 1;
}

const byAgentThenId = (a: { agent: string; id: string }, b: { agent: string; id: string }): number => (a.agent === b.agent ? compareCaseIds(a.id, b.id) : a.agent < b.agent ? -1 : 1);

export function evaluateGate(run: RunResults, policy: Policy = defaultPolicy): GateResult {
  const g: GateResult = { failed: [], passed: 0, improvements: [], worse: [], knownFailures: [], fixed: [], missing: [], exitCode: 0 };
  const seen = new Set<string>();
  for (const r of run.results) {
    seen.add(`${r.agent}\u0000${r.id}`);
    const ref = { agent: r.agent, id: r.id, behavior: r.behavior, behaviorClose: r.behaviorClose };
    const outcome = judgeCase(r, policy);
    if (outcome.status === 'fail') g.failed.push({ ...ref, reason: outcome.reason });
    else g.passed++;
    if (outcome.status === 'known') g.knownFailures.push({ ...ref, reason: outcome.reason });
    const expected = policy.expectedFailures?.get(r.id);
    if (outcome.status === 'pass' && expected !== undefined) {
      g.fixed.push({ ...ref, reason: `passes now; remove it from the expected failures (${expected})` });
    }
    const before = policy.baseline ? getOwn(policy.baseline, r.agent) : undefined;
    const entry = before ? getOwn(before, r.id) : undefined;
    if (entry) {
      const change = {
        agent: r.agent,
        id: r.id,
        from: { behavior: entry.behavior, behaviorClose: entry.behaviorClose },
        to: { behavior: r.behavior, behaviorClose: r.behaviorClose },
      };
      const cmp = compareVerdicts(r, entry);
      if (cmp < 0) g.improvements.push(change);
      else if (cmp > 0) g.worse.push(change);
    }
  }
  if (policy.baseline) {
    const agents = new Set(run.results.map((r) => r.agent));
    for (const agent of agents) {
      const before = getOwn(policy.baseline, agent);
      for (const id of Object.keys(before ?? {})) if (!seen.has(`${agent}\u0000${id}`)) g.missing.push({ agent, id });
    }
  }
  for (const list of [g.failed, g.improvements, g.worse, g.knownFailures, g.fixed, g.missing]) list.sort(byAgentThenId);
  g.exitCode = g.failed.length > 0 ? 1 : 0;
  return g;
}

// ---- one-screen summary ---------------------------------------------------------------------

const behaviorColumns: Array<[string, string]> = [
  [Behavior.OK, 'OK'],
  [Behavior.NON_STRICT, 'NON-STRICT'],
  [Behavior.INFORMATIONAL, 'INFO'],
  [Behavior.UNIMPLEMENTED, 'UNIMPL'],
  [Behavior.FAILED, 'FAILED'],
];
const closeColumns: Array<[string, string]> = [
  [CloseBehavior.WRONG_CODE, 'WRONG CODE'],
  [CloseBehavior.UNCLEAN, 'UNCLEAN'],
  [CloseBehavior.FAILED_BY_CLIENT, 'BY CLIENT'],
  [CloseBehavior.FAILED, 'FAILED'],
];

/** Aligned columns: text columns (listed in `left`) padded on the right, counts on the left. */
function table(rows: string[][], left: ReadonlySet<number>, indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  const pad = (cell: string, i: number): string => {
    const room = Math.max(0, (widths[i] ?? 0) - [...cell].length);
    return left.has(i) ? cell + ' '.repeat(room) : ' '.repeat(room) + cell;
  };
  return rows.map((row) => `${indent}${row.map(pad).join('  ')}`.trimEnd());
}

/** Agent names and reasons come from the target: keep them on one line and free of terminal escapes. */
function oneLine(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  return [...flat].length > max ? `${[...flat].slice(0, max - 1).join('')}…` : flat;
}

/** Failing IDs grouped as "6.4: 1 2 3" when there are too many to list one per line. */
function compressIds(ids: string[]): string[] {
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const group = groupOf(id);
    const list = groups.get(group) ?? [];
    list.push(group === id ? id : id.slice(group.length + 1));
    groups.set(group, list);
  }
  return [...groups].map(([group, rest]) => `${group}: ${rest.join(' ')} (${rest.length})`);
}

const LIST_LIMIT = 20;
const GROUP_LINE_LIMIT = 12;

/**
 * The failures of a target whose opening handshake is broken, one line per agent and fault ("every
 * case failed in the opening handshake: wrong Sec-WebSocket-Accept"); they leave the list of
 * failures. The handshake.* cases, judged on requests of their own, stay listed.
 */
function handshakeFaultLines(run: RunResults, failed: readonly CaseRef[]): { lines: string[]; rest: CaseRef[] } {
  const key = (r: { agent: string; id: string }): string => `${r.agent}\u0000${r.id}`;
  const failing = new Set(failed.map(key));
  const said = new Set<string>();
  const lines: string[] = [];
  for (const g of handshakeFaultGroups(run)) {
    const n = g.results.filter((r) => failing.has(key(r))).length;
    if (n === 0) continue;
    for (const r of g.results) said.add(key(r));
    const what = g.every ? 'every case failed in the opening handshake' : `${n} cases failed in the opening handshake`;
    lines.push(`  ${oneLine(g.agent, 24)}  ${what}: ${oneLine(g.fault, 80)}${g.every ? ` (${n} failures)` : ''}`);
  }
  return { lines, rest: failed.filter((f) => !said.has(key(f))) };
}

export function summaryText(run: RunResults, gate: GateResult): string {
  const out: string[] = [];
  const agents = [...new Set(run.results.map((r) => r.agent))];
  const m = run.meta;
  const wall = m.wallMs !== undefined ? `, ${(m.wallMs / 1000).toFixed(1)} s` : '';
  out.push(`wsconform ${m.version} (${m.mode}): ${run.results.length} results, ${agents.length} agent(s)${wall}`);
  // One line each: the certificate names come from the target.
  out.push(...transportLines(run).map((l) => oneLine(l, 300)));
  out.push('');
  const header = ['agent', ...behaviorColumns.map(([, h]) => h), '| close:', ...closeColumns.map(([, h]) => h)];
  const rows = [header];
  for (const agent of agents) {
    const mine = run.results.filter((r) => r.agent === agent);
    const count = (pick: (r: CaseResult) => boolean): string => String(mine.filter(pick).length);
    rows.push([oneLine(agent, 32), ...behaviorColumns.map(([w]) => count((r) => r.behavior === w)), '|', ...closeColumns.map(([w]) => count((r) => r.behaviorClose === w))]);
  }
  out.push(...table(rows, new Set([0, behaviorColumns.length + 1])));

  if (gate.failed.length > 0) {
    out.push('', `Failures (${gate.failed.length}):`);
    const { lines: faultLines, rest } = handshakeFaultLines(run, gate.failed);
    out.push(...faultLines);
    if (rest.length <= LIST_LIMIT) {
      const list = rest.map((f) => [oneLine(f.agent, 24), f.id, oneLine(f.reason, 100)]);
      out.push(...table(list, new Set([0, 1, 2]), '  '));
    } else {
      let lines = 0;
      let hidden = 0;
      for (const agent of agents) {
        const ids = rest.filter((f) => f.agent === agent).map((f) => f.id);
        if (ids.length === 0) continue;
        const groups = compressIds(ids);
        for (const [i, g] of groups.entries()) {
          if (lines >= GROUP_LINE_LIMIT) {
            hidden += groups.length - i;
            break;
          }
          out.push(`  ${i === 0 ? oneLine(agent, 24) : ' '.repeat(Math.min([...agent].length, 24))}  ${oneLine(g, 100)}`);
          lines++;
        }
      }
      if (hidden > 0) out.push(`  … and ${hidden} more group(s); see the HTML report`);
    }
  }
  const idList = (list: Array<{ agent: string; id: string }>): string => {
    const shown = list.slice(0, 10).map((c) => (agents.length > 1 ? `${c.id} (${oneLine(c.agent, 24)})` : c.id));
    return `${shown.join(', ')}${list.length > 10 ? `, … ${list.length - 10} more` : ''}`;
  };
  if (gate.worse.length > 0) out.push('', `Worse than the baseline (${gate.worse.length}): ${idList(gate.worse)}`);
  if (gate.improvements.length > 0) out.push('', `Better than the baseline (${gate.improvements.length}): ${idList(gate.improvements)}`);
  if (gate.knownFailures.length > 0) out.push('', `Known failures, not counted (${gate.knownFailures.length}): ${idList(gate.knownFailures)}`);
  if (gate.fixed.length > 0) out.push('', `Fixed, remove from the expected failures (${gate.fixed.length}): ${idList(gate.fixed)}`);
  if (gate.missing.length > 0) out.push('', `In the baseline but not run (${gate.missing.length}): ${idList(gate.missing)}`);
  for (const a of m.agents) {
    const p = a.pace;
    if (!p) continue;
    const parts: string[] = [];
    if (p.inPage) {
      // A browser's line is always there: it says the second look cost nothing, or what it found.
      const notRun = p.notPlayedAgain ? `; ${p.notPlayedAgain} could not be played again (the first verdict stands)` : '';
      out.push('', `Pacing, ${oneLine(a.name, 32)}: ${p.confirmed} timer verdict(s) played again with one case at a time in the page, ${p.changed} changed${notRun}`);
      continue;
    }
    const client = p.clientReplay;
    if (client) {
      // A client picks its own concurrency: the harness only ran its command again.
      if (p.confirmed > 0) parts.push(`${p.confirmed} timer verdict(s) reached beside other cases played again, the client command run with only those cases, ${p.changed} changed`);
      if (client.kept > 0) parts.push(`${client.kept} kept their first verdict (${oneLine(client.keptBecause ?? 'the second run gave none', 80)})`);
    } else {
      if (p.monitored === false) parts.push('no load monitor (the target refused its connection or its pings)');
      if (p.bulkApart) parts.push(`the target answered late under load: concurrency down to ${p.lowestConcurrency}, bulk cases run apart`);
      if (p.confirmed > 0) parts.push(`${p.confirmed} timer verdict(s) played again with the target not busy, ${p.changed} changed`);
    }
    if (parts.length > 0) out.push('', `${client ? 'Second look' : 'Pacing'}, ${oneLine(a.name, 32)}: ${parts.join('; ')}`);
  }
  const cut = m.interruptedCases ?? [];
  if (cut.length > 0)
    out.push(
      '',
      `Interrupted, no verdict (${cut.length}): ${cut
        .slice(0, 10)
        .map((c) => `${c.id} (${oneLine(c.why, 80)})`)
        .join(', ')}${cut.length > 10 ? `, … ${cut.length - 10} more` : ''}`,
    );
  out.push('', `${gate.failed.length} failed, ${gate.passed} passed: exit ${gate.exitCode}`);
  return `${out.join('\n')}\n`;
}
