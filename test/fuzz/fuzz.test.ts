/**
 * The fuzzer: a PRNG and generator that give the same bytes everywhere, the reference model and
 * the shrinker without sockets, then the whole loop against the ws server (no false alarms) and
 * against a server with a planted bug (found, shrunk, saved, replayed), and the CLI around it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../runner/app/cli.js';
import { encodeSequence, fuzzCases, generateSequence, type FuzzFrame, type FuzzSequence } from '../../runner/fuzz/generate.js';
import { fuzzServer, replay } from '../../runner/fuzz/index.js';
import { modelOf } from '../../runner/fuzz/model.js';
import { Rng } from '../../runner/fuzz/prng.js';
import { readReproducer } from '../../runner/fuzz/repro.js';
import { runFuzzCases } from '../../runner/fuzz/run.js';
import { shrinkSequence } from '../../runner/fuzz/shrink.js';
import { judge } from '../../runner/engine/verdicts/judge.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { startEchoServer } from '../../runner/targets/echo-server.js';
import { encodeFrame, Opcode } from '../../runner/wire/frame.js';
import { startBrokenServer } from '../support/broken-server.js';
import { capturedIo } from '../support/cli-run.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'wsconform-fuzz-'));
const mask = Buffer.from([9, 8, 7, 6]);
const frame = (opcode: number, payload: string | Buffer, o: { fin?: boolean; rsv?: number; mask?: Buffer | null; lengthEncoding?: 16 | 64; declaredLength?: bigint } = {}): Buffer =>
  encodeFrame({ opcode, payload: Buffer.from(payload), mask: o.mask === undefined ? mask : o.mask, ...o });
const io = capturedIo;

describe('fuzz: PRNG and generator', () => {
  it('gives the same numbers for a seed on every machine (xoshiro128** seeded by splitmix32)', () => {
    const r = new Rng(1);
    assert.deepEqual([r.next(), r.next(), r.next(), r.next()], [3915505223, 738585492, 2771401732, 899198751]);
    const s = new Rng(0xffffffff, 123456);
    assert.deepEqual([s.next(), s.next()], [1355913015, 2258542327]);
  });

  it('keeps ints in range and streams apart', () => {
    const r = new Rng(5);
    for (let i = 0; i < 1000; i++) {
      const x = r.int(-3, 3);
      assert.ok(x >= -3 && x <= 3 && Number.isInteger(x));
    }
    assert.notDeepEqual(new Rng(5, 1).bytes(16), new Rng(5, 2).bytes(16));
  });

  it('generates the same octets for seed 1, sequences 1-200 (a golden digest)', () => {
    const h = createHash('sha256');
    for (let i = 1; i <= 200; i++) for (const w of encodeSequence(generateSequence(1, i))) h.update(w);
    assert.equal(h.digest('hex'), '1e37196a247a30bd69a0b638486574151b973c5604916bc3c7f3cf924af43b24');
  });

  it('names cases fuzz.<seed>.<n>, applies them to servers only, and bounds them in time', () => {
    const defs = fuzzCases(42, 30);
    assert.deepEqual(
      defs.slice(0, 2).map((d) => d.id),
      ['fuzz.42.1', 'fuzz.42.2'],
    );
    for (const d of defs) {
      assert.equal(d.applies, 'servers');
      assert.equal(d.steps[0]?.do, 'killAfter');
      assert.equal(d.expect.kind, 'fuzz');
    }
    const kinds = new Set(defs.flatMap((d) => d.title.split(', ').slice(1)));
    assert.ok(kinds.size >= 5, `mutations seen: ${[...kinds].join(' ')}`);
  });
});

describe('fuzz: reference model', () => {
  const model = (...frames: Buffer[]) => modelOf(Buffer.concat([...frames, frame(Opcode.ping, 'end')]));

  it('expects every echo and pong of valid traffic, UTF-8 split inside a character included', () => {
    const m = model(frame(Opcode.text, Buffer.from([0x61, 0xf0, 0x9f]), { fin: false }), frame(Opcode.ping, 'p'), frame(Opcode.continuation, Buffer.from([0x98, 0x80])));
    assert.deepEqual(
      m.messages.map((x) => x.payload.toString()),
      ['a😀'],
    );
    assert.deepEqual(
      m.pongs.map((x) => x.toString()),
      ['p', 'end'],
    );
    assert.deepEqual([m.mustFail, m.mayFail], [false, false]);
  });

  it('requires a failure for reserved bits, an unmasked frame, a fragmented ping, a top-bit length', () => {
    for (const bad of [
      frame(Opcode.text, 'x', { rsv: 4 }),
      frame(Opcode.text, 'x', { mask: null }),
      frame(Opcode.ping, 'x', { fin: false }),
      frame(Opcode.text, 'x', { lengthEncoding: 64, declaredLength: (1n << 63n) + 1n }),
    ]) {
      const m = model(frame(Opcode.binary, 'ok'), bad);
      assert.equal(m.mustFail, true, m.why ?? '');
      assert.deepEqual(
        m.messages.map((x) => x.payload.toString()),
        ['ok'],
      );
      assert.deepEqual(m.pongs, []);
    }
  });

  it('allows but does not require a failure for a non-minimal length, or for bad UTF-8 in a message that never ends', () => {
    const odd = model(frame(Opcode.text, 'hi', { lengthEncoding: 16 }));
    assert.deepEqual([odd.mustFail, odd.mayFail, odd.messages.length, odd.pongs.length], [false, true, 1, 1]);
    const open = model(frame(Opcode.text, Buffer.from([0xff]), { fin: false }));
    assert.deepEqual([open.mustFail, open.mayFail, open.messages.length, open.pongs.length, open.openAtEnd], [false, true, 0, 1, true]);
    const ended = model(frame(Opcode.text, Buffer.from([0xff]), { fin: false }), frame(Opcode.ping, 'p'), frame(Opcode.continuation, 'x'));
    // A target checking UTF-8 at the end of the message still answers the ping in between.
    assert.deepEqual([ended.mustFail, ended.pongs.map(String)], [true, ['p']]);
  });
});

describe('fuzz: shrinking (delta debugging)', () => {
  it('shrinks to the one frame and the one byte that trigger a failure', async () => {
    const seq = generateSequence(7, 7);
    const bad = (f: FuzzFrame): boolean => f.opcode <= 1 && !f.fin && f.payload[0] === 0xf0;
    assert.ok(seq.frames.some(bad), 'sequence 7 of seed 7 has the trigger');
    const r = await shrinkSequence(seq, 'unresponsive', { check: async (s: FuzzSequence) => (s.frames.some(bad) ? 'unresponsive' : null) });
    assert.equal(r.seq.frames.length, 1);
    assert.deepEqual([...r.seq.frames[0]!.payload], [0xf0]);
    assert.deepEqual(r.seq.splits, []);
  });
});

describe('fuzz: against servers', function () {
  this.timeout(30_000);

  it('raises no false alarm against the ws server (sequences batched on shared connections)', async () => {
    const server = await startEchoServer();
    try {
      const defs = fuzzCases(11, 400);
      const verdicts: string[] = [];
      await runFuzzCases(defs, {
        url: new URL(`ws://127.0.0.1:${server.port}`),
        concurrency: 16,
        openHandshakeTimeoutMs: 5000,
        onResult: (d, t) => verdicts.push(`${d.id} ${judge(d, t).behavior} ${judge(d, t).result}`),
      });
      assert.equal(verdicts.length, 400);
      assert.deepEqual(
        verdicts.filter((v) => !/ OK /.test(v)),
        [],
      );
    } finally {
      await server.close();
    }
  });

  it('ends a batch at its hard limit when the target keeps sending unsolicited pongs (no endless inactivity timer)', async () => {
    // Accepts the handshake, ignores every frame, and sends an empty pong every 50 ms.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      let head = '';
      socket.on('data', (d: Buffer) => {
        if (head.endsWith('\r\n\r\n')) return;
        head += d.toString('latin1');
        const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1];
        if (!head.includes('\r\n\r\n') || !key) return;
        const accept = createHash('sha1')
          .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
          .digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        const timer = setInterval(() => socket.write(Buffer.from([0x8a, 0x00])), 50);
        socket.on('close', () => clearInterval(timer));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const defs = fuzzCases(5, 3, { timeoutMs: 300 });
      const verdicts: string[] = [];
      const started = Date.now();
      await runFuzzCases(defs, {
        url: new URL(`ws://127.0.0.1:${port}`),
        concurrency: 1,
        openHandshakeTimeoutMs: 2000,
        closeHandshakeTimeoutMs: 200,
        caseTimeoutMs: 1500,
        onResult: (d, t) => verdicts.push(`${d.id} ${judge(d, t).behavior}`),
      });
      assert.equal(verdicts.length, 3, verdicts.join('\n'));
      assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
      assert.ok(
        verdicts.some((v) => / FAILED$/.test(v)),
        verdicts.join('\n'),
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('finds a planted bug within 100 sequences, shrinks it to a few octets, and the reproducer replays it', async () => {
    const broken = await startBrokenServer({ stallOnF0Fragment: true });
    const ws = await startEchoServer();
    const outdir = tmp();
    try {
      const defs = fuzzCases(7, 100, { timeoutMs: 300 });
      const run = await fuzzServer({
        url: broken.url,
        agent: 'planted',
        defs,
        outdir,
        concurrency: 16,
        session: { ...defaultSessionOptions, closeHandshakeTimeoutMs: 300 },
        openHandshakeTimeoutMs: 3000,
        maxShrinks: 1,
      });
      const failed = run.results.filter((r) => r.behavior === 'FAILED');
      assert.ok(failed.length > 0, 'the bug was found');
      assert.equal(run.reproducers.length, 1);
      const repro = readReproducer(run.reproducers[0]!);
      assert.equal(repro.failure, 'unresponsive');
      assert.equal(repro.shrunk.reproducedAlone, true);
      assert.ok(repro.shrunk.octets <= 16, `${repro.shrunk.octets} octets: ${repro.frames.join(' | ')}`);
      assert.ok(repro.shrunk.octets < repro.shrunk.fromOctets);
      const again = await replay(run.reproducers[0]!, broken.url, { session: { ...defaultSessionOptions, closeHandshakeTimeoutMs: 300 }, openHandshakeTimeoutMs: 3000 });
      assert.equal(again.exitCode, 1, again.lines.join('\n'));
      assert.match(again.lines.join('\n'), /unresponsive, reproduced/);
      const fixed = await replay(run.reproducers[0]!, `ws://127.0.0.1:${ws.port}`, { session: defaultSessionOptions, openHandshakeTimeoutMs: 3000 });
      assert.equal(fixed.exitCode, 0, fixed.lines.join('\n'));
    } finally {
      await broken.close();
      await ws.close();
    }
  });

  it('runs from the CLI: --fuzz/--seed, a reproducer in the outdir, replay with exit codes 1, 0 and 2', async () => {
    const broken = await startBrokenServer({ stallOnF0Fragment: true });
    const ws = await startEchoServer();
    const dir = tmp();
    try {
      const a = io();
      const code = await main(['test-server', broken.url, '--fuzz', '10', '--seed', '7', '--cases', 'fuzz.*', '--outdir', dir, '--quiet'], a.io);
      assert.equal(code, 1, a.out() + a.err());
      const file = join(dir, 'fuzz-7-7.repro.json');
      assert.ok(existsSync(file), a.err());
      const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Record<string, Record<string, unknown>>;
      assert.deepEqual(Object.keys(Object.values(index)[0]!).length, 10);
      const b = io();
      assert.equal(await main(['replay', file, broken.url], b.io), 1, b.out() + b.err());
      assert.match(b.out(), /^fuzz\.7\.7: \d+ octet/);
      const c = io();
      assert.equal(await main(['replay', file, `ws://127.0.0.1:${ws.port}`], c.io), 0, c.out() + c.err());
      writeFileSync(join(dir, 'bad.json'), '{"format":"something else"}');
      const d = io();
      assert.equal(await main(['replay', join(dir, 'bad.json'), broken.url], d.io), 2);
      assert.match(d.err(), /not a wsconform fuzz reproducer/);
      const e = io();
      assert.equal(await main(['test-server', broken.url, '--seed', '3'], e.io), 2);
    } finally {
      await broken.close();
      await ws.close();
    }
  });
});
