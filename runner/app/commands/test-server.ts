/**
 * Testing servers: `test-server` (wsconform is the fuzzing client, optionally also sending
 * generated fuzz sequences) and `replay` (one fuzz reproducer against a server). runServerTargets
 * is also what `-m fuzzingclient` runs for each server of its spec file.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { allCases, type CaseDef } from '../../../cases/index.js';
import { casesForRole, leftOutOverHttp1, selectCases } from '../../engine/plan.js';
import type { PaceSummary } from '../../engine/results.js';
import { DEFAULT_MEMORY_BUDGET_BYTES, DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS, defaultSessionOptions } from '../../engine/defaults.js';
import { http11Only, probeServer, runAgainstServer, UnreachableTargetError } from '../../fuzzing-client/run.js';
import { isH2Case, runH2Cases } from '../../fuzzing-client/h2-cases/index.js';
import type { ClientTlsOptions } from '../../fuzzing-client/tls.js';
import { readCaFile } from '../tls-files.js';
import { fuzzCases, fuzzServer, readReproducer, replay, ReproducerError } from '../../fuzz/index.js';
import { spawnEchoServer } from '../../targets/echo-server.js';
import { HypercornMissingError, spawnHypercorn } from '../../targets/hypercorn.js';
import { concludeRun, ExitCode, orchestrate, type Io } from '../orchestrate.js';
import { addRunOptions, applyShard, collect, conclusionFrom, intOption, policyFrom, selectFrom, selectionOf, sessionFrom, UsageError, type CommonOptions } from './options.js';

/** One server to test; without a URL, the built-in ws echo server. */
export interface ServerTarget {
  url?: string;
  agent?: string;
  /** The target's own failByDrop (a wstest spec's server entry), over the run's. */
  failByDrop?: boolean;
  /** TLS options for a wss:// URL, for every connection to this target. */
  tls?: ClientTlsOptions;
  /** Every WebSocket as an extended CONNECT stream over HTTP/2 (RFC 8441), this many streams at most per connection. */
  http2?: { streamsPerConnection: number };
}

/** WebSocket streams on one HTTP/2 connection by default (fewer when the server allows fewer). */
export const DEFAULT_HTTP2_STREAMS = 16;

export interface ServerRun {
  mode: 'test-server' | 'fuzzingclient';
  targets: ServerTarget[];
  /** Catalogue cases. */
  cases: CaseDef[];
  /** Generated fuzz sequences, run after the catalogue on each target (test-server --fuzz). */
  fuzz?: CaseDef[];
  /** Cases left out for one agent (a wstest spec's exclude-agent-cases). */
  skip?: (agent: string, id: string) => boolean;
  /** What to do about a certificate the run cannot verify, in the words of this command's input. */
  certificateHint: string;
}

const catalogueIndex = new Map(allCases.map((c, i) => [c.id, i + 1]));

