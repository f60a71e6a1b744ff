/**
 * The example target: an echo server made with `ws`, as a library would run it for wsconform.
 *
 *   HOST=127.0.0.1 PORT=9001 node server.mjs
 *
 * Listens on 127.0.0.1 by default; in a container on a bridge network set HOST=0.0.0.0 so that the
 * wsconform container can reach it.
 */
import { WebSocketServer } from 'ws';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 9001);

// Autobahn's 9.3.1/9.4.1 send 65,537 fragments and 9.3.2/9.4.2 16,385 (ws allows 16384 by default), and 9.x up to 16 MiB.
const wss = new WebSocketServer({ host, port, maxPayload: 64 * 1024 * 1024, maxFragments: 0 });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => undefined);
});
wss.on('listening', () => console.log(`echo server listening on ws://${host}:${port}`));

// As PID 1 in a container, node would ignore SIGTERM and `docker compose` would wait 10 s to kill it.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
