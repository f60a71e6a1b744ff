/**
 * The compatibility table from real engines: Chromium and Firefox ESR, each run on its own over a
 * few api.* cases (cases the two are known to have differed on, and some they agree on), merged
 * with --table. The assertions are on the table's structure and on its agreeing with the results,
 * not on which engine does what, which changes with their releases.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CompatTable } from '../../reports/compat.js';
import { differenceAnchor } from '../../reports/names.js';
import { readRun } from '../../reports/jsonl.js';
import { cli, skipBecause, tmp } from './support.js';

const SLICE = ['api.close.code.1000', 'api.close.code.999', 'api.server-close.invalid-code.1005', 'api.handshake.unrequested-protocol', 'api.event-order.fail-at-once', 'api.message.invalid-utf8'];

describe('wsconform merge --table over Chromium and Firefox runs (real browsers, when installed)', function () {
  this.timeout(120_000);
  const dir = tmp();
  const out = join(dir, 'merged');
  let md = '';
  let table: CompatTable;

  before(async function () {
    for (const engine of ['chromium', 'firefox']) {
      const r = await cli(['test-browser', engine, '--cases', SLICE.join(','), '--outdir', join(dir, engine), '--quiet', ...(engine === 'chromium' ? ['--table', join(dir, 'chromium.md')] : [])]);
      const why = /not available: (.*)/.exec(r.stderr)?.[1];
      if (r.code === 2 && why !== undefined) skipBecause(this, `${engine}: not available: ${why}`);
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
    }
    const r = await cli(['merge', out, join(dir, 'chromium'), join(dir, 'firefox'), '--table', join(out, 'compat.md'), '--quiet']);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    md = readFileSync(join(out, 'compat.md'), 'utf8');
    table = JSON.parse(readFileSync(join(out, 'compat.json'), 'utf8')) as CompatTable;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('test-browser --table with one engine says there is nothing to compare, and gives its totals', () => {
    const one = readFileSync(join(dir, 'chromium.md'), 'utf8');
    assert.match(one, /Only one engine ran: there is nothing to compare\./);
    assert.match(one, new RegExp(`\\| \\*\\*chromium [\\d.]+\\*\\* \\| ${SLICE.length} \\|`));
  });

  it('has a header naming both engines with their versions, and each one’s totals', () => {
    const agents = readRun(out).meta.agents;
    assert.deepEqual(
      table.engines.map((e) => e.engine),
      ['chromium', 'firefox'],
    );
    for (const e of table.engines) {
      assert.equal(e.version, agents.find((a) => a.name === e.agent)?.version);
      assert.match(md, new RegExp(`^- \\*\\*${e.engine} ${e.version.replace(/\./g, '\\.')}\\*\\*: `, 'm'));
      assert.equal(e.totals.cases, SLICE.length);
      assert.equal(
        Object.values(e.totals.behavior).reduce((a, b) => a + b, 0),
        SLICE.length,
      );
    }
    assert.match(md, new RegExp(`^wsconform \\S+ · catalogue ${table.catalogueVersion} · run of \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\(merged runs\\)$`, 'm'));
    assert.equal(table.compared, SLICE.length);
  });

  it('lists exactly the cases whose verdicts differ, each with both engines’ observations and the expectation', () => {
    const run = readRun(out);
    const verdict = (agent: string, id: string): string => {
      const r = run.results.find((x) => x.agent === agent && x.id === id);
      return r ? `${r.behavior}|${r.behaviorClose}` : 'missing';
    };
    const [c, f] = table.engines.map((e) => e.agent) as [string, string];
    const differing = SLICE.filter((id) => verdict(c, id) !== verdict(f, id)).sort();
    const rows = table.families.flatMap((fam) => fam.rows);
    assert.deepEqual(rows.map((r) => r.id).sort(), differing);
    assert.equal(table.differing, differing.length);
    if (differing.length === 0) assert.match(md, /\*\*No differences\*\*/);
    for (const row of rows) {
      assert.ok(row.expected.text.length > 0 && (row.expected.page?.length ?? 0) > 0, row.id);
      for (const agent of [c, f]) {
        const o = row.results[agent]!;
        assert.equal(`${o.behavior}|${o.behaviorClose}`, verdict(agent, row.id));
        assert.match(o.summary[0]!, /^page: /);
      }
      const line = md.split('\n').find((l) => l.startsWith(`| **${row.id}**`));
      assert.ok(line, `a Markdown row for ${row.id}`);
      assert.equal(line.split(/(?<!\\)\|/).length - 2, 4, 'four cells');
    }
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    assert.deepEqual([...html.matchAll(/<tr id="(diff-[^"]+)">/g)].map((m) => m[1]).sort(), differing.map(differenceAnchor).sort());
  });
});
