/** `--table` on the commands that build the compatibility table from results on disk: report and merge. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CompatTable } from '../../reports/compat.js';
import { readRun, writeMeta, writeResults } from '../../reports/jsonl.js';
import { compatMarkdown, compatTable, renderReports } from '../../runner/app/api.js';
import { main } from '../../runner/app/cli.js';
import { makeMeta, makeResult } from '../reports/fixtures.js';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = { out: new PassThrough(), err: new PassThrough() };
  let out = '';
  let err = '';
  io.out.on('data', (d: Buffer) => (out += d));
  io.err.on('data', (d: Buffer) => (err += d));
  const code = await main(args, io);
  return { code, out, err };
}

/** One engine's run directory: 1.1.1 passes, 1.1.2 passes or fails as `fails` says. */
function engineRun(dir: string, engine: string, version: string, fails: boolean): string {
  const agent = `${engine}-${version}`;
  writeMeta(dir, makeMeta({ mode: 'test-browser', agents: [{ name: agent, engine, version }] }));
  writeResults(dir, [makeResult({ id: '1.1.1', agent, role: 'server' }), makeResult({ id: '1.1.2', agent, role: 'server', ...(fails ? { behavior: 'FAILED', result: 'No echo came back.' } : {}) })]);
  return dir;
}

describe('wsconform report/merge --table', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'wsconform-table-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('merge builds the table of engines run apart, with the gate exit code, and says where it is', async () => {
    const a = engineRun(join(dir, 'chromium'), 'chromium', '156.0.1', false);
    const b = engineRun(join(dir, 'firefox'), 'firefox', '153.8.0', true);
    const table = join(dir, 'pub', 'compat.md');
    const r = await cli(['merge', join(dir, 'out'), a, b, '--table', table, '--quiet']);
    assert.equal(r.code, 1, 'firefox failed a case');
    assert.match(r.out, new RegExp(`Compatibility table: ${table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(.*compat\\.json\\)`));
    const md = readFileSync(table, 'utf8');
    assert.match(md, /\*\*1 of 2 cases\*\* differ between the 2 engines, in 1 family\./);
    assert.match(md, /\| case \| the standard \| chromium 156\.0\.1 \| firefox 153\.8\.0 \|/);
    assert.match(md, /\| \*\*1\.1\.2\*\*<br>.* \| \*\*OK · close code 1000\*\* \| \*\*FAILED · close code 1000\*\*<br>No echo came back\. \|/);
    const json = JSON.parse(readFileSync(join(dir, 'pub', 'compat.json'), 'utf8')) as CompatTable;
    assert.equal(json.run.mode, 'merge');
    assert.deepEqual(
      json.engines.map((e) => [e.agent, e.totals.cases, e.totals.behavior.FAILED]),
      [
        ['chromium-156.0.1', 2, 0],
        ['firefox-153.8.0', 2, 1],
      ],
    );
    assert.match(readFileSync(join(dir, 'out', 'index.html'), 'utf8'), /id="differences"/);
  });

  it('report writes the table again from a run directory, JSON alone for a .json path', async () => {
    const run = join(dir, 'run');
    writeMeta(
      run,
      makeMeta({
        mode: 'test-browser',
        agents: [
          { name: 'chromium-1', engine: 'chromium', version: '1' },
          { name: 'firefox-2', engine: 'firefox', version: '2' },
        ],
      }),
    );
    writeResults(run, [makeResult({ agent: 'chromium-1', role: 'server' }), makeResult({ agent: 'firefox-2', role: 'server' })]);
    const r = await cli(['report', run, '--table', join(run, 'compat.json'), '--quiet']);
    assert.equal(r.code, 0, r.err);
    assert.equal(existsSync(join(run, 'compat.md')), false);
    const json = JSON.parse(readFileSync(join(run, 'compat.json'), 'utf8')) as CompatTable;
    assert.equal(json.differing, 0);
    assert.equal(json.compared, 1);
  });

  it('reports a table it cannot write, with exit 2', async () => {
    const a = engineRun(join(dir, 'a'), 'chromium', '1', false);
    writeResults(join(dir, 'blocker'), []);
    const r = await cli(['report', a, '--table', join(dir, 'blocker', 'results.jsonl', 'compat.md'), '--quiet']);
    assert.equal(r.code, 2);
    assert.match(r.err, /could not write a report: .*compat table: EEXIST/);
    assert.doesNotMatch(r.out, /Compatibility table:/);
  });

  it('the API writes the same table through renderReports, and gives it as data', () => {
    const a = engineRun(join(dir, 'a'), 'chromium', '1', false);
    const run = readRun(a);
    assert.deepEqual(renderReports(run, join(dir, 'r'), { table: join(dir, 'r', 'compat.md') }), []);
    assert.equal(readFileSync(join(dir, 'r', 'compat.md'), 'utf8'), compatMarkdown(compatTable(run)));
  });
});
