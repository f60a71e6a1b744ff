/**
 * permessage-deflate (RFC 7692): the Sec-WebSocket-Extensions grammar, offers and responses in both
 * roles, and the per-message codec. Pure: node:zlib only, no sockets.
 *
 * The codec is synchronous. A kept LZ77 context is replaced by its equivalent: each message is a
 * fresh raw deflate stream ended with Z_SYNC_FLUSH, and "context takeover" passes the last
 * 2^windowBits bytes of earlier plaintext as the preset dictionary. A receiver that kept its window
 * holds exactly those bytes, so the streams are interchangeable with a long-lived zlib context.
 */
import zlib from 'node:zlib';
import type { MessageInflater } from './reader.js';

export const PMD_NAME = 'permessage-deflate';
/** The empty stored block a sync flush ends with: removed on send, restored on receive (§7.2.1, §7.2.2). */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

// ---- Sec-WebSocket-Extensions (RFC 6455 §9.1) ------------------------------------------------

export interface ExtensionParam {
  name: string;
  /** null: the parameter has no value. */
  value: string | null;
}

export interface ExtensionElement {
  /** Lowercased: extension names are compared without regard to case. */
  name: string;
  params: ExtensionParam[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Parses one or more header values (repeated headers are one list) into extension elements. */
export function parseExtensionList(values: string | readonly string[]): Parsed<ExtensionElement[]> {
  const text = typeof values === 'string' ? values : values.join(', ');
  const out: ExtensionElement[] = [];
  let at = 0;
  const ows = (): void => {
    while (text[at] === ' ' || text[at] === '\t') at++;
  };
  const token = (): string => {
    const from = at;
    while (at < text.length && TCHAR.test(text[at]!)) at++;
    return text.slice(from, at);
  };
  const fail = (what: string): Parsed<ExtensionElement[]> => ({ ok: false, error: `${what} at offset ${at} of ${JSON.stringify(text.slice(0, 200))}` });
  for (;;) {
    ows();
    if (at >= text.length) break;
    // Empty list elements (",,") are tolerated, as RFC 7230 §7 asks of recipients.
    if (text[at] === ',') {
      at++;
      continue;
    }
    const name = token();
    if (!name) return fail('expected an extension name');
    const el: ExtensionElement = { name: name.toLowerCase(), params: [] };
    ows();
    while (text[at] === ';') {
      at++;
      ows();
      const pname = token();
      if (!pname) return fail('expected a parameter name');
      ows();
      let value: string | null = null;
      if (text[at] === '=') {
        at++;
        ows();
        if (text[at] === '"') {
          at++;
          let v = '';
          while (at < text.length && text[at] !== '"') {
            if (text[at] === '\\') at++;
            if (at < text.length) v += text[at++];
          }
          if (text[at] !== '"') return fail('unterminated quoted string');
          at++;
          // RFC 6455 §9.1: an unquoted value must still be a token.
          if (!TOKEN.test(v)) return fail(`quoted value ${JSON.stringify(v)} is not a token`);
          value = v;
        } else {
          value = token();
          if (!value) return fail('expected a parameter value');
        }
        ows();
      }
      el.params.push({ name: pname, value });
    }
    out.push(el);
    ows();
    if (at >= text.length) break;
    if (text[at] !== ',') return fail(`unexpected ${JSON.stringify(text[at])}`);
    at++;
  }
  return { ok: true, value: out };
}

// ---- permessage-deflate parameters (RFC 7692 §7.1) --------------------------------------------

/** The parameters of one offer or response element, as sent. */
export interface DeflateOffer {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  /** 8..15. */
  serverMaxWindowBits?: number;
  /** 8..15, or true for the parameter without a value (offers only). */
  clientMaxWindowBits?: number | true;
}

/** A server's response element; client_max_window_bits always carries a value there. */
export interface DeflateResponse extends DeflateOffer {
  clientMaxWindowBits?: number;
}

/** How the harness, as a server, picks from a client's offers (Autobahn's accept functions for 12.x/13.x). */
export type DeflateAcceptRule = 'first' | 'no-context-takeover' | 'max-window-bits-9' | 'max-window-bits-15' | 'both-9' | 'both-15' | 'fallback';

/** What a case asks for: the harness's offers as a client, its accept rule as a server. */
export interface DeflateNegotiation {
  offers: DeflateOffer[];
  accept: DeflateAcceptRule;
}

const WINDOW_BITS = /^(?:[89]|1[0-5])$/;

/** Reads the parameters of a permessage-deflate element; an offer may carry client_max_window_bits without a value. */
export function deflateParams(el: ExtensionElement, as: 'offer' | 'response'): Parsed<DeflateOffer> {
  const p: DeflateOffer = {};
  const seen = new Set<string>();
  for (const { name, value } of el.params) {
    if (seen.has(name)) return { ok: false, error: `parameter ${name} appears twice` };
    seen.add(name);
    const bad = (): Parsed<DeflateOffer> => ({ ok: false, error: `invalid value ${JSON.stringify(value)} for ${name}` });
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== null) return bad();
        if (name === 'server_no_context_takeover') p.serverNoContextTakeover = true;
        else p.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits':
        if (value === null || !WINDOW_BITS.test(value)) return bad();
        p.serverMaxWindowBits = Number(value);
        break;
      case 'client_max_window_bits':
        if (value === null) {
          if (as === 'response') return { ok: false, error: 'client_max_window_bits needs a value in a response' };
          p.clientMaxWindowBits = true;
        } else if (!WINDOW_BITS.test(value)) return bad();
        else p.clientMaxWindowBits = Number(value);
        break;
      default:
        return { ok: false, error: `unknown parameter ${name}` };
    }
  }
  return { ok: true, value: p };
}

