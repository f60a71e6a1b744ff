import assert from 'node:assert/strict';
import { isValidUtf8, Utf8Validator, type Utf8Result } from '../../runner/wire/utf8.js';
import { hex, randomChunks, seededRandom, type Random } from '../support/bytes.js';

/** "κόσμε", the Greek word of Markus Kuhn's UTF-8 test file and of Autobahn's 6.x cases. */
const kosme = 'ce ba e1 bd b9 cf 83 ce bc ce b5';

function validate(pieces: Uint8Array[]): Utf8Result {
  const validator = new Utf8Validator();
  for (const piece of pieces) {
    const result = validator.push(piece);
    if (!result.valid) return result;
  }
  return validator.end();
}

function bytewise(data: Buffer): Buffer[] {
  return Array.from(data, (byte) => Buffer.from([byte]));
}

/** Where a streaming fatal TextDecoder first throws when fed one byte at a time; undefined if never. */
function textDecoderInvalidAt(bytes: Buffer): number | undefined {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < bytes.length; i++) {
    try {
      decoder.decode(bytes.subarray(i, i + 1), { stream: true });
    } catch {
      return i;
    }
  }
  try {
    decoder.decode();
  } catch {
    return bytes.length;
  }
  return undefined;
}

/** Byte strings near the edges of UTF-8: valid code points mixed with the bytes validators get wrong. */
function randomUtf8ish(random: Random): Buffer {
  const edgeBytes = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xfe, 0xff];
  const pieces: Buffer[] = [];
  const count = random.int(12);
  for (let i = 0; i < count; i++) {
    const kind = random.int(8);
    if (kind === 0) pieces.push(Buffer.from([edgeBytes[random.int(edgeBytes.length)]!]));
    else if (kind === 1) pieces.push(random.bytes(1));
    else {
      let codePoint = random.int(0x110000);
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) codePoint = 0xfffd;
      pieces.push(Buffer.from(String.fromCodePoint(codePoint)));
    }
  }
  return Buffer.concat(pieces);
}

