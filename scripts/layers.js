// The layers of wsconform and what each may import, read by ESLint (the `wsconform/layers` rule in
// eslint.config.js) and by test/layout.test.ts. A layer is a folder under runner/, or cases/ or
// reports/; an entry is a layer or, where only part of one may be used, a single file.
//
//   wire  ←  cases  ←  engine  ←  fuzzing-client, fuzzing-server  ←  fuzz, browser  ←  app
//                                  tls (certificates) ↗
//                        ↑ reports (the result types only)                             app ↗
import path from 'node:path';

export const LAYERS = {
  'runner/wire': [],
  cases: ['runner/wire'],
  'runner/engine': ['runner/wire', 'cases'],
  'runner/targets': [],
  'runner/tls': [],
  'runner/fuzzing-client': ['runner/engine', 'runner/wire', 'cases'],
  'runner/fuzzing-server': ['runner/tls', 'runner/engine', 'runner/wire', 'cases'],
  'runner/fuzz': ['runner/fuzzing-client', 'runner/engine', 'runner/wire', 'cases'],
  'runner/browser': ['runner/fuzzing-server', 'runner/engine', 'runner/wire', 'cases'],
  reports: ['runner/engine/results.ts'],
  'runner/app': ['runner/browser', 'runner/fuzz', 'runner/fuzzing-client', 'runner/fuzzing-server', 'runner/targets', 'runner/tls', 'runner/engine', 'runner/wire', 'cases', 'reports'],
};

/** The layer of a path relative to the repository root, or null outside the layered sources. */
export function layerOf(file) {
  const parts = file.split('/');
  if (parts[0] === 'runner' && parts.length > 2) return `runner/${parts[1]}`;
  if (parts[0] === 'cases' || parts[0] === 'reports') return parts[0];
  return null;
}

/** Why `file` may not import `target` (both relative to the root, `.ts`), or null when it may. */
export function layerViolation(file, target) {
  const from = layerOf(file);
  const to = layerOf(target);
  if (from === null || to === null || from === to) return null;
  const allowed = LAYERS[from];
  if (!allowed) return `${from}/ is not a known layer: add it to scripts/layers.js`;
  if (allowed.includes(to) || allowed.includes(target)) return null;
  return `${from}/ may import ${allowed.length ? allowed.join(', ') : 'nothing of the project'}, not ${target}`;
}

/** An ESLint rule applying layerViolation to every relative import and re-export. */
export const layersRule = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const root = context.cwd;
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts');
      const why = layerViolation(file, target);
      if (why) context.report({ node: node.source, message: why });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};