/** The element text; offers list client parameters first and responses server ones first, as Autobahn does. */
export function formatDeflate(p: DeflateOffer, as: 'offer' | 'response'): string {
  const client: string[] = [];
  const server: string[] = [];
  if (p.clientNoContextTakeover) client.push('client_no_context_takeover');
  if (p.clientMaxWindowBits !== undefined) client.push(p.clientMaxWindowBits === true ? 'client_max_window_bits' : `client_max_window_bits=${p.clientMaxWindowBits}`);
  if (p.serverNoContextTakeover) server.push('server_no_context_takeover');
  if (p.serverMaxWindowBits !== undefined) server.push(`server_max_window_bits=${p.serverMaxWindowBits}`);
  return [PMD_NAME, ...(as === 'offer' ? [...client, ...server] : [...server, ...client])].join('; ');
}

/**
 * Whether a response accepts this offer (RFC 7692 §7.1): the server must keep what the offer asked
 * of it (server_no_context_takeover, server_max_window_bits no larger), and may set
 * client_max_window_bits only when the offer had it. server_no_context_takeover and
 * client_no_context_takeover may always be added.
 */
function responseFits(offer: DeflateOffer, r: DeflateResponse): string | null {
  if (offer.serverNoContextTakeover && !r.serverNoContextTakeover) return 'the offer asked for server_no_context_takeover and the response drops it';
  if (offer.serverMaxWindowBits !== undefined) {
    if (r.serverMaxWindowBits === undefined) return `the offer asked for server_max_window_bits=${offer.serverMaxWindowBits} and the response drops it`;
    if (r.serverMaxWindowBits > offer.serverMaxWindowBits) return `server_max_window_bits=${r.serverMaxWindowBits} exceeds the ${offer.serverMaxWindowBits} offered`;
  }
  if (r.clientMaxWindowBits !== undefined && offer.clientMaxWindowBits === undefined) return 'client_max_window_bits was not offered';
  return null;
}

/** The terms both sides keep to, with RFC defaults filled in (no flag: context takeover; no bits: 15). */
export interface DeflateAgreement {
  /** The response element as the server sent it (or will send it). */
  response: string;
  params: DeflateResponse;
  /** The offer the response accepts: what the client promised there binds it too (§7.1.1.2, §7.1.2.2). */
  offer: DeflateOffer;
}

/**
 * Client role: checks the server's Sec-WebSocket-Extensions against what was offered. No
 * permessage-deflate element: `null` (not negotiated). An element that fits no offer: an error,
 * and the client must fail the connection (RFC 7692 §5, §7).
 */
