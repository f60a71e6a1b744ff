import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../reports/atomic-write.js';

describe('reports/atomic-write', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wsconform-atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file with a string or with pieces, leaving nothing else in the directory', () => {
    const path = join(dir, 'index.json');
    writeFileSync(path, 'old content, longer than the new one\n');
    writeFileAtomic(path, '{"new":1}\n');
    assert.equal(readFileSync(path, 'utf8'), '{"new":1}\n');
    writeFileAtomic(path, ['a\n', '', 'Zoë ✓\n']);
    assert.equal(readFileSync(path, 'utf8'), 'a\nZoë ✓\n');
    writeFileAtomic(join(dir, 'fresh.json'), '{}');
    assert.deepEqual(readdirSync(dir).sort(), ['fresh.json', 'index.json']);
  });

  it('keeps the old file whole, and removes the temporary one, when writing fails part-way', () => {
    const path = join(dir, 'results.jsonl');
    writeFileSync(path, 'line 1\nline 2\n');
    let written = 0;
    const pieces = function* (): Generator<string> {
      for (;;) {
        // A few pieces reach the temporary file before the failure.
        if (written === 3) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        written++;
        yield `new line ${written}\n`;
      }
    };
    assert.throws(() => writeFileAtomic(path, pieces()), { code: 'ENOSPC' });
    assert.equal(written, 3);
    assert.equal(readFileSync(path, 'utf8'), 'line 1\nline 2\n');
    assert.deepEqual(readdirSync(dir), ['results.jsonl']);
  });

  it('fails without touching anything when the directory does not exist', () => {
    assert.throws(() => writeFileAtomic(join(dir, 'missing', 'run.json'), '{}'), { code: 'ENOENT' });
    assert.deepEqual(readdirSync(dir), []);
  });
});
