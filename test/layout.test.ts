/**
 * The architecture as the imports say it: layers that only point down (scripts/layers.js, also an
 * ESLint rule), no import cycle between files or between layers, and files a reader can hold.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYERS, layerOf, layerViolation } from '../scripts/layers.js';
import { cycles, importGraph, layerGraph } from './support/import-graph.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('layout', () => {
  const graph = importGraph(root);

  it('reads the whole source tree', () => {
    assert.ok(graph.size > 80, `${graph.size} files`);
    for (const file of graph.keys()) assert.ok(layerOf(file) && layerOf(file)! in LAYERS, `${file} is in no known layer`);
  });

  it('no file imports a layer above its own', () => {
    const wrong = [...graph].flatMap(([file, targets]) =>
      targets
        .map((t) => layerViolation(file, t))
        .filter((w) => w !== null)
        .map((w) => `${file}: ${w}`),
    );
    assert.deepEqual(wrong, []);
  });

  it('no import cycle between files', () => {
    assert.deepEqual(
      cycles(graph).map((c) => c.join(' → ')),
      [],
    );
  });

  it('no import cycle between layers', () => {
    assert.deepEqual(
      cycles(layerGraph(graph)).map((c) => c.join(' → ')),
      [],
    );
  });

  it("every source file fits in a reader's head (under 400 lines)", () => {
    const long = [...graph.keys()].map((f) => [f, readFileSync(join(root, f), 'utf8').split('\n').length] as const).filter(([, n]) => n >= 400);
    assert.deepEqual(long, []);
  });

  it('the cycle finder and the layer check catch what they are for', () => {
    assert.deepEqual(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
        ]),
      ),
      [['a', 'b', 'c', 'a']],
    );
    assert.match(layerViolation('runner/wire/frame.ts', 'runner/engine/session.ts') ?? '', /nothing of the project/);
    assert.match(layerViolation('reports/html.ts', 'runner/engine/session.ts') ?? '', /runner\/engine\/results\.ts/);
    assert.equal(layerViolation('reports/html.ts', 'runner/engine/results.ts'), null);
    assert.match(layerViolation('runner/new-folder/x.ts', 'runner/wire/frame.ts') ?? '', /not a known layer/);
  });
});
