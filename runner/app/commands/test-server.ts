/**
 * Testing servers: `test-server` (wsconform is the fuzzing client, optionally also sending
 * generated fuzz sequences) and `replay` (one fuzz reproducer against a server). runServerTargets
 * is also what `-m fuzzingclient` runs for each server of its spec file.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { allCases, type CaseDef } from '../../../cases/index.js';
import { casesForRole, selectCases } from '../../engine/plan.js';
import type { PaceSummary } from '../../engine/results.js';
import { DEFAULT_MEMORY_BUDGET_BYTES, DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS, defaultSessionOptions } from '../../engine/defaults.js';
import { probeServer, runAgainstServer, UnreachableTargetError } from '../../fuzzing-client/run.js';
import { fuzzCases, fuzzServer, readReproducer, replay, ReproducerError } from '../../fuzz/index.js';
import { spawnEchoServer } from '../../targets/echo-server.js';
import { concludeRun, ExitCode, orchestrate, type Io } from '../orchestrate.js';
import { addRunOptions, applyShard, conclusionFrom, intOption, policyFrom, selectFrom, selectionOf, sessionFrom, UsageError, type CommonOptions } from './options.js';

/** One server to test; without a URL, the built-in ws echo server. */
export interface ServerTarget {
  url?: string;
  agent?: string;
  /** The target's own failByDrop (a wstest spec's server entry), over the run's. */
  failByDrop?: boolean;
}

export interface ServerRun {
  mode: 'test-server' | 'fuzzingclient';
  targets: ServerTarget[];
  /** Catalogue cases. */
  cases: CaseDef[];
  /** Generated fuzz sequences, run after the catalogue on each target (test-server --fuzz). */
  fuzz?: CaseDef[];
  /** Cases left out for one agent (a wstest spec's exclude-agent-cases). */
  skip?: (agent: string, id: string) => boolean;
}

const catalogueIndex = new Map(allCases.map((c, i) => [c.id, i + 1]));

/** Tests each server in turn; an unreachable one is reported as unavailable (or, alone, exits 2). */
export async function runServerTargets(r: ServerRun, o: CommonOptions, io: Io): Promise<number> {
  const policy = policyFrom(o);
  const fuzz = r.fuzz ?? [];
  const outdir = resolve(o.outdir);
  const { outcome, recorder, stopping } = await orchestrate(
    {
      mode: r.mode,
      options: {
        cases: o.cases ?? [],
        exclude: o.exclude ?? [],
        concurrency: o.concurrency,
        timeout: o.timeout,
        failByDrop: o.failByDrop ?? false,
        maxMessageSize: o.maxMessageSize,
        ...(o.shard ? { shard: o.shard } : {}),
      },
      outdir,
      keeping: 'journal',
      progress: { quiet: o.quiet ?? false, total: (r.cases.length + fuzz.length) * r.targets.length, io },
      ...(o.deadline ? { deadlineS: o.deadline } : {}),
      // A stop signal ends the cases in progress at once (interrupted, no verdict); the reports follow.
      stopSignals: { notice: 'ending the cases in progress, then writing reports (again to exit at once)', io },
    },
    async (active): Promise<'done' | 'unreachable'> => {
      const rec = active.recorder;
      const shouldStop = (): boolean => active.stopping() !== null;
      for (const target of r.targets) {
        if (shouldStop()) break;
        let pace: PaceSummary | undefined;
        let url = target.url;
        const builtin = url === undefined ? await spawnEchoServer() : null;
        if (builtin) {
          url = builtin.url;
          if (!o.quiet) io.out.write(`No URL given: testing the built-in echo server (the ws package) at ${url}\n`);
        }
        try {
          const { agent } = await runAgainstServer({
            url: url!,
            ...(target.agent ? { agent: target.agent } : builtin ? { agent: 'ws-builtin-echo' } : {}),
            cases: r.cases,
            caseIndex: (d) => catalogueIndex.get(d.id) ?? 0,
            concurrency: o.concurrency,
            memoryBudget: DEFAULT_MEMORY_BUDGET_BYTES,
            session: { ...sessionFrom(o, target), interrupt: active.interrupt },
            openHandshakeTimeoutMs: DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS,
            ...(r.skip ? { skip: r.skip } : {}),
            onResult: (c) => rec.record(c),
            onInterrupted: (c) => rec.interrupted(c),
            onPace: (p) => (pace = p),
            shouldStop,
          });
          if (fuzz.length > 0 && !shouldStop()) {
            // Generated sequences, several per connection; failures are shrunk into reproducer files.
            const f = await fuzzServer({
              url: url!,
              agent,
              defs: fuzz,
              outdir,
              concurrency: o.concurrency,
              session: sessionFrom(o, target),
              openHandshakeTimeoutMs: DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS,
              onResult: (c) => rec.record(c),
              shouldStop,
              log: (line) => io.err.write(`wsconform: ${line}\n`),
            });
            if (f.reproducers.length > 0 && !o.quiet) io.out.write(`Fuzz reproducers (replay with: wsconform replay FILE URL):\n${f.reproducers.map((p) => `  ${p}\n`).join('')}`);
          }
          rec.addAgent({ name: agent, url: url!, ...(pace ? { pace } : {}) });
        } catch (e) {
          if (!(e instanceof UnreachableTargetError)) throw e;
          rec.endProgress();
          io.err.write(`wsconform: ${e.message}\n`);
          if (r.targets.length === 1) return 'unreachable';
          rec.addAgent({ name: target.agent ?? url!, url: url!, unavailable: e.message });
        } finally {
          await builtin?.stop();
        }
      }
      return 'done';
    },
  );
  if (outcome === 'unreachable') return ExitCode.usage;
  const run = recorder.finish(stopping);
  if (run.results.length === 0 && run.meta.agents.every((a) => a.unavailable)) return ExitCode.usage;
  return concludeRun(run, outdir, conclusionFrom(o, policy), io, stopping);
}

