/**
 * Hand-made HTTP/2 for the requests node:http2 refuses to send: it will not send `:protocol` before
 * the server enabled it (the case RFC 8441 §3 describes), it fills in a missing `:path` or `:scheme`
 * of an extended CONNECT, and it refuses connection-specific fields (Connection, Upgrade). So these
 * probes write the minimum themselves on a connection of their own: the connection preface, an empty
 * SETTINGS (but for a header table of 0, so that the server's answer never refers to a dynamic table),
 * the SETTINGS ACK, and HEADERS frames whose fields are HPACK literals without indexing and without
 * Huffman coding (RFC 7541 §6.2.2), which need no encoder state. Of the answer only the frame types
 * are read, and the :status of a response from the first field of its block (a static-table index,
 * or a literal of digits, Huffman-coded or not): enough to tell a 2xx from a 4xx from a reset.
 */
import type net from 'node:net';
import type { RawAnswer } from '../../engine/verdicts/h2.js';
import type { ClientTlsOptions } from '../tls.js';
import { H2_PREFACE, h2Frame as frame, H2Flag, H2FrameReader, H2FrameType, H2Setting, h2SettingValue } from '../../wire/h2-frames.js';
import { h2Socket } from './connect.js';

const Frame = H2FrameType;
const Flag = H2Flag;
/** What a frame's payload may be for this reader to keep it (SETTINGS, HEADERS, GOAWAY are small); longer ones are skipped. */
const MAX_KEPT_PAYLOAD = 64 * 1024;

/** An HPACK integer (RFC 7541 §5.1) with an `n`-bit prefix; `first` holds the bits above the prefix. */
function hpackInt(value: number, n: number, first = 0): Buffer {
  const max = (1 << n) - 1;
  if (value < max) return Buffer.from([first | value]);
  const out = [first | max];
  for (value -= max; value >= 128; value = Math.floor(value / 128)) out.push((value % 128) + 128);
  out.push(value);
  return Buffer.from(out);
}

/** A header block of literals without indexing, new names, no Huffman (RFC 7541 §6.2.2). */
export function literalBlock(fields: ReadonlyArray<[string, string]>): Buffer {
  const str = (s: string): Buffer => {
    const b = Buffer.from(s, 'latin1');
    return Buffer.concat([hpackInt(b.length, 7), b]);
  };
  return Buffer.concat(fields.flatMap(([name, value]) => [Buffer.from([0x00]), str(name), str(value)]));
}

/** RFC 7541 Appendix B codes of the ten digits: '0'-'2' in 5 bits, '3'-'9' in 6. */
function huffmanDigits(b: Buffer): string | null {
  let bits = '';
  for (const x of b) bits += x.toString(2).padStart(8, '0');
  let out = '';
  let at = 0;
  while (bits.length - at >= 5) {
    const five = parseInt(bits.slice(at, at + 5), 2);
    if (five <= 2) {
      out += String(five);
      at += 5;
    } else if (five >= 0b01100 && five <= 0b01111 && bits.length - at >= 6 && parseInt(bits.slice(at, at + 6), 2) >= 0x19) {
      out += String(parseInt(bits.slice(at, at + 6), 2) - 0x19 + 3);
      at += 6;
    } else break;
  }
  // What is left must be padding: fewer than 8 bits, all ones (the start of EOS).
  const rest = bits.slice(at);
  return rest.length < 8 && /^1*$/.test(rest) ? out : null;
}

/** The :status of a response block when its first field says it plainly enough (see the module comment), else null. */
export function firstStatus(block: Buffer): number | null {
  let at = 0;
  const int = (n: number): number | null => {
    const max = (1 << n) - 1;
    let v = block[at++]! & max;
    if (v < max) return v;
    for (let shift = 0; at < block.length && shift < 28; shift += 7) {
      const x = block[at++]!;
      v += (x & 0x7f) * 2 ** shift;
      if ((x & 0x80) === 0) return v;
    }
    return null;
  };
  // Dynamic table size updates (001xxxxx) come first after our SETTINGS of a 0-octet table.
  while (at < block.length && (block[at]! & 0xe0) === 0x20) if (int(5) === null) return null;
  if (at >= block.length) return null;
  const b = block[at]!;
  const STATIC: Record<number, number> = { 8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500 };
  if (b & 0x80) return STATIC[int(7) ?? -1] ?? null;
  const nameIndex = (b & 0xc0) === 0x40 ? int(6) : (b & 0xf0) === 0x00 || (b & 0xf0) === 0x10 ? int(4) : null;
  if (nameIndex === null || nameIndex < 8 || nameIndex > 14 || at >= block.length) return null;
  const huffman = (block[at]! & 0x80) !== 0;
  const len = int(7);
  if (len === null || at + len > block.length) return null;
  const raw = block.subarray(at, at + len);
  const text = huffman ? huffmanDigits(raw) : raw.toString('latin1');
  return text !== null && /^\d{3}$/.test(text) ? Number(text) : null;
}

