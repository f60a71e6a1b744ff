/**
 * A WebSocket echo server with configurable flaws, written on raw sockets so that it can break any
 * rule. Each flaw is one way a real server goes wrong; tests point the harness at it and check
 * that the harness gives the specific non-OK verdict.
 */
import net from 'node:net';
import { FrameDecoder } from '../../runner/wire/decoder.js';
import { encodeFrame, closePayload, Opcode } from '../../runner/wire/frame.js';
import { buildHttpError, buildServerResponse, parseHttpHead, parseClientRequest, type ParsedClientRequest } from '../../runner/wire/handshake.js';
import { isValidUtf8, Utf8Validator } from '../../runner/wire/utf8.js';
import { isValidCloseCode } from '../../runner/wire/close.js';
import { listenRaw, type RawServer } from './raw-server.js';

export interface Flaws {
  /** Echo text without checking UTF-8 (and never fail on it). */
  noUtf8Check?: boolean;
  /** Check UTF-8 only when a message is complete (not fail-fast). */
  utf8AtEnd?: boolean;
  /** Answer every close with this code. */
  closeCode?: number;
  /** Never answer pings. */
  noPong?: boolean;
  /** Ignore reserved bits, reserved opcodes and bad fragmentation instead of failing. */
  lenient?: boolean;
  /** On a close frame, drop TCP without answering. */
  dropOnClose?: boolean;
  /** Answer the close but keep TCP open. */
  keepTcpOpen?: boolean;
  /** Never send anything after the handshake. */
  stall?: boolean;
  /** Mask the frames it sends (servers must not). */
  maskFrames?: boolean;
  /** Echo binary messages as text. */
  binaryAsText?: boolean;
  /** Send a wrong Sec-WebSocket-Accept. */
  wrongAccept?: boolean;
  /** Echo messages with one byte missing. */
  truncateEcho?: boolean;
  /**
   * Encode lengths with an off-by-one: 125 bytes in the 16-bit form and 65,535 in the 64-bit form,
   * where the minimal form is the shorter one (RFC 6455 §5.2 requires it).
   */
  nonMinimalLengths?: boolean;
  // The opening handshake. By default a malformed request gets 400, a wrong version 426 with
  // Sec-WebSocket-Version: 13, and the first offered subprotocol is chosen.
  /** Open the connection whatever the Sec-WebSocket-Key (missing, empty, not base64, wrong length). */
  acceptAnyKey?: boolean;
  /** Open the connection whatever the Sec-WebSocket-Version. */
  acceptAnyVersion?: boolean;
  /** Refuse an unsupported version with a bare 400, without Sec-WebSocket-Version. */
  versionRefusalWithoutHeader?: boolean;
  /** Always select this subprotocol, offered or not. */
  pickProtocol?: string;
  /** Always accept this extension, offered or not. */
  acceptExtension?: string;
  /** Give up (close TCP) unless the whole request arrives in the first chunk. */
  requestInOneChunk?: boolean;
  /** Drop bytes that arrive together with the end of the request (a pipelined first frame). */
  dropPipelined?: boolean;
  // Frames. By default unmasked frames and undecodable lengths fail the connection (1002).
  /** Echo unmasked frames instead of failing. */
  acceptUnmasked?: boolean;
  /** Fail the connection on a non-minimal length encoding (the strict choice). */
  rejectNonMinimal?: boolean;
  /** Say nothing when a frame header cannot be decoded (a 64-bit length with the top bit set). */
  ignoreDecodeErrors?: boolean;
  // Close frames. By default invalid codes get 1002 and a reason that is not UTF-8 gets 1007.
  /** Echo any close code back, valid or not. */
  acceptAnyCloseCode?: boolean;
  /** Treat 1012-1014 as invalid (as servers written before their registration do). */
  rejectRegisteredCodes?: boolean;
  /** The code for a close reason that is not UTF-8. */
  badReasonCode?: number;
  /** The fuzzer's planted bug: stop answering anything once a fragmented text message has a frame whose payload starts with 0xF0. */
  stallOnF0Fragment?: boolean;
}

export type BrokenServer = RawServer;

export function startBrokenServer(flaws: Flaws): Promise<BrokenServer> {
  return listenRaw((socket) => serve(socket, flaws));
}

