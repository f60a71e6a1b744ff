import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendResult, parseResultLines, readRun, writeMeta, writeResults } from '../../reports/jsonl.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { makeMeta, makeResult } from './fixtures.js';

describe('reports/jsonl', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wsconform-jsonl-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips metadata and results, creating the directory', () => {
    const outdir = join(dir, 'a', 'b');
    const meta = makeMeta();
    const results = [makeResult({ id: '1.1.1' }), makeResult({ id: '1.1.2', behavior: 'FAILED' }), makeResult({ id: '1.1.1', agent: 'other' })];
    writeMeta(outdir, meta);
    for (const r of results) appendResult(outdir, r);
    assert.deepEqual(readRun(outdir), { meta, results });
    assert.equal(readFileSync(join(outdir, 'results.jsonl'), 'utf8').split('\n').length, 4);
  });

  it('drops a last line cut short by a killed run', () => {
    writeMeta(dir, makeMeta());
    appendResult(dir, makeResult({ id: '1.1.1' }));
    appendResult(dir, makeResult({ id: '1.1.2' }));
    appendFileSync(join(dir, 'results.jsonl'), JSON.stringify(makeResult({ id: '1.1.3' })).slice(0, 50));
    assert.deepEqual(
      readRun(dir).results.map((r) => r.id),
      ['1.1.1', '1.1.2'],
    );
  });

  it('starts a new line after a cut-short line, so a resumed run loses only that line', () => {
    appendResult(dir, makeResult({ id: '1.1.1' }));
    appendFileSync(join(dir, 'results.jsonl'), '{"id":"1.1.2","ag');
    appendResult(dir, makeResult({ id: '1.1.3' }));
    // The partial line is now in the middle: that is corruption, and it is reported with its line number.
    assert.throws(() => readRun(dir), { code: 'WSC_RESULTS_CORRUPT', message: /line 2/ });
    assert.deepEqual(
      readFileSync(join(dir, 'results.jsonl'), 'utf8')
        .split('\n')
        .map((l) => l.slice(0, 12)),
      ['{"id":"1.1.1', '{"id":"1.1.2', '{"id":"1.1.3', ''],
    );
  });

  it('writes a whole results.jsonl in place of the old one, one line per result (a merge)', () => {
    for (const id of ['9.9.1', '9.9.2', '9.9.3']) appendResult(dir, makeResult({ id }));
    const results = [makeResult({ id: '1.1.1' }), makeResult({ id: '1.1.2', agent: 'other' })];
    writeResults(join(dir, 'merged'), results);
    writeResults(dir, results);
    assert.equal(readFileSync(join(dir, 'results.jsonl'), 'utf8'), results.map((r) => `${JSON.stringify(r)}\n`).join(''));
    assert.deepEqual(readRun(join(dir, 'merged')).results, results);
    assert.deepEqual(readdirSync(dir).sort(), ['merged', 'results.jsonl']);
  });

  it('leaves the old results.jsonl intact when writing the new one fails part-way', () => {
    for (const id of ['9.9.1', '9.9.2']) appendResult(dir, makeResult({ id }));
    const before = readFileSync(join(dir, 'results.jsonl'), 'utf8');
    const results = function* (): Generator<CaseResult> {
      yield makeResult({ id: '1.1.1' });
      yield makeResult({ id: '1.1.2' });
      throw new Error('the merge died here');
    };
    assert.throws(() => writeResults(dir, results()), /the merge died here/);
    assert.equal(readFileSync(join(dir, 'results.jsonl'), 'utf8'), before);
    assert.deepEqual(readdirSync(dir), ['results.jsonl']);
  });

  it('lets a later line for the same (agent, case) replace the earlier one, keeping its place', () => {
    const text = [makeResult({ id: '1.1.1' }), makeResult({ id: '1.1.2' }), makeResult({ id: '1.1.1', behavior: 'FAILED' })].map((r) => JSON.stringify(r)).join('\n');
    const results = parseResultLines(`${text}\n\n`);
    assert.deepEqual(
      results.map((r) => [r.id, r.behavior]),
      [
        ['1.1.1', 'FAILED'],
        ['1.1.2', 'OK'],
      ],
    );
  });

  it('recovers the agents from the results when run.json is missing', () => {
    appendResult(dir, makeResult({ agent: 'a' }));
    appendResult(dir, makeResult({ agent: 'b' }));
    const run = readRun(dir);
    assert.deepEqual(run.meta.agents, [{ name: 'a' }, { name: 'b' }]);
    assert.equal(run.results.length, 2);
  });

  it('reads a run that has metadata and no results yet', () => {
    writeMeta(dir, makeMeta());
    assert.deepEqual(readRun(dir).results, []);
  });

  it('refuses a directory with neither file, and a broken run.json', () => {
    assert.throws(() => readRun(dir), { code: 'WSC_NO_RESULTS' });
    writeFileSync(join(dir, 'run.json'), '{"tool":');
    assert.throws(() => readRun(dir), { code: 'WSC_RESULTS_CORRUPT' });
  });
});