/**
 * A connection of hand-made frames: `settings()` waits for the server's SETTINGS (ACKing them),
 * `request(fields)` sends HEADERS on the next stream and waits for its answer. Never throws on what the
 * server sends; every wait ends by `timeoutMs`.
 */
export class RawH2 {
  private readonly socket: net.Socket;
  private readonly frames = new H2FrameReader(MAX_KEPT_PAYLOAD);
  private nextStream = 1;
  private settingsSeen: { enableConnectProtocol: boolean } | null = null;
  private goaway: number | null = null;
  private closed = false;
  private failure: string | null = null;
  private readonly answers = new Map<number, RawAnswer>();
  private readonly wakers = new Set<() => void>();

  constructor(url: URL, o: { tls?: ClientTlsOptions }) {
    this.socket = h2Socket(url, o);
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.on('error', (e: NodeJS.ErrnoException) => (this.failure ??= e.code ?? e.message));
    this.socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    this.socket.write(Buffer.concat([H2_PREFACE, frame(Frame.SETTINGS, 0, 0, setting(H2Setting.HEADER_TABLE_SIZE, 0))]));
  }

  get error(): string | null {
    return this.failure;
  }

  async settings(timeoutMs: number): Promise<{ enableConnectProtocol: boolean } | null> {
    await this.until(() => this.settingsSeen !== null, timeoutMs);
    return this.settingsSeen;
  }

  /** Sends one request (END_HEADERS, no END_STREAM: a CONNECT's stream stays open) and waits for its answer. */
  async request(fields: ReadonlyArray<[string, string]>, timeoutMs: number): Promise<RawAnswer> {
    const id = this.nextStream;
    this.nextStream += 2;
    if (!this.closed) this.socket.write(frame(Frame.HEADERS, Flag.END_HEADERS, id, literalBlock(fields)));
    const ok = await this.until(() => this.answers.has(id), timeoutMs);
    const a = this.answers.get(id);
    if (a) return a;
    if (this.goaway !== null) return { kind: 'goaway', code: this.goaway };
    return ok || this.closed ? { kind: 'closed' } : { kind: 'timeout' };
  }

  /** Resets the streams, says GOAWAY and ends the connection. */
  close(): void {
    if (this.closed) return;
    const parts: Buffer[] = [];
    for (let id = 1; id < this.nextStream; id += 2) parts.push(frame(Frame.RST_STREAM, 0, id, u32(8)));
    parts.push(frame(Frame.GOAWAY, 0, 0, Buffer.concat([u32(0), u32(0)])));
    this.socket.end(Buffer.concat(parts));
    setTimeout(() => this.socket.destroy(), 200).unref();
  }

  private until(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (ready() || this.closed || this.goaway !== null) finish(ready());
      };
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.wakers.delete(check);
        resolve(ok);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.wakers.add(check);
      check();
    });
  }

  private onData(d: Buffer): void {
    for (const f of this.frames.push(d)) if (f.payload) this.onFrame(f.type, f.flags, f.streamId, f.payload);
    this.wake();
  }

  private onFrame(type: number, flags: number, id: number, p: Buffer): void {
    if (type === Frame.SETTINGS && !(flags & Flag.ACK)) {
      const enable = h2SettingValue(p, H2Setting.ENABLE_CONNECT_PROTOCOL) === 1;
      this.settingsSeen ??= { enableConnectProtocol: enable };
      this.socket.write(frame(Frame.SETTINGS, Flag.ACK, 0));
    } else if (type === Frame.PING && !(flags & Flag.ACK)) this.socket.write(frame(Frame.PING, Flag.ACK, 0, p));
    else if (type === Frame.GOAWAY && p.length >= 8) this.goaway = p.readUInt32BE(4);
    else if (type === Frame.RST_STREAM && p.length >= 4) {
      const prior = this.answers.get(id);
      if (prior?.kind === 'response') prior.rstCode = p.readUInt32BE(0);
      else if (!prior) this.answers.set(id, { kind: 'reset', code: p.readUInt32BE(0) });
    } else if (type === Frame.HEADERS && !this.answers.has(id)) {
      let at = 0;
      let end = p.length;
      if (flags & Flag.PADDED) end -= p[at++] ?? 0;
      if (flags & Flag.PRIORITY) at += 5;
      this.answers.set(id, { kind: 'response', status: at < end ? firstStatus(p.subarray(at, Math.max(at, end))) : null, endStream: (flags & Flag.END_STREAM) !== 0, rstCode: null });
    }
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function setting(id: number, value: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(id, 0);
  b.writeUInt32BE(value, 2);
  return b;
}
