/**
 * HTTP/2 WebSocket servers for the tests of test-server --http2 and the h2.* cases: an echo over
 * extended CONNECT on node:http2 (the harness's own frame decoder and message reader on each
 * stream), correct or with one flaw switched on that one case must catch, and hostile raw ones.
 * Where node:http2 refuses to
 * misbehave (it answers SETTINGS, never floods PING or WINDOW_UPDATE, never answers 101 or a
 * `:protocol` it did not enable), a raw socket sends the frames by hand. All listen on 127.0.0.1
 * and are closed by the test.
 */
import { H2_PREFACE, H2Flag, h2Frame, H2FrameReader, H2FrameType, H2Setting } from '../../runner/wire/h2-frames.js';
import http2 from 'node:http2';
import net from 'node:net';
import { FrameDecoder } from '../../runner/wire/decoder.js';
import { closePayload, encodeFrame, Opcode } from '../../runner/wire/frame.js';
import { MessageReader } from '../../runner/wire/reader.js';

export interface TestServer {
  url: string;
  /** HTTP/2 connections accepted so far. */
  connections(): number;
  /** Streams (requests) received so far, on every connection. */
  streams(): number;
  close(): Promise<void>;
}

export type H2Flaw =
  /** SETTINGS without SETTINGS_ENABLE_CONNECT_PROTOCOL (node:http2 then resets any :protocol request). */
  | 'no-setting'
  /** Reads 64 KiB of a stream and then no more: no WINDOW_UPDATE, the client's sending stalls. */
  | 'no-window-update'
  /** A WebSocket protocol error on one stream ends the whole connection (GOAWAY PROTOCOL_ERROR). */
  | 'goaway-on-stream-error'
  /** Refuses a CONNECT without sec-websocket-key (400), as an HTTP/1.1 handshake would. */
  | 'requires-key'
  /** Answers with sec-websocket-accept (computed from nothing), which RFC 8441 leaves out. */
  | 'sends-accept'
  /** Chooses a subprotocol nobody offered. */
  | 'unoffered-subprotocol'
  /** Answers a close frame but never ends the stream. */
  | 'no-end-stream'
  /** Accepts any :protocol and any sec-websocket-version. */
  | 'accepts-anything'
  /** Ends the whole connection (TCP, no GOAWAY) when the client ends a WebSocket stream. */
  | 'drops-connection-on-stream-end'
  /** The fuzzer's planted bug: answers nothing more once a fragment of a text message starts with 0xF0. */
  | 'stall-on-f0-fragment';

export interface H2TargetOptions {
  /** Answer every well-formed extended CONNECT with this status (and end the stream) instead of 200. */
  status?: number;
  /** The connection's initial flow-control window for the client's streams (0: it can send no DATA). */
  initialWindowSize?: number;
  /** After this many streams on a connection, GOAWAY with this code, cutting the streams open. */
  goawayAfter?: { streams: number; code: number };
  maxConcurrentStreams?: number;
}

/** The TCP socket under each session: node:http2 hands out only a proxy that may not be destroyed. */
const tcpOf = new WeakMap<http2.ServerHttp2Session, net.Socket>();

