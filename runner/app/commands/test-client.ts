/**
 * Testing clients: `test-client` (wsconform is the fuzzing server and speaks Autobahn's client URL
 * protocol; it runs the client command if there is one). runClients is also what
 * `-m fuzzingserver` runs for its spec file.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CaseDef } from '../../../cases/index.js';
import { writeReports } from '../../../reports/index.js';
import { casesForRole } from '../../engine/plan.js';
import { DEFAULT_CASE_TIMEOUT_S, DEFAULT_CLIENT_COMMAND_LIMIT_S, DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS, type SessionOptions } from '../../engine/defaults.js';
import { runClientCommand, type ClientCommandOutcome } from '../../fuzzing-server/client-command.js';
import { secondLook } from '../../fuzzing-server/second-look.js';
import { startFuzzingServer, type FuzzingServer } from '../../fuzzing-server/server.js';
import { playTlsCases } from '../../fuzzing-server/tls-cases.js';
import type { CaseListenersRun } from '../../fuzzing-server/case-listeners.js';
import { playH2ClientCases } from '../../fuzzing-server/h2-client-cases.js';
import { clientTls, type ClientTls } from './client-tls.js';
import { concludeRun, ExitCode, orchestrate, type Io } from '../orchestrate.js';
import { addRunOptions, applyShard, conclusionFrom, intOption, policyFrom, selectFrom, selectionOf, sessionFrom, UsageError, type CommonOptions } from './options.js';

export interface ClientRun {
  mode: 'test-client' | 'fuzzingserver';
  cases: CaseDef[];
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
  /** Serve over TLS (wss://). */
  tls?: ClientTls;
  /** tls.* cases, played after `cases` on listeners of their own (needs `command` and `tls.ca`). */
  tlsCases?: CaseDef[];
  /** Serve HTTP/2 too (RFC 8441) on the same port, beside HTTP/1.1. */
  http2?: boolean;
  /** h2.client.* cases, played after the tls.* cases on listeners of their own (needs `command` and `http2`). */
  h2ClientCases?: CaseDef[];
}

