import assert from 'node:assert/strict';
import { FrameDecoder, type DecodedFrame } from '../../runner/wire/decoder.js';
import { encodeFrame, type FrameSpec, type LengthEncoding } from '../../runner/wire/frame.js';
import { hex, randomChunks, seededRandom, type Random } from '../support/bytes.js';

const MiB = 1024 * 1024;

function decodeAll(pieces: Buffer[], maxPayload = MiB): { frames: DecodedFrame[]; decoder: FrameDecoder } {
  const decoder = new FrameDecoder({ maxPayload });
  const frames = pieces.flatMap((piece) => decoder.push(piece));
  return { frames, decoder };
}

function bytewise(data: Buffer): Buffer[] {
  return Array.from(data, (byte) => Buffer.from([byte]));
}

/** The frame as it went on the wire, so a decoded frame can be compared with what was sent. */
function reencode(frame: DecodedFrame): Buffer {
  return encodeFrame(frame);
}

function randomSpec(random: Random): FrameSpec {
  const lengths = [0, 1, 5, 125, 126, 127, 200, 4097, 65535, 65536, 70000];
  const length = lengths[random.int(lengths.length)]!;
  const spec: FrameSpec = {
    opcode: random.int(16),
    payload: random.bytes(length),
    fin: random.int(2) === 1,
    rsv: random.int(8),
    mask: random.int(2) === 1 ? random.bytes(4) : null,
  };
  // Half minimal, half a forced (often non-minimal) encoding that can still hold the length.
  const forced: LengthEncoding = random.int(2) === 1 && length <= 0xffff ? 16 : 64;
  if (random.int(2) === 1) spec.lengthEncoding = forced;
  return spec;
}

