/** test-browser's command line where no browser has to start: engines that cannot run, usage errors. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun } from '../../reports/jsonl.js';
import { cli, tmp } from './support.js';

describe('wsconform test-browser (command line)', () => {
  it('reports an engine that cannot run as "not available: why", in the output and the report, and exits 2', async () => {
    const dir = tmp();
    const r = await cli(['test-browser', 'webkit', '--executable-path', '/nonexistent/MiniBrowser', '--cases', '1.1.1,api.close.code.1000', '--outdir', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /webkit: not available: --executable-path \/nonexistent\/MiniBrowser is not an executable file/);
    const run = readRun(dir);
    assert.deepEqual(run.meta.agents, [{ name: 'webkit', engine: 'webkit', unavailable: '--executable-path /nonexistent/MiniBrowser is not an executable file' }]);
    assert.match(readFileSync(join(dir, 'index.html'), 'utf8'), /not available: --executable-path/);
  });

  it('refuses an unknown engine and --executable-path with all', async () => {
    const unknown = await cli(['test-browser', 'opera', '--outdir', tmp()]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown engine "opera": use chromium, firefox, webkit or all/);
    const all = await cli(['test-browser', 'all', '--executable-path', '/usr/bin/chromium', '--outdir', tmp()]);
    assert.equal(all.code, 2);
    assert.match(all.stderr, /--executable-path needs one engine/);
  });
});
