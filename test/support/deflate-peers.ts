/**
 * Test targets for permessage-deflate, on raw sockets so that they can break any rule: an echo server
 * with configurable flaws.
 */
import zlib from 'node:zlib';
import { FrameDecoder } from '../../runner/wire/decoder.js';
import { PerMessageDeflate } from '../../runner/wire/deflate/codec.js';
import { closePayload, encodeFrame, Opcode } from '../../runner/wire/frame.js';
import { buildServerResponse, parseClientRequest } from '../../runner/wire/handshake.js';
import { listenRaw, readRequestHead, type RawServer } from './raw-server.js';

export interface DeflateFlaws {
  /** The Sec-WebSocket-Extensions value to answer with; null: none. Default: plain "permessage-deflate". */
  response?: string | null;
  /** Send each echo in two frames, both with RSV1 (only the first may have it). */
  rsv1OnContinuation?: boolean;
  /** Compress with one long-lived context, whatever was agreed. */
  keepContext?: boolean;
  /** Compress echoes (RSV1) even when no extension was agreed. */
  compressAlways?: boolean;
  /** Answer the first message with a compressed payload that inflates to this many zero bytes. */
  bombBytes?: number;
}

const TRAILER = Buffer.from([0, 0, 0xff, 0xff]);

function bomb(bytes: number): Buffer {
  // Sync-flushed raw deflate streams concatenate, so copies of one compressed MiB make any size.
  const mib = zlib.deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const out = Buffer.concat(Array.from({ length: Math.ceil(bytes / (1 << 20)) }, () => mib));
  return out.subarray(0, out.length - TRAILER.length);
}

/** An echo server that negotiates permessage-deflate its own (possibly wrong) way. */
export function startDeflateTarget(flaws: DeflateFlaws): Promise<RawServer> {
  return listenRaw((socket) =>
    readRequestHead(socket, (head, rest) => {
      const req = parseClientRequest(head);
      const response = flaws.response === undefined ? 'permessage-deflate' : flaws.response;
      socket.write(buildServerResponse({ key: req.key ?? '', extensions: response === null ? [] : [response] }));
      const agreed = response !== null;
      const codec = new PerMessageDeflate({ send: { noContextTakeover: !flaws.keepContext, windowBits: 15 }, receive: { noContextTakeover: false, windowBits: 15 } });
      const decoder = new FrameDecoder({ maxPayload: 1 << 26 });
      let parts: Buffer[] = [];
      let opcode = 0;
      let compressed = false;
      let bombed = false;
      const send = (op: number, payload: Buffer, o: { fin?: boolean; rsv?: number } = {}): void => {
        if (!socket.destroyed) socket.write(encodeFrame({ opcode: op, payload, mask: null, ...o }));
      };
      const echo = (op: number, message: Buffer): void => {
        if (flaws.bombBytes && !bombed) {
          bombed = true;
          return send(op, bomb(flaws.bombBytes), { rsv: 4 });
        }
        if (!agreed && !flaws.compressAlways) return send(op, message);
        const data = codec.deflateSync(message);
        if (!flaws.rsv1OnContinuation) return send(op, data, { rsv: 4 });
        const half = Math.max(1, data.length >> 1);
        send(op, data.subarray(0, half), { rsv: 4, fin: false });
        send(Opcode.continuation, data.subarray(half), { rsv: 4 });
      };
      const onData = (d: Buffer): void => {
        for (const f of decoder.push(d)) {
          if (f.opcode === Opcode.close) {
            send(Opcode.close, f.payload.length >= 2 ? closePayload(f.payload.readUInt16BE(0)) : Buffer.alloc(0));
            socket.end();
            return;
          }
          if (f.opcode === Opcode.ping) send(Opcode.pong, f.payload);
          if (f.opcode >= 0x8) continue;
          if (f.opcode !== Opcode.continuation) {
            opcode = f.opcode;
            compressed = (f.rsv & 4) !== 0;
            parts = [];
          }
          parts.push(f.payload);
          if (!f.fin) continue;
          let message: Buffer = Buffer.concat(parts);
          if (compressed) {
            const r = codec.inflater.inflate(message, 1 << 26);
            if (!r.ok) return void socket.destroy();
            message = r.payload;
          }
          echo(opcode, message);
        }
      };
      socket.on('data', onData);
      socket.resume();
      if (rest.length > 0) onData(rest);
    }),
  );
}