export function acceptResponse(offers: readonly DeflateOffer[], headerValues: readonly string[]): Parsed<DeflateAgreement | null> {
  if (headerValues.length === 0) return { ok: true, value: null };
  const list = parseExtensionList(headerValues);
  if (!list.ok) return list;
  const els = list.value.filter((e) => e.name === PMD_NAME);
  if (els.length === 0) return { ok: true, value: null };
  if (els.length > 1) return { ok: false, error: 'the server accepted permessage-deflate more than once' };
  if (offers.length === 0) return { ok: false, error: 'the server accepted permessage-deflate, which was not offered' };
  const parsed = deflateParams(els[0]!, 'response');
  if (!parsed.ok) return { ok: false, error: `permessage-deflate response: ${parsed.error}` };
  const r = parsed.value as DeflateResponse;
  const problems: string[] = [];
  for (const offer of offers) {
    const why = responseFits(offer, r);
    if (why === null) {
      return { ok: true, value: { response: formatDeflate(r, 'response'), params: r, offer } };
    }
    problems.push(why);
  }
  return { ok: false, error: `the permessage-deflate response fits no offer: ${[...new Set(problems)].join('; ')}` };
}

/**
 * Server role: picks an offer by `rule` (Autobahn's accept functions, in RFC terms). Offers with
 * unknown, repeated or invalid parameters are declined (RFC 7692 §7). `null`: nothing accepted.
 * Every offer allows client_no_context_takeover in the response (§7.1.1.2); client_max_window_bits
 * only an offer that carries it (§7.1.2.2), and never above the value offered.
 */
export function chooseOffer(rule: DeflateAcceptRule, headerValues: readonly string[]): DeflateAgreement | null {
  const list = parseExtensionList(headerValues);
  if (!list.ok) return null;
  const offers: DeflateOffer[] = [];
  for (const el of list.value) {
    if (el.name !== PMD_NAME) continue;
    const p = deflateParams(el, 'offer');
    if (p.ok) offers.push(p.value);
  }
  const pick = (noContext: boolean, bits: number | null): DeflateAgreement | null => {
    for (const offer of offers) {
      if (bits !== null && offer.clientMaxWindowBits === undefined) continue;
      const r: DeflateResponse = {};
      if (offer.serverNoContextTakeover) r.serverNoContextTakeover = true;
      if (offer.serverMaxWindowBits !== undefined) r.serverMaxWindowBits = offer.serverMaxWindowBits;
      if (noContext) r.clientNoContextTakeover = true;
      if (bits !== null) r.clientMaxWindowBits = offer.clientMaxWindowBits === true || offer.clientMaxWindowBits === undefined ? bits : Math.min(bits, offer.clientMaxWindowBits);
      return { response: formatDeflate(r, 'response'), params: r, offer };
    }
    return null;
  };
  switch (rule) {
    case 'first': return pick(false, null);
    case 'no-context-takeover': return pick(true, null);
    case 'max-window-bits-9': return pick(false, 9);
    case 'max-window-bits-15': return pick(false, 15);
    case 'both-9': return pick(true, 9);
    case 'both-15': return pick(true, 15);
    case 'fallback': return pick(true, 9) ?? pick(true, null) ?? pick(false, null);
  }
}

// ---- the codec (RFC 7692 §7.2) -------------------------------------------------------------

export interface DeflateDirection {
  /** Reset the LZ77 window after each message. */
  noContextTakeover: boolean;
  /** The negotiated window: 8..15. */
  windowBits: number;
}

export interface CodecOptions {
  send: DeflateDirection;
  receive: DeflateDirection;
  /** zlib level for what the harness sends; any valid stream is conformant, so the fastest will do. */
  level?: number;
  memLevel?: number;
  /** Compressed pieces of corpora, shared across connections (used only when sending without context takeover). */
  pieces?: PieceStore | null;
  description?: string;
}

/** Where a payload comes from: byte ranges, in order, of a named corpus that never changes (equal names, equal bytes). */
export interface CorpusSlice {
  corpus: string;
  data: Buffer;
  ranges: ReadonlyArray<readonly [from: number, to: number]>;
}

interface ZlibSettings {
  level: number;
  memLevel: number;
  windowBits: number;
}

/**
 * A raw deflate stream ended by a sync flush: non-final blocks, then the empty stored block (kept
 * here). Without a dictionary, a window larger than the input buys nothing: small inputs get a
 * small window and hash table, so zlib sets up a few KB instead of a quarter MB for every message.
 */
