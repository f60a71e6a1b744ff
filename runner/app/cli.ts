/**
 * The command line: the one composition root. Commands and options are pinned by users' scripts;
 * keep them stable. Exit codes: 0 every case passed the gate, 1 a case failed, 2 usage or
 * configuration error or an unreachable target, 130/143 interrupted by SIGINT/SIGTERM.
 */
import { setMaxListeners } from 'node:events';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { allCases, type CaseDef } from '../../cases/index.js';
import { parseIndexJson } from '../../reports/autobahn-json.js';
import { evaluateGate, makePolicy, summaryText, type Policy } from '../../reports/gate.js';
import { writeReports } from '../../reports/index.js';
import { readRun, writeMeta, writeResults } from '../../reports/jsonl.js';
import { casesForRole, parseShard, selectCases, shardCases, splitPatterns, unmatchedPatterns } from '../engine/plan.js';
import { MergeRefused, mergeRuns, readParts } from './merge.js';
import type { PaceSummary, RunResults } from '../engine/results.js';
import { RunRecorder, onStopSignals } from './run.js';
import { caseTimeoutOptions, DEFAULT_CASE_TIMEOUT_S, DEFAULT_CLIENT_COMMAND_LIMIT_S, DEFAULT_CONCURRENCY, DEFAULT_PAGE_CONCURRENCY, defaultSessionOptions, type SessionOptions } from '../engine/defaults.js';
import { probeServer, runAgainstServer, UnreachableTargetError } from '../fuzzing-client/run.js';
import { DEFAULT_CLIENT_SPEC, ensureSpecFile, parseFuzzingClientSpec, readJsonFile, SpecError } from './fuzzingclient-spec.js';
import { spawnEchoServer } from '../targets/echo-server.js';
import { startFuzzingServer, type FuzzingServer } from '../fuzzing-server/server.js';
import { runClientCommand } from '../fuzzing-server/client-command.js';
import { agentCaseSkipper, applySpecOptions, DEFAULT_SERVER_SPEC, parseFuzzingServerSpec } from './fuzzingserver-spec.js';
import { ENGINES, isEngineName, reachFromPublicUrl, runBrowsers, type EngineName } from '../browser/index.js';
import { version } from './version.js';
import { fuzzCases, fuzzServer, readReproducer, replay, ReproducerError } from '../fuzz/index.js';

export const ExitCode = { pass: 0, failed: 1, usage: 2, sigint: 130, sigterm: 143 } as const;

/** A user error: printed as one line, no stack trace, exit 2. */
export class UsageError extends Error {
  readonly code = 'WSCONFORM_USAGE';
}

interface Io {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
}

