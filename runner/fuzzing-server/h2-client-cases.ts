/**
 * Playing the h2.client.* cases (cases/own/h2-client.ts) against a client command, as the tls.*
 * cases are played (tls-cases.ts): each case gets a fuzzing server of its own on a free port,
 * serving only that case with the HTTP/2 SETTINGS the case asks for, and the command runs once
 * against its URL. Why a listener per case: SETTINGS belong to a connection, and a connection's case
 * is only known from the path of a request sent after them; everything that reaches the port belongs
 * to its case.
 */
import type { CaseDef } from '../../cases/types.js';
import { type SessionOptions } from '../engine/defaults.js';
import type { CaseResult } from '../engine/results.js';
import { h2ClientCaseResult } from '../engine/verdicts/h2-client.js';
import { runClientCommand } from './client-command.js';
import type { H2Serving } from './h2-listener.js';
import { startFuzzingServer } from './server.js';
import type { TlsServing } from './tls-listener.js';

export interface H2ClientCasesRun {
  /** The h2.client.* cases, in catalogue order. */
  cases: readonly CaseDef[];
  /** The caseIndex of the first (they follow the run's other cases). */
  firstIndex: number;
  host: string;
  /** The run's certificate, when it serves TLS (h2 by ALPN); plain text otherwise (h2c). */
  tls: TlsServing | null;
  /** The CA file the client is told to trust ({ca}), when the run made the certificate. */
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

/** How long h2.client.settings-wait holds the server's SETTINGS back. */
export const SETTINGS_DELAY_MS = 500;
/** How long a command may stay without opening a connection before it is ended. */
const IDLE_MS = 5000;

/** The listener's HTTP/2 for a case. */
export function h2ServingFor(def: CaseDef): H2Serving {
  const settings = def.h2Client?.settings ?? 'advertised';
  return {
    enableConnectProtocol: settings !== 'absent',
    ...(settings === 'delayed' ? { settingsDelayMs: SETTINGS_DELAY_MS } : {}),
    ...(settings === 'absent' ? { watchFrames: true } : {}),
  };
}

/** Plays each case in turn; resolves when all have results or the run was stopped. */
export async function playH2ClientCases(o: H2ClientCasesRun): Promise<void> {
  let stop = false;
  void o.stopped.then(() => (stop = true));
  for (const [i, def] of o.cases.entries()) {
    if (stop) return;
    if (!def.h2Client) throw new TypeError(`${def.id} is not an h2.client.* case`);
    const log = (line: string): void => o.log(`${def.id}: ${line}`);
    const server = await startFuzzingServer({
      host: o.host,
      port: 0,
      cases: [def],
      session: o.session,
      openHandshakeTimeoutMs: o.openHandshakeTimeoutMs,
      http2: h2ServingFor(def),
      ...(o.tls ? { tls: o.tls } : {}),
      log,
    });
    const startedAt = Date.now();
    try {
      log(`serving on ${server.url} (SETTINGS_ENABLE_CONNECT_PROTOCOL ${def.h2Client.settings})`);
      await Promise.race([
        runClientCommand(server, o.command, { agent: o.agent, timeoutMs: o.timeoutMs, idleTimeoutMs: Math.min(IDLE_MS, o.timeoutMs), ...(o.caFile ? { ca: o.caFile } : {}), log }),
        o.stopped,
      ]);
    } finally {
      await server.close();
    }
    if (stop) return;
    o.onResult(
      h2ClientCaseResult(
        def,
        { agent: o.agent, caseIndex: o.firstIndex + i },
        { connections: server.h2Connections(), played: server.results()[0] ?? null, startedAt, durationMs: Date.now() - startedAt },
      ),
    );
  }
}
