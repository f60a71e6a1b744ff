/** The run recorder: a case played again (the second look under load) replaces its first result. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { RunRecorder } from '../../runner/app/run.js';
import { makeResult } from '../reports/fixtures.js';

describe('run recorder', () => {
  it('counts a case played again once, takes its new verdict, keeps both lines in results.jsonl and says so on the progress line', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'wsc-recorder-'));
    let printed = '';
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        printed += chunk.toString();
        done();
      },
    });
    const rec = new RunRecorder('test-server', {}, { outdir, keeping: 'journal', progress: { quiet: false, live: false, total: 2, out } });
    rec.record(makeResult({ id: '1.1.1', behavior: 'FAILED', behaviorClose: 'UNCLEAN' }));
    rec.record(makeResult({ id: '1.1.2' }));
    rec.record(makeResult({ id: '1.1.1', behavior: 'OK', behaviorClose: 'OK' }));
    const lines = printed.trim().split('\n');
    assert.equal(lines.length, 2, printed);
    assert.match(lines[0]!, /^\[1\/2\] 1 failed, /);
    assert.match(lines[1]!, /^\[2\/2\] 1 failed, /, 'the end of the first pass is printed once');
    const run = rec.finish(null);
    assert.deepEqual(
      run.results.map((r) => `${r.id} ${r.behavior}`),
      ['1.1.1 OK', '1.1.2 OK'],
    );
    assert.equal(readFileSync(join(outdir, 'results.jsonl'), 'utf8').trim().split('\n').length, 3, 'the first verdict stays in the journal; the last line wins on reading');
  });
});
