/**
 * One connection of a browser-API case, after its opening handshake: plays the case's server
 * actions (frames, raw octets, pauses, a close, a TCP drop), answers the browser's pings and close,
 * and records the messages and close frames the browser sent. Works over any duplex byte stream.
 */
import type { Duplex } from 'node:stream';
import type { ApiServerAction, ApiServerScript } from '../../cases/browser-api-types.js';
import { parseClosePayload } from '../wire/close.js';
import { FrameDecoder, type DecodedFrame } from '../wire/decoder.js';
import { Opcode } from '../wire/frame.js';
import type { ApiWireRecord } from '../engine/verdicts/browser-api.js';

/** After the server ends TCP, how long the browser has to close its side. */
export const LINGER_MS = 1000;

/** What a connection needs of the server of its case: the record, the wire log, the case's clock. */
export interface CaseSide {
  readonly rec: ApiWireRecord;
  tcpEnd(by: 'browser' | 'server'): void;
  frameIn(f: DecodedFrame): void;
  /** Logs a frame the server sends and returns its bytes. */
  frameOut(opcode: number, payload: Buffer): Buffer;
  rawOut(bytes: Buffer): void;
  note(text: string): void;
  /** Resolves after `ms`; never, once the server is closed. */
  sleep(ms: number): Promise<void>;
}

/**
 * A data message as the record lists it: `text "a"`, `text (200000 bytes)`, `binary 0a0b0c` (the
 * bytes, up to 64), `binary (10000 bytes)`; text that is not UTF-8 as `text (not UTF-8) eda080`.
 */
function renderMessage(m: { binary: boolean; payload: Buffer }): string {
  const { binary, payload } = m;
  if (binary) return payload.length > 0 && payload.length <= 64 ? `binary ${payload.toString('hex')}` : `binary (${payload.length} bytes)`;
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return payload.length <= 64 ? `text (not UTF-8) ${payload.toString('hex')}` : `text (not UTF-8, ${payload.length} bytes)`;
  }
  return payload.length <= 40 ? `text ${JSON.stringify(text)}` : `text (${payload.length} bytes)`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One accepted connection: plays the server actions and answers the browser's frames. */
export class Connection {
  private readonly decoder = new FrameDecoder({ maxPayload: 16 * 1024 * 1024 });
  private message: { binary: boolean; parts: Buffer[] } | null = null;
  private closeReceived = false;
  private closeSent = false;

  constructor(
    private readonly cs: CaseSide,
    private readonly socket: Duplex,
    private readonly rest: Buffer,
    private readonly script: ApiServerScript,
  ) {}

  start(response: Buffer): void {
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.once('end', () => this.cs.tcpEnd('browser'));
    if (this.rest.length > 0) this.onData(this.rest);
    void this.play(response);
    const after = this.script.closeAfterMs;
    if (after !== undefined) {
      const timer = setTimeout(() => {
        if (this.closeSent || this.socket.destroyed) return;
        this.cs.note(`the browser kept a connection it should have refused: closing it after ${after} ms`);
        this.closeSent = true;
        this.cs.rec.serverClose ??= { code: 1000, reason: '' };
        this.cs.rec.firstCloseBy ??= 'server';
        this.write(this.cs.frameOut(Opcode.close, Buffer.from([0x03, 0xe8])));
      }, after);
      this.socket.once('close', () => clearTimeout(timer));
    }
  }

  private write(bytes: Buffer): void {
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(bytes);
  }

