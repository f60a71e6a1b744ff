/** Running one of our own cases against a server or a client, for the own-*.test.ts files. */
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { allCases, clientHandshakeCases } from '../../cases/index.js';
import type { CaseDef } from '../../cases/types.js';
import { caseResult } from '../../runner/engine/case-result.js';
import { runCaseAgainstServer } from '../../runner/fuzzing-client/run.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { startEchoServer } from '../../runner/targets/echo-server.js';
import { echoClient, rawSession, type EchoBehaviour } from '../fixtures/raw-client.js';
import { startBrokenServer, type Flaws } from './broken-server.js';
import { startOneCaseServer } from './one-case-server.js';

export function ownCase(id: string): CaseDef {
  const def = [...allCases, ...clientHandshakeCases].find((c) => c.id === id);
  assert.ok(def, `case ${id} exists`);
  return def;
}

export const verdict = (r: CaseResult): string => `${r.behavior}/${r.behaviorClose}`;

export async function againstServer(url: string, id: string): Promise<CaseResult> {
  const def = ownCase(id);
  const t = await runCaseAgainstServer(new URL(url), def, { session: { ...defaultSessionOptions, caseTimeoutMs: 8000 }, openHandshakeTimeoutMs: 3000 });
  return caseResult(def, t, 'server', 1);
}

export async function againstBrokenServer(flaws: Flaws, id: string): Promise<CaseResult> {
  const server = await startBrokenServer(flaws);
  try {
    return await againstServer(server.url, id);
  } finally {
    await server.close();
  }
}

/** The ws echo server (in this process), for a whole list of cases at once. */
export async function againstWsServer(ids: readonly string[]): Promise<Map<string, CaseResult>> {
  const server = await startEchoServer();
  try {
    const results = await Promise.all(ids.map((id) => againstServer(`ws://127.0.0.1:${server.port}`, id)));
    return new Map(results.map((r) => [r.id, r]));
  } finally {
    await server.close();
  }
}

/**
 * Plays a case against a client: the ws client (echoing every message, the way Autobahn client
 * scripts do) or a raw client that validates nothing and behaves as `raw` says.
 */
export async function againstClient(id: string, client: 'ws' | { raw: EchoBehaviour }): Promise<CaseResult> {
  const def = ownCase(id);
  const server = await startOneCaseServer(def);
  try {
    if (client === 'ws') {
      const ws = new WebSocket(server.url, { perMessageDeflate: false });
      ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
      ws.on('error', () => undefined);
    } else {
      void rawSession(server.port, '/', echoClient(client.raw)).catch(() => undefined);
    }
    return await server.result;
  } finally {
    await server.close();
  }
}
