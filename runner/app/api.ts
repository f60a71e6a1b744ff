/**
 * The programmatic API: the same runs as the CLI, as functions that return results. Nothing is
 * written unless `outdir` is given.
 */
import { allCases, type CaseDef } from '../../cases/index.js';
import { writeReports as writeAll, type ReportError, type ReportOptions } from '../../reports/index.js';
import { evaluateGate, makePolicy, type GateResult, type PolicyOptions } from '../../reports/gate.js';
import { casesForRole, selectCases, splitPatterns } from '../engine/plan.js';
import type { CaseResult, PaceSummary, RunResults } from '../engine/results.js';
import {
  caseTimeoutOptions,
  DEFAULT_CASE_TIMEOUT_S,
  DEFAULT_CLIENT_COMMAND_LIMIT_S,
  DEFAULT_CONCURRENCY,
  DEFAULT_MEMORY_BUDGET_BYTES,
  DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS,
  defaultSessionOptions,
} from '../engine/defaults.js';
import { runAgainstServer } from '../fuzzing-client/run.js';
import type { ClientTlsOptions } from '../fuzzing-client/tls.js';
import { spawnEchoServer } from '../targets/echo-server.js';
import { spawnHypercorn } from '../targets/hypercorn.js';
import { startFuzzingServer } from '../fuzzing-server/server.js';
import { runClientCommand } from '../fuzzing-server/client-command.js';
import { secondLook } from '../fuzzing-server/second-look.js';
import { orchestrate } from './orchestrate.js';

export type { CaseResult, RunResults, RunMeta, Behavior, CloseBehavior, TlsTransport } from '../engine/results.js';
export type { ClientTlsOptions } from '../fuzzing-client/tls.js';
export type { CaseDef } from '../../cases/index.js';
export { allCases, catalogueVersion } from '../../cases/index.js';
export { startEchoServer } from '../targets/echo-server.js';
export { makePolicy, evaluateGate, type Policy, type PolicyOptions, type GateResult } from '../../reports/gate.js';
export type { ReportOptions, ReportError } from '../../reports/index.js';
export { compatTable, compatMarkdown, compatJson, type CompatTable } from '../../reports/index.js';

export interface TestServerOptions {
  /** ws:// or wss:// URL; without it the built-in ws echo server is started and tested. */
  url?: string;
  /** Case patterns as on the command line ("1.*", "6.4.*"); default: all. */
  cases?: string | string[];
  exclude?: string | string[];
  agent?: string;
  concurrency?: number;
  /** Hard limit for one case, in seconds (default: 60, or the case's own timer + 5 s where longer). */
  timeout?: number;
  failByDrop?: boolean;
  maxMessageSize?: number;
  /**
   * For a wss:// URL: `ca` (PEM text of a CA or self-signed certificate to trust besides Node's
   * CAs), `insecure` (no verification; the report says so), `servername` (SNI). Every connection of
   * the run uses them. A certificate the run cannot verify rejects with the cause.
   */
  tls?: ClientTlsOptions;
  /**
   * Every WebSocket as an HTTP/2 extended CONNECT stream (RFC 8441): h2 by ALPN for wss://, h2c
   * for ws://; without a URL, the built-in HTTP/2 target (Hypercorn, h2c). The handshake.* cases
   * (HTTP/1.1 requests of their own) are left out. `http2Streams`: streams per connection (16).
   */
  http2?: boolean;
  http2Streams?: number;
  /** Write results.jsonl, index.json and the reports here. */
  outdir?: string;
  onResult?: (r: CaseResult) => void;
}

export function selectedCases(o: { cases?: string | string[]; exclude?: string | string[] }): CaseDef[] {
  return selectCases(allCases, { cases: splitPatterns(o.cases), exclude: splitPatterns(o.exclude) });
}

