/**
 * Cases played each on a fuzzing server of its own (the tls.* and h2.client.* cases): a free port
 * per case, serving only that case with what the case needs of the connection (a certificate,
 * HTTP/2 SETTINGS), and the client command run once against its URL. What a connection is about
 * is decided before the client sends the path that names its case (the TLS handshake, the first
 * SETTINGS), so the port is what ties a connection to its case: everything that reaches it belongs
 * to that case.
 */
import type { CaseDef } from '../../cases/types.js';
import type { SessionOptions } from '../engine/defaults.js';
import type { CaseResult } from '../engine/results.js';
import { runClientCommand } from './client-command.js';
import { startFuzzingServer } from './server.js';
import type { ClientRunOptions, FuzzingServer } from './types.js';

export interface CaseListenersRun {
  /** The cases, in catalogue order. */
  cases: readonly CaseDef[];
  /** The caseIndex of the first (they follow the run's URL-protocol cases). */
  firstIndex: number;
  /** Interface to listen on (a free port per case). */
  host: string;
  /** The CA file the client is told to trust ({ca}, WSCONFORM_CA), if any. */
  caFile: string | null;
  command: string;
  agent: string;
  session: SessionOptions;
  openHandshakeTimeoutMs: number;
  /** Limit for one run of the command. */
  timeoutMs: number;
  log: (line: string) => void;
  onResult: (r: CaseResult) => void;
  /** Resolves when the run is stopped: no further case starts. */
  stopped: Promise<void>;
}

/** What one case's listener serves, how the log introduces it, and how its result is judged. */
export interface CaseListener {
  serving: Pick<ClientRunOptions, 'tls' | 'http2' | 'urlHost'>;
  /** After "serving on URL". */
  describe: string;
  judge(server: FuzzingServer, at: { caseIndex: number; startedAt: number; durationMs: number }): CaseResult;
}

/**
 * How long a command may stay without opening a connection before it is ended (a client that
 * failed and hangs). A client that is a real browser takes seconds to start: on a loaded machine
 * Firefox ESR took over 5 s to its first connection.
 */
const IDLE_MS = 20_000;

/** Plays each case in turn on its own listener; resolves when all have results or the run was stopped. */
export async function playOnOwnListeners(o: CaseListenersRun, listenerFor: (def: CaseDef) => CaseListener): Promise<void> {
  let stop = false;
  void o.stopped.then(() => (stop = true));
  for (const [i, def] of o.cases.entries()) {
    if (stop) return;
    const listener = listenerFor(def);
    const log = (line: string): void => o.log(`${def.id}: ${line}`);
    const server = await startFuzzingServer({ host: o.host, port: 0, cases: [def], session: o.session, openHandshakeTimeoutMs: o.openHandshakeTimeoutMs, ...listener.serving, log });
    const startedAt = Date.now();
    try {
      log(`serving on ${server.url} ${listener.describe}`);
      await Promise.race([
        runClientCommand(server, o.command, { agent: o.agent, timeoutMs: o.timeoutMs, idleTimeoutMs: Math.min(IDLE_MS, o.timeoutMs), ...(o.caFile ? { ca: o.caFile } : {}), log }),
        o.stopped,
      ]);
    } finally {
      await server.close();
    }
    if (stop) return;
    o.onResult(listener.judge(server, { caseIndex: o.firstIndex + i, startedAt, durationMs: Date.now() - startedAt }));
  }
}