function deflatePiece(data: Buffer, z: ZlibSettings, dictionary?: Buffer): Buffer {
  // One output chunk that fits even incompressible input: no 16 KB chunk per call, no concatenation.
  const opts: zlib.ZlibOptions = { ...z, finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: data.length + (data.length >> 4) + 128 };
  if (dictionary && dictionary.length > 0) opts.dictionary = dictionary;
  else {
    // zlib reaches back at most the window size less 262 bytes.
    const bits = Math.min(z.windowBits, Math.max(9, Math.ceil(Math.log2(data.length + 262))));
    opts.windowBits = bits;
    opts.memLevel = Math.max(1, Math.min(z.memLevel, bits - 7));
  }
  return zlib.deflateRawSync(data, opts);
}

/** A byte-bounded LRU. */
class Lru {
  private readonly map = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Buffer | undefined {
    const b = this.map.get(key);
    if (b !== undefined) {
      this.map.delete(key);
      this.map.set(key, b);
    }
    return b;
  }

  set(key: string, value: Buffer): void {
    if (this.map.has(key)) return;
    this.map.set(key, value);
    this.bytes += value.length + 100;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.length + 100;
    }
  }
}

/**
 * Compressed pieces of corpora, shared by every connection. Raw deflate streams that end with a
 * sync flush concatenate into one valid stream of the concatenated plaintext (each is a run of
 * non-final blocks ending on a byte boundary, and none refers back before its own start). So a
 * slice of a corpus is assembled from fixed chunks compressed once, at a good level, and kept (the
 * corpora are a few MB), plus its ragged ends compressed on demand at the codec's fast level and
 * kept in a bounded LRU, since concurrent cases walk the same slices. The target still receives
 * real LZ77 + Huffman data; what the harness saves is compressing the same bytes again for every
 * case and every message.
 */
export class PieceStore {
  private readonly chunks = new Map<string, Array<Buffer | undefined>>();
  private readonly ends: Lru;
  /** Pieces compressed, and pieces reused, since the start (for benchmarks). */
  compressed = 0;
  reused = 0;

  constructor(
    readonly chunkSize = 16 * 1024,
    lruBytes = 16 * 1024 * 1024,
    /** zlib's default, as Autobahn uses: whole chunks are compressed once, so the level costs little. */
    readonly chunkLevel = 6,
  ) {
    this.ends = new Lru(lruBytes);
  }

  /** The compressed slice, without the final 00 00 ff ff. */
  assemble(slice: CorpusSlice, z: ZlibSettings): Buffer {
    const variant = `${slice.corpus}/${z.windowBits}/${z.level}/${z.memLevel}`;
    const chunkZ = { ...z, level: this.chunkLevel };
    const chunkVariant = `${slice.corpus}/${z.windowBits}/${this.chunkLevel}/${z.memLevel}`;
    let chunks = this.chunks.get(chunkVariant);
    if (!chunks) this.chunks.set(chunkVariant, (chunks = new Array<Buffer | undefined>(Math.ceil(slice.data.length / this.chunkSize))));
    const size = this.chunkSize;
    const parts: Buffer[] = [];
    let total = 0;
    for (const [from, to] of slice.ranges) {
      for (let at = from; at < to; ) {
        const k = Math.floor(at / size);
        const chunkEnd = Math.min((k + 1) * size, slice.data.length);
        const end = Math.min(to, chunkEnd);
        let piece: Buffer | undefined;
        if (at === k * size && end === chunkEnd) {
          piece = chunks[k];
          if (piece) this.reused++;
          else chunks[k] = piece = this.compress(slice.data.subarray(at, end), chunkZ);
        } else {
          const key = `${variant}/${at}/${end}`;
          piece = this.ends.get(key);
          if (piece) this.reused++;
          else this.ends.set(key, (piece = this.compress(slice.data.subarray(at, end), z)));
        }
        parts.push(piece);
        total += piece.length;
        at = end;
      }
    }
    return Buffer.concat(parts, total).subarray(0, total - TRAILER.length);
  }

