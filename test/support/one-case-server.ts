/**
 * A fuzzing server for one case, to test clients without the URL protocol: it answers the client's
 * opening request with caseHandshakeResponse (a correct 101 unless the case asks for a deviation,
 * as the handshake.client.* cases do), then plays the case as the fuzzing server does. This is how
 * runner/fuzzing-server/server.ts is meant to use the responses.
 */
import type { CaseDef } from '../../cases/types.js';
import { caseResult } from '../../runner/engine/case-result.js';
import { caseHandshakeResponseText, caseHandshakeResponse } from '../../runner/fuzzing-server/handshake-responses.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { Session } from '../../runner/engine/session.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { emptyTranscript } from '../../runner/engine/transcript.js';
import { parseClientRequest } from '../../runner/wire/handshake.js';
import { listenRaw, readRequestHead, type RawServer } from './raw-server.js';

export interface OneCaseServer extends RawServer {
  /** The verdict of the first connection's case. */
  result: Promise<CaseResult>;
}

export async function startOneCaseServer(def: CaseDef): Promise<OneCaseServer> {
  let deliver!: (r: CaseResult) => void;
  let refuse!: (e: Error) => void;
  const result = new Promise<CaseResult>((resolve, reject) => {
    deliver = resolve;
    refuse = reject;
  });
  // Never a hang: a client that leaves before the case starts, or a harness error, rejects `result`.
  result.catch(() => undefined);
  let taken = false;
  const server = await listenRaw((socket) => {
    // Only the first connection is the case; a client that follows a redirect gets nothing.
    if (taken) return void socket.destroy();
    taken = true;
    const startedAt = Date.now();
    let started = false;
    socket.once('close', () => {
      if (!started) refuse(new Error('the client closed the connection before its opening request was complete'));
    });
    readRequestHead(socket, (head, rest) => {
      started = true;
      const key = parseClientRequest(head).key ?? '';
      const t = emptyTranscript('server', startedAt);
      t.httpRequest = head.raw;
      t.httpResponse = caseHandshakeResponseText(def, key);
      void (async () => {
        const response = caseHandshakeResponse(def, key);
        for (const piece of typeof response === 'string' ? [response] : response) {
          if (!socket.destroyed) socket.write(piece);
          if (typeof response !== 'string') await new Promise((r) => setImmediate(r));
        }
        t.openedAtMs = Date.now() - startedAt;
        const transcript = await new Session(socket, def, t, { ...defaultSessionOptions, caseTimeoutMs: 8000 }).run(rest);
        deliver(caseResult(def, transcript, 'client', 1));
      })().catch((e: unknown) => refuse(e instanceof Error ? e : new Error(String(e))));
    });
  });
  return { ...server, result };
}