describe('Utf8Validator', () => {
  const valid: Array<[what: string, bytes: string]> = [
    ['the empty string', ''],
    ['ASCII', '48 65 6c 6c 6f 00 7f'],
    ['"κόσμε"', kosme],
    ['the first and last 2-byte code points', 'c2 80 df bf'],
    ['the first and last 3-byte code points', 'e0 a0 80 ef bf bf'],
    ['the code points either side of the surrogates', 'ed 9f bf ee 80 80'],
    ['the non-characters U+FFFE and U+FFFF', 'ef bf be ef bf bf'],
    ['the first 4-byte code point', 'f0 90 80 80'],
    ['U+10FFFF, the last code point', 'f4 8f bf bf'],
  ];
  for (const [what, bytes] of valid) {
    it(`accepts ${what}`, () => {
      assert.deepEqual(validate([hex(bytes)]), { valid: true });
      assert.deepEqual(validate(bytewise(hex(bytes))), { valid: true });
      assert.equal(isValidUtf8(hex(bytes)), true);
    });
  }

  const invalid: Array<[what: string, bytes: string, invalidAt: number]> = [
    ['an overlong NUL in 2 bytes', 'c0 80', 0],
    ['an overlong "/" in 2 bytes', 'c1 af', 0],
    ['an overlong NUL in 3 bytes', 'e0 80 80', 1],
    ['the largest overlong 3-byte form', 'e0 9f bf', 1],
    ['an overlong NUL in 4 bytes', 'f0 80 80 80', 1],
    ['the largest overlong 4-byte form', 'f0 8f bf bf', 1],
    ['the high surrogate U+D800', 'ed a0 80', 1],
    ['the low surrogate U+DFFF', 'ed bf bf', 1],
    ['a code point above U+10FFFF', 'f4 90 80 80', 1],
    ['the byte F5', 'f5 80 80 80', 0],
    ['a 5-byte form', 'f8 88 80 80 80', 0],
    ['the bytes FE and FF', 'fe ff', 0],
    ['a lone continuation byte', '80', 0],
    ['a lone continuation byte after ASCII', '61 62 bf', 2],
    ['a 2-byte sequence cut short by ASCII', 'c2 41', 1],
    ['a 3-byte sequence cut short by ASCII', 'e1 80 41', 2],
    ['a 4-byte sequence cut short by a new lead byte', 'f1 80 80 c2 80', 3],
    ['"κόσμε" followed by a surrogate', `${kosme} ed a0 80 65 64 69 74 65 64`, 12],
    ['"κόσμε" followed by a code point above U+10FFFF', `${kosme} f4 90 80 80`, 12],
  ];
  for (const [what, bytes, invalidAt] of invalid) {
    it(`rejects ${what} at offset ${invalidAt}, whole or byte by byte`, () => {
      assert.deepEqual(validate([hex(bytes)]), { valid: false, invalidAt });
      assert.deepEqual(validate(bytewise(hex(bytes))), { valid: false, invalidAt });
      assert.equal(isValidUtf8(hex(bytes)), false);
    });
  }

  const truncated: Array<[what: string, bytes: string]> = [
    ['the first byte of a 2-byte sequence', 'c2'],
    ['two bytes of a 3-byte sequence', 'e1 80'],
    ['three bytes of a 4-byte sequence', 'f0 90 80'],
    ['"κόσμε" and the first byte of "ε"', kosme.slice(0, -3)],
  ];
  for (const [what, bytes] of truncated) {
    it(`accepts a stream ending in ${what} until end(), which rejects it at its length`, () => {
      const validator = new Utf8Validator();
      assert.deepEqual(validator.push(hex(bytes)), { valid: true });
      assert.equal(validator.complete, false);
      assert.deepEqual(validator.end(), { valid: false, invalidAt: hex(bytes).length });
      assert.equal(isValidUtf8(hex(bytes)), false);
    });
  }

  it('reports the offset in the whole stream when a code point straddles two chunks', () => {
    const validator = new Utf8Validator();
    assert.deepEqual(validator.push(hex(`${kosme} f4`)), { valid: true });
    assert.deepEqual(validator.push(hex('90 80 80')), { valid: false, invalidAt: 12 });
  });

  it('reports the offset of the 0x90 byte when "κόσμε" and F4 90 80 80 come in two chunks', () => {
    const validator = new Utf8Validator();
    assert.deepEqual(validator.push(hex(kosme)), { valid: true });
    assert.deepEqual(validator.push(hex('f4 90 80 80')), { valid: false, invalidAt: 12 });
  });

  it('is complete only between code points', () => {
    const validator = new Utf8Validator();
    assert.equal(validator.complete, true);
    validator.push(hex('ce'));
    assert.equal(validator.complete, false);
    validator.push(hex('ba'));
    assert.equal(validator.complete, true);
  });

  it('stays invalid, at the same offset, once the stream was invalid', () => {
    const validator = new Utf8Validator();
    validator.push(hex('41 80'));
    assert.deepEqual(validator.push(hex('41')), { valid: false, invalidAt: 1 });
    assert.deepEqual(validator.end(), { valid: false, invalidAt: 1 });
    assert.equal(validator.complete, false);
  });

  it('agrees with a fatal TextDecoder on thousands of random byte strings', () => {
    const random = seededRandom(0x75f8);
    let invalidCount = 0;
    for (let run = 0; run < 4000; run++) {
      const bytes = randomUtf8ish(random);
      let expected = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        expected = false;
      }
      if (!expected) invalidCount++;
      assert.equal(isValidUtf8(bytes), expected, bytes.toString('hex'));
    }
    // The generator must exercise both answers, or the comparison proves little.
    assert.ok(invalidCount > 1000 && invalidCount < 3000, `${invalidCount} invalid of 4000`);
  });

  it('finds the same invalid offset as a streaming TextDecoder, in any chunking', () => {
    const random = seededRandom(0x0ff5e7);
    for (let run = 0; run < 2000; run++) {
      const bytes = randomUtf8ish(random);
      const invalidAt = textDecoderInvalidAt(bytes);
      const expected: Utf8Result = invalidAt === undefined ? { valid: true } : { valid: false, invalidAt };
      assert.deepEqual(validate([bytes]), expected, bytes.toString('hex'));
      assert.deepEqual(validate(randomChunks(bytes, random, 4)), expected, bytes.toString('hex'));
    }
  });
});
