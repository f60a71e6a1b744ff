/**
 * The project's import graph, read from the sources: every relative `import … from` and
 * `export … from` of the TypeScript under cases/, runner/ and reports/ (type-only imports
 * included: a cycle of types is still a cycle a reader has to untangle).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { layerOf } from '../../scripts/layers.js';

export const SOURCE_ROOTS = ['cases', 'runner', 'reports'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.posix.join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** File → the project files it imports (paths relative to the repository root, `.ts`). */
export function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const prev = process.cwd();
  process.chdir(root);
  try {
    for (const file of SOURCE_ROOTS.flatMap(sourceFiles)) {
      const text = readFileSync(file, 'utf8');
      const targets = new Set<string>();
      for (const m of text.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s*'(\.{1,2}\/[^']+)'/gm)) {
        targets.add(path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
      }
      graph.set(file, [...targets]);
    }
  } finally {
    process.chdir(prev);
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the list of nodes around it (first = last). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

/** The graph of layers: an edge wherever a file of one layer imports a file of another. */
export function layerGraph(graph: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const layers = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = layerOf(file) ?? file;
    const set = layers.get(from) ?? new Set<string>();
    for (const t of targets) if ((layerOf(t) ?? t) !== from) set.add(layerOf(t) ?? t);
    layers.set(from, set);
  }
  return new Map([...layers].map(([k, v]) => [k, [...v].sort()]));
}
