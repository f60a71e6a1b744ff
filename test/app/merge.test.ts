/**
 * `wsconform merge` replaces OUT's files as a whole. The merge runs in a child process under a
 * file-size limit (ulimit -f), so its write of results.jsonl really fails part-way (EFBIG: Node
 * ignores SIGXFSZ) and OUT must still hold the previous merge, byte for byte.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { appendResult, readRun, writeMeta, writeResults } from '../../reports/jsonl.js';
import { main } from '../../runner/app/cli.js';
import { makeMeta, makeResult } from '../reports/fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'runner', 'app', 'cli.ts');
const child = 'const { main } = await import(process.argv[1]); process.exitCode = await main(process.argv.slice(2));';

describe('wsconform merge (writing OUT)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wsconform-merge-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces an earlier merge in OUT with the new one, leaving no temporary file', async () => {
    for (const i of [1, 2]) {
      writeMeta(join(dir, `shard${i}`), makeMeta({ options: { shard: `${i}/2` } }));
      appendResult(join(dir, `shard${i}`), makeResult({ id: `1.1.${i}` }));
    }
    const out = join(dir, 'out');
    writeResults(out, [makeResult({ id: '9.9.1' })]);
    const io = { out: new PassThrough(), err: new PassThrough() };
    assert.equal(await main(['merge', out, join(dir, 'shard1'), join(dir, 'shard2')], io), 0);
    const merged = readRun(out);
    assert.deepEqual(
      merged.results.map((r) => r.id),
      ['1.1.1', '1.1.2'],
    );
    assert.equal(merged.meta.mode, 'merge');
    assert.deepEqual(
      readdirSync(out).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  it('leaves the previous results.jsonl and run.json whole when writing the new ones fails part-way', function () {
    if (process.platform === 'win32') this.skip(); // no ulimit to make a write fail part-way
    // Two shards of about 600 KiB each: far more than the file-size limit below.
    const padding = 'x'.repeat(1500);
    for (const i of [1, 2]) {
      const part = join(dir, `shard${i}`);
      writeMeta(part, makeMeta({ options: { shard: `${i}/2` } }));
      for (let n = 0; n < 400; n++) appendResult(part, makeResult({ id: `1.${i}.${n}`, description: padding }));
    }
    const out = join(dir, 'out');
    writeMeta(out, makeMeta({ mode: 'merge', options: { mergedFrom: ['earlier'] } }));
    writeResults(out, [makeResult({ id: '9.9.1' }), makeResult({ id: '9.9.2' })]);
    const before = (name: string): Buffer => readFileSync(join(out, name));
    const [results, meta] = [before('results.jsonl'), before('run.json')];

    const r = spawnSync(
      '/bin/sh',
      ['-c', 'ulimit -f 128 && exec "$@"', 'sh', process.execPath, '--import', 'tsx', '--input-type=module', '-e', child, cli, 'merge', out, join(dir, 'shard1'), join(dir, 'shard2')],
      { cwd: root, encoding: 'utf8' },
    );
    assert.notEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, /EFBIG/);

    assert.deepEqual(readFileSync(join(out, 'results.jsonl')), results);
    assert.deepEqual(readFileSync(join(out, 'run.json')), meta);
    assert.deepEqual(readdirSync(out).sort(), ['results.jsonl', 'run.json']);
    assert.deepEqual(
      readRun(out).results.map((x) => x.id),
      ['9.9.1', '9.9.2'],
    );
    // The limit is what failed the write: the shards are far bigger than it.
    assert.ok(statSync(join(dir, 'shard1', 'results.jsonl')).size > 512 * 1024);
  });
});