type TestServerOptions = CommonOptions & { agent?: string; fuzz?: number; seed?: number };

export function addTestServerCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  addRunOptions(
    program
      .command('test-server')
      .argument('[url]', 'ws:// or wss:// URL of the server under test; without it, a built-in ws echo server is tested')
      .option('--agent <name>', "name for the report (default: the server's Server header)")
      .option('--fuzz <n>', 'also run n generated fuzz sequences (fuzz.<seed>.1 …); failures are shrunk into reproducer files in the outdir (default: none)', intOption('--fuzz', 1, 1_000_000))
      .option('--seed <s>', 'seed for --fuzz: the same seed gives the same sequences (default: from the clock, printed)', intOption('--seed', 0, 0xffffffff)),
    './reports/servers',
  )
    .description('test a WebSocket server: wsconform is the fuzzing client')
    .action(async (url: string | undefined, o: TestServerOptions) => {
      if (o.seed !== undefined && o.fuzz === undefined) throw new UsageError('--seed needs --fuzz');
      if (url !== undefined) {
        try {
          const u = new URL(url);
          if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error();
        } catch {
          throw new UsageError(`${JSON.stringify(url)} is not a ws:// or wss:// URL`);
        }
      }
      const seed = o.seed ?? Date.now() >>> 0;
      const fuzz = o.fuzz ? selectCases(fuzzCases(seed, o.fuzz), selectionOf(o)) : [];
      if (fuzz.length > 0 && !o.quiet) io.out.write(`Fuzzing with ${fuzz.length} sequence(s), seed ${seed} (the same --seed gives the same sequences)\n`);
      // --cases 'fuzz.*' selects only fuzz sequences: no catalogue case then.
      const cases = fuzz.length > 0 && selectCases(allCases, selectionOf(o)).length === 0 ? [] : applyShard(casesForRole(selectFrom(selectionOf(o), io), 'client'), o.shard);
      const target: ServerTarget = {};
      if (url !== undefined) target.url = url;
      if (o.agent !== undefined) target.agent = o.agent;
      setExit(await runServerTargets({ mode: 'test-server', targets: [target], cases, fuzz }, o, io));
    });
}

export function addReplayCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('replay')
    .argument('<file>', 'a reproducer written by test-server --fuzz (fuzz-<seed>-<n>.repro.json)')
    .argument('<url>', 'ws:// or wss:// URL of the server to replay it against')
    .description('replay a fuzz reproducer and print the verdict (exit 0: passed, 1: failed, 2: bad file or unreachable server)')
    .action(async (file: string, url: string) => {
      if (!/^wss?:\/\//.test(url)) throw new UsageError(`${JSON.stringify(url)} is not a ws:// or wss:// URL`);
      try {
        readReproducer(file);
        await probeServer(url, DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS);
        const r = await replay(file, url, { session: defaultSessionOptions, openHandshakeTimeoutMs: DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS });
        io.out.write(r.lines.join('\n') + '\n');
        setExit(r.exitCode === 0 ? ExitCode.pass : ExitCode.failed);
      } catch (e) {
        if (e instanceof ReproducerError || e instanceof UnreachableTargetError) throw new UsageError(e.message);
        throw e;
      }
    });
}
