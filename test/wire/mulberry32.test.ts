import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mulberry32 } from '../../runner/wire/mulberry32.js';
import { seededRandom } from '../support/bytes.js';

const digest = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

describe('mulberry32', () => {
  it('gives the reference sequence, the seed taken modulo 2^32', () => {
    const first4 = (seed: number): number[] => {
      const next = mulberry32(seed);
      return [next(), next(), next(), next()];
    };
    assert.deepEqual(first4(0), [0x4434b462, 0x00159c37, 0x39285b08, 0x256d8104]);
    assert.deepEqual(first4(1), [0xa087eaf3, 0x00b349c9, 0x8706c4eb, 0xfb2627fd]);
    assert.deepEqual(first4(-1), [0xe57bf3d3, 0x3081a5a4, 0xb7350390, 0xf1ade904]);
    assert.deepEqual(first4(2 ** 32 + 1), first4(1));
  });

  // The tests' seededRandom scales a fraction (not `% bound`, as the compression data sets do,
  // whose digests test/cases/compression.test.ts pins): a recorded failing seed must replay.
  it('keeps the streams of the tests’ seededRandom (pinned digests)', () => {
    const streams = [0, 1, 42, 0xdeadbeef].map((seed) => {
      const r = seededRandom(seed);
      const ints = Array.from({ length: 1000 }, (_, i) => r.int([2, 7, 256, 1000, 2 ** 31][i % 5]!));
      return [seed, digest(ints.join(',')), digest(r.bytes(4096))];
    });
    assert.deepEqual(streams, [
      [0, '83c3952d80167c92', 'a30a669850c14d89'],
      [1, '5708e0fbbdc9e253', 'f2baf9dd950a73ad'],
      [42, '25b04ad1d1166aae', 'f21f389a18546b93'],
      [0xdeadbeef, '4baf753fd4bbdcb5', 'c007361a2d1af94f'],
    ]);
  });
});
