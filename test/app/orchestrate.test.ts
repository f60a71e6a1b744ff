/**
 * The run orchestrator without a target: what a stop signal and the deadline do to a run, that
 * every handler is gone once it ends, and the exit code the conclusion gives an interrupted run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { makePolicy } from '../../reports/gate.js';
import { concludeRun, ExitCode, orchestrate, type Io } from '../../runner/app/orchestrate.js';

function captured(): { io: Io; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        append(chunk.toString());
        done();
      },
    });
  return { io: { out: sink((s) => (out += s)), err: sink((s) => (err += s)) }, out: () => out, err: () => err };
}

describe('orchestrate', () => {
  it('on SIGINT: prints the notice, aborts the interrupt signal, resolves stopped, and removes its handlers at the end', async () => {
    const c = captured();
    const before = process.listenerCount('SIGINT');
    const end = await orchestrate({ mode: 'test-server', options: {}, keeping: 'journal', stopSignals: { notice: 'ending the cases in progress', io: c.io } }, async (run) => {
      assert.equal(process.listenerCount('SIGINT'), before + 1);
      process.emit('SIGINT', 'SIGINT');
      await run.stopped;
      assert.equal(run.interrupt.aborted, true);
      return run.stopping();
    });
    assert.equal(end.outcome, 'SIGINT');
    assert.equal(end.stopping, 'SIGINT');
    assert.equal(c.err(), '\nwsconform: SIGINT: ending the cases in progress\n');
    assert.equal(process.listenerCount('SIGINT'), before);
  });

  it('at the deadline: stops the run without aborting the cases in progress', async () => {
    const end = await orchestrate({ mode: 'test-server', options: {}, keeping: 'journal', deadlineS: 0.05 }, async (run) => {
      await run.stopped;
      return run.interrupt.aborted;
    });
    assert.equal(end.outcome, false);
    assert.equal(end.stopping, 'deadline of 0.05 s reached');
  });

  it('leaves the signals alone without stopSignals (the API)', async () => {
    const before = process.listenerCount('SIGTERM');
    await orchestrate({ mode: 'test-client', options: {}, keeping: 'append' }, async () => assert.equal(process.listenerCount('SIGTERM'), before));
  });

  it('journals into the outdir: run.json at the start and the end, a fresh results.jsonl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsconform-orchestrate-'));
    const end = await orchestrate({ mode: 'test-server', options: { cases: ['1.*'] }, outdir: dir, keeping: 'journal' }, async () => {
      assert.equal((JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { finishedAt?: string }).finishedAt, undefined);
      return 'done';
    });
    const run = end.recorder.finish(null);
    assert.equal(run.results.length, 0);
    assert.ok((JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { finishedAt?: string }).finishedAt);
    assert.equal(existsSync(join(dir, 'results.jsonl')), false);
  });
});

describe('concludeRun', () => {
  for (const [interrupted, code] of [
    ['SIGINT', ExitCode.sigint],
    ['SIGTERM', ExitCode.sigterm],
    ['deadline of 5 s reached', ExitCode.failed],
    [null, ExitCode.pass],
  ] as const) {
    it(`exits ${code} for a run ${interrupted ? `stopped by ${interrupted}` : 'that ran to its end'}`, async () => {
      const c = captured();
      const dir = mkdtempSync(join(tmpdir(), 'wsconform-conclude-'));
      const { recorder } = await orchestrate({ mode: 'test-server', options: {}, keeping: 'journal' }, async () => undefined);
      assert.equal(concludeRun(recorder.finish(interrupted), dir, { policy: makePolicy({}) }, c.io, interrupted), code);
      assert.match(c.out(), new RegExp(`Reports: ${dir}/index.html \\(index.json, results.jsonl\\)\n$`));
      assert.equal(c.err(), interrupted?.startsWith('deadline') ? `wsconform: ${interrupted}: not every selected case ran\n` : '');
    });
  }
});
