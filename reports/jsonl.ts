/**
 * The run on disk: results.jsonl (one CaseResult per line, appended the moment a case ends) and
 * run.json (the metadata). Reports can be rendered again from these two files alone, including
 * after a run was killed half-way. Whole-file writes (run.json, a merge's results.jsonl) replace
 * the file atomically, so a crash never leaves half of one.
 */
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseResult, RunMeta, RunResults } from '../runner/engine/results.js';
import { writeFileAtomic } from './atomic-write.js';

export const RESULTS_FILE = 'results.jsonl';
export const META_FILE = 'run.json';

/** Error codes of readRun. */
export const WSC_NO_RESULTS = 'WSC_NO_RESULTS';
export const WSC_RESULTS_CORRUPT = 'WSC_RESULTS_CORRUPT';

function harnessError(code: string, message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}

/** True when the file exists, is not empty, and its last byte is not a newline. */
function endsMidLine(path: string): boolean {
  if (!existsSync(path)) return false;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends one result as a JSON line. If an earlier, killed run left a partial last line, the new
 * line starts on a line of its own, so only that partial line is lost.
 */
export function appendResult(outdir: string, result: CaseResult): void {
  mkdirSync(outdir, { recursive: true });
  const path = join(outdir, RESULTS_FILE);
  const line = `${JSON.stringify(result)}\n`;
  appendFileSync(path, endsMidLine(path) ? `\n${line}` : line);
}

/** Replaces results.jsonl as a whole (a merge): if writing fails part-way, the old file stays as it was. */
export function writeResults(outdir: string, results: Iterable<CaseResult>): void {
  mkdirSync(outdir, { recursive: true });
  writeFileAtomic(
    join(outdir, RESULTS_FILE),
    (function* () {
      for (const r of results) yield `${JSON.stringify(r)}\n`;
    })(),
  );
}

export function writeMeta(outdir: string, meta: RunMeta): void {
  mkdirSync(outdir, { recursive: true });
  writeFileAtomic(join(outdir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
}

/** Parses results.jsonl text: blank lines are skipped, a broken last line is dropped, a broken line elsewhere is an error. */
export function parseResultLines(text: string, source = RESULTS_FILE): CaseResult[] {
  const lines = text.split('\n');
  // Index of the last non-blank line: the only one allowed to be cut short.
  let last = lines.length - 1;
  while (last >= 0 && (lines[last] as string).trim() === '') last--;
  const byKey = new Map<string, CaseResult>();
  for (let i = 0; i <= last; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      if (i === last) break;
      throw harnessError(WSC_RESULTS_CORRUPT, `${source}: line ${i + 1} is not JSON`, err);
    }
    if (typeof value !== 'object' || value === null || typeof (value as CaseResult).id !== 'string' || typeof (value as CaseResult).agent !== 'string') {
      if (i === last) break;
      throw harnessError(WSC_RESULTS_CORRUPT, `${source}: line ${i + 1} is not a case result`);
    }
    const r = value as CaseResult;
    // A re-run of the same case replaces the earlier line (Map.set keeps the first position).
    byKey.set(`${r.agent}\u0000${r.id}`, r);
  }
  return [...byKey.values()];
}

/** Metadata for results whose run.json is missing (e.g. the run was killed before writing it). */
function recoveredMeta(results: CaseResult[]): RunMeta {
  const agents = [...new Set(results.map((r) => r.agent))].map((name) => ({ name }));
  return {
    tool: 'wsconform',
    version: 'unknown',
    catalogueVersion: 'unknown',
    mode: results[0]?.role === 'server' ? 'test-client' : 'test-server',
    startedAt: results[0]?.started ?? new Date(0).toISOString(),
    options: {},
    agents,
  };
}

/** Reads a run back from `outdir`. Throws WSC_NO_RESULTS if neither file exists. */
export function readRun(outdir: string): RunResults {
  const resultsPath = join(outdir, RESULTS_FILE);
  const metaPath = join(outdir, META_FILE);
  const haveResults = existsSync(resultsPath);
  const haveMeta = existsSync(metaPath);
  if (!haveResults && !haveMeta) throw harnessError(WSC_NO_RESULTS, `no ${RESULTS_FILE} or ${META_FILE} in ${outdir}`);
  const results = haveResults ? parseResultLines(readFileSync(resultsPath, 'utf8'), resultsPath) : [];
  let meta: RunMeta;
  if (haveMeta) {
    try {
      meta = JSON.parse(readFileSync(metaPath, 'utf8')) as RunMeta;
    } catch (err) {
      throw harnessError(WSC_RESULTS_CORRUPT, `${metaPath} is not JSON`, err);
    }
  } else {
    meta = recoveredMeta(results);
  }
  return { meta, results };
}
