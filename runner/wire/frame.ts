/**
 * Frame encoding (RFC 6455 §5.2) that can lie on purpose: any opcode, any reserved bits, any mask,
 * non-minimal length encodings and a declared length that differs from the real payload.
 */

export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

export type LengthEncoding = 7 | 16 | 64;

export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array;
  /** Defaults to true. */
  fin?: boolean;
  /** RSV1..RSV3 as a 3-bit number: 4 = RSV1, 2 = RSV2, 1 = RSV3. */
  rsv?: number;
  /** A 4-byte masking key, or null/undefined for an unmasked frame. */
  mask?: Uint8Array | null;
  /** Force a length encoding; by default the minimal one is used. */
  lengthEncoding?: LengthEncoding;
  /** Length written in the header when it must differ from the payload's real length. */
  declaredLength?: number | bigint;
}

export function isControlOpcode(opcode: number): boolean {
  return opcode >= 0x8;
}

export function isKnownOpcode(opcode: number): boolean {
  return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa);
}

export function opcodeName(opcode: number): string {
  switch (opcode) {
    case 0x0:
      return 'continuation';
    case 0x1:
      return 'text';
    case 0x2:
      return 'binary';
    case 0x8:
      return 'close';
    case 0x9:
      return 'ping';
    case 0xa:
      return 'pong';
    default:
      return `reserved-${opcode}`;
  }
}

export function minimalLengthEncoding(length: number | bigint): LengthEncoding {
  const n = BigInt(length);
  if (n <= 125n) return 7;
  if (n <= 0xffffn) return 16;
  return 64;
}

/** Encodes only the header; payload bytes (already masked if needed) follow it on the wire. */
export function encodeHeader(spec: Omit<FrameSpec, 'payload'>, payloadLength: number): Buffer {
  const declared = BigInt(spec.declaredLength ?? payloadLength);
  const encoding = spec.lengthEncoding ?? minimalLengthEncoding(declared);
  const maskBytes = spec.mask ? 4 : 0;
  const extra = encoding === 7 ? 0 : encoding === 16 ? 2 : 8;
  const header = Buffer.alloc(2 + extra + maskBytes);
  const fin = spec.fin ?? true;
  header[0] = (fin ? 0x80 : 0) | (((spec.rsv ?? 0) & 0x7) << 4) | (spec.opcode & 0xf);
  const maskBit = spec.mask ? 0x80 : 0;
  if (encoding === 7) {
    header[1] = maskBit | Number(declared & 0x7fn);
  } else if (encoding === 16) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(Number(declared & 0xffffn), 2);
  } else {
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt.asUintN(64, declared), 2);
  }
  if (spec.mask) header.set(spec.mask.subarray(0, 4), 2 + extra);
  return header;
}

/**
 * Writes the header of an honest frame (minimal length encoding of the real payload length) into
 * `out` at `at`, and returns its size: encodeHeader without allocating, for bulk traffic.
 */
export function writeHeader(out: Buffer, at: number, opcode: number, fin: boolean, rsv: number, length: number, mask: Uint8Array | null): number {
  out[at] = (fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0xf);
  const maskBit = mask ? 0x80 : 0;
  let size = 2;
  if (length <= 125) {
    out[at + 1] = maskBit | length;
  } else if (length <= 0xffff) {
    out[at + 1] = maskBit | 126;
    out.writeUInt16BE(length, at + 2);
    size = 4;
  } else {
    out[at + 1] = maskBit | 127;
    out.writeUInt32BE(Math.floor(length / 0x1_0000_0000), at + 2);
    out.writeUInt32BE(length >>> 0, at + 6);
    size = 10;
  }
  if (mask) {
    out.set(mask.subarray(0, 4), at + size);
    size += 4;
  }
  return size;
}

/**
 * How many frames Autobahn's fuzzing peer sends a message of `length` payload bytes in when it
 * splits it into frames of `size` bytes (size 0: no splitting). A message that fits in one frame is
 * one frame; a longer one is full frames and then the rest, and when `size` divides the length
 * the rest is an empty final continuation (autobahn-python 0.10.9's sendMessage), so 4 MiB in
 * 256-byte frames is 16,384 full frames and one empty one. Frame k holds bytes
 * [k * size, min((k + 1) * size, length)).
 */
export function fragmentCount(length: number, size: number): number {
  if (size <= 0 || length <= size) return 1;
  return Math.floor(length / size) + 1;
}

/** Header size of an honest frame with this payload length. */
export function headerSize(length: number, masked: boolean): number {
  return (length <= 125 ? 2 : length <= 0xffff ? 4 : 10) + (masked ? 4 : 0);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** XORs `data` in place with the 4-byte `mask`, as if `data` started at payload offset `offset`. */
export function applyMask(data: Uint8Array, mask: Uint8Array, offset = 0): void {
  const len = data.length;
  let i = 0;
  if (len >= 32 && LITTLE_ENDIAN) {
    // Align, then XOR 32-bit words: the key rotated so that lane 0 lines up with byte (offset + i).
    while (((data.byteOffset + i) & 3) !== 0) {
      data[i] = data[i]! ^ mask[(offset + i) & 3]!;
      i++;
    }
    const r = (offset + i) & 3;
    const key32 = (mask[r]! | (mask[(r + 1) & 3]! << 8) | (mask[(r + 2) & 3]! << 16) | (mask[(r + 3) & 3]! << 24)) >>> 0;
    const words = (len - i) >>> 2;
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w] = view[w]! ^ key32;
    i += words * 4;
  }
  for (; i < len; i++) data[i] = data[i]! ^ mask[(offset + i) & 3]!;
}

/** Encodes a whole frame into one buffer. The payload is copied, never modified. */
export function encodeFrame(spec: FrameSpec): Buffer {
  const payload = spec.payload ?? new Uint8Array(0);
  const header = encodeHeader(spec, payload.length);
  const out = Buffer.allocUnsafe(header.length + payload.length);
  header.copy(out, 0);
  out.set(payload, header.length);
  if (spec.mask) applyMask(out.subarray(header.length), spec.mask);
  return out;
}

/** The close frame payload: a 2-byte status code followed by the reason bytes. */
export function closePayload(code?: number | null, reason?: Uint8Array | string | null): Buffer {
  if (code === undefined || code === null) return Buffer.alloc(0);
  const reasonBytes = typeof reason === 'string' ? Buffer.from(reason, 'utf8') : Buffer.from(reason ?? []);
  const out = Buffer.alloc(2 + reasonBytes.length);
  out.writeUInt16BE(code & 0xffff, 0);
  reasonBytes.copy(out, 2);
  return out;
}
