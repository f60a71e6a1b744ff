/**
 * The index page's differences view: the compatibility table of compat.ts as the HTML report shows
 * it, row for row the table that `--table` writes, each engine's cell linking to its case page.
 * Display-ready strings only (through `visible()`; Handlebars escapes them).
 */
import { engineLabels } from './compat-markdown.js';
import type { CompatObservation, CompatTable } from './compat.js';
import { classOf } from './html-view.js';
import { differenceAnchor } from './names.js';
import { visible } from './text.js';

export interface DifferenceCell {
  missing: boolean;
  href: string;
  /** The behavior, as a chip of its colour; then the close (api.*: wire) verdict when it is not OK. */
  verdict: string;
  cls: string;
  close: string;
  closeCls: string;
  /** Autobahn's cases: the close code the engine sent ("close code 1000"). */
  code: string;
  lines: string[];
}

export interface DifferencesView {
  compared: number;
  differing: number;
  /** "14 of 83 cases differ between the 3 engines." or "No differences: …". */
  headline: string;
  engines: Array<{ name: string; agent: string }>;
  families: Array<{
    anchor: string;
    family: string;
    title: string;
    countText: string;
    rows: Array<{ anchor: string; id: string; title: string; expected: string; spec: string; cells: DifferenceCell[] }>;
  }>;
}

function cellOf(o: CompatObservation | null, isApiId: boolean): DifferenceCell {
  if (o === null) return { missing: true, href: '', verdict: 'not run', cls: '', close: '', closeCls: '', code: '', lines: [] };
  const api = o.page !== undefined || isApiId;
  return {
    missing: false,
    href: o.casePage,
    verdict: visible(o.behavior),
    cls: classOf(o.behavior),
    close: o.behaviorClose === 'OK' ? '' : visible(`${api ? 'wire' : 'close'} ${o.behaviorClose}`),
    closeCls: classOf(o.behaviorClose),
    code: api ? '' : `close code ${o.closeCode ?? 'none'}`,
    lines: o.summary.map(visible),
  };
}

/** The view, for a run with at least two browser engines; null otherwise (there is nothing to compare). */
export function differencesView(t: CompatTable): DifferencesView | null {
  if (!t.browsers || t.engines.length < 2) return null;
  const labels = engineLabels(t.engines);
  return {
    compared: t.compared,
    differing: t.differing,
    headline:
      t.differing === 0
        ? `No differences: the ${t.engines.length} engines gave the same verdicts on every one of the ${t.compared} cases.`
        : `${t.differing} of ${t.compared} cases differ between the ${t.engines.length} engines, in ${t.families.length} famil${t.families.length === 1 ? 'y' : 'ies'}: the table that --table writes.`,
    engines: t.engines.map((e, i) => ({ name: visible(labels[i] ?? e.agent), agent: visible(e.agent) })),
    families: t.families.map((f, i) => ({
      anchor: `d-s${i + 1}`,
      family: visible(f.family),
      title: visible(f.title !== f.family ? f.title : ''),
      countText: `${f.rows.length} of ${f.cases} case${f.cases === 1 ? '' : 's'} differ`,
      rows: f.rows.map((row) => ({
        anchor: differenceAnchor(row.id),
        id: visible(row.id),
        title: visible(row.title),
        expected: visible(row.expected.text),
        spec: visible(row.requirement ? `${row.requirement.spec} (${row.requirement.level})` : ''),
        cells: t.engines.map((e) => cellOf(row.results[e.agent] ?? null, row.id.startsWith('api.'))),
      })),
    })),
  };
}
