/**
 * What every run command shares: the outdir and its streamed results, progress output, signals,
 * the final reports and the gate. Drivers only produce CaseResults.
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

export class RunRecorder {
  readonly outdir: string;
  readonly meta: RunMeta;
  private readonly results = new Map<string, CaseResult>();
  private readonly progress: ProgressOptions;
  private readonly t0 = Date.now();
  private done = 0;
  private failed = 0;
  private lastPlain = 0;

  constructor(outdir: string, mode: RunMeta['mode'], options: Record<string, unknown>, progress: ProgressOptions) {
    this.outdir = resolve(outdir);
    this.progress = progress;
    this.meta = { tool: 'wsconform', version, catalogueVersion, mode, startedAt: new Date().toISOString(), options, agents: [] };
  }

  /** Creates the outdir and starts a fresh results.jsonl (a new run replaces the previous one). */
  start(): void {
    mkdirSync(this.outdir, { recursive: true });
    rmSync(join(this.outdir, RESULTS_FILE), { force: true });
    writeMeta(this.outdir, this.meta);
  }

  addAgent(a: RunMeta['agents'][number]): void {
    const i = this.meta.agents.findIndex((x) => x.name === a.name);
    if (i >= 0) this.meta.agents[i] = { ...this.meta.agents[i], ...a };
    else this.meta.agents.push(a);
    writeMeta(this.outdir, this.meta);
  }

  /** Stores a finished case at once, so that nothing is lost if the run dies later. */
  record(r: CaseResult): void {
    appendResult(this.outdir, r);
    this.results.set(`${r.agent}\u0000${r.id}`, r);
    this.done++;
    if (r.behavior === 'FAILED' || ['FAILED', 'WRONG CODE', 'UNCLEAN'].includes(r.behaviorClose)) this.failed++;
    this.showProgress();
  }

  /** A case the stop signal ended: kept in run.json, so the summary can say what was cut off. */
  interrupted(c: InterruptedCase): void {
    (this.meta.interruptedCases ??= []).push(c);
  }

  setTotal(n: number): void {
    this.progress.total = n;
  }

  private showProgress(): void {
    const p = this.progress;
    if (p.quiet) return;
    const elapsed = (Date.now() - this.t0) / 1000;
    const eta = this.done > 0 && p.total > this.done ? ` eta ${Math.ceil((elapsed / this.done) * (p.total - this.done))}s` : '';
    const line = `[${this.done}/${p.total}] ${this.failed} failed, ${elapsed.toFixed(1)}s${eta}`;
    if (p.live) {
      p.out.write(`\r\x1b[K${line}`);
    } else if (this.done === p.total || Date.now() - this.lastPlain >= 2000) {
      this.lastPlain = Date.now();
      p.out.write(`${line}\n`);
    }
  }

  endProgress(): void {
    if (this.progress.live && !this.progress.quiet && this.done > 0) this.progress.out.write('\r\x1b[K');
  }

  finish(interrupted: string | null): RunResults {
    this.meta.finishedAt = new Date().toISOString();
    this.meta.wallMs = Date.now() - this.t0;
    if (interrupted) this.meta.options = { ...this.meta.options, interrupted };
    writeMeta(this.outdir, this.meta);
    return { meta: this.meta, results: [...this.results.values()] };
  }
}

/**
 * SIGINT/SIGTERM stop a run: no new case starts, running ones get a moment to end, reports are
 * written for what finished. A second signal exits at once (results.jsonl already holds them).
 */
export function onStopSignals(stop: (signal: string) => void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}
