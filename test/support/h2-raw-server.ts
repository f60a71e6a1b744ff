/**
 * An HTTP/2 server made of hand-written frames, for what node:http2 will not do as a server: answer
 * a `:protocol` request without having enabled it, answer `:status 101`, or never send SETTINGS. It
 * reads the client preface, sends its SETTINGS (with SETTINGS_ENABLE_CONNECT_PROTOCOL when asked),
 * ACKs the client's, and answers every HEADERS frame with one HEADERS frame of `status` (127.0.0.1).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { H2_PREFACE, h2Frame as frame, H2FrameReader } from '../../runner/wire/h2-frames.js';

export interface RawH2ServerOptions {
  /** Advertise SETTINGS_ENABLE_CONNECT_PROTOCOL = 1. */
  enableConnect?: boolean;
  /** The :status of every answer (a literal field with the static name index 8). */
  status?: number;
  /** Send no SETTINGS at all (and answer nothing). */
  silent?: boolean;
}

export async function startRawH2Server(o: RawH2ServerOptions = {}): Promise<{ url: string; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (o.silent) return;
    const settings = o.enableConnect ? Buffer.from([0, 8, 0, 0, 0, 1]) : Buffer.alloc(0);
    socket.write(frame(4, 0, 0, settings));
    let prefaceLeft = H2_PREFACE.length;
    const frames = new H2FrameReader(1 << 20);
    socket.on('data', (d: Buffer) => {
      const rest = d.subarray(Math.min(prefaceLeft, d.length));
      prefaceLeft -= d.length - rest.length;
      for (const { type, flags, streamId: id } of frames.push(rest)) {
        if (type === 4 && !(flags & 1)) socket.write(frame(4, 1, 0));
        if (type === 1) {
          const digits = Buffer.from(String(o.status ?? 200), 'latin1');
          socket.write(frame(1, 4, id, Buffer.concat([Buffer.from([0x08, digits.length]), digits])));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/`,
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
