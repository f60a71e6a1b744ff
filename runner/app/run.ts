/**
 * The record of one run as it goes: run.json and results.jsonl in the outdir, a result stored the
 * moment its case ends (nothing is lost if the run dies later), and the progress line. The
 * orchestrator (orchestrate.ts) owns one per run; drivers only hand it CaseResults.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { appendResult, RESULTS_FILE, writeMeta } from '../../reports/jsonl.js';
import type { CaseResult, InterruptedCase, RunMeta, RunResults } from '../engine/results.js';
import { version } from './version.js';
import { catalogueVersion } from '../../cases/index.js';

export interface ProgressOptions {
  quiet: boolean;
  /** Live line with carriage returns (a TTY outside CI), or plain lines. */
  live: boolean;
  total: number;
  out: NodeJS.WritableStream;
}

/**
 * How the outdir is kept. 'journal' (the command line): results.jsonl starts empty and run.json is
 * rewritten whenever an agent is added and when the run ends. 'append' (the API, as it always has
 * been): results are appended to whatever results.jsonl already holds, and run.json is written
 * once, when the run starts.
 */
export type OutdirKeeping = 'journal' | 'append';

export interface RecorderOptions {
  /** Where run.json and results.jsonl go; without it the run is kept in memory only. */
  outdir?: string;
  keeping: OutdirKeeping;
  /** Progress lines as cases finish; without them the run prints nothing. */
  progress?: ProgressOptions;
}

export class RunRecorder {
  readonly meta: RunMeta;
  private readonly outdir: string | undefined;
  private readonly keeping: OutdirKeeping;
  private readonly results = new Map<string, CaseResult>();
  private readonly progress: ProgressOptions | undefined;
  private readonly t0 = Date.now();
  private done = 0;
  private failed = 0;
  private playedAgain = 0;
  private lastPlain = 0;

  constructor(mode: RunMeta['mode'], options: Record<string, unknown>, o: RecorderOptions) {
    this.outdir = o.outdir === undefined ? undefined : resolve(o.outdir);
    this.keeping = o.keeping;
    this.progress = o.progress;
    this.meta = { tool: 'wsconform', version, catalogueVersion, mode, startedAt: new Date().toISOString(), options, agents: [] };
  }

  /** Creates the outdir and writes run.json; when journaling, a new run replaces the previous results.jsonl. */
  start(): void {
    if (this.outdir === undefined) return;
    if (this.keeping === 'journal') {
      mkdirSync(this.outdir, { recursive: true });
      rmSync(join(this.outdir, RESULTS_FILE), { force: true });
    }
    writeMeta(this.outdir, this.meta);
  }

  addAgent(a: RunMeta['agents'][number]): void {
    const i = this.meta.agents.findIndex((x) => x.name === a.name);
    if (i >= 0) this.meta.agents[i] = { ...this.meta.agents[i], ...a };
    else this.meta.agents.push(a);
    this.rewriteMeta();
  }

  /**
   * Stores a finished case at once, so that nothing is lost if the run dies later. A case played
   * again (the second look under load) replaces its first result and is counted apart.
   */
  record(r: CaseResult): void {
    if (this.outdir !== undefined) appendResult(this.outdir, r);
    const key = `${r.agent}\u0000${r.id}`;
    const first = this.results.get(key);
    this.results.set(key, r);
    if (first === undefined) this.done++;
    else {
      this.playedAgain++;
      if (isFailure(first)) this.failed--;
    }
    if (isFailure(r)) this.failed++;
    this.showProgress(first !== undefined);
  }

  /** A case the stop signal ended: kept in run.json, so the summary can say what was cut off. */
  interrupted(c: InterruptedCase): void {
    (this.meta.interruptedCases ??= []).push(c);
  }

  setTotal(n: number): void {
    if (this.progress) this.progress.total = n;
  }

  private rewriteMeta(): void {
    if (this.outdir !== undefined && this.keeping === 'journal') writeMeta(this.outdir, this.meta);
  }

  private showProgress(again: boolean): void {
    const p = this.progress;
    if (!p || p.quiet) return;
    const elapsed = (Date.now() - this.t0) / 1000;
    const eta = this.done > 0 && p.total > this.done ? ` eta ${Math.ceil((elapsed / this.done) * (p.total - this.done))}s` : '';
    const second = this.playedAgain > 0 ? `, ${this.playedAgain} played again` : '';
    const line = `[${this.done}/${p.total}] ${this.failed} failed${second}, ${elapsed.toFixed(1)}s${eta}`;
    if (p.live) {
      p.out.write(`\r\x1b[K${line}`);
    } else if ((this.done === p.total && !again) || Date.now() - this.lastPlain >= 2000) {
      this.lastPlain = Date.now();
      p.out.write(`${line}\n`);
    }
  }

  endProgress(): void {
    const p = this.progress;
    if (p && p.live && !p.quiet && this.done > 0) p.out.write('\r\x1b[K');
  }

  finish(interrupted: string | null): RunResults {
    this.meta.finishedAt = new Date().toISOString();
    this.meta.wallMs = Date.now() - this.t0;
    if (interrupted) this.meta.options = { ...this.meta.options, interrupted };
    this.rewriteMeta();
    return { meta: this.meta, results: [...this.results.values()] };
  }
}

function isFailure(r: CaseResult): boolean {
  return r.behavior === 'FAILED' || ['FAILED', 'WRONG CODE', 'UNCLEAN'].includes(r.behaviorClose);
}
