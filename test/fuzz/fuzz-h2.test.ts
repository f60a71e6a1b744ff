/**
 * The fuzzer over HTTP/2 (test-server --http2 --fuzz, RFC 8441): batches of sequences on extended
 * CONNECT streams of shared connections, failures shrunk on streams too, reproducers that say they
 * were found over HTTP/2 and replay so. The targets are node:http2 servers (test/support/h2-servers.ts):
 * a correct one, one with the planted bug, one that closes its whole connection on a stream error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../runner/app/cli.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { judge } from '../../runner/engine/verdicts/judge.js';
import { fuzzVerdict } from '../../runner/engine/verdicts/fuzz-oracle.js';
import { fuzzCaseFromWrites, fuzzCases } from '../../runner/fuzz/generate.js';
import { fuzzServer, replay } from '../../runner/fuzz/index.js';
import { readReproducer } from '../../runner/fuzz/repro.js';
import { runFuzzCases } from '../../runner/fuzz/run.js';
import { H2Pool } from '../../runner/fuzzing-client/h2-session.js';
import { runCaseAgainstServer } from '../../runner/fuzzing-client/run.js';
import { encodeFrame, Opcode } from '../../runner/wire/frame.js';
import { readRun } from '../../reports/jsonl.js';
import { startH2Target, type H2Flaw, type TestServer } from '../support/h2-servers.js';
import { capturedIo } from '../support/cli-run.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'wsconform-fuzz-h2-'));

const io = capturedIo;

async function withTarget<T>(flaws: H2Flaw[], body: (t: TestServer) => Promise<T>): Promise<T> {
  const t = await startH2Target(flaws);
  try {
    return await body(t);
  } finally {
    await t.close();
  }
}

/** Each fuzz case's verdict against `url` over HTTP/2, as `id behavior result` lines. */
async function verdictsOverH2(url: string, n: number, seed: number): Promise<string[]> {
  const u = new URL(url);
  const h2 = new H2Pool({ url: u, timeoutMs: 3000, streamsPerConnection: 16 });
  const verdicts: string[] = [];
  try {
    await runFuzzCases(fuzzCases(seed, n), { url: u, h2, concurrency: 16, openHandshakeTimeoutMs: 3000, onResult: (d, t) => verdicts.push(`${d.id} ${judge(d, t).behavior} ${judge(d, t).result}`) });
  } finally {
    h2.close();
  }
  return verdicts.sort();
}

