/**
 * One run, however it is driven (servers, clients, browsers; from the command line or the API):
 * the recorder that keeps results as cases finish, the stop signals and the deadline, and at the
 * end the reports, the summary and the gate. A driver only produces CaseResults and agents; when
 * the run stops and what is written is decided here, the same way for every kind of target.
 */
import { setMaxListeners } from 'node:events';
import { evaluateGate, summaryText, type Policy } from '../../reports/gate.js';
import { compatPaths } from '../../reports/compat-files.js';
import { writeReports } from '../../reports/index.js';
import type { RunMeta, RunResults } from '../engine/results.js';
import { RunRecorder, type OutdirKeeping } from './run.js';

export const ExitCode = { pass: 0, failed: 1, usage: 2, sigint: 130, sigterm: 143 } as const;

/** Where a command prints: results and the summary on `out`, notes and errors on `err`. */
export interface Io {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
}

export interface RunSetup {
  mode: RunMeta['mode'];
  /** The options as run.json records them. */
  options: Record<string, unknown>;
  /** Where run.json, results.jsonl and the reports go; without it the run is kept in memory only. */
  outdir?: string;
  keeping: OutdirKeeping;
  /** Progress lines as cases finish (the command line); without it the run prints nothing. */
  progress?: { quiet: boolean; total: number; io: Io };
  /** Time limit of the whole run in seconds: once reached, no new case starts. */
  deadlineS?: number;
  /**
   * SIGINT and SIGTERM stop the run (the command line): `notice` is printed when one arrives and
   * says what happens now. Without it the process's signals are left alone (the API).
   */
  stopSignals?: { notice: string; io: Io };
}

/** What a driver gets while the run goes. */
export interface ActiveRun {
  readonly recorder: RunRecorder;
  /** Aborted by a stop signal: the cases in progress end at once, interrupted, without a verdict. */
  readonly interrupt: AbortSignal;
  /** Why the run is stopping (the signal's name, or the deadline), or null while it goes on. */
  stopping(): string | null;
  /** Resolves once a signal or the deadline stops the run. */
  readonly stopped: Promise<void>;
}

export interface RunEnd<T> {
  /** What the driver returned. */
  outcome: T;
  recorder: RunRecorder;
  stopping: string | null;
}

/**
 * Starts the record (run.json; results.jsonl as `keeping` says), arms the signals and the deadline, lets
 * `drive` run the cases, and disarms everything again however `drive` ends. The run is not
 * finished here: the caller decides whether it has results worth a report (recorder.finish).
 */
export async function orchestrate<T>(setup: RunSetup, drive: (run: ActiveRun) => Promise<T>): Promise<RunEnd<T>> {
  const progress = setup.progress;
  const recorder = new RunRecorder(setup.mode, setup.options, {
    ...(setup.outdir !== undefined ? { outdir: setup.outdir } : {}),
    keeping: setup.keeping,
    ...(progress ? { progress: { quiet: progress.quiet, live: Boolean(progress.io.out.isTTY) && process.env.CI !== 'true', total: progress.total, out: progress.io.out } } : {}),
  });
  recorder.start();
  let stopping: string | null = null;
  let markStopped = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const interrupt = new AbortController();
  setMaxListeners(0, interrupt.signal);
  const notice = setup.stopSignals;
  const off = notice
    ? onStopSignals((signal) => {
        stopping = signal;
        notice.io.err.write(`\nwsconform: ${signal}: ${notice.notice}\n`);
        interrupt.abort(signal);
        markStopped();
      })
    : () => undefined;
  const deadlineS = setup.deadlineS;
  const deadline = deadlineS
    ? setTimeout(() => {
        stopping ??= `deadline of ${deadlineS} s reached`;
        markStopped();
      }, deadlineS * 1000)
    : null;
  try {
    const outcome = await drive({ recorder, interrupt: interrupt.signal, stopping: () => stopping, stopped });
    return { outcome, recorder, stopping };
  } finally {
    off();
    if (deadline) clearTimeout(deadline);
    recorder.endProgress();
  }
}

/**
 * SIGINT/SIGTERM stop a run: no new case starts, running ones end, reports are written for what
 * finished. A second signal exits at once (results.jsonl already holds every finished case).
 */
function onStopSignals(stop: (signal: string) => void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count > 1) process.exit(signal === 'SIGINT' ? ExitCode.sigint : ExitCode.sigterm);
    stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}

/** How a finished run is judged and reported: the gate policy, and a JUnit file if one is wanted. */
export interface Conclusion {
  policy: Policy;
  junit?: string;
  /** The compatibility table's file (test-browser, report, merge --table). */
  table?: string;
}

/**
 * Writes the reports, evaluates the gate and prints the summary; returns the exit code (an
 * interrupted run: 130/143 for a signal, 1 for the deadline). The end of every run command, and
 * all that `report` and `merge` do with results already on disk.
 */
export function concludeRun(run: RunResults, outdir: string, c: Conclusion, io: Io, interrupted: string | null): number {
  const errors = writeReports(run, outdir, { policy: c.policy, ...(c.junit ? { junit: c.junit } : {}), ...(c.table ? { table: c.table } : {}) });
  for (const e of errors) io.err.write(`wsconform: could not write a report: ${e}\n`);
  const gate = evaluateGate(run, c.policy);
  io.out.write(summaryText(run, gate) + '\n');
  io.out.write(`Reports: ${outdir}/index.html (index.json, results.jsonl${c.junit ? `, ${c.junit}` : ''})\n`);
  if (c.table && !errors.some((e) => e.writer === 'compat table')) io.out.write(`Compatibility table: ${tableFiles(c.table)}\n`);
  if (interrupted === 'SIGINT') return ExitCode.sigint;
  if (interrupted === 'SIGTERM') return ExitCode.sigterm;
  if (interrupted) {
    io.err.write(`wsconform: ${interrupted}: not every selected case ran\n`);
    return ExitCode.failed;
  }
  return errors.length > 0 && gate.exitCode === 0 ? ExitCode.usage : gate.exitCode;
}

function tableFiles(path: string): string {
  const p = compatPaths(path);
  return p.markdown === null ? p.json : `${p.markdown} (${p.json})`;
}
