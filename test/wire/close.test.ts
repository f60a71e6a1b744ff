import assert from 'node:assert/strict';
import { isApplicationCloseCode, isValidCloseCode, parseClosePayload } from '../../runner/wire/close.js';
import { closePayload } from '../../runner/wire/frame.js';
import { hex } from '../support/bytes.js';

describe('close', () => {
  describe('parseClosePayload', () => {
    it('reads an empty payload as a close without a code', () => {
      assert.deepEqual(parseClosePayload(Buffer.alloc(0)), { code: null, reason: null });
    });

    it('flags a 1-byte payload, which cannot hold a code', () => {
      assert.deepEqual(parseClosePayload(hex('03')), { code: null, reason: null, problem: 'one-byte-payload' });
    });

    it('reads a code without a reason', () => {
      assert.deepEqual(parseClosePayload(hex('03 e8')), { code: 1000, reason: Buffer.alloc(0) });
    });

    it('reads a code and a UTF-8 reason', () => {
      assert.deepEqual(parseClosePayload(hex('03 e9 ce ba e1 bd b9 cf 83 ce bc ce b5')), { code: 1001, reason: hex('ce ba e1 bd b9 cf 83 ce bc ce b5') });
    });

    it('reads what closePayload wrote', () => {
      const parsed = parseClosePayload(closePayload(4000, 'going away'));
      assert.equal(parsed.code, 4000);
      assert.equal(parsed.reason?.toString(), 'going away');
      assert.equal(parsed.problem, undefined);
    });

    it('reads a payload that is a view into a larger buffer', () => {
      const frame = hex('88 05 03 e8 62 79 65 ff ff');
      assert.deepEqual(parseClosePayload(new Uint8Array(frame.buffer, frame.byteOffset + 2, 5)), { code: 1000, reason: Buffer.from('bye') });
    });

    const invalidCodes = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
    for (const code of invalidCodes) {
      it(`flags the invalid code ${code}`, () => {
        assert.deepEqual(parseClosePayload(closePayload(code)), { code, reason: Buffer.alloc(0), problem: 'invalid-code' });
      });
    }

    const validCodes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
    for (const code of validCodes) {
      it(`accepts the code ${code}`, () => {
        assert.deepEqual(parseClosePayload(closePayload(code)), { code, reason: Buffer.alloc(0) });
      });
    }

    it('flags a reason that is not UTF-8', () => {
      const reason = hex('ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64');
      assert.equal(parseClosePayload(closePayload(1000, reason)).problem, 'invalid-utf8-reason');
    });

    it('flags a reason that ends in the middle of a code point', () => {
      assert.equal(parseClosePayload(hex('03 e8 ce')).problem, 'invalid-utf8-reason');
    });

    it('accepts a 125-byte payload, the control frame limit', () => {
      assert.equal(parseClosePayload(closePayload(1000, 'a'.repeat(123))).problem, undefined);
    });

    it('flags a 126-byte payload as too long', () => {
      const parsed = parseClosePayload(closePayload(1000, 'a'.repeat(124)));
      assert.equal(parsed.problem, 'too-long');
      assert.equal(parsed.code, 1000);
    });
  });

  describe('isValidCloseCode', () => {
    it('accepts exactly 1000-1003, 1007-1014 and 3000-4999', () => {
      for (let code = 0; code <= 65535; code++) {
        const expected = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
        assert.equal(isValidCloseCode(code), expected, `code ${code}`);
      }
    });
  });

  describe('isApplicationCloseCode', () => {
    it('accepts 1000 and 3000-4999 only', () => {
      const table: Array<[code: number, expected: boolean]> = [
        [1000, true],
        [1001, false],
        [1011, false],
        [2999, false],
        [3000, true],
        [4999, true],
        [5000, false],
      ];
      for (const [code, expected] of table) assert.equal(isApplicationCloseCode(code), expected, `code ${code}`);
    });
  });
});