function serveWebSocket(stream: http2.ServerHttp2Stream, session: http2.ServerHttp2Session, flaws: ReadonlySet<H2Flaw>): void {
  const decoder = new FrameDecoder({ maxPayload: 64 * 1024 * 1024 });
  const reader = new MessageReader({ expectMasked: true, maxMessageSize: 64 * 1024 * 1024 });
  let closing = false;
  const fail = (): void => {
    if (flaws.has('goaway-on-stream-error')) {
      session.goaway(http2.constants.NGHTTP2_PROTOCOL_ERROR);
      session.destroy();
      return;
    }
    stream.end(encodeFrame({ opcode: Opcode.close, payload: closePayload(1002) }));
  };
  let read = 0;
  let inText = false;
  let stalled = false;
  stream.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (flaws.has('no-window-update') && read >= 65536) stream.pause();
    const frames = decoder.push(chunk);
    for (const frame of frames) {
      if (frame.opcode === Opcode.text) inText = !frame.fin;
      const fragment = (frame.opcode === Opcode.text && !frame.fin) || (frame.opcode === Opcode.continuation && inText);
      if (frame.opcode === Opcode.continuation && frame.fin) inText = false;
      if (flaws.has('stall-on-f0-fragment') && fragment && frame.payload[0] === 0xf0) stalled = true;
      if (stalled) continue;
      for (const ev of reader.push(frame)) {
        if (closing) continue;
        if (ev.type === 'message') stream.write(encodeFrame({ opcode: ev.binary ? Opcode.binary : Opcode.text, payload: ev.payload }));
        else if (ev.type === 'ping') stream.write(encodeFrame({ opcode: Opcode.pong, payload: ev.payload }));
        else if (ev.type === 'violation') {
          closing = true;
          fail();
        } else if (ev.type === 'close') {
          closing = true;
          const frameOut = encodeFrame({ opcode: Opcode.close, payload: closePayload(ev.code ?? 1000) });
          if (flaws.has('no-end-stream')) stream.write(frameOut);
          else stream.end(frameOut);
        }
      }
    }
    // A frame the decoder cannot read (a 64-bit length with its top bit set, …) fails the WebSocket too.
    if (decoder.error && !closing && !stalled) {
      closing = true;
      fail();
    }
  });
  stream.on('end', () => {
    if (!flaws.has('no-end-stream') && !stream.writableEnded) stream.end();
  });
  stream.on('close', () => {
    if (flaws.has('drops-connection-on-stream-end')) tcpOf.get(session)?.destroy();
  });
  stream.on('error', () => {});
}

/**
 * A WebSocket-over-HTTP/2 server (h2c, prior knowledge, 127.0.0.1) on node:http2: correct by
 * default, with the flaws given switched on, and the options' settings and answers.
 */
export async function startH2Target(flawList: readonly H2Flaw[] = [], o: H2TargetOptions = {}): Promise<TestServer> {
  const flaws = new Set(flawList);
  const server = http2.createServer({
    settings: {
      enableConnectProtocol: !flaws.has('no-setting'),
      ...(o.initialWindowSize !== undefined ? { initialWindowSize: o.initialWindowSize } : {}),
      ...(o.maxConcurrentStreams !== undefined ? { maxConcurrentStreams: o.maxConcurrentStreams } : {}),
    },
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  let connections = 0;
  let requests = 0;
  let accepted: net.Socket | null = null;
  // Before node:http2's own listener, which makes the session at once.
  server.prependListener('connection', (socket: net.Socket) => (accepted = socket));
  server.on('session', (s) => {
    connections++;
    if (accepted) tcpOf.set(s, accepted);
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('error', () => {});
    let streams = 0;
    s.on('stream', (stream) => {
      streams++;
      requests++;
      if (o.goawayAfter && streams === o.goawayAfter.streams) {
        const { code } = o.goawayAfter;
        setTimeout(() => {
          s.goaway(code, stream.id);
          s.destroy();
        }, 20);
      }
    });
  });
  server.on('stream', (stream, headers) => {
    const refuse = (status: number, extra: Record<string, string> = {}): void => {
      stream.respond({ ':status': status, ...extra }, { endStream: true });
    };
    if (headers[':method'] !== 'CONNECT') return refuse(404);
    const anything = flaws.has('accepts-anything');
    if (headers[':protocol'] !== 'websocket' && !anything) return refuse(501);
    const version = headers['sec-websocket-version'];
    if (version === undefined && !anything) return refuse(400);
    if (version !== undefined && version !== '13' && !anything) return refuse(426, { 'sec-websocket-version': '13' });
    if (flaws.has('requires-key') && headers['sec-websocket-key'] === undefined) return refuse(400);
    if (o.status !== undefined) return refuse(o.status);
    const offered = String(headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const response: Record<string, string | number> = { ':status': 200 };
    if (flaws.has('unoffered-subprotocol')) response['sec-websocket-protocol'] = 'wsconform.unoffered';
    else if (offered[0]) response['sec-websocket-protocol'] = offered[0];
    if (flaws.has('sends-accept')) response['sec-websocket-accept'] = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
    stream.respond(response);
    serveWebSocket(stream, stream.session as http2.ServerHttp2Session, flaws);
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
