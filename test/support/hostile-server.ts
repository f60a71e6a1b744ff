/** A TCP server that runs a hostile script on every connection: what no real server should do. */
import net from 'node:net';
import { acceptKeyFor, parseHttpHead, parseClientRequest } from '../../runner/wire/handshake.js';

export interface HostileServer {
  url: string;
  close(): Promise<void>;
}

export function startHostileServer(script: (socket: net.Socket) => void): Promise<HostileServer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    script(socket);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        url: `ws://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            for (const t of timers) clearInterval(t);
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Completes a correct opening handshake, then hands the socket to `then`. */
export function afterHandshake(then: (socket: net.Socket) => void): (socket: net.Socket) => void {
  return (socket) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const p = parseHttpHead(buf);
      if (p.state !== 'complete') return;
      socket.removeListener('data', onData);
      const key = parseClientRequest(p.head).key ?? '';
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKeyFor(key)}\r\n\r\n`);
      socket.resume();
      then(socket);
    };
    socket.on('data', onData);
  };
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