  /** Ends TCP from the server's side, as RFC 6455 §7.1.1 asks of a server after the closing handshake. */
  private endTcp(): void {
    if (this.socket.writableEnded) return;
    this.socket.end();
    this.cs.tcpEnd('server');
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  private async play(response: Buffer): Promise<void> {
    // Frames written together (no pause between them) leave in one write, so the browser reads them at once.
    let batch: Buffer[] = [response];
    const flush = (): void => {
      if (batch.length > 0) this.write(Buffer.concat(batch));
      batch = [];
    };
    for (const a of this.script.actions ?? []) {
      if (this.socket.destroyed) return;
      switch (a.do) {
        case 'text':
          batch.push(this.cs.frameOut(Opcode.text, Buffer.from(a.data, 'utf8')));
          break;
        case 'binary':
          batch.push(this.cs.frameOut(Opcode.binary, Buffer.from(a.hex, 'hex')));
          break;
        case 'raw': {
          const bytes = Buffer.from(a.hex, 'hex');
          this.cs.rawOut(bytes);
          batch.push(bytes);
          break;
        }
        case 'close': {
          const reason = Buffer.from(a.reasonHex ?? '', 'hex');
          const payload = a.code === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.from([a.code >> 8, a.code & 0xff]), reason]);
          batch.push(this.cs.frameOut(Opcode.close, payload));
          this.cs.rec.serverClose ??= { code: a.code ?? null, reason: reason.toString('utf8') };
          this.cs.rec.firstCloseBy ??= 'server';
          this.closeSent = true;
          break;
        }
        case 'drop':
          flush();
          this.cs.note('dropping TCP without a close frame');
          this.endTcp();
          return;
        case 'wait':
          flush();
          await this.cs.sleep(a.ms);
          break;
        case 'flood':
          flush();
          await this.flood(a);
          break;
      }
    }
    flush();
  }

  /**
   * Writes the flood's messages one after the other, each once the socket holds less than one
   * message unsent: what the browser has taken in is then what was written less what still waits
   * (to within a message), read off `measureAfterMs` after the start. Resolves once every message
   * is written, or the connection is gone.
   */
  private flood(a: Extract<ApiServerAction, { do: 'flood' }>): Promise<void> {
    const socket = this.socket;
    // One frame, logged once and written again and again (the payload is not copied).
    const frame = this.cs.frameOut(Opcode.binary, Buffer.alloc(a.bytes));
    const record = { bytes: frame.length * a.messages, accepted: null as number | null };
    this.cs.rec.flood = record;
    this.cs.note(`flooding ${a.messages} binary messages of ${a.bytes} bytes, each written once the socket has taken the one before`);
    let written = 0;
    void this.cs.sleep(a.measureAfterMs).then(() => {
      record.accepted = Math.max(0, written * frame.length - socket.writableLength);
      this.cs.note(`flood: the browser has taken in ${record.accepted} of ${record.bytes} bytes`);
    });
    return new Promise((resolve) => {
      const pump = (): void => {
        while (written < a.messages && !socket.destroyed && !socket.writableEnded && socket.writableLength < frame.length) {
          socket.write(frame);
          written++;
        }
        if (written >= a.messages || socket.destroyed || socket.writableEnded) {
          socket.off('close', pump);
          resolve();
        } else socket.once('drain', pump);
      };
      socket.once('close', pump);
      pump();
    });
  }

  private onData(d: Buffer): void {
    for (const f of this.decoder.push(d)) {
      this.cs.frameIn(f);
      this.onFrame(f);
    }
    if (this.decoder.error) {
      this.cs.note(`undecodable frame from the browser: ${this.decoder.error.message}`);
      this.socket.destroy();
    }
  }

  private onFrame(f: DecodedFrame): void {
    const rec = this.cs.rec;
    if (f.opcode === Opcode.text || f.opcode === Opcode.binary || f.opcode === Opcode.continuation) {
      if (f.opcode !== Opcode.continuation) this.message = { binary: f.opcode === Opcode.binary, parts: [] };
      if (!this.message) return;
      this.message.parts.push(f.payload);
      if (f.fin) {
        if (this.closeReceived) rec.messagesAfterClose++;
        else rec.messages.push(renderMessage({ binary: this.message.binary, payload: Buffer.concat(this.message.parts) }));
        this.message = null;
      }
      return;
    }
    if (f.opcode === Opcode.ping) {
      if (!this.closeSent) this.write(this.cs.frameOut(Opcode.pong, f.payload));
      return;
    }
    if (f.opcode !== Opcode.close) return;
    const parsed = parseClosePayload(f.payload);
    rec.firstCloseBy ??= 'browser';
    rec.closeFrames.push({ code: parsed.code, reason: parsed.reason?.toString('utf8') ?? '', ...(parsed.problem ? { problem: parsed.problem } : {}) });
    if (this.closeReceived) return;
    this.closeReceived = true;
    if (this.closeSent) {
      this.endTcp();
      return;
    }
    void this.answerClose(parsed.problem ? Buffer.alloc(0) : f.payload);
  }

  /** Echoes a valid close payload (an empty body otherwise), then ends TCP. */
  private async answerClose(payload: Buffer): Promise<void> {
    const o = this.script.onClose ?? {};
    if (o.textFirst !== undefined) this.write(this.cs.frameOut(Opcode.text, Buffer.from(o.textFirst, 'utf8')));
    if (o.delayMs) await this.cs.sleep(o.delayMs);
    this.closeSent = true;
    this.cs.rec.serverClose ??= parseClosePayload(payload).code === null ? { code: null, reason: '' } : { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString('utf8') };
    this.write(this.cs.frameOut(Opcode.close, payload));
    this.endTcp();
  }
}
