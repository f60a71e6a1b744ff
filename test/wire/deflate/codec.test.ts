/**
 * The permessage-deflate codec without sockets (RFC 7692 §7.2), checked against zlib and against
 * ws's own permessage-deflate in both takeover modes, and the shared pieces of corpora.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import { codecFor, PerMessageDeflate, type DeflateDirection } from '../../../runner/wire/deflate/codec.js';
import { acceptResponse } from '../../../runner/wire/deflate/negotiation.js';
import { PieceStore } from '../../../runner/wire/deflate/pieces.js';
import type { DecodedFrame } from '../../../runner/wire/decoder.js';
import { Opcode } from '../../../runner/wire/frame.js';
import { MessageReader } from '../../../runner/wire/reader.js';
import { seededRandom } from '../../support/bytes.js';

const random = seededRandom(7692);
const words = ['alpha ', 'beta ', 'gamma ', 'delta ', '{"key": ', '"value"}, ', 'λ ', '\n'];
const textOf = (n: number): Buffer => {
  let s = '';
  while (s.length < n) s += words[random.int(words.length)];
  return Buffer.from(s.slice(0, n));
};
const messages = [textOf(40), textOf(3000), textOf(3000), textOf(70_000), textOf(10), Buffer.alloc(0), textOf(20_000), random.bytes(5000), textOf(40)];
const dir = (noContextTakeover: boolean, windowBits = 15): DeflateDirection => ({ noContextTakeover, windowBits });
const pair = (send: DeflateDirection): [PerMessageDeflate, PerMessageDeflate] => [new PerMessageDeflate({ send, receive: dir(true) }), new PerMessageDeflate({ send: dir(true), receive: send })];
const inflateOk = (c: PerMessageDeflate, data: Buffer, max = 1 << 26): Buffer => {
  const r = c.inflater.inflate(data, max);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.payload;
};
const TRAILER = Buffer.from([0, 0, 0xff, 0xff]);

describe('compressed messages (RFC 7692 §7.2)', () => {
  for (const [name, send] of [
    ['with context takeover', dir(false)],
    ['without context takeover', dir(true)],
    ['with a 9-bit window', dir(false, 9)],
    ['with an 8-bit window', dir(false, 8)],
  ] as const) {
    it(`round-trip ${name}`, () => {
      const [a, b] = pair(send);
      for (const m of messages) assert.deepEqual(inflateOk(b, a.deflateSync(m)), m);
    });
  }

  it('remove the trailing 00 00 ff ff and compress an empty message to a single 00 byte', () => {
    const c = new PerMessageDeflate({ send: dir(true), receive: dir(true) });
    assert.deepEqual(c.deflateSync(Buffer.alloc(0)), Buffer.from([0]));
    const m = textOf(1000);
    const out = c.deflateSync(m);
    assert.notDeepEqual(out.subarray(-4), TRAILER);
    assert.deepEqual(zlib.inflateRawSync(Buffer.concat([out, TRAILER]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }), m);
  });

  it('really compress what the harness sends', () => {
    const c = new PerMessageDeflate({ send: dir(true), receive: dir(true) });
    const m = textOf(50_000);
    assert.ok(c.deflateSync(m).length < m.length / 3);
  });

  it('reuse the context when taken over: a repeated message costs a few bytes', () => {
    const c = new PerMessageDeflate({ send: dir(false), receive: dir(true) });
    // Random bytes: the only thing to refer back to is the previous message.
    const m = random.bytes(2000);
    const first = c.deflateSync(m);
    const again = c.deflateSync(m);
    assert.ok(again.length < 40 && first.length > 1900, `${first.length} then ${again.length}`);
    // A receiver that reset its window cannot read it: the target broke its promise.
    const strict = new PerMessageDeflate({ send: dir(true), receive: dir(true) });
    inflateOk(strict, first);
    const r = strict.inflater.inflate(again, 1 << 20);
    assert.ok(!r.ok && !r.tooLarge, 'a back-reference into the previous message is invalid without context takeover');
  });

  it('stay independent without context takeover: each message inflates alone', () => {
    const c = new PerMessageDeflate({ send: dir(true), receive: dir(true) });
    for (const m of messages) assert.deepEqual(inflateOk(new PerMessageDeflate({ send: dir(true), receive: dir(true) }), c.deflateSync(m)), m);
  });

  it('keep within a 9-bit window: zlib inflates the stream with a 512-byte window', () => {
    const c = new PerMessageDeflate({ send: dir(false, 9), receive: dir(true) });
    for (const m of messages) {
      const out = c.deflateSync(m);
      // An independent check of the distance limit within the message (the history is the dictionary).
      if (m.length > 0) assert.ok(out.length > 0);
    }
    const solo = new PerMessageDeflate({ send: dir(true, 9), receive: dir(true) });
    for (const m of messages) {
      const back = zlib.inflateRawSync(Buffer.concat([solo.deflateSync(m), TRAILER]), { windowBits: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      assert.deepEqual(back, m);
    }
  });

  it('report invalid data as such, not as too large', () => {
    const c = new PerMessageDeflate({ send: dir(true), receive: dir(true) });
    const r = c.inflater.inflate(Buffer.from([0xff, 0xff, 0xff, 0xff]), 1 << 20);
    assert.ok(!r.ok && !r.tooLarge);
  });

  it('bound inflation: a 1 MB frame that inflates to 1 GiB is a too-large message, not an allocation', () => {
    // Sync-flushed streams concatenate, so 1024 copies of 1 MiB of zeros make a 1 GiB bomb cheaply.
    const mib = zlib.deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const bomb = Buffer.concat(Array.from({ length: 1024 }, () => mib));
    const before = process.memoryUsage().rss;
    const started = Date.now();
    const r = new PerMessageDeflate({ send: dir(true), receive: dir(true) }).inflater.inflate(bomb, 16 << 20);
    assert.ok(!r.ok && r.tooLarge);
    assert.ok(process.memoryUsage().rss - before < 128 << 20, 'no more than the limit was allocated');
    assert.ok(Date.now() - started < 5000);
    // Exactly at the limit is fine.
    const exact = new PerMessageDeflate({ send: dir(true), receive: dir(true) }).inflater.inflate(mib.subarray(0, mib.length - 4), 1 << 20);
    assert.ok(exact.ok && exact.payload.length === 1 << 20);
  });

  it('names RSV1 on a continuation frame as such once deflate is agreed, and only there', () => {
    const codec = new PerMessageDeflate({ send: dir(true), receive: dir(true) });
    const frame = (opcode: number, rsv: number, fin: boolean): DecodedFrame => ({ opcode, rsv, fin, masked: true, mask: null, payload: Buffer.from('x'), lengthEncoding: 7, nonMinimalLength: false });
    const reader = new MessageReader({ expectMasked: true, maxMessageSize: 1 << 20, inflater: codec.inflater });
    assert.deepEqual(reader.push(frame(Opcode.text, 4, false)), []);
    const [v] = reader.push(frame(Opcode.continuation, 4, true));
    assert.equal(v?.type, 'violation');
    assert.ok(v?.type === 'violation' && v.violation.code === 'WS_ERR_UNEXPECTED_RSV' && /continuation/.test(v.violation.message), JSON.stringify(v));
    // Without an agreement, any reserved bit is named as such.
    const plain = new MessageReader({ expectMasked: true, maxMessageSize: 1 << 20, inflater: null });
    const [w] = plain.push(frame(Opcode.text, 4, true));
    assert.ok(w?.type === 'violation' && /without a negotiated extension/.test(w.violation.message), JSON.stringify(w));
  });
});

describe('assembling slices of a corpus from shared pieces', () => {
  const corpus = Buffer.concat([textOf(50_000), random.bytes(10_000), textOf(20_123)]);
  const store = new PieceStore(4096, 1 << 20);
  const codec = new PerMessageDeflate({ send: dir(true), receive: dir(true), pieces: store });
  const cases: Array<Array<[number, number]>> = [
    [[0, 4096]],
    [[0, 100]],
    [[4000, 4200]],
    [[100, 50_000]],
    [[4096, 8192 * 3]],
    [
      [corpus.length - 5000, corpus.length],
      [0, 7000],
    ],
    [[corpus.length - 10, corpus.length]],
  ];
  for (const ranges of cases) {
    it(`gives a valid stream of the slice ${JSON.stringify(ranges)}`, () => {
      const payload = Buffer.concat(ranges.map(([a, b]) => corpus.subarray(a, b)));
      const out = codec.deflateSync(payload, { corpus: 'test', data: corpus, ranges });
      assert.deepEqual(inflateOk(new PerMessageDeflate({ send: dir(true), receive: dir(true) }), out), payload);
      if (payload.length >= 4096) assert.ok(out.length < payload.length, 'compressed');
    });
  }

  it('compresses each piece once and reuses it', () => {
    const before = store.compressed;
    const payload = corpus.subarray(100, 50_000);
    codec.deflateSync(payload, { corpus: 'test', data: corpus, ranges: [[100, 50_000]] });
    assert.equal(store.compressed, before);
    assert.ok(store.reused > 0);
  });

  it('falls back to plain compression when the ranges do not describe the payload', () => {
    const payload = textOf(1000);
    const out = codec.deflateSync(payload, { corpus: 'test', data: corpus, ranges: [[0, 10]] });
    assert.deepEqual(inflateOk(new PerMessageDeflate({ send: dir(true), receive: dir(true) }), out), payload);
  });
});

// ---- against ws's own permessage-deflate -----------------------------------------------------

interface WsPmd {
  params: Record<string, unknown>;
  compress(data: Buffer, fin: boolean, cb: (err: Error | null, out?: Buffer) => void): void;
  decompress(data: Buffer, fin: boolean, cb: (err: Error | null, out?: Buffer) => void): void;
  cleanup(): void;
}
// Not among ws's exports: loaded by path, as a fixture.
const requireHere = createRequire(import.meta.url);
const WsPerMessageDeflate = requireHere(path.join(path.dirname(requireHere.resolve('ws')), 'lib', 'permessage-deflate.js')) as new (o: Record<string, unknown>) => WsPmd;
const wsCall = (fn: (cb: (err: Error | null, out?: Buffer) => void) => void): Promise<Buffer> => new Promise((resolve, reject) => fn((err, out) => (err ? reject(err) : resolve(out!))));

describe('interoperating with ws’s permessage-deflate', () => {
  const agreements = [
    'permessage-deflate',
    'permessage-deflate; server_no_context_takeover',
    'permessage-deflate; client_no_context_takeover',
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
    'permessage-deflate; server_max_window_bits=9; client_max_window_bits=9',
    'permessage-deflate; server_max_window_bits=8; client_max_window_bits=10',
  ];
  for (const response of agreements) {
    const parsed = acceptResponse([{ clientMaxWindowBits: true }], [response]);
    assert.ok(parsed.ok && parsed.value);
    const agreement = parsed.value;
    const wsParams = Object.fromEntries(Object.entries(agreement.params).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
    for (const harness of ['client', 'server'] as const) {
      it(`${response}: ws decodes what the harness sends as ${harness}, and the harness what ws sends`, async () => {
        const ours = codecFor(harness, agreement);
        const ws = new WsPerMessageDeflate({ isServer: harness === 'client', maxPayload: 0 });
        ws.params = { ...wsParams };
        try {
          for (const m of [...messages, ...messages]) {
            const theirs = await wsCall((cb) => ws.decompress(ours.deflateSync(m), true, cb));
            assert.deepEqual(theirs, m);
            const back = await wsCall((cb) => ws.compress(m, true, cb));
            assert.deepEqual(inflateOk(ours, back), m);
          }
        } finally {
          ws.cleanup();
        }
      });
    }
  }
});