/** Tests each server in turn; an unreachable one is reported as unavailable (or, alone, exits 2). */
export async function runServerTargets(r: ServerRun, o: CommonOptions, io: Io): Promise<number> {
  const policy = policyFrom(o);
  const fuzz = r.fuzz ?? [];
  const outdir = resolve(o.outdir);
  const progressTotal = r.targets.reduce((n, t) => n + (t.http2 ? r.cases.filter((c) => !http11Only(c)).length : r.cases.length) + fuzz.length, 0);
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
      progress: { quiet: o.quiet ?? false, total: progressTotal, io },
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
        let builtin: { url: string; stop: () => Promise<unknown> } | null = null;
        if (url === undefined && target.http2) {
          try {
            builtin = await spawnHypercorn();
          } catch (e) {
            if (!(e instanceof HypercornMissingError)) throw e;
            rec.endProgress();
            io.err.write(`wsconform: ${e.message}\n`);
            return 'unreachable';
          }
          if (!o.quiet) io.out.write(`No URL given: testing the built-in HTTP/2 target (Hypercorn, h2c) at ${builtin.url}\n`);
        } else if (url === undefined) {
          builtin = await spawnEchoServer();
          if (!o.quiet) io.out.write(`No URL given: testing the built-in echo server (the ws package) at ${builtin.url}\n`);
        }
        if (builtin) url = builtin.url;
        const left = target.http2 ? r.cases.filter(http11Only).length : 0;
        // The h2.* cases check the HTTP/2 layer itself, each on a connection of its own, after the catalogue.
        const h2Cases = target.http2 ? r.cases.filter(isH2Case) : [];
        if (left > 0 && !o.quiet) io.out.write(`Over HTTP/2: ${left} handshake.* case(s) left out: they send HTTP/1.1 requests of their own\n`);
        try {
          const { agent, tls, protocol } = await runAgainstServer({
            url: url!,
            ...(target.agent ? { agent: target.agent } : builtin ? { agent: target.http2 ? 'hypercorn-builtin-h2' : 'ws-builtin-echo' } : {}),
            ...(target.http2 ? { http2: target.http2 } : {}),
            cases: h2Cases.length > 0 ? r.cases.filter((c) => !isH2Case(c)) : r.cases,
            caseIndex: (d) => catalogueIndex.get(d.id) ?? 0,
            concurrency: o.concurrency,
            memoryBudget: DEFAULT_MEMORY_BUDGET_BYTES,
            session: { ...sessionFrom(o, target), interrupt: active.interrupt },
            openHandshakeTimeoutMs: DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS,
            ...(target.tls ? { tls: target.tls } : {}),
            ...(r.skip ? { skip: r.skip } : {}),
            onResult: (c) => rec.record(c),
            onInterrupted: (c) => rec.interrupted(c),
            onPace: (p) => (pace = p),
            shouldStop,
          });
          if (h2Cases.length > 0 && !shouldStop()) {
            await runH2Cases({
              url: url!,
              agent,
              cases: h2Cases,
              caseIndex: (d) => catalogueIndex.get(d.id) ?? 0,
              ...(target.tls ? { tls: target.tls } : {}),
              ...(o.timeout !== undefined ? { timeoutMs: o.timeout * 1000 } : {}),
              signal: active.interrupt,
              onResult: (c) => rec.record(c),
              shouldStop,
            });
          }
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
              ...(target.tls ? { tls: target.tls } : {}),
              ...(target.http2 ? { http2: target.http2 } : {}),
              onResult: (c) => rec.record(c),
              shouldStop,
              log: (line) => io.err.write(`wsconform: ${line}\n`),
            });
            if (f.reproducers.length > 0 && !o.quiet) io.out.write(`Fuzz reproducers (replay with: wsconform replay FILE URL):\n${f.reproducers.map((p) => `  ${p}\n`).join('')}`);
          }
          rec.addAgent({ name: agent, url: url!, ...(pace ? { pace } : {}), ...(tls ? { tls } : {}), ...(protocol ? { protocol } : {}) });
        } catch (e) {
          if (!(e instanceof UnreachableTargetError)) throw e;
          rec.endProgress();
          io.err.write(`wsconform: ${e.message}${e.certificate ? `; ${r.certificateHint}` : ''}\n`);
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

type TestServerOptions = CommonOptions & { agent?: string; fuzz?: number; seed?: number; http2?: boolean; http2Streams?: number } & TlsFlags;

/** The TLS options of the commands that dial a server, as commander hands them over. */
export interface TlsFlags {
  ca?: string[];
  insecure?: boolean;
  servername?: string;
}

const CERTIFICATE_HINT = 'trust its CA (or the certificate itself) with --ca FILE, or test without verification with --insecure';

export function addTlsOptions(cmd: Command): Command {
  return cmd
    .option('--ca <file>', "wss://: also trust this CA or self-signed certificate (PEM); repeatable (default: Node's bundled CAs only)", collect)
    .option('--insecure', 'wss://: do not verify the server certificate at all (the report and the summary say so)')
    .option(
      '--servername <name>',
      "wss://: the TLS server name (SNI) to send and to check the certificate against, e.g. when the URL has an IP address (default: the URL's host; none for an IP address)",
    );
}

/** The TLS options of a run to `url`, read and checked before it starts; undefined for none given. */
export function tlsFrom(o: TlsFlags & { quiet?: boolean }, url: string | undefined, io: Io): ClientTlsOptions | undefined {
  const given = [o.ca?.length ? '--ca' : null, o.insecure ? '--insecure' : null, o.servername !== undefined ? '--servername' : null].filter((x) => x !== null);
  if (given.length === 0) return undefined;
  if (url === undefined || !/^wss:/i.test(url)) throw new UsageError(`${given.join(', ')}: only for a wss:// URL`);
  if (o.insecure && o.ca?.length) throw new UsageError('--insecure and --ca together: with --insecure no certificate is checked');
  if (o.servername !== undefined && !/^[A-Za-z0-9.-]+$/.test(o.servername)) throw new UsageError(`--servername ${JSON.stringify(o.servername)} is not a host name`);
  const tls: ClientTlsOptions = {};
  if (o.ca?.length) tls.ca = o.ca.map((f) => readCaFile(f, (m) => new UsageError(m)));
  if (o.insecure) {
    tls.insecure = true;
    if (!o.quiet) io.err.write("wsconform: warning: --insecure: the server's certificate is not verified\n");
  }
  if (o.servername !== undefined) tls.servername = o.servername;
  return tls;
}

export function addTestServerCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  addRunOptions(
    addTlsOptions(
      program
        .command('test-server')
        .argument('[url]', 'ws:// or wss:// URL of the server under test; without it, a built-in ws echo server is tested')
        .option('--agent <name>', "name for the report (default: the server's Server header)"),
    )
      .option('--fuzz <n>', 'also run n generated fuzz sequences (fuzz.<seed>.1 …); failures are shrunk into reproducer files in the outdir (default: none)', intOption('--fuzz', 1, 1_000_000))
      .option('--seed <s>', 'seed for --fuzz: the same seed gives the same sequences (default: from the clock, printed)', intOption('--seed', 0, 0xffffffff))
      .option('--http2', 'every WebSocket as an HTTP/2 extended CONNECT stream (RFC 8441): h2 by ALPN for wss://, h2c prior knowledge for ws://; without a URL, the built-in HTTP/2 target (Hypercorn)')
      .option(
        '--http2-streams <n>',
        `with --http2: WebSocket streams at most on one HTTP/2 connection (default: ${DEFAULT_HTTP2_STREAMS}, fewer if the server allows fewer)`,
        intOption('--http2-streams', 1, 1000),
      ),
    './reports/servers',
  )
    .description('test a WebSocket server: wsconform is the fuzzing client')
    .action(async (url: string | undefined, o: TestServerOptions) => {
      if (o.seed !== undefined && o.fuzz === undefined) throw new UsageError('--seed needs --fuzz');
      if (o.http2Streams !== undefined && !o.http2) throw new UsageError('--http2-streams needs --http2');
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
      const selected = fuzz.length > 0 && selectCases(allCases, selectionOf(o)).length === 0 ? [] : selectFrom(selectionOf(o), io);
      const cases = applyShard(casesForRole(selected, 'client', { http2: o.http2 === true }), o.shard);
      // Cases asked for by name that this run cannot play (h2.* over HTTP/1.1) are said, not dropped silently.
      const leftOut = o.cases?.length && !o.http2 ? selected.filter((c) => leftOutOverHttp1(c) !== null) : [];
      if (leftOut.length > 0 && cases.length === 0 && fuzz.length === 0) throw new UsageError(`no case to run: ${leftOutOverHttp1(leftOut[0]!)}`);
      if (leftOut.length > 0) io.err.write(`wsconform: note: ${leftOut.length} selected case(s) left out: ${leftOutOverHttp1(leftOut[0]!)}\n`);
      const target: ServerTarget = {};
      if (url !== undefined) target.url = url;
      if (o.agent !== undefined) target.agent = o.agent;
      if (o.http2) target.http2 = { streamsPerConnection: o.http2Streams ?? DEFAULT_HTTP2_STREAMS };
      const tls = tlsFrom(o, url, io);
      if (tls) target.tls = tls;
      setExit(await runServerTargets({ mode: 'test-server', targets: [target], cases, fuzz, certificateHint: CERTIFICATE_HINT }, o, io));
    });
}

