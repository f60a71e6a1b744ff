import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { MAX_HEAD_BYTES, readHttpHead } from '../../runner/engine/read-head.js';

/** A duplex stream in memory: the test pushes what "arrives", nothing goes anywhere. */
function memoryStream(): Duplex {
  return new Duplex({
    read() {},
    write(_chunk, _encoding, done) {
      done();
    },
  });
}

const REQUEST = 'GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n';
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The stream is paused and holds none of the reader's listeners. */
function assertHandedBack(s: Duplex): void {
  assert.equal(s.isPaused(), true);
  for (const event of ['data', 'error', 'end', 'close']) assert.equal(s.listenerCount(event), 0, `${event} listeners`);
}

describe('readHttpHead', () => {
  it('reads a head fed one byte at a time and hands the stream back paused', async () => {
    const s = memoryStream();
    const reading = readHttpHead(s);
    for (const byte of Buffer.from(REQUEST + 'AB', 'latin1')) {
      s.push(Buffer.from([byte]));
      await tick();
    }
    const r = await reading;
    assert.ok(r.ok);
    assert.equal(r.head.startLine, 'GET /chat HTTP/1.1');
    assert.deepEqual(r.head.headers, [
      ['Host', 'x'],
      ['Upgrade', 'websocket'],
    ]);
    assert.equal(r.head.raw, REQUEST);
    assert.equal(r.rest.length, 0, 'the bytes after the head came in later chunks and stay in the stream');
    assertHandedBack(s);
    const later: Buffer[] = [];
    s.on('data', (d: Buffer) => later.push(d));
    s.resume();
    await tick();
    assert.equal(Buffer.concat(later).toString('latin1'), 'AB');
  });

  it('returns the bytes after the head in the same chunk as the rest', async () => {
    const s = memoryStream();
    const reading = readHttpHead(s);
    s.push(Buffer.from(REQUEST + '\x81\x00', 'latin1'));
    const r = await reading;
    assert.ok(r.ok);
    assert.deepEqual([...r.rest], [0x81, 0x00]);
    assertHandedBack(s);
  });

  it('fails a head with no end within the size bound, however it is chunked', async () => {
    for (const chunk of [MAX_HEAD_BYTES, 1000]) {
      const s = memoryStream();
      const reading = readHttpHead(s);
      for (let sent = 0; sent < MAX_HEAD_BYTES; sent += chunk) s.push(Buffer.alloc(chunk, 'a'));
      const r = await reading;
      assert.ok(!r.ok && r.failure.reason === 'malformed');
      assert.equal(r.failure.message, `no end of HTTP head within ${MAX_HEAD_BYTES} bytes`);
      assert.ok(r.received.length >= MAX_HEAD_BYTES);
      assertHandedBack(s);
    }
  });

  it('takes a smaller size bound and fails a malformed header line', async () => {
    const small = memoryStream();
    const tooLong = readHttpHead(small, { maxBytes: 20 });
    small.push(Buffer.from(REQUEST, 'latin1'));
    const a = await tooLong;
    assert.ok(!a.ok && a.failure.reason === 'malformed');
    assert.equal(a.failure.message, 'HTTP head longer than 20 bytes');
    const bad = memoryStream();
    const malformed = readHttpHead(bad);
    bad.push(Buffer.from('GET / HTTP/1.1\r\nno colon\r\n\r\n', 'latin1'));
    const b = await malformed;
    assert.ok(!b.ok && b.failure.reason === 'malformed');
    assert.match(b.failure.message, /malformed header line/);
  });

  it('times out with the bytes received so far', async () => {
    const s = memoryStream();
    const reading = readHttpHead(s, { timeoutMs: 50 });
    s.push(Buffer.from('GET / HT', 'latin1'));
    const r = await reading;
    assert.ok(!r.ok);
    assert.equal(r.failure.reason, 'timeout');
    assert.equal(r.received.toString('latin1'), 'GET / HT');
    assertHandedBack(s);
  });

  it('fails when the stream ends, closes or errs before the head is complete', async () => {
    const ended = memoryStream();
    const a = readHttpHead(ended);
    ended.push(Buffer.from('HTTP/1.1 101 Swi', 'latin1'));
    ended.push(null);
    const ra = await a;
    assert.ok(!ra.ok);
    assert.deepEqual([ra.failure.reason, ra.received.toString('latin1')], ['closed', 'HTTP/1.1 101 Swi']);

    const destroyed = memoryStream();
    const b = readHttpHead(destroyed);
    destroyed.destroy();
    const rb = await b;
    assert.ok(!rb.ok);
    assert.equal(rb.failure.reason, 'closed');

    const broken = memoryStream();
    broken.on('error', () => undefined);
    const c = readHttpHead(broken);
    broken.destroy(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    const rc = await c;
    assert.ok(!rc.ok && rc.failure.reason === 'error');
    assert.equal(rc.failure.error.code, 'ECONNRESET');

    const gone = memoryStream();
    gone.destroy();
    const rd = await readHttpHead(gone);
    assert.ok(!rd.ok);
    assert.equal(rd.failure.reason, 'closed', 'a stream already closed fails at once');
  });

  it('gives up at once when aborted, or when handed an aborted signal', async () => {
    const s = memoryStream();
    const controller = new AbortController();
    const reading = readHttpHead(s, { signal: controller.signal, timeoutMs: 10_000 });
    s.push(Buffer.from('GET', 'latin1'));
    await tick();
    controller.abort();
    const r = await reading;
    assert.ok(!r.ok);
    assert.deepEqual([r.failure.reason, r.received.toString('latin1')], ['aborted', 'GET']);
    assertHandedBack(s);
    const early = await readHttpHead(memoryStream(), { signal: AbortSignal.abort() });
    assert.ok(!early.ok);
    assert.equal(early.failure.reason, 'aborted');
  });

  it('stops on the first chunk the check rejects, with the check reason', async () => {
    const s = memoryStream();
    const seen: number[] = [];
    const reading = readHttpHead(s, {
      check: (received) => {
        seen.push(received.length);
        return received[0] === 0x16 ? 'a TLS handshake' : null;
      },
    });
    s.push(Buffer.from([0x16, 0x03, 0x01]));
    const r = await reading;
    assert.ok(!r.ok && r.failure.reason === 'rejected');
    assert.equal(r.failure.message, 'a TLS handshake');
    assert.deepEqual(seen, [3]);
    assertHandedBack(s);
  });
});