/** Tests a WebSocket server (wsconform as the fuzzing client). Rejects if the server cannot be reached. */
export async function testServer(o: TestServerOptions = {}): Promise<RunResults> {
  const cases = casesForRole(selectedCases(o), 'client');
  const index = new Map(allCases.map((c, i) => [c.id, i + 1]));
  const { outcome: results, recorder } = await orchestrate(
    { mode: 'test-server', options: { cases: o.cases ?? [], exclude: o.exclude ?? [] }, ...(o.outdir ? { outdir: o.outdir } : {}), keeping: 'append' },
    async (active) => {
      const builtin = o.url !== undefined ? null : o.http2 ? await spawnHypercorn() : await spawnEchoServer();
      const url = o.url ?? builtin!.url;
      let pace: PaceSummary | undefined;
      try {
        const { agent, results, tls, protocol } = await runAgainstServer({
          url,
          ...(o.agent ? { agent: o.agent } : builtin ? { agent: o.http2 ? 'hypercorn-builtin-h2' : 'ws-builtin-echo' } : {}),
          ...(o.http2 ? { http2: { streamsPerConnection: o.http2Streams ?? 16 } } : {}),
          cases,
          caseIndex: (d) => index.get(d.id) ?? 0,
          concurrency: o.concurrency ?? DEFAULT_CONCURRENCY,
          memoryBudget: DEFAULT_MEMORY_BUDGET_BYTES,
          session: { ...defaultSessionOptions, ...caseTimeoutOptions(o.timeout), failByDrop: o.failByDrop ?? false, maxMessageSize: o.maxMessageSize ?? defaultSessionOptions.maxMessageSize },
          openHandshakeTimeoutMs: DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS,
          ...(o.tls ? { tls: o.tls } : {}),
          onResult: (r) => {
            active.recorder.record(r);
            o.onResult?.(r);
          },
          onPace: (p) => (pace = p),
        });
        active.recorder.addAgent({ name: agent, url, ...(pace ? { pace } : {}), ...(tls ? { tls } : {}), ...(protocol ? { protocol } : {}) });
        return results;
      } finally {
        await builtin?.stop();
      }
    },
  );
  // The results in catalogue order, as the driver sorts them.
  const run = { ...recorder.finish(null), results };
  if (o.outdir) writeAll(run, o.outdir);
  return run;
}

export interface TestClientOptions {
  /** Client command to run; {url}, {agent} and {port} are replaced. Without it, waits for clients to connect. */
  command?: string;
  /** Agent name passed to the command as {agent}. */
  agent?: string;
  cases?: string | string[];
  exclude?: string | string[];
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Hard limit for one case, in seconds; also how long the command may stay idle. */
  timeout?: number;
  /** Overall limit for the command, in seconds. */
  deadline?: number;
  failByDrop?: boolean;
  outdir?: string;
  onResult?: (r: CaseResult) => void;
  /** Called once the fuzzing server listens (its URL is where clients connect). */
  onListening?: (url: string) => void;
}

/**
 * Tests a WebSocket client (wsconform as the fuzzing server, speaking Autobahn's client URL
 * protocol). Resolves when the command exits, or when every agent that ran a case has called
 * /updateReports.
 */
export async function testClient(o: TestClientOptions = {}): Promise<RunResults> {
  const cases = casesForRole(selectedCases(o), 'server');
  const options = { cases: o.cases ?? [], exclude: o.exclude ?? [], ...(o.command ? { command: o.command } : {}) };
  const { outcome: server, recorder } = await orchestrate({ mode: 'test-client', options, ...(o.outdir ? { outdir: o.outdir } : {}), keeping: 'append' }, async (active) => {
    const server = await startFuzzingServer({
      host: o.host ?? '127.0.0.1',
      port: o.port ?? 0,
      cases,
      session: { ...defaultSessionOptions, ...caseTimeoutOptions(o.timeout), failByDrop: o.failByDrop ?? false },
      openHandshakeTimeoutMs: DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS,
      onResult: (r) => {
        active.recorder.record(r);
        o.onResult?.(r);
      },
    });
    let paces = new Map<string, PaceSummary>();
    try {
      o.onListening?.(server.url);
      if (o.command) {
        const command = o.command;
        const run = () =>
          runClientCommand(server, command, {
            agent: o.agent ?? 'client',
            timeoutMs: (o.deadline ?? DEFAULT_CLIENT_COMMAND_LIMIT_S) * 1000,
            idleTimeoutMs: (o.timeout ?? DEFAULT_CASE_TIMEOUT_S) * 1000,
          });
        await run();
        // The cases that got a timer verdict beside others, played again by running the command once more.
        paces = await secondLook(server, run);
      } else {
        await server.allAgentsDone();
      }
    } finally {
      await server.close();
    }
    for (const name of server.agents()) {
      const pace = paces.get(name);
      active.recorder.addAgent({ name, ...(pace ? { pace } : {}) });
    }
    return server;
  });
  // As the fuzzing server keeps them: a case a client ran again holds its latest result.
  const run = { ...recorder.finish(null), results: server.results() };
  if (o.outdir) writeAll(run, o.outdir);
  return run;
}

/** Writes index.json, per-case JSON, HTML and optionally JUnit and the compatibility table; returns the writers' errors. */
export function renderReports(run: RunResults, outdir: string, opts: ReportOptions = {}): ReportError[] {
  return writeAll(run, outdir, opts);
}

/** The CI gate over a run: which cases fail the policy, and the exit code. */
export function gate(run: RunResults, policy: PolicyOptions = {}): GateResult {
  return evaluateGate(run, makePolicy(policy));
}