export function addReplayCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  addTlsOptions(
    program.command('replay').argument('<file>', 'a reproducer written by test-server --fuzz (fuzz-<seed>-<n>.repro.json)').argument('<url>', 'ws:// or wss:// URL of the server to replay it against'),
  )
    .option('--http2', 'replay it on an HTTP/2 extended CONNECT stream (RFC 8441); the default is how it was found')
    .option('--no-http2', 'replay it over HTTP/1.1, though it was found over HTTP/2')
    .description('replay a fuzz reproducer and print the verdict (exit 0: passed, 1: failed, 2: bad file or unreachable server)')
    .action(async (file: string, url: string, o: TlsFlags & { http2?: boolean }) => {
      if (!/^wss?:\/\//.test(url)) throw new UsageError(`${JSON.stringify(url)} is not a ws:// or wss:// URL`);
      const tls = tlsFrom(o, url, io);
      try {
        const http2 = o.http2 ?? readReproducer(file).http2 === true;
        await probeServer(url, DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS, undefined, tls, { http2 });
        const r = await replay(file, url, { session: defaultSessionOptions, openHandshakeTimeoutMs: DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS, http2, ...(tls ? { tls } : {}) });
        io.out.write(r.lines.join('\n') + '\n');
        setExit(r.exitCode === 0 ? ExitCode.pass : ExitCode.failed);
      } catch (e) {
        if (e instanceof UnreachableTargetError && e.certificate) throw new UsageError(`${e.message}; ${CERTIFICATE_HINT}`);
        if (e instanceof ReproducerError || e instanceof UnreachableTargetError) throw new UsageError(e.message);
        throw e;
      }
    });
}
