import assert from 'node:assert/strict';
import {
  applyMask,
  closePayload,
  encodeFrame,
  encodeHeader,
  fragmentCount,
  headerSize,
  isControlOpcode,
  isKnownOpcode,
  minimalLengthEncoding,
  Opcode,
  opcodeName,
  writeHeader,
} from '../../runner/wire/frame.js';
import { hex, seededRandom } from '../support/bytes.js';

const hello = Buffer.from('Hello');
const rfcMask = hex('37 fa 21 3d');

/** The obvious byte loop applyMask must agree with. */
function naiveMask(data: Uint8Array, mask: Uint8Array, offset: number): Buffer {
  const out = Buffer.from(data);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ mask[(offset + i) % 4]!;
  return out;
}

describe('frame', () => {
  describe('encodeFrame', () => {
    it('encodes the RFC 6455 §5.7 unmasked "Hello" text frame', () => {
      assert.deepEqual(encodeFrame({ opcode: Opcode.text, payload: hello }), hex('81 05 48 65 6c 6c 6f'));
    });

    it('encodes the RFC 6455 §5.7 masked "Hello" text frame', () => {
      assert.deepEqual(encodeFrame({ opcode: Opcode.text, payload: hello, mask: rfcMask }), hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    });

    it('encodes the RFC 6455 §5.7 masked "Hello" pong frame', () => {
      assert.deepEqual(encodeFrame({ opcode: Opcode.pong, payload: hello, mask: rfcMask }), hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'));
    });

    it('encodes the RFC 6455 §5.7 fragmented "Hello" as a text frame without FIN and a final continuation', () => {
      assert.deepEqual(encodeFrame({ opcode: Opcode.text, payload: Buffer.from('Hel'), fin: false }), hex('01 03 48 65 6c'));
      assert.deepEqual(encodeFrame({ opcode: Opcode.continuation, payload: Buffer.from('lo') }), hex('80 02 6c 6f'));
    });

    it('does not modify the payload it masks', () => {
      const payload = Buffer.from(hello);
      encodeFrame({ opcode: Opcode.text, payload, mask: rfcMask });
      assert.deepEqual(payload, hello);
    });

    it('encodes an empty frame when there is no payload', () => {
      assert.deepEqual(encodeFrame({ opcode: Opcode.ping }), hex('89 00'));
      assert.deepEqual(encodeFrame({ opcode: Opcode.ping, mask: rfcMask }), hex('89 80 37 fa 21 3d'));
    });

    const minimalLengths: Array<[length: number, header: string]> = [
      [0, '82 00'],
      [125, '82 7d'],
      [126, '82 7e 00 7e'],
      [256, '82 7e 01 00'],
      [65535, '82 7e ff ff'],
      [65536, '82 7f 00 00 00 00 00 01 00 00'],
    ];
    for (const [length, header] of minimalLengths) {
      it(`uses the minimal length encoding for a ${length}-byte payload`, () => {
        const payload = Buffer.alloc(length, 0xab);
        const frame = encodeFrame({ opcode: Opcode.binary, payload });
        assert.deepEqual(frame.subarray(0, frame.length - length), hex(header));
        assert.deepEqual(frame.subarray(frame.length - length), payload);
      });
    }

    it('writes a 16-bit length for a 5-byte payload when asked to', () => {
      assert.deepEqual(encodeFrame({ opcode: Opcode.text, payload: hello, lengthEncoding: 16 }), hex('81 7e 00 05 48 65 6c 6c 6f'));
    });

    it('writes a 64-bit length for a 200-byte payload when asked to', () => {
      const payload = Buffer.alloc(200, 0x01);
      const frame = encodeFrame({ opcode: Opcode.binary, payload, lengthEncoding: 64 });
      assert.deepEqual(frame.subarray(0, 10), hex('82 7f 00 00 00 00 00 00 00 c8'));
      assert.deepEqual(frame.subarray(10), payload);
    });

    it('writes a 64-bit length for a 5-byte masked payload, mask after the length', () => {
      assert.deepEqual(encodeFrame({ opcode: Opcode.text, payload: hello, mask: rfcMask, lengthEncoding: 64 }), hex('81 ff 00 00 00 00 00 00 00 05 37 fa 21 3d 7f 9f 4d 51 58'));
    });

    it('writes a declared length larger than the real payload', () => {
      assert.deepEqual(encodeFrame({ opcode: Opcode.text, payload: hello, declaredLength: 10 }), hex('81 0a 48 65 6c 6c 6f'));
    });

    it('writes a declared length smaller than the real payload', () => {
      assert.deepEqual(encodeFrame({ opcode: Opcode.text, payload: hello, declaredLength: 0 }), hex('81 00 48 65 6c 6c 6f'));
    });

    it('picks the encoding from the declared length, not the real one', () => {
      assert.deepEqual(encodeFrame({ opcode: Opcode.text, payload: hello, declaredLength: 300 }), hex('81 7e 01 2c 48 65 6c 6c 6f'));
    });

    it('writes a declared 64-bit length of 2^63-1 given as a bigint', () => {
      assert.deepEqual(encodeFrame({ opcode: Opcode.binary, declaredLength: 2n ** 63n - 1n }), hex('82 7f 7f ff ff ff ff ff ff ff'));
    });

    it('writes a declared 64-bit length with the most significant bit set', () => {
      assert.deepEqual(encodeFrame({ opcode: Opcode.binary, declaredLength: 2n ** 63n }), hex('82 7f 80 00 00 00 00 00 00 00'));
    });

    const rsvBits: Array<[rsv: number, firstByte: number]> = [
      [0, 0x81],
      [4, 0xc1],
      [2, 0xa1],
      [1, 0x91],
      [7, 0xf1],
    ];
    for (const [rsv, firstByte] of rsvBits) {
      it(`sets the reserved bits ${rsv.toString(2).padStart(3, '0')} as 0x${firstByte.toString(16)}`, () => {
        assert.equal(encodeFrame({ opcode: Opcode.text, rsv })[0], firstByte);
      });
    }

    it('encodes every opcode from 0 to 15, known or reserved', () => {
      for (let opcode = 0; opcode <= 15; opcode++) {
        assert.deepEqual(encodeFrame({ opcode }), Buffer.from([0x80 | opcode, 0x00]), `opcode ${opcode}`);
        assert.deepEqual(encodeFrame({ opcode, fin: false }), Buffer.from([opcode, 0x00]), `opcode ${opcode} without FIN`);
      }
    });
  });

  describe('encodeHeader', () => {
    it('encodes the header alone, ready for a payload that follows it', () => {
      assert.deepEqual(encodeHeader({ opcode: Opcode.binary, mask: rfcMask }, 256), hex('82 fe 01 00 37 fa 21 3d'));
    });

    it('is the start of the whole frame', () => {
      const spec = { opcode: Opcode.text, payload: hello, mask: rfcMask, rsv: 4, fin: false };
      const header = encodeHeader(spec, hello.length);
      assert.deepEqual(encodeFrame(spec).subarray(0, header.length), header);
    });
  });

  describe('writeHeader', () => {
    it('writes what encodeHeader encodes for every length encoding, mask, opcode and flag, where it is told', () => {
      for (const length of [0, 1, 125, 126, 127, 0xffff, 0x10000, 2 ** 32 + 5, 2 ** 40]) {
        for (const mask of [null, rfcMask]) {
          for (const [opcode, fin, rsv] of [
            [Opcode.text, true, 0],
            [Opcode.continuation, false, 4],
            [Opcode.binary, true, 7],
          ] as const) {
            const want = encodeHeader({ opcode, fin, rsv, mask }, length);
            const out = Buffer.alloc(3 + 14, 0xee);
            const size = writeHeader(out, 3, opcode, fin, rsv, length, mask);
            assert.equal(size, want.length, `length ${length}`);
            assert.equal(headerSize(length, mask !== null), want.length);
            assert.deepEqual(out.subarray(3, 3 + size), want, `length ${length}, mask ${mask !== null}, opcode ${opcode}`);
            assert.deepEqual(out.subarray(0, 3), Buffer.alloc(3, 0xee), 'nothing before `at` is touched');
          }
        }
      }
    });
  });

  describe('applyMask', () => {
    it('masks "Hello" with the RFC 6455 §5.7 key', () => {
      const data = Buffer.from(hello);
      applyMask(data, rfcMask);
      assert.deepEqual(data, hex('7f 9f 4d 51 58'));
    });

    it('unmasks what it masked', () => {
      const data = Buffer.from('a longer payload that spans several 32-bit words');
      applyMask(data, rfcMask);
      applyMask(data, rfcMask);
      assert.equal(data.toString(), 'a longer payload that spans several 32-bit words');
    });

    it('starts at key byte (offset mod 4) when given an offset', () => {
      const data = Buffer.from('llo');
      applyMask(data, rfcMask, 2);
      assert.deepEqual(data, hex('4d 51 58'));
    });

    it('masks a payload in pieces the same as in one go', () => {
      const whole = seededRandom(7).bytes(101);
      const pieces = Buffer.from(whole);
      applyMask(whole, rfcMask);
      for (const [start, end] of [
        [0, 3],
        [3, 4],
        [4, 17],
        [17, 64],
        [64, 101],
      ] as const) {
        applyMask(pieces.subarray(start, end), rfcMask, start);
      }
      assert.deepEqual(pieces, whole);
    });

    it('agrees with a byte loop for every alignment, length and offset', () => {
      const random = seededRandom(0x5eed);
      const backing = new ArrayBuffer(128);
      for (let byteOffset = 0; byteOffset < 8; byteOffset++) {
        for (let length = 0; length <= 70; length++) {
          for (const offset of [0, 1, 2, 3, 5, 2 ** 31 + 3]) {
            const mask = random.bytes(4);
            const original = random.bytes(length);
            const data = new Uint8Array(backing, byteOffset, length);
            data.set(original);
            applyMask(data, mask, offset);
            assert.deepEqual(Buffer.from(data), naiveMask(original, mask, offset), `byteOffset ${byteOffset}, length ${length}, offset ${offset}`);
          }
        }
      }
    });

    it('leaves the bytes around the masked view alone', () => {
      const all = Buffer.alloc(40, 0x55);
      applyMask(all.subarray(3, 37), hex('ff ff ff ff'));
      assert.deepEqual(all.subarray(0, 3), Buffer.alloc(3, 0x55));
      assert.deepEqual(all.subarray(3, 37), Buffer.alloc(34, 0xaa));
      assert.deepEqual(all.subarray(37), Buffer.alloc(3, 0x55));
    });
  });

  describe('closePayload', () => {
    it('is empty without a code', () => {
      assert.deepEqual(closePayload(), Buffer.alloc(0));
      assert.deepEqual(closePayload(null, 'ignored'), Buffer.alloc(0));
    });

    it('is the code alone without a reason', () => {
      assert.deepEqual(closePayload(1000), hex('03 e8'));
    });

    it('puts a string reason in UTF-8 after the code', () => {
      assert.deepEqual(closePayload(1001, 'κ'), hex('03 e9 ce ba'));
    });

    it('copies reason bytes as given, even invalid UTF-8', () => {
      assert.deepEqual(closePayload(4999, hex('ed a0 80')), hex('13 87 ed a0 80'));
    });

    it('writes any 16-bit code, valid or not', () => {
      assert.deepEqual(closePayload(0), hex('00 00'));
      assert.deepEqual(closePayload(65535), hex('ff ff'));
    });
  });

  describe('opcode helpers', () => {
    it('treats opcodes 8 to 15 as control opcodes', () => {
      for (let opcode = 0; opcode <= 15; opcode++) assert.equal(isControlOpcode(opcode), opcode >= 8, `opcode ${opcode}`);
    });

    it('knows only opcodes 0, 1, 2, 8, 9 and 10', () => {
      const known = [0, 1, 2, 8, 9, 10];
      for (let opcode = 0; opcode <= 15; opcode++) assert.equal(isKnownOpcode(opcode), known.includes(opcode), `opcode ${opcode}`);
    });

    it('names known opcodes and numbers reserved ones', () => {
      assert.equal(opcodeName(0x0), 'continuation');
      assert.equal(opcodeName(0xa), 'pong');
      assert.equal(opcodeName(0x3), 'reserved-3');
      assert.equal(opcodeName(0xf), 'reserved-15');
    });

    it('chooses the minimal length encoding at the 125 and 65535 boundaries', () => {
      assert.equal(minimalLengthEncoding(125), 7);
      assert.equal(minimalLengthEncoding(126), 16);
      assert.equal(minimalLengthEncoding(65535), 16);
      assert.equal(minimalLengthEncoding(65536), 64);
      assert.equal(minimalLengthEncoding(2n ** 63n), 64);
    });
  });

  describe('fragmentCount (how Autobahn splits a message)', () => {
    const rows: Array<[length: number, size: number, frames: number, why: string]> = [
      [4 * 1024 * 1024, 256, 16_385, 'an exact multiple: 16,384 full frames and an empty final one (9.3.2)'],
      [4 * 1024 * 1024, 64, 65_537, 'an exact multiple: 65,536 full frames and an empty final one (9.3.1)'],
      [4 * 1024 * 1024, 4 * 1024 * 1024, 1, 'a message that fits one frame is that frame (9.3.9)'],
      [65_536, 1300, 51, 'not a multiple: 50 full frames and the rest (10.1.1)'],
      [29, 1, 30, 'one byte per frame, then an empty final one (6.2.3)'],
      [13, 4, 4, 'not a multiple: three of 4 bytes and one of 1'],
      [12, 4, 4, 'a multiple: three of 4 bytes and an empty one'],
      [4, 4, 1, 'exactly one frame size'],
      [5, 4, 2, 'one byte over'],
      [0, 4, 1, 'an empty message'],
      [1000, 0, 1, 'size 0: not split'],
    ];
    for (const [length, size, frames, why] of rows) {
      it(`is ${frames} for ${length} bytes in frames of ${size}: ${why}`, () => {
        assert.equal(fragmentCount(length, size), frames);
      });
    }
  });
});