/** Serves the cases until the client command exits, the agents have reported, or the run is stopped; then gates. */
export async function runClients(c: ClientRun, o: CommonOptions, io: Io): Promise<number> {
  const policy = policyFrom(o);
  const outdir = resolve(o.outdir);
  const log = (line: string): void => {
    if (!o.quiet) io.err.write(`wsconform: ${line}\n`);
  };
  const tlsCases = c.tlsCases ?? [];
  const h2ClientCases = c.h2ClientCases ?? [];
  const total = c.cases.length + tlsCases.length + h2ClientCases.length;
  // {ca} names the CA of the server's certificate: only when the run made that certificate.
  const mainCa = c.tls?.source === 'generated' && c.tls.caFile ? { ca: c.tls.caFile } : {};
  const {
    outcome: commandNote,
    recorder: rec,
    stopping,
  } = await orchestrate(
    {
      mode: c.mode,
      options: {
        cases: o.cases ?? [],
        exclude: o.exclude ?? [],
        timeout: o.timeout,
        failByDrop: c.session.failByDrop,
        maxMessageSize: c.session.maxMessageSize,
        ...(o.shard ? { shard: o.shard } : {}),
        ...(c.command ? { command: c.command } : {}),
        ...(c.http2 ? { http2: true } : {}),
        ...(c.tls ? { tls: { certificate: c.tls.subject, source: c.tls.source, ...(c.tls.caFile ? { ca: c.tls.caFile } : {}) } } : {}),
      },
      outdir,
      keeping: 'journal',
      progress: { quiet: o.quiet ?? false, total, io },
      ...(o.deadline ? { deadlineS: o.deadline } : {}),
      stopSignals: { notice: 'writing reports for the cases that finished', io },
    },
    async (active): Promise<string | null> => {
      const seen = new Set<string>();
      let server: FuzzingServer;
      try {
        server = await startFuzzingServer({
          host: c.host,
          port: c.port,
          cases: c.cases,
          session: c.session,
          openHandshakeTimeoutMs: c.openHandshakeTimeoutMs ?? DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS,
          ...(c.skip ? { skip: c.skip } : {}),
          ...(c.maxConnections ? { maxConnections: c.maxConnections } : {}),
          ...(c.tls ? { tls: c.tls.serving } : {}),
          ...(c.http2 ? { http2: { enableConnectProtocol: true } } : {}),
          onResult: (r) => {
            if (!seen.has(r.agent)) {
              seen.add(r.agent);
              const transport = server.transportOf(r.agent);
              active.recorder.addAgent({ name: r.agent, ...(transport ? { tls: transport } : {}), ...(r.protocol ? { protocol: r.protocol } : {}) });
              active.recorder.setTotal(total * Math.max(seen.size, typeof c.until === 'object' ? c.until.agents : 1));
            }
            active.recorder.record(r);
          },
          onUpdateReports: () => {
            // Reports as they stand now, like Autobahn's /updateReports; the final ones follow at the end.
            const partial = { meta: active.recorder.meta, results: server.results() };
            for (const e of writeReports(partial, outdir, { policy })) log(`could not write a report: ${e.message}`);
          },
          log,
        });
      } catch (e) {
        throw new UsageError(`cannot listen on ${c.host}:${c.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (!o.quiet) {
        io.out.write(`Fuzzing server on ${server.url}: ${c.cases.length} cases (runCase?case=1..${c.cases.length}&agent=NAME, then updateReports?agent=NAME)\n`);
        if (c.http2) io.out.write(`HTTP/2 too, on the same port (${c.tls ? 'ALPN h2' : 'h2c, prior knowledge'}; RFC 8441 extended CONNECT), beside HTTP/1.1 upgrades\n`);
        if (c.tls)
          io.out.write(
            `Over TLS with ${c.tls.source === 'generated' ? 'a throw-away certificate' : 'the given certificate'} (${c.tls.subject})${c.tls.caFile ? `; CA certificate: ${c.tls.caFile}${mainCa.ca ? ' ({ca}, WSCONFORM_CA)' : ' (for the tls.* cases)'}` : ''}\n`,
          );
        if (c.until === 'stopped') io.out.write('Serving until stopped (Ctrl-C, SIGTERM or /stopServer); reports are written on each /updateReports and at the end\n');
        else if (c.until) io.out.write(`Serving until ${c.until.agents} agents have called /updateReports (or until stopped)\n`);
      }
      try {
        if (!c.command) {
          const ended = c.until === 'stopped' ? server.stopped() : c.until ? server.agentsReported(c.until.agents) : server.allAgentsDone();
          await Promise.race([active.stopped, ended]);
          return null;
        }
        // The command ends by itself, or runClientCommand ends it once its agents have reported.
        const command = c.command;
        const runCommand = (): Promise<ClientCommandOutcome | null> =>
          Promise.race([
            runClientCommand(server, command, {
              agent: c.agent,
              timeoutMs: (o.deadline ?? DEFAULT_CLIENT_COMMAND_LIMIT_S) * 1000,
              idleTimeoutMs: (o.timeout ?? DEFAULT_CASE_TIMEOUT_S) * 1000,
              log,
              ...mainCa,
            }),
            active.stopped.then(() => null),
          ]);
        const outcome = c.cases.length === 0 ? undefined : await runCommand();
        if (outcome === null) return null;
        if (outcome) {
          const tailOf = (x: ClientCommandOutcome): string => x.stderrTail.trim().split('\n').slice(-20).join('\n');
          const recordOf = (x: ClientCommandOutcome): Record<string, unknown> => ({ line: x.command, exitCode: x.code, signal: x.signal, endedBecause: x.endedBecause, stderrTail: tailOf(x) });
          active.recorder.meta.options = { ...active.recorder.meta.options, clientCommand: recordOf(outcome) };
          const again = async (): Promise<ClientCommandOutcome | null> => {
            const second = await runCommand();
            if (second) active.recorder.meta.options = { ...active.recorder.meta.options, clientCommandAgain: recordOf(second) };
            return second;
          };
          const paces = await secondLook(server, again, { log, stopping: () => active.stopping() !== null });
          for (const [name, pace] of paces) active.recorder.addAgent({ name, pace });
        }
        // What both kinds of own-listener cases share (case-listeners.ts); each case's agent is the command's.
        const listenerRun = (cases: readonly CaseDef[], firstIndex: number, caFile: string | null): CaseListenersRun => {
          if (!seen.has(c.agent)) {
            seen.add(c.agent);
            active.recorder.addAgent({ name: c.agent });
          }
          return {
            cases,
            firstIndex,
            host: c.host,
            caFile,
            command,
            agent: c.agent,
            session: c.session,
            openHandshakeTimeoutMs: c.openHandshakeTimeoutMs ?? DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS,
            timeoutMs: (o.timeout ?? DEFAULT_CASE_TIMEOUT_S) * 1000,
            log,
            onResult: (r) => active.recorder.record(r),
            stopped: active.stopped,
          };
        };
        // The tls.* cases, each on a listener of its own with the certificate it presents (tls-cases.ts).
        if (tlsCases.length > 0 && c.tls?.ca && c.tls.caFile && active.stopping() === null) {
          await playTlsCases({ ...listenerRun(tlsCases, c.cases.length + 1, c.tls.caFile), ca: c.tls.ca, caFile: c.tls.caFile });
        }
        // The h2.client.* cases, each on a listener of its own with the SETTINGS it asks for (h2-client-cases.ts).
        if (h2ClientCases.length > 0 && active.stopping() === null) {
          await playH2ClientCases({ ...listenerRun(h2ClientCases, c.cases.length + tlsCases.length + 1, mainCa.ca ?? null), tls: c.tls?.serving ?? null });
        }
        if (!outcome) return null;
        const tail = outcome.stderrTail.trim().split('\n').slice(-20).join('\n');
        return `client command ${outcome.endedBecause === 'exited' ? `exited with ${outcome.code ?? outcome.signal}` : `ended (${outcome.endedBecause})`}${tail ? `; stderr tail:\n${tail}` : ''}`;
      } finally {
        await server.close();
      }
    },
  );
  const run = rec.finish(stopping);
  if (run.results.length === 0) {
    io.err.write(`wsconform: no client ran a case${commandNote ? ` (${commandNote})` : ''}\n`);
    if (!stopping) return ExitCode.usage;
  }
  const exitCode = (rec.meta.options.clientCommand as { exitCode?: number | null } | undefined)?.exitCode;
  if (commandNote && exitCode !== 0) io.err.write(`wsconform: ${commandNote}\n`);
  return concludeRun(run, outdir, conclusionFrom(o, policy), io, stopping);
}

type TestClientOptions = CommonOptions & { host: string; port: number; command?: string; agent: string; agents?: number; serve?: boolean; tls?: boolean; cert?: string; key?: string; http2?: boolean };

export function addTestClientCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  addRunOptions(
    program
      .command('test-client')
      .option('--host <host>', 'interface to listen on', '127.0.0.1')
      .option('--port <port>', 'port to listen on (0: any free port)', intOption('--port', 0, 65535), 9001)
      .option(
        '--command <command>',
        'client command to start; {url}, {agent}, {port} and, over TLS, {ca} are replaced (e.g. "node client.js {url} {agent}") (default: none, start the client yourself)',
      )
      .option('--agent <name>', 'agent name passed to --command as {agent}', 'client')
      .option(
        '--agents <n>',
        'without --command: end once n distinct agents have called /updateReports, for clients run one after another (default: once every agent that ran a case has)',
        intOption('--agents', 1, 100_000),
      )
      .option('--tls', 'serve over TLS (wss://): with a throw-away CA written to <outdir>/ca.pem ({ca}, WSCONFORM_CA) unless --cert and --key are given; with --command, also run the tls.* cases')
      .option('--cert <file>', 'with --tls: the server certificate (PEM) (default: a throw-away one for the listening host)')
      .option('--key <file>', "with --tls: the private key (PEM) of --cert (default: the throw-away certificate's, kept in memory)")
      .option(
        '--http2',
        'also serve HTTP/2 on the same port (RFC 8441 extended CONNECT; ALPN h2 with --tls, h2c by prior knowledge without), recording which protocol each client used; with --command, also run the h2.client.* cases',
      )
      .option('--serve', 'without --command: serve until stopped (Ctrl-C, SIGTERM or /stopServer), like wstest -m fuzzingserver; reports are written on each /updateReports and at the end'),
    './reports/clients',
  )
    .description("test a WebSocket client: wsconform is the fuzzing server and speaks Autobahn's client URL protocol")
    .action(async (o: TestClientOptions) => {
      if (o.command && (o.agents !== undefined || o.serve))
        throw new UsageError(`${o.serve ? '--serve' : '--agents'} is for clients you start yourself: with --command the run ends when the command exits`);
      if (o.agents !== undefined && o.serve) throw new UsageError('--agents and --serve exclude each other');
      if (!o.tls && (o.cert !== undefined || o.key !== undefined)) throw new UsageError('--cert and --key are for --tls: add --tls to serve over TLS');
      const selected = selectFrom(selectionOf(o), io);
      const withTlsCases = o.tls === true && o.command !== undefined;
      const withH2Cases = o.http2 === true && o.command !== undefined;
      const all = applyShard(casesForRole(selected, 'server', { tls: withTlsCases, h2Client: withH2Cases }), o.shard);
      if (all.length === 0 && selected.some((c) => c.tls))
        throw new UsageError('the tls.* cases run only with --tls and --command: wsconform runs the client once per case, each against a listener of its own');
      if (all.length === 0 && selected.some((c) => c.h2Client))
        throw new UsageError('the h2.client.* cases run only with --http2 and --command: wsconform runs the client once per case, each against a listener of its own');
      const cases = all.filter((c) => !c.tls && !c.h2Client);
      const tlsCases = all.filter((c) => c.tls);
      const h2ClientCases = all.filter((c) => c.h2Client);
      const tls = o.tls
        ? {
            tls: clientTls({ host: o.host, outdir: resolve(o.outdir), needCa: tlsCases.length > 0, ...(o.cert !== undefined ? { cert: o.cert } : {}), ...(o.key !== undefined ? { key: o.key } : {}) }),
          }
        : {};
      const until = o.serve ? { until: 'stopped' as const } : o.agents !== undefined ? { until: { agents: o.agents } } : {};
      setExit(
        await runClients(
          {
            mode: 'test-client',
            cases,
            tlsCases,
            h2ClientCases,
            ...(o.http2 ? { http2: true } : {}),
            host: o.host,
            port: o.port,
            agent: o.agent,
            session: sessionFrom(o),
            ...until,
            ...tls,
            ...(o.command ? { command: o.command } : {}),
          },
          o,
          io,
        ),
      );
    });
}
