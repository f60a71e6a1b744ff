/** Sharding splits the selection deterministically and evenly; merging puts it back together. */
import assert from 'node:assert/strict';
import { allCases } from '../../cases/index.js';
import { parseShard, shardCases, shardCost } from '../../runner/engine/plan.js';
import { mergeRuns, MergeRefused } from '../../runner/app/merge.js';
import type { CaseResult, RunResults } from '../../runner/engine/results.js';

describe('sharding', () => {
  it('parses i/n and refuses nonsense', () => {
    assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', 'x', '1/2/3', '']) assert.equal(parseShard(bad), null, bad);
  });

  it('partitions the catalogue: every case in exactly one shard, catalogue order kept', () => {
    for (const n of [1, 2, 3, 4, 7]) {
      const shards = Array.from({ length: n }, (_, i) => shardCases(allCases, i + 1, n));
      const ids = shards.flat().map((c) => c.id);
      assert.equal(ids.length, allCases.length);
      assert.equal(new Set(ids).size, allCases.length);
      for (const s of shards) {
        const pos = s.map((c) => allCases.indexOf(c));
        assert.deepEqual(
          pos,
          [...pos].sort((a, b) => a - b),
        );
      }
    }
  });

  it('gives the same split on every call', () => {
    assert.deepEqual(
      shardCases(allCases, 2, 3).map((c) => c.id),
      shardCases([...allCases], 2, 3).map((c) => c.id),
    );
  });

  it('balances 4 shards of the full catalogue within 1.25x of the mean cost', () => {
    const costs = [1, 2, 3, 4].map((i) => shardCases(allCases, i, 4).reduce((sum, c) => sum + shardCost(c), 0));
    const mean = costs.reduce((a, b) => a + b, 0) / 4;
    assert.ok(Math.max(...costs) <= 1.25 * mean, `costs ${costs.map(Math.round).join(', ')}, mean ${Math.round(mean)}`);
  });
});

const result = (agent: string, id: string, behavior = 'OK'): CaseResult => ({ id, agent, behavior, behaviorClose: 'OK' }) as unknown as CaseResult;
const part = (dir: string, options: Record<string, unknown>, results: CaseResult[], catalogueVersion = 'abc'): { dir: string; run: RunResults } => ({
  dir,
  run: { meta: { tool: 'wsconform', version: '1', catalogueVersion, mode: 'test-server', startedAt: '2026-01-01T00:00:00Z', options, agents: [{ name: 'a' }] }, results },
});

describe('merging', () => {
  it('merges shards and warns about a missing one', () => {
    const m = mergeRuns([part('s1', { cases: ['*'], shard: '1/3' }, [result('a', '1.1.1')]), part('s3', { cases: ['*'], shard: '3/3' }, [result('a', '2.1')])]);
    assert.deepEqual(m.run.results.map((r) => r.id).sort(), ['1.1.1', '2.1']);
    assert.ok(
      m.warnings.some((w) => /missing shards: 2\/3/.test(w)),
      m.warnings.join('\n'),
    );
  });

  it('warns when the shards come from different splits', () => {
    const m = mergeRuns([part('s1', { shard: '1/2' }, [result('a', '1.1.1')]), part('s2', { shard: '2/3' }, [result('a', '2.1')])]);
    assert.ok(
      m.warnings.some((w) => /different splits \(of 2, of 3\)/.test(w)),
      m.warnings.join('\n'),
    );
  });

  it('reports duplicated cases', () => {
    const m = mergeRuns([part('x', {}, [result('a', '1.1.1', 'OK')]), part('y', {}, [result('a', '1.1.1', 'FAILED')])]);
    assert.equal(m.run.results.length, 1);
    assert.ok(m.warnings.some((w) => /duplicated: 1\.1\.1/.test(w)));
  });

  it('refuses parts from different catalogue versions or option sets', () => {
    assert.throws(() => mergeRuns([part('x', {}, [], 'v1'), part('y', {}, [], 'v2')]), MergeRefused);
    assert.throws(() => mergeRuns([part('x', { timeout: 60 }, []), part('y', { timeout: 5 }, [])]), /different options/);
  });

  it('merges runs of different browser engines, each driven its own way, but not ones with other limits', () => {
    const m = mergeRuns([
      part('c', { engines: ['chromium'], executablePath: '/usr/bin/chromium', cases: ['api.*'] }, [result('chromium-1', 'api.x')]),
      part('f', { engines: ['firefox'], webdriverUrl: 'http://127.0.0.1:4444', cases: ['api.*'] }, [result('firefox-2', 'api.x')]),
    ]);
    assert.deepEqual(m.run.results.map((r) => r.agent).sort(), ['chromium-1', 'firefox-2']);
    assert.deepEqual(m.run.meta.options, { cases: ['api.*'], mergedFrom: ['c', 'f'] });
    assert.throws(() => mergeRuns([part('c', { engines: ['chromium'], timeout: 5 }, []), part('f', { engines: ['firefox'] }, [])]), /different options/);
  });
});
