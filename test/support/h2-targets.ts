/**
 * WebSocket-over-HTTP/2 servers for the h2.* cases (RFC 8441), on node:http2 over h2c (prior
 * knowledge), 127.0.0.1: a correct one, and the same with one flaw switched on, each of which one case
 * must catch. The WebSocket on a stream is the wire layer's decoder and reader, echoing messages.
 */
import http2 from 'node:http2';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { FrameDecoder } from '../../runner/wire/decoder.js';
import { closePayload, encodeFrame, Opcode } from '../../runner/wire/frame.js';
import { MessageReader } from '../../runner/wire/reader.js';

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

export interface H2Target {
  url: string;
  stop(): Promise<void>;
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

export async function startH2Target(flawList: readonly H2Flaw[] = []): Promise<H2Target> {
  const flaws = new Set(flawList);
  const server = http2.createServer({ settings: { enableConnectProtocol: !flaws.has('no-setting') } });
  const sessions = new Set<http2.ServerHttp2Session>();
  let accepted: net.Socket | null = null;
  // Before node:http2's own listener, which makes the session at once.
  server.prependListener('connection', (socket: net.Socket) => (accepted = socket));
  server.on('session', (s) => {
    if (accepted) tcpOf.set(s, accepted);
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('error', () => {});
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/`,
    stop: () =>
      new Promise((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