describe('FrameDecoder', () => {
  describe('decoding', () => {
    it('decodes the RFC 6455 §5.7 unmasked "Hello" text frame', () => {
      const { frames } = decodeAll([hex('81 05 48 65 6c 6c 6f')]);
      assert.deepEqual(frames, [{ fin: true, rsv: 0, opcode: 1, masked: false, mask: null, payload: Buffer.from('Hello'), lengthEncoding: 7, nonMinimalLength: false }]);
    });

    it('unmasks the RFC 6455 §5.7 masked "Hello" text frame and keeps the key', () => {
      const { frames } = decodeAll([hex('81 85 37 fa 21 3d 7f 9f 4d 51 58')]);
      assert.equal(frames.length, 1);
      assert.equal(frames[0]!.masked, true);
      assert.deepEqual(frames[0]!.mask, hex('37 fa 21 3d'));
      assert.equal(frames[0]!.payload.toString(), 'Hello');
    });

    it('decodes the RFC 6455 §5.7 fragmented "Hello" as two frames', () => {
      const { frames } = decodeAll([hex('01 03 48 65 6c 80 02 6c 6f')]);
      assert.deepEqual(
        frames.map((f) => [f.fin, f.opcode, f.payload.toString()]),
        [
          [false, 1, 'Hel'],
          [true, 0, 'lo'],
        ],
      );
    });

    it('does not change the bytes it was given when it unmasks', () => {
      const wire = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
      decodeAll([wire]);
      assert.deepEqual(wire, hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    });

    it('decodes a 256-byte frame with a 16-bit length', () => {
      const payload = seededRandom(1).bytes(256);
      const { frames } = decodeAll([Buffer.concat([hex('82 7e 01 00'), payload])]);
      assert.equal(frames[0]!.lengthEncoding, 16);
      assert.deepEqual(frames[0]!.payload, payload);
    });

    it('decodes a 64-bit length frame fed one byte at a time', () => {
      const payload = seededRandom(2).bytes(65536);
      const wire = Buffer.concat([hex('82 7f 00 00 00 00 00 01 00 00'), payload]);
      const { frames, decoder } = decodeAll(bytewise(wire));
      assert.equal(frames.length, 1);
      assert.equal(frames[0]!.lengthEncoding, 64);
      assert.equal(frames[0]!.nonMinimalLength, false);
      assert.deepEqual(frames[0]!.payload, payload);
      assert.equal(decoder.pendingBytes, 0);
    });

    it('decodes empty frames, masked or not', () => {
      const { frames } = decodeAll([hex('89 00 8a 80 01 02 03 04')]);
      assert.deepEqual(
        frames.map((f) => [f.opcode, f.masked, f.payload.length]),
        [
          [9, false, 0],
          [10, true, 0],
        ],
      );
    });

    it('keeps the reserved bits, the opcode and the FIN bit as sent', () => {
      for (let opcode = 0; opcode <= 15; opcode++) {
        for (let rsv = 0; rsv <= 7; rsv++) {
          const { frames } = decodeAll([encodeFrame({ opcode, rsv, fin: rsv % 2 === 0 })]);
          assert.deepEqual([frames[0]!.opcode, frames[0]!.rsv, frames[0]!.fin], [opcode, rsv, rsv % 2 === 0]);
        }
      }
    });

    it('returns a frame only once its last byte has arrived', () => {
      const decoder = new FrameDecoder({ maxPayload: MiB });
      assert.deepEqual(decoder.push(hex('81')), []);
      assert.deepEqual(decoder.push(hex('05 48 65')), []);
      assert.equal(decoder.pendingBytes, 4);
      assert.deepEqual(decoder.push(hex('6c 6c')), []);
      const frames = decoder.push(hex('6f 81'));
      assert.deepEqual(
        frames.map((f) => f.payload.toString()),
        ['Hello'],
      );
      assert.equal(decoder.pendingBytes, 1);
    });

    it('counts every byte of an incomplete frame as pending, header included', () => {
      const wire = Buffer.concat([encodeFrame({ opcode: 2, payload: Buffer.alloc(300), mask: hex('01 02 03 04') }), hex('89 00')]);
      const decoder = new FrameDecoder({ maxPayload: MiB });
      let sinceLastFrame = 0;
      for (const piece of bytewise(wire)) {
        sinceLastFrame = decoder.push(piece).length > 0 ? 0 : sinceLastFrame + 1;
        assert.equal(decoder.pendingBytes, sinceLastFrame);
      }
    });

    it('ignores an empty push', () => {
      const decoder = new FrameDecoder({ maxPayload: MiB });
      assert.deepEqual(decoder.push(Buffer.alloc(0)), []);
      assert.equal(decoder.pendingBytes, 0);
    });

    it('gives identical frames whole, one byte at a time and in random chunkings', () => {
      const random = seededRandom(0xdec0de);
      const specs = Array.from({ length: 40 }, () => randomSpec(random));
      const wire = Buffer.concat(specs.map(encodeFrame));
      const whole = decodeAll([wire]).frames;
      assert.equal(whole.length, specs.length);
      assert.deepEqual(Buffer.concat(whole.map(reencode)), wire);
      assert.deepEqual(decodeAll(bytewise(wire)).frames, whole);
      for (const maxPiece of [2, 7, 100, 5000, 100000]) {
        assert.deepEqual(decodeAll(randomChunks(wire, random, maxPiece)).frames, whole, `pieces up to ${maxPiece} bytes`);
      }
    });
  });

  describe('nonMinimalLength', () => {
    const cases: Array<[what: string, wire: Buffer, nonMinimal: boolean]> = [
      ['a 7-bit length of 125', Buffer.concat([hex('82 7d'), Buffer.alloc(125)]), false],
      ['a 16-bit length of 5', hex('81 7e 00 05 48 65 6c 6c 6f'), true],
      ['a 16-bit length of 125', Buffer.concat([hex('82 7e 00 7d'), Buffer.alloc(125)]), true],
      ['a 16-bit length of 126', Buffer.concat([hex('82 7e 00 7e'), Buffer.alloc(126)]), false],
      ['a 64-bit length of 200', Buffer.concat([hex('82 7f 00 00 00 00 00 00 00 c8'), Buffer.alloc(200)]), true],
      ['a 64-bit length of 65535', Buffer.concat([hex('82 7f 00 00 00 00 00 00 ff ff'), Buffer.alloc(65535)]), true],
      ['a 64-bit length of 65536', Buffer.concat([hex('82 7f 00 00 00 00 00 01 00 00'), Buffer.alloc(65536)]), false],
    ];
    for (const [what, wire, nonMinimal] of cases) {
      it(`is ${nonMinimal} for ${what}`, () => {
        const { frames } = decodeAll([wire]);
        assert.equal(frames.length, 1);
        assert.equal(frames[0]!.nonMinimalLength, nonMinimal);
      });
    }

    it('is a flag, not a decode error: the frame and the next one are delivered (the reader judges it, the fuzz model reads our own such frames)', () => {
      const { frames, decoder } = decodeAll([hex('81 7e 00 05 48 65 6c 6c 6f'), hex('81 02 68 69')]);
      assert.equal(decoder.error, null);
      assert.deepEqual(
        frames.map((f) => f.payload.toString()),
        ['Hello', 'hi'],
      );
    });
  });

  describe('errors', () => {
    it('fails with WS_ERR_LENGTH_MSB_SET when a 64-bit length has its most significant bit set', () => {
      const decoder = new FrameDecoder({ maxPayload: MiB });
      assert.deepEqual(decoder.push(hex('82 7f 80 00 00 00 00 00 00 05 01 02 03 04 05')), []);
      assert.equal(decoder.error?.code, 'WS_ERR_LENGTH_MSB_SET');
      assert.equal(decoder.error?.closeCode, 1002);
    });

    it('fails with WS_ERR_FRAME_TOO_LARGE when a 7-bit length is over maxPayload', () => {
      const decoder = new FrameDecoder({ maxPayload: 4 });
      decoder.push(hex('81 05 48 65 6c 6c 6f'));
      assert.equal(decoder.error?.code, 'WS_ERR_FRAME_TOO_LARGE');
      assert.equal(decoder.error?.closeCode, 1009);
    });

    it('accepts a payload of exactly maxPayload bytes', () => {
      const decoder = new FrameDecoder({ maxPayload: 5 });
      assert.equal(decoder.push(hex('81 05 48 65 6c 6c 6f')).length, 1);
      assert.equal(decoder.error, null);
    });

    it('fails with WS_ERR_FRAME_TOO_LARGE when a 16-bit length is over maxPayload, before the payload arrives', () => {
      const decoder = new FrameDecoder({ maxPayload: 1000 });
      decoder.push(hex('82 7e 03 e9'));
      assert.equal(decoder.error?.code, 'WS_ERR_FRAME_TOO_LARGE');
    });

    it('fails on a declared length of 2^63-1 without trying to allocate it', () => {
      const decoder = new FrameDecoder({ maxPayload: Number.MAX_SAFE_INTEGER });
      assert.deepEqual(decoder.push(hex('82 7f 7f ff ff ff ff ff ff ff 00')), []);
      assert.equal(decoder.error?.code, 'WS_ERR_FRAME_TOO_LARGE');
      assert.match(decoder.error?.message ?? '', /9223372036854775807/);
    });

    it('fails on a length no Buffer can hold even when maxPayload is Infinity', () => {
      const decoder = new FrameDecoder({ maxPayload: Infinity });
      assert.deepEqual(decoder.push(hex('82 7f 7f ff ff ff ff ff ff ff')), []);
      assert.equal(decoder.error?.code, 'WS_ERR_FRAME_TOO_LARGE');
    });

    it('returns the frames completed before an error, then nothing more', () => {
      const decoder = new FrameDecoder({ maxPayload: MiB });
      const frames = decoder.push(hex('89 00 82 7f 80 00 00 00 00 00 00 00'));
      assert.deepEqual(
        frames.map((f) => f.opcode),
        [9],
      );
      assert.equal(decoder.error?.code, 'WS_ERR_LENGTH_MSB_SET');
      assert.deepEqual(decoder.push(hex('81 05 48 65 6c 6c 6f')), []);
      assert.equal(decoder.error?.code, 'WS_ERR_LENGTH_MSB_SET');
    });

    it('has no error until the whole extended length has arrived', () => {
      const decoder = new FrameDecoder({ maxPayload: MiB });
      decoder.push(hex('82 7f 80 00 00'));
      const errorBefore = decoder.error;
      decoder.push(hex('00 00 00 00 00'));
      assert.equal(errorBefore, null);
      assert.equal(decoder.error?.code, 'WS_ERR_LENGTH_MSB_SET');
    });

    it('never throws on random garbage, and what it decodes re-encodes to the bytes it read', () => {
      const random = seededRandom(0xbad);
      // Bias the second byte towards the extended-length markers so those paths get garbage too.
      const secondBytes = [0x7e, 0x7f, 0xfe, 0xff];
      for (let run = 0; run < 3000; run++) {
        const garbage = random.bytes(random.int(64));
        if (garbage.length > 1 && random.int(2) === 1) garbage[1] = secondBytes[random.int(secondBytes.length)]!;
        const maxPayload = [0, 16, 1000, MiB][random.int(4)]!;
        const pieces = random.int(2) === 1 ? [garbage] : randomChunks(garbage, random, 5);
        const { frames } = decodeAll(pieces, maxPayload);
        const decoded = Buffer.concat(frames.map(reencode));
        assert.deepEqual(garbage.subarray(0, decoded.length), decoded, `run ${run}: ${garbage.toString('hex')}`);
      }
    });
  });
});
