/**
 * A fuzzing server for one case, to test clients without the URL protocol: it answers the client's
 * opening request with bentServerResponse (a correct 101 unless the case bends it, as the
 * handshake.client.* cases do), then plays the case as the fuzzing server does. This is how
 * runner/drivers/test-client.ts is meant to use the bends.
 */
import net from 'node:net';
import type { CaseDef } from '../../cases/types.js';
import { caseResult } from '../../runner/case-result.js';
import { bentResponseText, bentServerResponse } from '../../runner/drivers/handshake-bends.js';
import type { CaseResult } from '../../runner/results.js';
import { Session, defaultSessionOptions } from '../../runner/session.js';
import { emptyTranscript } from '../../runner/transcript.js';
import { parseClientRequest, parseHttpHead } from '../../runner/wire/handshake.js';

export interface OneCaseServer {
  url: string;
  port: number;
  /** The verdict of the first connection's case. */
  result: Promise<CaseResult>;
  close(): Promise<void>;
}

export function startOneCaseServer(def: CaseDef): Promise<OneCaseServer> {
  const sockets = new Set<net.Socket>();
  let deliver!: (r: CaseResult) => void;
  const result = new Promise<CaseResult>((resolve) => (deliver = resolve));
  let taken = false;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // Only the first connection is the case; a client that follows a redirect gets nothing.
    if (taken) return void socket.destroy();
    taken = true;
    const startedAt = Date.now();
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const p = parseHttpHead(buf);
      if (p.state !== 'complete') return;
      socket.removeListener('data', onData);
      socket.pause();
      const key = parseClientRequest(p.head).key ?? '';
      const t = emptyTranscript('server', startedAt);
      t.httpRequest = p.head.raw;
      t.httpResponse = bentResponseText(def, key);
      void (async () => {
        const response = bentServerResponse(def, key);
        for (const piece of typeof response === 'string' ? [response] : response) {
          if (!socket.destroyed) socket.write(piece);
          if (typeof response !== 'string') await new Promise((r) => setImmediate(r));
        }
        t.openedAtMs = Date.now() - startedAt;
        const transcript = await new Session(socket, def, t, { ...defaultSessionOptions, caseTimeoutMs: 8000 }).run(p.rest);
        deliver(caseResult(def, transcript, 'client', 1));
      })();
    };
    socket.on('data', onData);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        url: `ws://127.0.0.1:${port}`,
        port,
        result,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