function serve(socket: net.Socket, flaws: Flaws): void {
  let head = Buffer.alloc(0);
  let open = false;
  const decoder = new FrameDecoder({ maxPayload: 64 * 1024 * 1024 });
  let msgOpcode = -1;
  let parts: Buffer[] = [];
  let utf8 = new Utf8Validator();
  let closing = false;
  let stalled = false;
  let refused = false;
  const send = (opcode: number, payload: Buffer): void => {
    if (socket.destroyed) return;
    const lengthEncoding = !flaws.nonMinimalLengths ? undefined : payload.length === 125 ? 16 : payload.length === 0xffff ? 64 : undefined;
    socket.write(encodeFrame({ opcode, payload, mask: flaws.maskFrames ? Buffer.from([1, 2, 3, 4]) : null, ...(lengthEncoding ? { lengthEncoding } : {}) }));
  };
  const fail = (code: number): void => {
    if (closing) return;
    closing = true;
    send(Opcode.close, closePayload(code));
    socket.end();
  };
  const onFrame = (f: ReturnType<FrameDecoder['push']>[number]): void => {
    if (flaws.stall || closing || stalled) return;
    const control = f.opcode >= 8;
    if (!f.masked && !flaws.acceptUnmasked) return fail(1002);
    if (f.nonMinimalLength && flaws.rejectNonMinimal) return fail(1002);
    if (!flaws.lenient) {
      if (f.rsv !== 0) return fail(1002);
      if (![0, 1, 2, 8, 9, 10].includes(f.opcode)) return fail(1002);
      if (control && (!f.fin || f.payload.length > 125)) return fail(1002);
      if (f.opcode === 0 && msgOpcode < 0) return fail(1002);
      if ((f.opcode === 1 || f.opcode === 2) && msgOpcode >= 0) return fail(1002);
    }
    if (f.opcode === Opcode.ping) {
      if (!flaws.noPong) send(Opcode.pong, f.payload);
      return;
    }
    if (f.opcode === Opcode.pong) return;
    if (f.opcode === Opcode.close) {
      if (flaws.dropOnClose) {
        socket.destroy();
        return;
      }
      const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : null;
      let reply = flaws.closeCode ?? (code === null ? null : 1000);
      const validCode = (c: number): boolean => (flaws.acceptAnyCloseCode ? true : flaws.rejectRegisteredCodes && c >= 1012 && c <= 1014 ? false : isValidCloseCode(c));
      if (flaws.closeCode === undefined && code !== null) {
        if (!validCode(code)) reply = 1002;
        else if (flaws.acceptAnyCloseCode) reply = code;
        else if (!isValidUtf8(f.payload.subarray(2))) reply = flaws.badReasonCode ?? 1007;
      }
      closing = true;
      send(Opcode.close, closePayload(reply));
      if (!flaws.keepTcpOpen) socket.end();
      return;
    }
    if (f.opcode !== 0) {
      msgOpcode = f.opcode;
      parts = [];
      utf8 = new Utf8Validator();
    }
    if (msgOpcode < 0) return;
    if (flaws.stallOnF0Fragment && msgOpcode === Opcode.text && (!f.fin || f.opcode === 0) && f.payload[0] === 0xf0) {
      stalled = true;
      return;
    }
    parts.push(f.payload);
    if (msgOpcode === Opcode.text && !flaws.noUtf8Check && !flaws.utf8AtEnd && !utf8.push(f.payload).valid) return fail(1007);
    if (!f.fin) return;
    const payload = Buffer.concat(parts);
    const opcode = msgOpcode;
    msgOpcode = -1;
    if (opcode === Opcode.text && !flaws.noUtf8Check && !isValidUtf8(payload)) return fail(1007);
    const echo = flaws.truncateEcho && payload.length > 0 ? payload.subarray(0, payload.length - 1) : payload;
    send(flaws.binaryAsText ? Opcode.text : opcode, echo);
  };
  socket.on('data', (d: Buffer) => {
    if (refused) return;
    if (!open) {
      head = Buffer.concat([head, d]);
      const p = parseHttpHead(head);
      if (p.state !== 'complete' && flaws.requestInOneChunk) return void socket.destroy();
      if (p.state !== 'complete') return;
      const req = parseClientRequest(p.head);
      const refusal = refusalFor(req, flaws);
      if (refusal) {
        refused = true;
        socket.end(refusal);
        return;
      }
      const key = flaws.wrongAccept ? 'AAAAAAAAAAAAAAAAAAAAAA==' : (req.key ?? '');
      const protocol = flaws.pickProtocol ?? req.protocols[0];
      socket.write(buildServerResponse({ key, ...(protocol ? { protocol } : {}), ...(flaws.acceptExtension ? { extensions: [flaws.acceptExtension] } : {}) }));
      open = true;
      d = flaws.dropPipelined ? Buffer.alloc(0) : p.rest;
    }
    for (const f of decoder.push(d)) onFrame(f);
    if (decoder.error && !flaws.ignoreDecodeErrors) fail(decoder.error.closeCode);
  });
}

/** The error response for a request the server refuses (RFC 6455 §4.2.2, §4.4), or null to accept it. */
function refusalFor(req: ParsedClientRequest, flaws: Flaws): string | null {
  const problems = req.problems.filter((p) => !(flaws.acceptAnyKey && p.includes('Sec-WebSocket-Key')) && !(flaws.acceptAnyVersion && p.includes('Sec-WebSocket-Version')));
  if (problems.length === 0) return null;
  const unsupported = req.version !== undefined && problems.some((p) => p.includes('Sec-WebSocket-Version'));
  if (unsupported && flaws.versionRefusalWithoutHeader) return buildHttpError(400, 'Bad Request', 'unsupported version\n');
  if (unsupported) return buildHttpError(426, 'Upgrade Required', 'unsupported version\n', [['Sec-WebSocket-Version', '13']]);
  return buildHttpError(400, 'Bad Request', `${problems.join('\n')}\n`);
}
