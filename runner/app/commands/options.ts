/**
 * What the commands share: the options of every run (selection, limits, sharding) and of every
 * gate (policy, JUnit), turned into what the engine and the reports take, and the usage error that
 * main() prints as one line with exit 2.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { allCases, type CaseDef } from '../../../cases/index.js';
import { parseIndexJson } from '../../../reports/autobahn-json.js';
import { makePolicy, type Policy } from '../../../reports/gate.js';
import { parseShard, selectCases, shardCases, splitPatterns, unmatchedPatterns, type Selection } from '../../engine/plan.js';
import { caseTimeoutOptions, DEFAULT_CONCURRENCY, defaultSessionOptions, type SessionOptions } from '../../engine/defaults.js';
import { readJsonFile, SpecError } from '../fuzzingclient-spec.js';
import type { Conclusion, Io } from '../orchestrate.js';

/** A user error: printed as one line, no stack trace, exit 2. */
export class UsageError extends Error {
  readonly code = 'WSCONFORM_USAGE';
}

export const intOption =
  (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    return n;
  };
const secondsOption =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number of seconds.`);
    return n;
  };
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** The gate options, as commander hands them over. */
export interface GateOptions {
  junit?: string;
  strict?: boolean;
  failOn?: string;
  allow?: string;
  baseline?: string;
  expectFailures?: string;
  quiet?: boolean;
  /** The compatibility table (test-browser, report and merge take --table). */
  table?: string;
}

/** The options of every run command, as commander hands them over. */
export interface CommonOptions extends GateOptions {
  cases?: string[];
  exclude?: string[];
  outdir: string;
  concurrency: number;
  /** Seconds; undefined: 60, stretched to a case's own longer timer (9.x, 12.x, 13.x). */
  timeout?: number;
  deadline?: number;
  failByDrop?: boolean;
  maxMessageSize: number;
  shard?: string;
}

export function addRunOptions(cmd: Command, defaultOutdir: string): Command {
  const run = cmd
    .option('--cases <patterns>', 'cases to run: IDs or patterns with * (e.g. "1.*,6.4.*"); repeatable (default: all)', collect)
    .option('--exclude <patterns>', 'cases to leave out, same syntax; repeatable (default: none)', collect)
    .option('--outdir <dir>', 'where results and reports go', defaultOutdir)
    .option('--concurrency <n>', 'cases run at once (verdicts do not depend on it)', intOption('--concurrency', 1, 1024), DEFAULT_CONCURRENCY)
    .option('--timeout <seconds>', "hard time limit for one case (default: 60, or the case's own timer + 5 s where longer: 9.x, 12.x, 13.x)", secondsOption('--timeout'))
    .option('--deadline <seconds>', 'time limit for the whole run; cases not started by then are not run (default: none)', secondsOption('--deadline'))
    .option('--fail-by-drop', "fail connections by dropping TCP instead of a close handshake (Autobahn's failByDrop)")
    .addOption(
      new Option('--max-message-size <bytes>', 'largest message or frame accepted from the target')
        .argParser(intOption('--max-message-size', 1024))
        .default(defaultSessionOptions.maxMessageSize, '64 MiB'),
    )
    .option('--shard <i/n>', 'run only shard i of n (1-based), split deterministically and balanced by cost; merge the outdirs with `wsconform merge`', shardOption);
  return addGateOptions(run);
}

function shardOption(v: string): string {
  if (!parseShard(v)) throw new InvalidArgumentError('--shard must look like 2/4 (shard 2 of 4).');
  return v;
}

export function applyShard(cases: CaseDef[], shard: string | undefined): CaseDef[] {
  const s = shard ? parseShard(shard) : null;
  return s ? shardCases(cases, s.index, s.count) : cases;
}

/** The gate options: of every run command, and of those that judge results already on disk (report, merge). */
export function addGateOptions(cmd: Command): Command {
  return cmd
    .option('--junit <file>', 'also write a JUnit XML report to this file')
    .option('--strict', 'NON-STRICT counts as a failure')
    .option('--fail-on <verdicts>', 'comma-separated verdicts that fail the run (default: FAILED,WRONG CODE,UNCLEAN)')
    .option('--allow <verdicts>', 'comma-separated verdicts that pass; every other verdict fails the run')
    .option('--baseline <index.json>', "fail only on cases that got worse than in this earlier run's index.json")
    .option('--expect-failures <file>', 'JSON object of known failures: {"case id": "why"}; they do not fail the run')
    .option('--quiet', 'print only the summary');
}

export function policyFrom(o: GateOptions): Policy {
  const words = (v: string | undefined): string[] | undefined =>
    v === undefined
      ? undefined
      : v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  try {
    const failOn = words(o.failOn);
    const allow = words(o.allow);
    const p: Parameters<typeof makePolicy>[0] = { strict: o.strict ?? false };
    if (failOn) p.failOn = failOn;
    if (allow) p.allow = allow;
    if (o.baseline) p.baseline = parseIndexJson(readJsonFile(o.baseline));
    if (o.expectFailures) {
      const v = readJsonFile(o.expectFailures);
      if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
        throw new UsageError(`${o.expectFailures}: must be a JSON object mapping case IDs to the reason they are known to fail`);
      }
      p.expectedFailures = v as Record<string, string>;
    }
    return makePolicy(p);
  } catch (e) {
    if (e instanceof UsageError || e instanceof SpecError) throw e;
    // Policy errors name the API fields; say the options instead.
    throw new UsageError((e as Error).message.replace(/\bfailOn\b/g, '--fail-on').replace(/\ballow\b/g, '--allow'));
  }
}

/** The policy and the JUnit file of the gate options, for concludeRun. */
export function conclusionFrom(o: GateOptions, policy: Policy): Conclusion {
  return { policy, ...(o.junit ? { junit: o.junit } : {}), ...(o.table ? { table: o.table } : {}) };
}

/** `--table`: of the commands whose runs can compare browser engines (test-browser, report, merge). */
export function addTableOption(cmd: Command): Command {
  return cmd.option('--table <file>', 'also write the compatibility table (the cases where the engines differ, with their totals): Markdown with a .json beside it, or JSON alone for a .json path');
}

/** The session options of a run; `failByDrop`, where given, is a target's own (a wstest spec's server entry). */
export function sessionFrom(o: CommonOptions, target: { failByDrop?: boolean } = {}): SessionOptions {
  return { ...defaultSessionOptions, failByDrop: target.failByDrop ?? o.failByDrop ?? false, ...caseTimeoutOptions(o.timeout), maxMessageSize: o.maxMessageSize };
}

/** The selected catalogue cases; warns of a pattern that matches nothing, refuses an empty selection. */
export function selectFrom(patterns: Selection, io: Io): CaseDef[] {
  for (const p of unmatchedPatterns(allCases, [...patterns.cases, ...patterns.exclude])) io.err.write(`wsconform: warning: pattern ${JSON.stringify(p)} matches no case\n`);
  const selected = selectCases(allCases, patterns);
  if (selected.length === 0) throw new UsageError('no case selected: check --cases and --exclude (wsconform list shows every case)');
  return selected;
}

export function selectionOf(o: { cases?: string[]; exclude?: string[] }): Selection {
  return { cases: splitPatterns(o.cases), exclude: splitPatterns(o.exclude) };
}
