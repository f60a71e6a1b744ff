/**
 * A server that gets slower the more connections it has, as a single-threaded server does under
 * load: every echo and every pong waits `perConnectionMs` times the number of open connections.
 * Alone it passes Autobahn's 1 s timers; with 32 cases at once it misses them.
 */
import { WebSocketServer, type WebSocket } from 'ws';

export interface LoadSensitiveServer {
  url: string;
  connections(): number;
  close(): Promise<void>;
}

export async function startLoadSensitiveServer(perConnectionMs: number): Promise<LoadSensitiveServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
  const later = (ws: WebSocket, fn: () => void): void => {
    setTimeout(() => {
      if (ws.readyState === ws.OPEN) fn();
    }, perConnectionMs * wss.clients.size);
  };
  wss.on('connection', (ws) => {
    ws.on('error', () => undefined);
    ws.on('message', (data, binary) => later(ws, () => ws.send(data as Buffer, { binary })));
    ws.on('ping', (data) => later(ws, () => ws.pong(data)));
  });
  await new Promise((r) => wss.once('listening', r));
  return {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
    connections: () => wss.clients.size,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