  private compress(data: Buffer, z: ZlibSettings): Buffer {
    this.compressed++;
    // Kept for long: an exact copy in its own memory, neither a view into zlib's output chunk nor
    // into the shared pool (which it would pin).
    const out = deflatePiece(data, z);
    const kept = Buffer.allocUnsafeSlow(out.length);
    out.copy(kept);
    return kept;
  }
}

/** Shared by every connection of the process: the fuzzing client sends the same data sets again and again. */
export const sharedPieces = new PieceStore();

/** zlib cannot deflate with an 8-bit raw window; 9 bits never reaches back more than 250 bytes, so it is safe for 8. */
const deflateBits = (bits: number): number => Math.max(9, bits);

/** The last `size` bytes of `prev` followed by `next`. */
function tail(prev: Buffer, next: Buffer, size: number): Buffer {
  if (next.length >= size) return next.subarray(next.length - size);
  const keep = Math.min(prev.length, size - next.length);
  return Buffer.concat([prev.subarray(prev.length - keep), next]);
}

/** One connection's permessage-deflate state, both ways. */
export class PerMessageDeflate {
  readonly description: string;
  readonly inflater: MessageInflater;
  private readonly o: CodecOptions;
  private sent: Buffer = Buffer.alloc(0);
  private received: Buffer = Buffer.alloc(0);
  private lastInflated = 0;
  private input: Buffer = Buffer.alloc(0);

  constructor(o: CodecOptions) {
    this.o = o;
    this.description = o.description ?? `send ${direction(o.send)}, receive ${direction(o.receive)}`;
    this.inflater = { inflate: (data, maxSize) => this.inflateMessage(data, maxSize) };
  }

  /** Compresses one whole message; `source` says where its bytes come from, when the caller knows. */
  deflate(payload: Buffer, source?: CorpusSlice): Promise<Buffer> {
    return Promise.resolve(this.deflateSync(payload, source));
  }

  deflateSync(payload: Buffer, source?: CorpusSlice): Buffer {
    const { send } = this.o;
    const z: ZlibSettings = { level: this.o.level ?? 1, memLevel: this.o.memLevel ?? 8, windowBits: deflateBits(send.windowBits) };
    if (send.noContextTakeover) {
      const pieces = this.o.pieces;
      if (pieces && source && payload.length > 0 && source.ranges.reduce((n, [a, b]) => n + b - a, 0) === payload.length) return pieces.assemble(source, z);
      const out = deflatePiece(payload, z);
      return out.subarray(0, out.length - TRAILER.length);
    }
    const out = deflatePiece(payload, z, this.sent);
    this.sent = tail(this.sent, payload, 1 << send.windowBits);
    // A sync flush always ends with the empty stored block; the receiver adds it back.
    return out.subarray(0, out.length - TRAILER.length);
  }

