/**
 * The commands that run no case: `report` (render and gate results already on disk again),
 * `merge` (shards and runs of several agents into one) and `list` (the catalogue, or a selection).
 */
import type { Command } from 'commander';
import { readRun, writeMeta, writeResults } from '../../../reports/jsonl.js';
import type { RunResults } from '../../engine/results.js';
import { MergeRefused, mergeRuns, readParts } from '../merge.js';
import { concludeRun, ExitCode, type Io } from '../orchestrate.js';
import { addGateOptions, addTableOption, collect, conclusionFrom, policyFrom, selectFrom, selectionOf, UsageError, type GateOptions } from './options.js';

export function addReportCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  addTableOption(addGateOptions(program.command('report').argument('<outdir>', 'a run directory holding results.jsonl')))
    .description('render the reports again from results.jsonl (after a crash, Ctrl-C, or to apply another policy)')
    .action((outdir: string, o: GateOptions) => {
      let run: RunResults;
      try {
        run = readRun(outdir);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      setExit(concludeRun(run, outdir, conclusionFrom(o, policyFrom(o)), io, null));
    });
}

export function addMergeCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  addTableOption(
    addGateOptions(
      program.command('merge').argument('<out>', 'directory for the merged results and reports').argument('<dirs...>', 'run directories (shards, or runs of other agents) holding results.jsonl'),
    ),
  )
    .description('merge shards and runs into one index.json, HTML report and JUnit file')
    .action((out: string, dirs: string[], o: GateOptions) => {
      let merged: ReturnType<typeof mergeRuns>;
      try {
        merged = mergeRuns(readParts(dirs));
      } catch (e) {
        if (e instanceof MergeRefused) throw new UsageError(`merge refused: ${e.message}`);
        throw new UsageError((e as Error).message);
      }
      for (const w of merged.warnings) io.err.write(`wsconform: warning: ${w}\n`);
      // Whole files, each replaced atomically: a crash leaves OUT's previous file, never half of the new one.
      writeResults(out, merged.run.results);
      writeMeta(out, merged.run.meta);
      setExit(concludeRun(merged.run, out, conclusionFrom(o, policyFrom(o)), io, null));
    });
}

export function addListCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('list')
    .description('list the cases of the catalogue (with --cases/--exclude: the selection)')
    .option('--cases <patterns>', 'patterns to select (default: all)', collect)
    .option('--exclude <patterns>', 'patterns to leave out (default: none)', collect)
    .action((o: { cases?: string[]; exclude?: string[] }) => {
      for (const c of selectFrom(selectionOf(o), io)) io.out.write(`${c.id.padEnd(10)} ${c.title}\n`);
      setExit(ExitCode.pass);
    });
}
