/**
 * HTTP/2 WebSocket servers for the tests of test-server --http2: a small echo over extended CONNECT
 * (node:http2 and the harness's own frame codec), and hostile ones. Where node:http2 refuses to
 * misbehave (it answers SETTINGS, never floods PING or WINDOW_UPDATE, never answers 101 or a
 * `:protocol` it did not enable), a raw socket sends the frames by hand. All listen on 127.0.0.1
 * and are closed by the test.
 */
import { H2_PREFACE, H2Flag, h2Frame, H2FrameReader, H2FrameType, H2Setting } from '../../runner/wire/h2-frames.js';
import http2 from 'node:http2';
import net from 'node:net';
import { FrameDecoder } from '../../runner/wire/decoder.js';
import { encodeFrame, Opcode } from '../../runner/wire/frame.js';

export interface TestServer {
  url: string;
  /** HTTP/2 connections accepted so far. */
  connections(): number;
  /** Streams (requests) received so far, on every connection. */
  streams(): number;
  close(): Promise<void>;
}

/** Echoes single-frame text and binary messages on a WebSocket stream, answers a close and ends the stream. */
function echoWebSocket(stream: http2.ServerHttp2Stream): void {
  const decoder = new FrameDecoder({ maxPayload: 1 << 24 });
  stream.on('data', (d: Buffer) => {
    for (const f of decoder.push(d)) {
      if (f.opcode === Opcode.text || f.opcode === Opcode.binary) stream.write(encodeFrame({ opcode: f.opcode, payload: f.payload, mask: null }));
      else if (f.opcode === Opcode.ping) stream.write(encodeFrame({ opcode: Opcode.pong, payload: f.payload, mask: null }));
      else if (f.opcode === Opcode.close) {
        stream.end(encodeFrame({ opcode: Opcode.close, payload: f.payload.subarray(0, 2), mask: null }));
        return;
      }
    }
  });
  stream.on('error', () => undefined);
}

export interface EchoH2Options {
  /** Advertise SETTINGS_ENABLE_CONNECT_PROTOCOL (default true). */
  connectProtocol?: boolean;
  /** Answer every extended CONNECT with this status instead of 200. */
  status?: number;
  /** The connection's initial flow-control window for our streams (0: the harness can send no DATA). */
  initialWindowSize?: number;
  /** After this many streams on a connection, GOAWAY with this code, cutting the streams open. */
  goawayAfter?: { streams: number; code: number };
  maxConcurrentStreams?: number;
}

/** An HTTP/2 server (h2c) that serves WebSockets over extended CONNECT, well or badly. */
export function startEchoH2(o: EchoH2Options = {}): Promise<TestServer> {
  const server = http2.createServer({
    settings: {
      enableConnectProtocol: o.connectProtocol ?? true,
      ...(o.initialWindowSize !== undefined ? { initialWindowSize: o.initialWindowSize } : {}),
      ...(o.maxConcurrentStreams !== undefined ? { maxConcurrentStreams: o.maxConcurrentStreams } : {}),
    },
  });
  let connections = 0;
  let requests = 0;
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    connections++;
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('error', () => undefined);
    let streams = 0;
    s.on('stream', (stream, headers) => {
      streams++;
      requests++;
      if (headers[':method'] !== 'CONNECT' || headers[':protocol'] !== 'websocket') {
        stream.respond({ ':status': 400 }, { endStream: true });
        return;
      }
      if (o.status !== undefined) {
        stream.respond({ ':status': o.status }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 200, server: 'test-h2-echo' });
      echoWebSocket(stream);
      if (o.goawayAfter && streams === o.goawayAfter.streams) {
        const { code } = o.goawayAfter;
        setTimeout(() => {
          s.goaway(code, stream.id);
          s.destroy();
        }, 20);
      }
    });
  });
  return listen(
    server,
    () => connections,
    () => requests,
    async () => {
      for (const s of sessions) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  );
}

export interface RawH2Options {
  /** Reads and never writes: no SETTINGS ever (and no answer). */
  silent?: boolean;
  /** Advertise SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (default true). */
  enableConnect?: boolean;
  /** The :status of every answer (default 200), e.g. 101, which node:http2 refuses to send. */
  status?: number;
  /** After the first answer, flood PING or WINDOW_UPDATE frames. */
  flood?: 'ping' | 'window-update';
}

/**
 * A raw-socket HTTP/2 server that does what node:http2 would not: answer a `:protocol` request
 * without having enabled it, answer `:status 101`, never send SETTINGS, flood. It sends its SETTINGS,
 * ACKs the client's, and answers every HEADERS frame with one HEADERS frame of `status`.
 */
export function startRawH2(o: RawH2Options = {}): Promise<TestServer> {
  let connections = 0;
  let streams = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (o.silent) {
      socket.resume();
      return;
    }
    const setting = Buffer.alloc(6);
    setting.writeUInt16BE(H2Setting.ENABLE_CONNECT_PROTOCOL, 0);
    setting.writeUInt32BE(1, 2);
    socket.write(h2Frame(H2FrameType.SETTINGS, 0, 0, (o.enableConnect ?? true) ? setting : Buffer.alloc(0)));
    let prefaceLeft = H2_PREFACE.length;
    const frames = new H2FrameReader(1 << 20);
    let flooding = false;
    // HPACK: a literal :status (static name index 8, RFC 7541 Appendix A), not indexed.
    const digits = Buffer.from(String(o.status ?? 200), 'latin1');
    const status = Buffer.concat([Buffer.from([0x08, digits.length]), digits]);
    socket.on('data', (d: Buffer) => {
      const rest = d.subarray(Math.min(prefaceLeft, d.length));
      prefaceLeft -= d.length - rest.length;
      for (const { type, flags, streamId: id } of frames.push(rest)) {
        if (type === H2FrameType.SETTINGS && (flags & H2Flag.ACK) === 0) socket.write(h2Frame(H2FrameType.SETTINGS, H2Flag.ACK, 0));
        if (type === H2FrameType.HEADERS) {
          streams++;
          socket.write(h2Frame(H2FrameType.HEADERS, H2Flag.END_HEADERS, id, status));
          if (o.flood && !flooding) {
            flooding = true;
            flood(socket, o.flood);
          }
        }
      }
    });
  });
  return listen(
    server,
    () => connections,
    () => streams,
    async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  );
}

function flood(socket: net.Socket, what: 'ping' | 'window-update'): void {
  let n = 0;
  const burst = (): void => {
    while (!socket.destroyed) {
      const frame = what === 'ping' ? h2Frame(H2FrameType.PING, 0, 0, Buffer.alloc(8, n & 0xff)) : h2Frame(H2FrameType.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 0, 1]));
      n++;
      if (!socket.write(frame)) {
        socket.once('drain', burst);
        return;
      }
      if (n % 1000 === 0) {
        setImmediate(burst);
        return;
      }
    }
  };
  burst();
}

function listen(server: net.Server, connections: () => number, streams: () => number, close: () => Promise<void>): Promise<TestServer> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ url: `ws://127.0.0.1:${port}/`, connections, streams, close });
    });
  });
}