describe('fuzz over HTTP/2 (RFC 8441)', function () {
  this.timeout(60_000);

  it('raises no false alarm against a correct node:http2 target (sequences batched on streams of shared connections)', () =>
    withTarget([], async (t) => {
      const verdicts = await verdictsOverH2(t.url, 300, 11);
      assert.equal(verdicts.length, 300);
      assert.deepEqual(
        verdicts.filter((v) => !/ OK /.test(v)),
        [],
      );
    }));

  it('plays a batch that a connection closed under it (another stream’s error) again on a connection of its own: the same verdicts as the correct target', async () => {
    const good = await withTarget([], (t) => verdictsOverH2(t.url, 200, 4));
    const closing = await withTarget(['goaway-on-stream-error'], (t) => verdictsOverH2(t.url, 200, 4));
    const behavior = (lines: string[]): string[] => lines.map((l) => l.split(' ').slice(0, 2).join(' '));
    assert.deepEqual(behavior(closing), behavior(good));
  });

  it('judges a target that answers everything and the close frame but never ends its stream as answering (close UNCLEAN), not as unresponsive', () =>
    withTarget(['no-end-stream'], async (t) => {
      const u = new URL(t.url);
      const h2 = new H2Pool({ url: u, timeoutMs: 3000, streamsPerConnection: 1 });
      try {
        const def = fuzzCaseFromWrites('fuzz.lingers', [encodeFrame({ opcode: Opcode.text, payload: Buffer.from('hi'), mask: Buffer.from([1, 2, 3, 4]) })], 'one text message');
        const tr = await runCaseAgainstServer(u, def, { session: defaultSessionOptions, openHandshakeTimeoutMs: 3000, h2 });
        assert.equal(tr.failedByMe, true, 'the harness had to end the stream');
        assert.ok(def.expect.kind === 'fuzz');
        const v = fuzzVerdict(def.expect.model, tr);
        assert.deepEqual([v.failure, v.behaviorClose], [null, 'UNCLEAN'], v.result);
        assert.match(v.resultClose, /answered the close frame but did not close the connection in time/);
      } finally {
        h2.close();
      }
    }));

  it('finds the planted bug, shrinks it on streams, writes a reproducer that says HTTP/2, and replays it over HTTP/2 by itself', () =>
    withTarget(['stall-on-f0-fragment'], (broken) =>
      withTarget([], async (fixed) => {
        const outdir = tmp();
        const run = await fuzzServer({
          url: broken.url,
          agent: 'planted-h2',
          defs: fuzzCases(7, 100, { timeoutMs: 300 }),
          outdir,
          concurrency: 16,
          session: { ...defaultSessionOptions, closeHandshakeTimeoutMs: 300 },
          openHandshakeTimeoutMs: 3000,
          maxShrinks: 1,
          http2: { streamsPerConnection: 16 },
        });
        assert.ok(
          run.results.some((r) => r.behavior === 'FAILED'),
          'the bug was found',
        );
        assert.equal(run.reproducers.length, 1);
        const repro = readReproducer(run.reproducers[0]!);
        assert.equal(repro.http2, true);
        assert.equal(repro.failure, 'unresponsive');
        assert.equal(repro.shrunk.reproducedAlone, true);
        assert.ok(repro.shrunk.octets < repro.shrunk.fromOctets, repro.frames.join(' | '));
        const session = { ...defaultSessionOptions, closeHandshakeTimeoutMs: 300 };
        const again = await replay(run.reproducers[0]!, broken.url, { session, openHandshakeTimeoutMs: 3000 });
        assert.equal(again.exitCode, 1, again.lines.join('\n'));
        assert.match(again.lines[0]!, /over HTTP\/2 \(an extended CONNECT stream\)/);
        assert.match(again.lines.join('\n'), /unresponsive, reproduced/);
        const ok = await replay(run.reproducers[0]!, fixed.url, { session, openHandshakeTimeoutMs: 3000 });
        assert.equal(ok.exitCode, 0, ok.lines.join('\n'));
      }),
    ));

  it('runs from the CLI: test-server --http2 --fuzz, exit 1 and a reproducer against the planted bug, exit 0 and h2c against the correct target; replay --no-http2 is refused by an HTTP/2-only target', () =>
    withTarget(['stall-on-f0-fragment'], (broken) =>
      withTarget([], async (fixed) => {
        const dir = tmp();
        const a = io();
        assert.equal(await main(['test-server', broken.url, '--http2', '--fuzz', '10', '--seed', '7', '--cases', 'fuzz.*', '--outdir', dir, '--quiet'], a.io), 1, a.out() + a.err());
        const file = join(dir, 'fuzz-7-7.repro.json');
        assert.equal(readReproducer(file).http2, true);
        const b = io();
        assert.equal(await main(['replay', file, broken.url], b.io), 1, b.out() + b.err());
        const c = io();
        // The target speaks only HTTP/2 (prior knowledge): over HTTP/1.1 it is unreachable.
        assert.equal(await main(['replay', file, broken.url, '--no-http2'], c.io), 2, c.out() + c.err());
        const good = tmp();
        const d = io();
        assert.equal(await main(['test-server', fixed.url, '--http2', '--fuzz', '10', '--seed', '7', '--cases', 'fuzz.*', '--outdir', good, '--quiet'], d.io), 0, d.out() + d.err());
        const results = readRun(good);
        assert.equal(results.results.length, 10);
        assert.equal(results.meta.agents[0]?.protocol, 'h2c');
      }),
    ));
});
