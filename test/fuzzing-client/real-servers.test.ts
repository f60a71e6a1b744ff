/**
 * Verdicts that do not depend on load, against real slow and broken servers nobody here wrote:
 * Tornado's echo server (single-threaded Python: 32 cases at once put it seconds behind) and
 * websocketd running `cat` (it echoes lines, never binary messages, and stops reading when cat's
 * output has no newline: nine 9.x cases would each wait out Autobahn's 100-1000 s timers). The
 * verdicts pinned in test/fixtures/verdicts/ are those of `--concurrency 1`, which for Tornado are
 * the real Autobahn|Testsuite's, case by case.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testServer, type CaseResult } from '../../runner/app/api.js';
import { busyCore, missing, startTornado, startWebsocketd, type RealTarget } from '../support/real-targets.js';
import { skipBecause } from '../browser/support.js';

const SECTIONS = ['1.*', '2.*', '3.*', '4.*', '5.*', '6.*', '7.*', '9.*', '10.*'];
const pinned = (file: string): Record<string, string> => JSON.parse(readFileSync(new URL(`../fixtures/verdicts/${file}`, import.meta.url), 'utf8')) as Record<string, string>;

/**
 * Cases where the target itself races (its echo of the first frame against its failure on the
 * second, both already sent): either verdict is the target's, not the harness's.
 */
const race = ['OK / OK', 'NON-STRICT / OK'];
const TARGET_RACES: Record<string, string[]> = { '3.3': race, '3.4': race, '4.1.5': race, '4.2.5': race };

async function verdicts(target: RealTarget, cases = SECTIONS): Promise<{ got: Record<string, string>; results: CaseResult[] }> {
  const run = await testServer({ url: target.url, cases });
  const got: Record<string, string> = {};
  for (const r of run.results) got[r.id] = `${r.behavior} / ${r.behaviorClose}`;
  return { got, results: run.results };
}

/** Every case that ran got the verdict it gets alone; `all`: and every pinned case ran. */
function assertSame(got: Record<string, string>, want: Record<string, string>, all = true): void {
  const diff = Object.keys(got).filter((id) => got[id] !== want[id] && !(TARGET_RACES[id]?.includes(got[id] ?? '') ?? false));
  assert.deepEqual(
    diff.map((id) => `${id}: ${got[id]} (alone: ${want[id]})`),
    [],
  );
  if (all) assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
}

function need(ctx: Mocha.Context, what: 'tornado' | 'websocketd'): void {
  const why = missing(what);
  if (why === null) return;
  if (process.env.CI === 'true') throw new Error(`${why}: .ci/run installs it`);
  skipBecause(ctx, why);
}

describe('real slow and broken servers: the verdicts of --concurrency 1 at the default concurrency', function () {
  this.timeout(300_000);

  describe("Tornado's echo server (single-threaded)", () => {
    let target: RealTarget;
    before(async function () {
      need(this, 'tornado');
      target = await startTornado();
    });
    after(() => target?.stop());

    it('sections 1-10: every verdict as alone (Autobahn agrees on all 301)', async () => {
      const { got } = await verdicts(target);
      assertSame(got, pinned('tornado-6.2.json'));
      // What Tornado really gets wrong: close codes 1100, 2000, 2999 etc. echoed instead of 1002.
      assert.deepEqual(
        Object.keys(got).filter((id) => !got[id]!.startsWith('OK') && !got[id]!.startsWith('NON-STRICT') && !got[id]!.startsWith('INFORMATIONAL')),
        ['7.9.1', '7.9.2', '7.9.3', '7.9.4', '7.9.5', '7.9.6', '7.9.7', '7.9.8', '7.9.9'],
      );
    });

    it('the same while a busy process holds one of the two cores (the 1 s timer cases beside the 16 MiB ones)', async () => {
      const stop = busyCore();
      try {
        const { got } = await verdicts(target, ['1.*', '2.*', '5.*', '6.4.*', '7.*', '9.1.*', '9.2.*', '10.*']);
        assert.equal(Object.keys(got).length, 101);
        assertSame(got, pinned('tornado-6.2.json'), false);
      } finally {
        await stop();
      }
    });
  });

  describe('websocketd running cat (never echoes binary, stops reading)', () => {
    let target: RealTarget;
    before(async function () {
      need(this, 'websocketd');
      target = await startWebsocketd();
    });
    after(() => target?.stop());

    it('the run ends, with every verdict as alone; the stalled 9.x echoes are not waited out', async () => {
      // Sections 1-10 take about 90 s here (the pinned file has them all); these hold every kind of case it fails.
      const { got, results } = await verdicts(target, ['1.*', '2.*', '3.*', '4.*', '5.*', '7.*', '9.2.*', '9.6.*', '9.8.1']);
      assertSame(got, pinned('websocketd-0.4.1-cat.json'), false);
      assert.equal(Object.keys(got).length, 114);
      for (const id of ['9.2.1', '9.6.1', '9.6.6', '9.8.1']) assert.equal(got[id], 'FAILED / OK', id);
      // 9.6.1 waits 1000 s under Autobahn: here it ends once the connection made no progress for 20 s.
      const stalled = results.find((r) => r.id === '9.6.1')!;
      assert.ok(
        stalled.wirelog.some((e) => e.kind === 'note' && /no progress on this connection for 20 s/.test(e.text)),
        JSON.stringify(stalled.wirelog.slice(-5)),
      );
    });
  });
});
