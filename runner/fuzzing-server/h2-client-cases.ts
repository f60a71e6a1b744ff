/**
 * Playing the h2.client.* cases (cases/own/h2-client.ts) against a client command, as the tls.*
 * cases are (case-listeners.ts plays both): each case gets a fuzzing server of its own on a free port,
 * serving only that case with the HTTP/2 SETTINGS the case asks for, and the command runs once
 * against its URL. Why a listener per case: SETTINGS belong to a connection, and a connection's case
 * is only known from the path of a request sent after them; everything that reaches the port belongs
 * to its case.
 */
import type { CaseDef } from '../../cases/types.js';
import { h2ClientCaseResult } from '../engine/verdicts/h2-client.js';
import { playOnOwnListeners, type CaseListenersRun } from './case-listeners.js';
import type { H2Serving } from './h2-listener.js';
import type { TlsServing } from './tls-listener.js';

export interface H2ClientCasesRun extends CaseListenersRun {
  /** The run's certificate, when it serves TLS (h2 by ALPN); plain text otherwise (h2c). */
  tls: TlsServing | null;
}

/** How long h2.client.settings-wait holds the server's SETTINGS back. */
export const SETTINGS_DELAY_MS = 500;

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
export function playH2ClientCases(o: H2ClientCasesRun): Promise<void> {
  return playOnOwnListeners(o, (def) => {
    if (!def.h2Client) throw new TypeError(`${def.id} is not an h2.client.* case`);
    return {
      serving: { http2: h2ServingFor(def), ...(o.tls ? { tls: o.tls } : {}) },
      describe: `(SETTINGS_ENABLE_CONNECT_PROTOCOL ${def.h2Client.settings})`,
      judge: (server, at) =>
        h2ClientCaseResult(
          def,
          { agent: o.agent, caseIndex: at.caseIndex },
          { connections: server.h2Connections(), played: server.results()[0] ?? null, startedAt: at.startedAt, durationMs: at.durationMs },
        ),
    };
  });
}