const intOption = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
  return n;
};
const secondsOption = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number of seconds.`);
  return n;
};
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

interface CommonOptions {
  cases?: string[];
  exclude?: string[];
  outdir: string;
  concurrency: number;
  /** Seconds; undefined: 60, stretched to a case's own longer timer (9.x, 12.x, 13.x). */
  timeout?: number;
  deadline?: number;
  failByDrop?: boolean;
  maxMessageSize: number;
  junit?: string;
  strict?: boolean;
  failOn?: string;
  allow?: string;
  baseline?: string;
  expectFailures?: string;
  quiet?: boolean;
  shard?: string;
}

function addRunOptions(cmd: Command, defaultOutdir: string): Command {
  const run = cmd
    .option('--cases <patterns>', 'cases to run: IDs or patterns with * (e.g. "1.*,6.4.*"); repeatable (default: all)', collect)
    .option('--exclude <patterns>', 'cases to leave out, same syntax; repeatable (default: none)', collect)
    .option('--outdir <dir>', 'where results and reports go', defaultOutdir)
    .option('--concurrency <n>', 'cases run at once (verdicts do not depend on it)', intOption('--concurrency', 1, 1024), DEFAULT_CONCURRENCY)
    .option('--timeout <seconds>', "hard time limit for one case (default: 60, or the case's own timer + 5 s where longer: 9.x, 12.x, 13.x)", secondsOption('--timeout'))
    .option('--deadline <seconds>', 'time limit for the whole run; cases not started by then are not run (default: none)', secondsOption('--deadline'))
    .option('--fail-by-drop', "fail connections by dropping TCP instead of a close handshake (Autobahn's failByDrop)")
    .addOption(new Option('--max-message-size <bytes>', 'largest message or frame accepted from the target').argParser(intOption('--max-message-size', 1024)).default(64 * 1024 * 1024, '64 MiB'))
    .option('--shard <i/n>', 'run only shard i of n (1-based), split deterministically and balanced by cost; merge the outdirs with `wsconform merge`', shardOption);
  return addGateOptions(run);
}

function shardOption(v: string): string {
  if (!parseShard(v)) throw new InvalidArgumentError('--shard must look like 2/4 (shard 2 of 4).');
  return v;
}

function applyShard(cases: CaseDef[], shard: string | undefined): CaseDef[] {
  const s = shard ? parseShard(shard) : null;
  return s ? shardCases(cases, s.index, s.count) : cases;
}

/** The gate options: of every run command, and of those that judge results already on disk (report, merge). */
function addGateOptions(cmd: Command): Command {
  return cmd
    .option('--junit <file>', 'also write a JUnit XML report to this file')
    .option('--strict', 'NON-STRICT counts as a failure')
    .option('--fail-on <verdicts>', 'comma-separated verdicts that fail the run (default: FAILED,WRONG CODE,UNCLEAN)')
    .option('--allow <verdicts>', 'comma-separated verdicts that pass; every other verdict fails the run')
    .option('--baseline <index.json>', "fail only on cases that got worse than in this earlier run's index.json")
    .option('--expect-failures <file>', 'JSON object of known failures: {"case id": "why"}; they do not fail the run')
    .option('--quiet', 'print only the summary');
}

function policyFrom(o: CommonOptions): Policy {
  const words = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));
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

function sessionFrom(o: CommonOptions, failByDrop?: boolean): SessionOptions {
  return { ...defaultSessionOptions, failByDrop: failByDrop ?? o.failByDrop ?? false, ...caseTimeoutOptions(o.timeout), maxMessageSize: o.maxMessageSize };
}

function selectFrom(patterns: { cases: string[]; exclude: string[] }, io: Io): CaseDef[] {
  for (const p of unmatchedPatterns(allCases, [...patterns.cases, ...patterns.exclude])) io.err.write(`wsconform: warning: pattern ${JSON.stringify(p)} matches no case\n`);
  const selected = selectCases(allCases, patterns);
  if (selected.length === 0) throw new UsageError('no case selected: check --cases and --exclude (wsconform list shows every case)');
  return selected;
}

const catalogueIndex = new Map(allCases.map((c, i) => [c.id, i + 1]));

/** Writes the reports, evaluates the gate, prints the summary; returns the exit code. */
function finishRun(run: RunResults, outdir: string, o: CommonOptions, policy: Policy, io: Io, interrupted: string | null): number {
  const errors = writeReports(run, outdir, o.junit ? { junit: o.junit, policy } : { policy });
  for (const e of errors) io.err.write(`wsconform: could not write a report: ${e}\n`);
  const gate = evaluateGate(run, policy);
  io.out.write(summaryText(run, gate) + '\n');
  io.out.write(`Reports: ${outdir}/index.html (index.json, results.jsonl${o.junit ? `, ${o.junit}` : ''})\n`);
  if (interrupted === 'SIGINT') return ExitCode.sigint;
  if (interrupted === 'SIGTERM') return ExitCode.sigterm;
  if (interrupted) {
    io.err.write(`wsconform: ${interrupted}: not every selected case ran\n`);
    return ExitCode.failed;
  }
  return errors.length > 0 && gate.exitCode === 0 ? ExitCode.usage : gate.exitCode;
}

interface ServerTargetSpec {
  url?: string;
  agent?: string;
  failByDrop?: boolean;
}

async function runServerTargets(targets: ServerTargetSpec[], selection: CaseDef[], o: CommonOptions, mode: 'test-server' | 'fuzzingclient', io: Io, skip?: (agent: string, id: string) => boolean, fuzz: CaseDef[] = []): Promise<number> {
  const policy = policyFrom(o);
  const rec = new RunRecorder(o.outdir, mode, { cases: o.cases ?? [], exclude: o.exclude ?? [], concurrency: o.concurrency, timeout: o.timeout, failByDrop: o.failByDrop ?? false, maxMessageSize: o.maxMessageSize, ...(o.shard ? { shard: o.shard } : {}) }, {
    quiet: o.quiet ?? false,
    live: Boolean(io.out.isTTY) && process.env.CI !== 'true',
    total: (selection.length + fuzz.length) * targets.length,
    out: io.out,
  });
  rec.start();
  let stopping: string | null = null;
  // A stop signal ends the cases in progress at once (interrupted, no verdict); the reports follow.
  const interrupt = new AbortController();
  setMaxListeners(0, interrupt.signal);
  const off = onStopSignals((signal) => {
    stopping = signal;
    io.err.write(`\nwsconform: ${signal}: ending the cases in progress, then writing reports (again to exit at once)\n`);
    interrupt.abort(signal);
  });
  const deadline = o.deadline ? setTimeout(() => (stopping ??= `deadline of ${o.deadline} s reached`), o.deadline * 1000) : null;
  try {
    for (const target of targets) {
      if (stopping) break;
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
          cases: selection,
          caseIndex: (d) => catalogueIndex.get(d.id) ?? 0,
          concurrency: o.concurrency,
          memoryBudget: 96 * 1024 * 1024,
          session: { ...sessionFrom(o, target.failByDrop), interrupt: interrupt.signal },
          openHandshakeTimeoutMs: 5000,
          ...(skip ? { skip } : {}),
          onResult: (r) => rec.record(r),
          onInterrupted: (c) => rec.interrupted(c),
          onPace: (p) => (pace = p),
          shouldStop: () => stopping !== null,
        });
        if (fuzz.length > 0 && !stopping) {
          // Generated sequences, several per connection; failures are shrunk into reproducer files.
          const f = await fuzzServer({ url: url!, agent, defs: fuzz, outdir: rec.outdir, concurrency: o.concurrency, session: sessionFrom(o, target.failByDrop), openHandshakeTimeoutMs: 5000, onResult: (r) => rec.record(r), shouldStop: () => stopping !== null, log: (line) => io.err.write(`wsconform: ${line}\n`) });
          if (f.reproducers.length > 0 && !o.quiet) io.out.write(`Fuzz reproducers (replay with: wsconform replay FILE URL):\n${f.reproducers.map((r) => `  ${r}\n`).join('')}`);
        }
        rec.addAgent({ name: agent, url: url!, ...(pace ? { pace } : {}) });
      } catch (e) {
        if (!(e instanceof UnreachableTargetError)) throw e;
        rec.endProgress();
        io.err.write(`wsconform: ${e.message}\n`);
        if (targets.length === 1) return ExitCode.usage;
        rec.addAgent({ name: target.agent ?? url!, url: url!, unavailable: e.message });
      } finally {
        await builtin?.stop();
      }
    }
  } finally {
    off();
    if (deadline) clearTimeout(deadline);
    rec.endProgress();
  }
  const run = rec.finish(stopping);
  if (run.results.length === 0 && run.meta.agents.every((a) => a.unavailable)) return ExitCode.usage;
  return finishRun(run, rec.outdir, o, policy, io, stopping);
}

interface ClientRunSpec {
  openHandshakeTimeoutMs?: number;
  host: string;
  port: number;
  command?: string;
  agent: string;
  skip?: (agent: string, id: string) => boolean;
  session: SessionOptions;
  maxConnections?: number;
  /**
   * Without a command, when the run ends: once every agent that ran a case has called /updateReports
   * (the default), once this many agents have, or only when stopped (wstest's fuzzing server).
   */
  until?: { agents: number } | 'stopped';
}

/** Testing clients: serve Autobahn's URL protocol, run the client command if there is one, gate. */
async function runClients(selection: CaseDef[], c: ClientRunSpec, o: CommonOptions, mode: 'test-client' | 'fuzzingserver', io: Io): Promise<number> {
  const policy = policyFrom(o);
  const rec = new RunRecorder(o.outdir, mode, { cases: o.cases ?? [], exclude: o.exclude ?? [], timeout: o.timeout, failByDrop: c.session.failByDrop, maxMessageSize: c.session.maxMessageSize, ...(o.shard ? { shard: o.shard } : {}), ...(c.command ? { command: c.command } : {}) }, {
    quiet: o.quiet ?? false,
    live: Boolean(io.out.isTTY) && process.env.CI !== 'true',
    total: selection.length,
    out: io.out,
  });
  rec.start();
  const log = (line: string): void => {
    if (!o.quiet) io.err.write(`wsconform: ${line}\n`);
  };
  const seen = new Set<string>();
  let server: FuzzingServer;
  try {
    server = await startFuzzingServer({
      host: c.host,
      port: c.port,
      cases: selection,
      session: c.session,
      openHandshakeTimeoutMs: c.openHandshakeTimeoutMs ?? 5000,
      ...(c.skip ? { skip: c.skip } : {}),
      ...(c.maxConnections ? { maxConnections: c.maxConnections } : {}),
      onResult: (r) => {
        if (!seen.has(r.agent)) {
          seen.add(r.agent);
          rec.addAgent({ name: r.agent });
          rec.setTotal(selection.length * Math.max(seen.size, typeof c.until === 'object' ? c.until.agents : 1));
        }
        rec.record(r);
      },
      onUpdateReports: () => {
        // Reports as they stand now, like Autobahn's /updateReports; the final ones follow at the end.
        const partial = { meta: rec.meta, results: server.results() };
        for (const e of writeReports(partial, rec.outdir, { policy })) log(`could not write a report: ${e.message}`);
      },
      log,
    });
  } catch (e) {
    throw new UsageError(`cannot listen on ${c.host}:${c.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!o.quiet) {
    io.out.write(`Fuzzing server on ${server.url}: ${selection.length} cases (runCase?case=1..${selection.length}&agent=NAME, then updateReports?agent=NAME)\n`);
    if (c.until === 'stopped') io.out.write('Serving until stopped (Ctrl-C, SIGTERM or /stopServer); reports are written on each /updateReports and at the end\n');
    else if (c.until) io.out.write(`Serving until ${c.until.agents} agents have called /updateReports (or until stopped)\n`);
  }
  let stopping: string | null = null;
  const off = onStopSignals((signal) => {
    stopping = signal;
    io.err.write(`\nwsconform: ${signal}: writing reports for the cases that finished\n`);
  });
  const deadline = o.deadline ? setTimeout(() => (stopping ??= `deadline of ${o.deadline} s reached`), o.deadline * 1000) : null;
  const stopped = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (stopping) {
        clearInterval(poll);
        resolve();
      }
    }, 100);
    const ended = c.until === 'stopped' ? server.stopped() : c.until ? server.agentsReported(c.until.agents) : server.allAgentsDone();
    void ended.then(() => {
      clearInterval(poll);
      resolve();
    });
  });
  let commandNote: string | null = null;
  try {
    if (c.command) {
      const outcome = await Promise.race([
        runClientCommand(server, c.command, { agent: c.agent, timeoutMs: (o.deadline ?? DEFAULT_CLIENT_COMMAND_LIMIT_S) * 1000, idleTimeoutMs: (o.timeout ?? DEFAULT_CASE_TIMEOUT_S) * 1000, log }),
        stopped.then(() => null),
      ]);
      if (outcome) {
        const tail = outcome.stderrTail.trim().split('\n').slice(-20).join('\n');
        commandNote = `client command ${outcome.endedBecause === 'exited' ? `exited with ${outcome.code ?? outcome.signal}` : `ended (${outcome.endedBecause})`}${tail ? `; stderr tail:\n${tail}` : ''}`;
        rec.meta.options = { ...rec.meta.options, clientCommand: { line: outcome.command, exitCode: outcome.code, signal: outcome.signal, endedBecause: outcome.endedBecause, stderrTail: tail } };
      }
    } else {
      await stopped;
    }
  } finally {
    off();
    if (deadline) clearTimeout(deadline);
    await server.close();
    rec.endProgress();
  }
  const run = rec.finish(stopping);
  if (run.results.length === 0) {
    io.err.write(`wsconform: no client ran a case${commandNote ? ` (${commandNote})` : ''}\n`);
    if (!stopping) return ExitCode.usage;
  }
  const exitCode = (rec.meta.options.clientCommand as { exitCode?: number | null } | undefined)?.exitCode;
  if (commandNote && exitCode !== 0) io.err.write(`wsconform: ${commandNote}\n`);
  return finishRun(run, rec.outdir, o, policy, io, stopping);
}

