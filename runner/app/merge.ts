/**
 * Merging runs: shards of one run (`--shard i/n` on several machines) and runs of several agents
 * into one result set. Results from different catalogue versions or option sets are refused:
 * their verdicts would not mean the same thing.
 */
import { readRun } from '../../reports/jsonl.js';
import type { CaseResult, RunMeta, RunResults } from '../engine/results.js';

export class MergeRefused extends Error {
  readonly code = 'WSCONFORM_MERGE_REFUSED';
}

/**
 * Options that may differ between the parts of one logical run: where its part ran and which target
 * it tested, as a browser engine and how it was reached too (an engine per CI job, merged into one
 * compatibility table), never how verdicts are reached.
 */
const PER_PART = new Set([
  'shard',
  'interrupted',
  'outdir',
  'agent',
  'url',
  'command',
  'port',
  'host',
  'concurrency',
  'quiet',
  'engines',
  'executablePath',
  'headed',
  'browserEndpoint',
  'webdriverUrl',
  'publicUrl',
]);

function comparable(meta: RunMeta): string {
  const entries = Object.entries(meta.options)
    .filter(([k]) => !PER_PART.has(k))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(entries);
}

export interface MergeOutcome {
  run: RunResults;
  /** Duplicated (agent, case) pairs and missing shards or cases: worth a warning, not a refusal. */
  warnings: string[];
}

export function mergeRuns(parts: Array<{ dir: string; run: RunResults }>): MergeOutcome {
  if (parts.length === 0) throw new MergeRefused('nothing to merge');
  const first = parts[0]!;
  for (const p of parts.slice(1)) {
    if (p.run.meta.catalogueVersion !== first.run.meta.catalogueVersion) {
      throw new MergeRefused(`${p.dir} was made with catalogue ${p.run.meta.catalogueVersion}, ${first.dir} with ${first.run.meta.catalogueVersion}: run both with the same wsconform version`);
    }
    if (comparable(p.run.meta) !== comparable(first.run.meta)) {
      throw new MergeRefused(`${p.dir} and ${first.dir} were run with different options (${comparable(p.run.meta)} vs ${comparable(first.run.meta)})`);
    }
  }
  const warnings: string[] = [];
  const byKey = new Map<string, { r: CaseResult; dir: string }>();
  for (const p of parts) {
    for (const r of p.run.results) {
      const key = `${r.agent}\u0000${r.id}`;
      const seen = byKey.get(key);
      if (seen) warnings.push(`duplicated: ${r.id} for ${r.agent} is in ${seen.dir} and ${p.dir} (keeping ${p.dir})`);
      byKey.set(key, { r, dir: p.dir });
    }
  }
  // Shards: every index 1..n of the same split must be there.
  const shards = parts.map((p) => p.run.meta.options.shard).filter((s): s is string => typeof s === 'string');
  if (shards.length > 0) {
    const count = Number(shards[0]!.split('/')[1]);
    const counts = [...new Set(shards.map((s) => Number(s.split('/')[1])))];
    if (counts.length > 1) warnings.push(`shards of different splits (${counts.map((n) => `of ${n}`).join(', ')}): cases may be missing or duplicated; checking against ${count}`);
    const have = new Set(shards.map((s) => Number(s.split('/')[0])));
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !have.has(i));
    if (missing.length > 0) warnings.push(`missing shards: ${missing.map((i) => `${i}/${count}`).join(', ')}`);
  }
  const agents = new Map<string, RunMeta['agents'][number]>();
  for (const p of parts) for (const a of p.run.meta.agents) agents.set(a.name, { ...agents.get(a.name), ...a });
  const started = parts.map((p) => p.run.meta.startedAt).sort()[0]!;
  const finished = parts
    .map((p) => p.run.meta.finishedAt ?? p.run.meta.startedAt)
    .sort()
    .at(-1)!;
  const meta: RunMeta = {
    ...first.run.meta,
    mode: 'merge',
    startedAt: started,
    finishedAt: finished,
    wallMs: Math.max(...parts.map((p) => p.run.meta.wallMs ?? 0)),
    options: { ...Object.fromEntries(Object.entries(first.run.meta.options).filter(([k]) => !PER_PART.has(k))), mergedFrom: parts.map((p) => p.dir) },
    agents: [...agents.values()],
  };
  return { run: { meta, results: [...byKey.values()].map((x) => x.r) }, warnings };
}

export function readParts(dirs: string[]): Array<{ dir: string; run: RunResults }> {
  return dirs.map((dir) => ({ dir, run: readRun(dir) }));
}
