/**
 * The plumbing shared by the raw-socket test servers (broken, hostile, deflate targets, one case):
 * a TCP listener on a free loopback port that tracks its sockets so close() can destroy them, and
 * a reader for the client's opening request.
 */
import net from 'node:net';
import { parseHttpHead, type HttpHead } from '../../runner/wire/handshake.js';

export interface RawServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (a free port) and hands every connection, with a no-op 'error' listener, to `onSocket`. */
export function listenRaw(onSocket: (socket: net.Socket) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `ws://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Reads the client's opening request head, then stops reading (the socket is paused, the listener
 * removed) and hands over the head and the bytes after it. An unparsable head destroys the socket.
 */
export function readRequestHead(socket: net.Socket, then: (head: HttpHead, rest: Buffer) => void): void {
  let buf = Buffer.alloc(0);
  const onData = (d: Buffer): void => {
    buf = Buffer.concat([buf, d]);
    const parsed = parseHttpHead(buf);
    if (parsed.state === 'incomplete') return;
    socket.removeListener('data', onData);
    if (parsed.state === 'error') return void socket.destroy();
    socket.pause();
    then(parsed.head, parsed.rest);
  };
  socket.on('data', onData);
}
