/**
 * Writing the compatibility table: `compat.md` gets `compat.json` beside it (the same name, its
 * extension replaced), a path ending in `.json` gets the JSON alone. Each file is replaced
 * atomically, so a table being published is never half written.
 */
import { mkdirSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import type { RunResults } from '../runner/engine/results.js';
import { writeFileAtomic } from './atomic-write.js';
import { compatTable } from './compat.js';
import { compatJson, compatMarkdown } from './compat-markdown.js';

/** The files `--table <path>` writes: the Markdown one (null for a .json path) and the JSON one. */
export function compatPaths(path: string): { markdown: string | null; json: string } {
  const ext = extname(path);
  if (ext.toLowerCase() === '.json') return { markdown: null, json: path };
  return { markdown: path, json: `${ext === '' ? path : path.slice(0, -ext.length)}.json` };
}

/** Writes the table; returns the paths written. */
export function writeCompatTable(run: RunResults, path: string): string[] {
  const table = compatTable(run);
  const paths = compatPaths(path);
  mkdirSync(dirname(path), { recursive: true });
  const written: string[] = [];
  if (paths.markdown !== null) {
    writeFileAtomic(paths.markdown, compatMarkdown(table));
    written.push(paths.markdown);
  }
  writeFileAtomic(paths.json, compatJson(table));
  written.push(paths.json);
  return written;
}
