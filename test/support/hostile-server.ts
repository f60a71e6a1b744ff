/** A TCP server that runs a hostile script on every connection: what no real server should do. */
import net from 'node:net';
import { acceptKeyFor, parseClientRequest } from '../../runner/wire/handshake.js';
import { listenRaw, readRequestHead, type RawServer } from './raw-server.js';

export type HostileServer = RawServer;

export function startHostileServer(script: (socket: net.Socket) => void): Promise<HostileServer> {
  return listenRaw(script);
}

/** Completes a correct opening handshake, then hands the socket to `then`. */
export function afterHandshake(then: (socket: net.Socket) => void): (socket: net.Socket) => void {
  return (socket) =>
    readRequestHead(socket, (head) => {
      const key = parseClientRequest(head).key ?? '';
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKeyFor(key)}\r\n\r\n`);
      socket.resume();
      then(socket);
    });
}

/** Writes `chunk` again and again for as long as the socket accepts it, without ever reading. */
export function flood(socket: net.Socket, chunk: Buffer, forMs = 5000): void {
  const until = Date.now() + forMs;
  // Yields between bursts: the harness under test runs in the same process and must get its turn.
  const pump = (): void => {
    for (let i = 0; i < 64; i++) {
      if (socket.destroyed || Date.now() >= until) return;
      if (!socket.write(chunk)) {
        socket.once('drain', pump);
        return;
      }
    }
    setImmediate(pump);
  };
  pump();
}
