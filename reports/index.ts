/**
 * Writes every report for a run into outdir. Each writer runs on its own: one that throws is
 * recorded and the others still run, so a template bug never costs the index.json a CI job reads.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunResults } from '../runner/engine/results.js';
import { writeFileAtomic } from './atomic-write.js';
import { caseJson, indexJson, pyJson } from './autobahn-json.js';
import { writeCompatTable } from './compat-files.js';
import { defaultPolicy, type Policy } from './gate.js';
import { renderHtml } from './html.js';
import { junitXml } from './junit.js';
import { caseFileStem } from './names.js';

export { agentFileName, caseFileStem, compareCaseIds, groupOf, sectionOf } from './names.js';
export { caseJson, indexJson, parseIndexJson, pyJson, type IndexJson } from './autobahn-json.js';
export { appendResult, readRun, writeMeta, writeResults } from './jsonl.js';
export { evaluateGate, makePolicy, summaryText, defaultPolicy, type GateResult, type Policy, type PolicyOptions } from './gate.js';
export { renderHtml } from './html.js';
export { junitXml } from './junit.js';
export { compatTable, type CompatTable } from './compat.js';
export { compatJson, compatMarkdown } from './compat-markdown.js';

export interface ReportOptions {
  /** Write index.html and the case pages (default true). */
  html?: boolean;
  /** Write index.json and the per-case JSON files (default true). */
  json?: boolean;
  /** Also write JUnit XML to this path (relative paths are relative to the working directory). */
  junit?: string;
  /** Also write the compatibility table here: Markdown with JSON beside it, or only JSON for a .json path. */
  table?: string;
  /** Decides which cases the HTML and JUnit mark as failing; pass the gate's policy. */
  policy?: Policy;
}

export type ReportWriter = 'index.json' | 'case json' | 'html' | 'junit' | 'compat table';

/** A writer that failed; the message names the writer, `cause` holds the original error. */
export class ReportError extends Error {
  readonly code = 'WSC_REPORT_FAILED';
  constructor(
    readonly writer: ReportWriter,
    cause: unknown,
  ) {
    super(`${writer}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ReportError';
  }
}

/** Writes the reports; returns the errors of the writers that failed (empty when all succeeded). */
export function writeReports(run: RunResults, outdir: string, opts: ReportOptions = {}): ReportError[] {
  const policy = opts.policy ?? defaultPolicy;
  const errors: ReportError[] = [];
  const attempt = (writer: ReportWriter, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      errors.push(new ReportError(writer, err));
    }
  };
  if (opts.json ?? true) {
    attempt('index.json', () => {
      mkdirSync(outdir, { recursive: true });
      // Replaced atomically: CI jobs and --baseline read it, and a half-written one would fail them.
      writeFileAtomic(join(outdir, 'index.json'), pyJson(indexJson(run)));
    });
    attempt('case json', () => {
      mkdirSync(outdir, { recursive: true });
      // One broken result must not stop the rest: write them all, then report the first error.
      let first: unknown;
      for (const r of run.results) {
        try {
          writeFileSync(join(outdir, `${caseFileStem(r.agent, r.id)}.json`), pyJson(caseJson(r)));
        } catch (err) {
          first ??= err;
        }
      }
      if (first !== undefined) throw first;
    });
  }
  if (opts.html ?? true) attempt('html', () => renderHtml(run, outdir, { policy }));
  if (opts.junit !== undefined) {
    const path = opts.junit;
    attempt('junit', () => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, junitXml(run, { policy }));
    });
  }
  if (opts.table !== undefined) {
    const path = opts.table;
    attempt('compat table', () => writeCompatTable(run, path));
  }
  return errors;
}
