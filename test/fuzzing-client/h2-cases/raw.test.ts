/** The hand-made HTTP/2 of the raw-headers probes, against node:http2's own HPACK (nghttp2). */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { firstStatus, literalBlock, RawH2 } from '../../../runner/fuzzing-client/h2-cases/raw.js';
import { extendedConnect } from '../../../runner/fuzzing-client/h2-cases/ws-stream.js';

describe('hand-made HTTP/2 (raw.ts)', () => {
  it('reads a :status from a static index, a plain literal and a Huffman literal; anything else is null', () => {
    assert.equal(firstStatus(Buffer.from([0x88])), 200);
    assert.equal(firstStatus(Buffer.from([0x20, 0x8c])), 400);
    assert.equal(firstStatus(Buffer.concat([Buffer.from([0x08, 3]), Buffer.from('101')])), 101);
    // '4' 011010, '2' 00010, '6' 011100, then EOS padding: 0110 1000 0100 1110 0111 1111.
    assert.equal(firstStatus(Buffer.from([0x48, 0x83, 0x68, 0x4e, 0x7f])), 426);
    assert.equal(firstStatus(Buffer.from([0xbe])), null);
    assert.equal(firstStatus(Buffer.alloc(0)), null);
  });

  it('a literal block is what nghttp2 decodes: node:http2 reads every field of the hand-made request, and its answers are read back, Huffman-coded statuses included', async () => {
    const seen: Array<Record<string, unknown>> = [];
    // 202 and 210 are not in the static table and shorter Huffman-coded (15 bits), so nghttp2 sends them that way.
    const statuses = [426, 200, 202, 210, 404, 503];
    const server = http2.createServer({ settings: { enableConnectProtocol: true } });
    server.on('stream', (s, h) => {
      seen.push({ ...h });
      s.respond({ ':status': statuses[seen.length - 1] ?? 500 }, { endStream: true });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = new URL(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/chat?x=1`);
    const raw = new RawH2(url, {});
    try {
      assert.deepEqual(await raw.settings(2000), { enableConnectProtocol: true });
      for (const want of statuses) assert.deepEqual(await raw.request(extendedConnect(url, { protocols: ['a'] }), 2000), { kind: 'response', status: want, endStream: true, rstCode: null });
      assert.equal(seen[0]![':protocol'], 'websocket');
      assert.equal(seen[0]![':path'], '/chat?x=1');
      assert.equal(seen[0]!['sec-websocket-protocol'], 'a');
    } finally {
      raw.close();
      await new Promise((r) => server.close(r));
    }
  });

  it('encodes long names and values with multi-octet HPACK integers', () => {
    const block = literalBlock([['x', 'v'.repeat(300)]]);
    assert.deepEqual([...block.subarray(0, 3)], [0x00, 0x01, 0x78]);
    // 300 = 127 + 173: the 7-bit prefix full, then 173 as 0xad (45 + continuation bit) and 0x01.
    assert.deepEqual([...block.subarray(3, 6)], [0x7f, 0xad, 0x01]);
    assert.equal(block.length, 6 + 300);
  });
});
