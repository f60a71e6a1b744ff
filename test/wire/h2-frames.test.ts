import assert from 'node:assert/strict';
import { h2Frame, H2FrameReader, H2FrameType, H2Setting, h2SettingValue } from '../../runner/wire/h2-frames.js';

describe('HTTP/2 frames (RFC 9113 §4.1)', () => {
  it('writes the 9-octet header: 24-bit length, type, flags, 31-bit stream id', () => {
    const f = h2Frame(H2FrameType.HEADERS, 0x4, 0x80000003, Buffer.from('ab'));
    assert.equal(f.toString('hex'), '000002' + '01' + '04' + '00000003' + '6162');
  });

  it('splits frames across any chunking, keeping each payload whole', () => {
    const bytes = Buffer.concat([h2Frame(4, 0, 0, Buffer.alloc(6, 1)), h2Frame(1, 4, 1, Buffer.from('xyz')), h2Frame(6, 1, 0, Buffer.alloc(8, 7))]);
    for (const step of [1, 2, 5, 9, 10, bytes.length]) {
      const r = new H2FrameReader(1024);
      const seen = [];
      for (let at = 0; at < bytes.length; at += step) seen.push(...r.push(bytes.subarray(at, at + step)));
      assert.deepEqual(
        seen.map((f) => [f.type, f.flags, f.streamId, f.length, f.payload?.toString('hex')]),
        [
          [4, 0, 0, 6, '010101010101'],
          [1, 4, 1, 3, '78797a'],
          [6, 1, 0, 8, '0707070707070707'],
        ],
        `chunks of ${step}`,
      );
    }
  });

  it('skips a payload longer than it keeps without buffering it (a 16 MiB frame from a hostile peer), and reads on after it', () => {
    const r = new H2FrameReader(16);
    const head = h2Frame(0, 0, 1, Buffer.alloc(0));
    head.writeUIntBE(16 * 1024 * 1024 - 1, 0, 3);
    const seen = r.push(head);
    assert.deepEqual(seen, []);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 15; i++) assert.deepEqual(r.push(chunk), []);
    const last = r.push(Buffer.concat([Buffer.alloc(1024 * 1024 - 1), h2Frame(7, 0, 0, Buffer.alloc(8))]));
    assert.deepEqual(
      last.map((f) => [f.type, f.length, f.payload === null ? null : f.payload.length]),
      [
        [0, 16 * 1024 * 1024 - 1, null],
        [7, 8, 8],
      ],
    );
    assert.ok((r as unknown as { buf: Buffer }).buf.length < 64, 'nothing of the skipped payload is kept');
  });

  it('reads a SETTINGS value, the last one winning', () => {
    const p = Buffer.from([0, 8, 0, 0, 0, 1, 0, 1, 0, 0, 0x10, 0, 0, 8, 0, 0, 0, 0]);
    assert.equal(h2SettingValue(p, H2Setting.ENABLE_CONNECT_PROTOCOL), 0);
    assert.equal(h2SettingValue(p, H2Setting.HEADER_TABLE_SIZE), 4096);
    assert.equal(h2SettingValue(p, 0x3), undefined);
  });
});
