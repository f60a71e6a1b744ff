import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseJson, indexJson, pyJson } from '../../reports/autobahn-json.js';
import { ReportError, writeReports } from '../../reports/index.js';
import type { RunResults, TrafficStats } from '../../runner/engine/results.js';
import { makeMeta, makeResult } from './fixtures.js';

function tinyRun(): RunResults {
  return { meta: makeMeta(), results: [makeResult({ id: '1.1.1' }), makeResult({ id: '2.1', behavior: 'FAILED' })] };
}

describe('reports/index: writeReports', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wsconform-reports-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes index.json, per-case JSON and HTML with Autobahn's names, and JUnit where asked", () => {
    const run = tinyRun();
    const out = join(dir, 'reports', 'servers');
    const errors = writeReports(run, out, { junit: join(dir, 'ci', 'junit.xml') });
    assert.deepEqual(errors, []);
    assert.equal(readFileSync(join(out, 'index.json'), 'utf8'), pyJson(indexJson(run)));
    assert.equal(readFileSync(join(out, 'ws_case_2_1.json'), 'utf8'), pyJson(caseJson(run.results[1] as never)));
    for (const f of ['index.html', 'ws_case_1_1_1.html', 'ws_case_1_1_1.json', 'ws_case_2_1.html']) assert.ok(existsSync(join(out, f)), f);
    assert.match(readFileSync(join(dir, 'ci', 'junit.xml'), 'utf8'), /<testsuites name="wsconform" tests="2" failures="1"/);
  });

  it('skips the writers switched off', () => {
    writeReports(tinyRun(), dir, { html: false, json: false });
    assert.equal(existsSync(join(dir, 'index.json')), false);
    assert.equal(existsSync(join(dir, 'index.html')), false);
  });

  it('keeps going when one writer fails, and returns each failure', () => {
    const run = tinyRun();
    // A result the JSON writer cannot encode, an index.html that is a directory, a JUnit path that is a directory.
    run.results.push(makeResult({ id: '3.1', trafficStats: { outgoingOctetsWireLevel: 1n } as unknown as TrafficStats }));
    mkdirSync(join(dir, 'index.html'));
    mkdirSync(join(dir, 'junit.xml'));
    const errors = writeReports(run, dir, { junit: join(dir, 'junit.xml') });
    assert.deepEqual(
      errors.map((e) => e.writer),
      ['case json', 'html', 'junit'],
    );
    assert.ok(errors.every((e) => e instanceof ReportError && e.code === 'WSC_REPORT_FAILED'));
    assert.match(String(errors[1]), /^ReportError: html: EISDIR/);
    assert.ok(existsSync(join(dir, 'index.json')));
    assert.ok(existsSync(join(dir, 'ws_case_1_1_1.json')) && existsSync(join(dir, 'ws_case_2_1.json')));
    assert.ok(existsSync(join(dir, 'ws_case_3_1.html')));
  });
});