  /**
   * Inflates a whole message, bounded: more than `maxSize` bytes of output is a too-large message,
   * never an allocation. A kept context goes in as a stored block of the earlier plaintext ahead of
   * the message (valid deflate, and the peer's back-references land in it); the output then starts
   * with those bytes, which are cut off. Cheaper than zlib's dictionary, whose copy outlives the call.
   */
  private inflateMessage(data: Buffer, maxSize: number): ReturnType<MessageInflater['inflate']> {
    const { receive } = this.o;
    const history = receive.noContextTakeover ? 0 : this.received.length;
    const head = history > 0 ? 5 + history : 0;
    // zlib reads its input synchronously and keeps nothing of it: one input buffer serves every message.
    const size = head + data.length + TRAILER.length;
    if (this.input.length < size) this.input = Buffer.allocUnsafeSlow(Math.max(size, 2 * this.input.length));
    const input = this.input.subarray(0, size);
    if (history > 0) {
      input[0] = 0; // BFINAL 0, BTYPE 00 (stored), then LEN and its complement
      input.writeUInt16LE(history, 1);
      input.writeUInt16LE(~history & 0xffff, 3);
      this.received.copy(input, 5);
    }
    data.copy(input, head);
    TRAILER.copy(input, head + data.length);
    const tooLarge = { ok: false as const, tooLarge: true, message: `the message inflates to more than ${maxSize} bytes` };
    let out: Buffer;
    try {
      out = zlib.inflateRawSync(input, {
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
        maxOutputLength: Math.max(1, Math.min(maxSize + history, 0x7fffffff)),
        // Peers tend to send messages of one size: an output chunk one byte larger than the last
        // message takes the next one whole, without zlib's chunk list and final concatenation.
        chunkSize: Math.min(history + Math.max(this.lastInflated > 0 ? this.lastInflated + 1 : data.length * 4, 64), 1 << 20),
        // The agreed window, not zlib's largest: less to set up per message, and stricter.
        windowBits: receive.windowBits,
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ERR_BUFFER_TOO_LARGE') return tooLarge;
      return { ok: false, tooLarge: false, message: `invalid deflate data: ${err.message}` };
    }
    const payload = out.subarray(history);
    if (payload.length > maxSize) return tooLarge;
    if (!receive.noContextTakeover) this.received = out.subarray(Math.max(0, out.length - (1 << receive.windowBits)));
    this.lastInflated = payload.length;
    return { ok: true, payload };
  }
}

function direction(d: DeflateDirection): string {
  return `${d.noContextTakeover ? 'without' : 'with'} context takeover, window ${d.windowBits} bits`;
}

/**
 * The codec for one side of an agreement. The server's direction is what the response says. The
 * client's direction is bound by the response, and a client also keeps to what its own offer
 * hinted (no context takeover, a smaller window: §7.1.1.2, §7.1.2.2), which makes what the harness
 * sends as a client independent of history (and so assembled from shared pieces). A server holds
 * the client only to the response: hints do not bind the peer, and a kept window costs nothing.
 */
export function codecFor(role: 'client' | 'server', a: DeflateAgreement, o: Pick<CodecOptions, 'level' | 'memLevel' | 'pieces'> = {}): PerMessageDeflate {
  const p = a.params;
  const server: DeflateDirection = { noContextTakeover: p.serverNoContextTakeover === true, windowBits: p.serverMaxWindowBits ?? 15 };
  const client: DeflateDirection = { noContextTakeover: p.clientNoContextTakeover === true, windowBits: p.clientMaxWindowBits ?? 15 };
  const hinted = typeof a.offer.clientMaxWindowBits === 'number' ? a.offer.clientMaxWindowBits : 15;
  const send = role === 'server' ? server : { noContextTakeover: client.noContextTakeover || a.offer.clientNoContextTakeover === true, windowBits: Math.min(client.windowBits, hinted) };
  const receive = role === 'server' ? client : server;
  return new PerMessageDeflate({ ...o, send, receive, description: `${a.response} (harness sends ${direction(send)}; peer sends ${direction(receive)})` });
}

// ---- per case, both roles ------------------------------------------------------------------

/** What these helpers need of a case; structural, so the wire layer need not know the catalogue. */
export interface DeflateCase {
  handshake?: { deflate?: DeflateNegotiation };
}

/** Client role: the Sec-WebSocket-Extensions elements to offer (none for a case without deflate). */
export function clientOffers(def: DeflateCase): string[] {
  return (def.handshake?.deflate?.offers ?? []).map((o) => formatDeflate(o, 'offer'));
}

/**
 * Client role: after the handshake, the codec to use, `null` when the server declined the
 * extension, or an error when its response must fail the connection.
 */
export function negotiateAsClient(def: DeflateCase, responseHeaderValues: readonly string[], o: Pick<CodecOptions, 'level' | 'memLevel' | 'pieces'> = { pieces: sharedPieces }): Parsed<PerMessageDeflate | null> {
  const r = acceptResponse(def.handshake?.deflate?.offers ?? [], responseHeaderValues);
  if (!r.ok) return r;
  return { ok: true, value: r.value === null ? null : codecFor('client', r.value, o) };
}

/**
 * Server role: answers a client's offers (the values of its Sec-WebSocket-Extensions headers) by
 * the case's accept rule. `null`: accept nothing (a case without deflate, or no acceptable offer).
 */
export function negotiateAsServer(def: DeflateCase, offersHeaderValues: readonly string[], o: Pick<CodecOptions, 'level' | 'memLevel' | 'pieces'> = { pieces: sharedPieces }): { responseExtension: string; compressor: PerMessageDeflate } | null {
  const rule = def.handshake?.deflate?.accept;
  if (rule === undefined) return null;
  const a = chooseOffer(rule, offersHeaderValues);
  return a === null ? null : { responseExtension: a.response, compressor: codecFor('server', a, o) };
}