interface BrowserOptions extends CommonOptions {
  executablePath?: string;
  headed?: boolean;
  browserEndpoint?: string;
  webdriverUrl?: string;
  publicUrl?: string;
}

/** Testing browsers: each engine's page plays the selected cases; an engine that cannot run is reported, not fatal. */
async function runBrowserTargets(engine: string, o: BrowserOptions, io: Io): Promise<number> {
  if (engine !== 'all' && !isEngineName(engine)) throw new UsageError(`unknown engine ${JSON.stringify(engine)}: use ${ENGINES.join(', ')} or all`);
  for (const [flag, value] of [['--executable-path', o.executablePath], ['--browser-endpoint', o.browserEndpoint], ['--webdriver-url', o.webdriverUrl]] as const) {
    if (engine === 'all' && value !== undefined) throw new UsageError(`${flag} needs one engine (chromium, firefox or webkit), not all`);
  }
  if (o.browserEndpoint !== undefined && o.webdriverUrl !== undefined) throw new UsageError('--browser-endpoint and --webdriver-url exclude each other');
  if (o.browserEndpoint !== undefined && !/^wss?:\/\//.test(o.browserEndpoint)) throw new UsageError(`--browser-endpoint ${JSON.stringify(o.browserEndpoint)} is not a ws:// URL`);
  if (o.webdriverUrl !== undefined && !/^https?:\/\//.test(o.webdriverUrl)) throw new UsageError(`--webdriver-url ${JSON.stringify(o.webdriverUrl)} is not an http:// URL`);
  if (o.publicUrl !== undefined) {
    try {
      reachFromPublicUrl(o.publicUrl);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const engines: EngineName[] = engine === 'all' ? [...ENGINES] : [engine as EngineName];
  const selected = applyShard(selectFrom(selectionOf(o), io), o.shard);
  const cases = casesForRole(selected, 'server');
  const apiCases = selected.filter((c) => c.applies === 'browsers');
  const policy = policyFrom(o);
  const perEngine = cases.length + apiCases.length;
  const rec = new RunRecorder(o.outdir, 'test-browser', { engines, cases: o.cases ?? [], exclude: o.exclude ?? [], concurrency: o.concurrency, timeout: o.timeout, maxMessageSize: o.maxMessageSize, ...(o.shard ? { shard: o.shard } : {}), ...(o.executablePath ? { executablePath: o.executablePath } : {}), ...(o.headed ? { headed: true } : {}), ...(o.browserEndpoint ? { browserEndpoint: o.browserEndpoint } : {}), ...(o.webdriverUrl ? { webdriverUrl: o.webdriverUrl } : {}), ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}) }, {
    quiet: o.quiet ?? false,
    live: Boolean(io.out.isTTY) && process.env.CI !== 'true',
    total: perEngine * engines.length,
    out: io.out,
  });
  rec.start();
  let stopping: string | null = null;
  const off = onStopSignals((signal) => {
    stopping = signal;
    io.err.write(`\nwsconform: ${signal}: stopping the browsers, then writing reports\n`);
  });
  const deadline = o.deadline ? setTimeout(() => (stopping ??= `deadline of ${o.deadline} s reached`), o.deadline * 1000) : null;
  let unavailable = 0;
  // The browsers close while the reports are written.
  let closing: Promise<void> = Promise.resolve();
  try {
    await runBrowsers({
      engines,
      cases,
      apiCases,
      session: sessionFrom(o),
      concurrency: o.concurrency,
      ...(o.executablePath !== undefined ? { executablePath: o.executablePath } : {}),
      ...(o.headed ? { headed: true } : {}),
      ...(o.browserEndpoint !== undefined ? { browserEndpoint: o.browserEndpoint } : {}),
      ...(o.webdriverUrl !== undefined ? { webdriverUrl: o.webdriverUrl } : {}),
      ...(o.publicUrl !== undefined ? { publicUrl: o.publicUrl } : {}),
      onAgent: (a) => {
        rec.addAgent({ name: a.name, engine: a.engine, version: a.version, url: a.description });
        if (!o.quiet) io.out.write(`${a.name}: ${a.description}\n`);
      },
      onUnavailable: (name, why) => {
        unavailable++;
        rec.endProgress();
        io.err.write(`wsconform: ${name}: not available: ${why}\n`);
        rec.addAgent({ name, engine: name, unavailable: why });
        rec.setTotal(perEngine * (engines.length - unavailable));
      },
      onResult: (r) => rec.record(r),
      log: (line) => {
        if (!o.quiet) io.err.write(`wsconform: ${line}\n`);
      },
      shouldStop: () => stopping !== null,
      deferClose: (c) => (closing = c),
    });
  } finally {
    off();
    if (deadline) clearTimeout(deadline);
    rec.endProgress();
  }
  const code = finishRun(rec.finish(stopping), rec.outdir, o, policy, io, stopping);
  await closing;
  return unavailable === engines.length ? ExitCode.usage : code;
}

async function runFuzzingServerSpec(file: string | undefined, io: Io): Promise<number> {
  const specFile = file ?? 'fuzzingserver.json';
  if (file === undefined && ensureSpecFile(specFile, DEFAULT_SERVER_SPEC)) io.out.write(`Created ${specFile} with the default settings.\n`);
  const spec = parseFuzzingServerSpec(readJsonFile(specFile), specFile);
  for (const name of spec.ignoredOptions) io.err.write(`wsconform: note: option "${name}" in ${specFile} has no effect here\n`);
  const selection = casesForRole(selectFrom({ cases: spec.cases, exclude: spec.excludeCases }, io), 'server');
  const o: CommonOptions = { cases: spec.cases, exclude: spec.excludeCases, outdir: spec.outdir, concurrency: 32, maxMessageSize: 64 * 1024 * 1024 };
  const session = applySpecOptions(sessionFrom(o), spec.options);
  const handshakeMs = spec.options.openHandshakeTimeout !== undefined ? { openHandshakeTimeoutMs: Math.round(spec.options.openHandshakeTimeout * 1000) } : {};
  // wstest's fuzzing server serves until it is stopped: clients may come one after another.
  return runClients(selection, { ...handshakeMs, host: spec.host, port: spec.port, agent: 'client', skip: agentCaseSkipper(spec.excludeAgentCases), session, until: 'stopped', ...(spec.options.maxConnections ? { maxConnections: spec.options.maxConnections } : {}) }, o, 'fuzzingserver', io);
}

function selectionOf(o: CommonOptions): { cases: string[]; exclude: string[] } {
  return { cases: splitPatterns(o.cases), exclude: splitPatterns(o.exclude) };
}

async function runFuzzingClientSpec(file: string | undefined, io: Io): Promise<number> {
  const specFile = file ?? 'fuzzingclient.json';
  if (file === undefined && ensureSpecFile(specFile, DEFAULT_CLIENT_SPEC)) io.out.write(`Created ${specFile} with the default settings.\n`);
  const spec = parseFuzzingClientSpec(readJsonFile(specFile), specFile);
  const selection = casesForRole(selectFrom({ cases: spec.cases, exclude: spec.excludeCases }, io), 'client');
  const skip = agentCaseSkipper(spec.excludeAgentCases);
  const o: CommonOptions = { cases: spec.cases, exclude: spec.excludeCases, outdir: spec.outdir, concurrency: 32, maxMessageSize: 64 * 1024 * 1024, failByDrop: spec.options.failByDrop ?? false };
  return runServerTargets(
    spec.servers.map((s) => ({ url: s.url, ...(s.agent ? { agent: s.agent } : {}), failByDrop: s.options.failByDrop ?? spec.options.failByDrop ?? false })),
    selection,
    o,
    'fuzzingclient',
    io,
    skip,
  );
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('wsconform')
    .description('WebSocket conformance tests: the Autobahn|Testsuite catalogue and more, against servers, clients and browsers.')
    .version(version, '-V, --version')
    .addOption(new Option('-m, --mode <mode>', "wstest compatibility: run a wstest spec file").choices(['fuzzingclient', 'fuzzingserver']))
    .option('-s, --spec <file>', 'wstest spec file (default: ./fuzzingclient.json or ./fuzzingserver.json, created if missing)')
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
      // One line, worded like our own usage errors: "wsconform: unknown option '--bogus' (see --help)".
      outputError: (s, write) => write(`wsconform: ${s.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (see --help)\n`),
    })
    .exitOverride()
    .action(async (o: { mode?: string; spec?: string }) => {
      if (program.args[0] === 'help') {
        const sub = program.commands.find((c) => c.name() === program.args[1]);
        if (program.args.length === 1 || sub) return (sub ?? program).outputHelp();
      }
      if (program.args.length > 0) throw new UsageError(`unknown command ${JSON.stringify(program.args[0] === 'help' ? program.args[1] : program.args[0])} (commands: ${program.commands.map((c) => c.name()).join(', ')})`);
      if (!o.mode) {
        if (o.spec) throw new UsageError('--spec needs --mode fuzzingclient or --mode fuzzingserver');
        program.outputHelp();
        return setExit(ExitCode.usage);
      }
      if (o.mode === 'fuzzingclient') return setExit(await runFuzzingClientSpec(o.spec, io));
      return setExit(await runFuzzingServerSpec(o.spec, io));
    });

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
    .action(async (url: string | undefined, o: CommonOptions & { agent?: string; fuzz?: number; seed?: number }) => {
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
      const catalogue = fuzz.length > 0 && selectCases(allCases, selectionOf(o)).length === 0 ? [] : applyShard(casesForRole(selectFrom(selectionOf(o), io), 'client'), o.shard);
      const target: ServerTargetSpec = {};
      if (url !== undefined) target.url = url;
      if (o.agent !== undefined) target.agent = o.agent;
      setExit(await runServerTargets([target], catalogue, o, 'test-server', io, undefined, fuzz));
    });

  addRunOptions(
    program
      .command('test-client')
      .option('--host <host>', 'interface to listen on', '127.0.0.1')
      .option('--port <port>', 'port to listen on (0: any free port)', intOption('--port', 0, 65535), 9001)
      .option('--command <command>', 'client command to start; {url}, {agent} and {port} are replaced (e.g. "node client.js {url} {agent}") (default: none, start the client yourself)')
      .option('--agent <name>', 'agent name passed to --command as {agent}', 'client')
      .option('--agents <n>', 'without --command: end once n distinct agents have called /updateReports, for clients run one after another (default: once every agent that ran a case has)', intOption('--agents', 1, 100_000))
      .option('--serve', 'without --command: serve until stopped (Ctrl-C, SIGTERM or /stopServer), like wstest -m fuzzingserver; reports are written on each /updateReports and at the end'),
    './reports/clients',
  )
    .description("test a WebSocket client: wsconform is the fuzzing server and speaks Autobahn's client URL protocol")
    .action(async (o: CommonOptions & { host: string; port: number; command?: string; agent: string; agents?: number; serve?: boolean }) => {
      if (o.command && (o.agents !== undefined || o.serve)) throw new UsageError(`${o.serve ? '--serve' : '--agents'} is for clients you start yourself: with --command the run ends when the command exits`);
      if (o.agents !== undefined && o.serve) throw new UsageError('--agents and --serve exclude each other');
      const selection = applyShard(casesForRole(selectFrom(selectionOf(o), io), 'server'), o.shard);
      const until = o.serve ? { until: 'stopped' as const } : o.agents !== undefined ? { until: { agents: o.agents } } : {};
      setExit(await runClients(selection, { host: o.host, port: o.port, agent: o.agent, session: sessionFrom(o), ...until, ...(o.command ? { command: o.command } : {}) }, o, 'test-client', io));
    });

  addRunOptions(
    program
      .command('test-browser')
      .argument('[engine]', `${ENGINES.join(', ')} or all`, 'chromium')
      .option('--executable-path <path>', 'the browser binary to use (one engine only; default: the installed one)')
      .option('--headed', 'show the browser window (Xvfb is started when DISPLAY is unset)')
      .option('--browser-endpoint <url>', 'connect to a Playwright browser server (ws://HOST:PORT/…, from launchServer or `playwright run-server`) instead of launching (default: launch locally)')
      .option('--webdriver-url <url>', 'open the browser through this WebDriver endpoint (Selenium Grid, WebKitWebDriver: http://HOST:PORT) instead of launching (default: launch locally)')
      .option('--public-url <url>', 'the address at which the browser reaches wsconform (http://HOST), for a browser on another machine (default: http://127.0.0.1)'),
    './reports/browsers',
  )
    .description(`test browsers: the page's WebSocket is the client under test (Autobahn's catalogue), and the browser-API cases (api.*) run in the page; --concurrency defaults to ${DEFAULT_PAGE_CONCURRENCY} here`)
    .action(async (engine: string, o: BrowserOptions, cmd: Command) => {
      // A page runs fewer sockets at once than a server takes: Chromium delays new WebSockets exponentially in the pending ones.
      if (cmd.getOptionValueSource('concurrency') === 'default') o.concurrency = DEFAULT_PAGE_CONCURRENCY;
      setExit(await runBrowserTargets(engine, o, io));
    });

  program
    .command('replay')
    .argument('<file>', 'a reproducer written by test-server --fuzz (fuzz-<seed>-<n>.repro.json)')
    .argument('<url>', 'ws:// or wss:// URL of the server to replay it against')
    .description('replay a fuzz reproducer and print the verdict (exit 0: passed, 1: failed, 2: bad file or unreachable server)')
    .action(async (file: string, url: string) => {
      if (!/^wss?:\/\//.test(url)) throw new UsageError(`${JSON.stringify(url)} is not a ws:// or wss:// URL`);
      try {
        readReproducer(file);
        await probeServer(url, 5000);
        const r = await replay(file, url, { session: defaultSessionOptions, openHandshakeTimeoutMs: 5000 });
        io.out.write(r.lines.join('\n') + '\n');
        setExit(r.exitCode === 0 ? ExitCode.pass : ExitCode.failed);
      } catch (e) {
        if (e instanceof ReproducerError || e instanceof UnreachableTargetError) throw new UsageError(e.message);
        throw e;
      }
    });

  addGateOptions(program.command('report').argument('<outdir>', 'a run directory holding results.jsonl'))
    .description('render the reports again from results.jsonl (after a crash, Ctrl-C, or to apply another policy)')
    .action((outdir: string, o: CommonOptions) => {
      let run: RunResults;
      try {
        run = readRun(outdir);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      setExit(finishRun(run, outdir, o, policyFrom(o), io, null));
    });

  addGateOptions(
    program
      .command('merge')
      .argument('<out>', 'directory for the merged results and reports')
      .argument('<dirs...>', 'run directories (shards, or runs of other agents) holding results.jsonl'),
  )
    .description('merge shards and runs into one index.json, HTML report and JUnit file')
    .action((out: string, dirs: string[], o: CommonOptions) => {
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
      setExit(finishRun(merged.run, out, o, policyFrom(o), io, null));
    });

  program
    .command('list')
    .description('list the cases of the catalogue (with --cases/--exclude: the selection)')
    .option('--cases <patterns>', 'patterns to select (default: all)', collect)
    .option('--exclude <patterns>', 'patterns to leave out (default: none)', collect)
    .action((o: { cases?: string[]; exclude?: string[] }) => {
      for (const c of selectFrom({ cases: splitPatterns(o.cases), exclude: splitPatterns(o.exclude) }, io)) io.out.write(`${c.id.padEnd(10)} ${c.title}\n`);
      setExit(ExitCode.pass);
    });

  // Only the top level takes stray words, to name an unknown command itself; set after the
  // subcommands so that they keep refusing excess arguments.
  program.allowExcessArguments(true);
  return program;
}

export async function main(argv: string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  let code: number = ExitCode.pass;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0 ? ExitCode.pass : ExitCode.usage;
    }
    if (e instanceof UsageError || e instanceof SpecError) {
      io.err.write(`wsconform: ${e.message}\n`);
      return ExitCode.usage;
    }
    throw e;
  }
}

