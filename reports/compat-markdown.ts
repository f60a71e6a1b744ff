/**
 * The compatibility table as a document to publish: GitHub-flavoured Markdown (a header, the
 * engines' totals, then a table per family of the cases where the engines differ) and JSON (the
 * model of compat.ts as it is). Every text from the run, engines' observations and names included,
 * passes through `mdText`, so that nothing a browser reports can become markup: no table cell
 * broken by a pipe, no HTML, no link, no emphasis, no math, no emoji.
 */
import { Behavior, CloseBehavior } from '../runner/engine/results.js';
import { engineLabel, type CompatEngine, type CompatObservation, type CompatRow, type CompatTable } from './compat.js';
import { formatTime, visible } from './text.js';

/** Longest observation or expectation line shown, in characters; the JSON keeps them whole. */
const MAX_LINE = 240;

function cut(s: string): string {
  const chars = Array.from(s);
  return chars.length <= MAX_LINE ? s : `${chars.slice(0, MAX_LINE - 1).join('')}…`;
}

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '@': '&#64;' };

/**
 * Text for a Markdown table cell, shown as it is: control characters as their pictures (see
 * visible()), line breaks as spaces, `&`, `<`, `>` and `@` (a mention) as entities, and behind a
 * backslash every character that Markdown or GitHub's extensions (tables, strikethrough, autolinks,
 * math, emoji shortcodes) could read as syntax within a line (`(`, `-` and the like only mean
 * something after `[` or at the start of a line, and no text from the run starts one).
 */
export function mdText(s: string): string {
  return cut(visible(s.replace(/[\r\n\t]+/g, ' ')))
    .replace(/[\\`*_[\]#|~$]|:(?=[\w+-]+:|\/\/)/g, (c) => `\\${c}`)
    .replace(/[&<>@]/g, (c) => htmlEntities[c] as string)
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`);
}

/** One engine's cell: the verdict in bold, then what it did, a line each. */
function cell(o: CompatObservation | null): string {
  if (o === null) return '— *not run*';
  return [`**${mdText(o.verdict)}**`, ...o.summary.map(mdText)].join('<br>');
}

function expectedCell(row: CompatRow): string {
  const lines = [mdText(row.expected.text)];
  if (row.requirement) lines.push(`*${mdText(`${row.requirement.spec} (${row.requirement.level})`)}*`);
  return lines.join('<br>');
}

/** Column headings: engine and version, or the agent name where two engines would read the same. */
export function engineLabels(engines: CompatEngine[]): string[] {
  const labels = engines.map(engineLabel);
  return labels.map((l, i) => (labels.indexOf(l) !== labels.lastIndexOf(l) ? (engines[i] as CompatEngine).agent : l));
}

const tableRow = (cells: string[]): string => `| ${cells.join(' | ')} |`;

function totalsTable(t: CompatTable, labels: string[]): string[] {
  const behaviorWords = Object.values(Behavior);
  const closeWords = Object.values(CloseBehavior).filter((w) => w !== CloseBehavior.OK);
  // Close verdicts no engine got stay out, so that the table stays narrow.
  const shownClose = closeWords.filter((w) => t.engines.some((e) => e.totals.close[w] > 0));
  const closeHead = shownClose.map((w) => `${t.browsers ? 'wire/close' : 'close'} ${w}`);
  return [
    tableRow([t.browsers ? 'engine' : 'agent', 'cases', ...behaviorWords, ...closeHead]),
    tableRow(['---', ...Array<string>(1 + behaviorWords.length + shownClose.length).fill('---:')]),
    ...t.engines.map((e, i) =>
      tableRow([`**${mdText(labels[i] as string)}**`, String(e.totals.cases), ...behaviorWords.map((w) => String(e.totals.behavior[w])), ...shownClose.map((w) => String(e.totals.close[w]))]),
    ),
  ];
}

function headline(t: CompatTable): string {
  const what = t.browsers ? 'engines' : 'agents';
  if (t.engines.length < 2) return `Only ${t.engines.length === 1 ? 'one' : 'no'} ${t.browsers ? 'engine' : 'agent'} ran: there is nothing to compare.`;
  if (t.differing === 0) return `**No differences**: the ${t.engines.length} ${what} gave the same verdicts on every one of the ${t.compared} cases.`;
  return `**${t.differing} of ${t.compared} cases** differ between the ${t.engines.length} ${what}, in ${t.families.length} famil${t.families.length === 1 ? 'y' : 'ies'}.`;
}

export function compatMarkdown(t: CompatTable): string {
  const labels = engineLabels(t.engines);
  // To the minute: an emoji shortcode needs its closing colon.
  const date = formatTime(t.run.startedAt).replace(/(\d\d:\d\d):\d\d/, '$1');
  const out: string[] = [
    `# WebSocket ${t.browsers ? 'browser ' : ''}compatibility`,
    '',
    `wsconform ${mdText(t.tool.version)} · catalogue ${mdText(t.catalogueVersion)} · run of ${mdText(date)}${t.run.mode === 'merge' ? ' (merged runs)' : ''}`,
    '',
    ...t.engines.map((e, i) => `- **${mdText(labels[i] as string)}**${e.url !== '' ? `: ${mdText(e.url)}` : ''}`),
    ...t.unavailable.map((u) => `- **${mdText(u.agent)}**: not available: ${mdText(u.why)}`),
    '',
    headline(t),
    '',
  ];
  if (t.engines.length > 0) {
    out.push('## Totals', '', ...totalsTable(t, labels), '');
  }
  if (t.families.length > 0) {
    out.push(
      '## Where they differ',
      '',
      t.browsers
        ? 'Each cell gives the verdict (api.\\* cases: the page, then the wire), what the page logged and the wire aspects on which the engines differ; *the standard* gives what the WHATWG WebSockets standard (api.\\* cases) or RFC 6455 requires.'
        : 'Each cell gives the verdict and its reasons; *the standard* gives what RFC 6455 requires.',
      '',
    );
    for (const f of t.families) {
      const heading = f.title !== f.family ? `${f.family}: ${f.title}` : f.family;
      out.push(`### ${mdText(heading)}`, '', `${f.rows.length} of ${f.cases} case${f.cases === 1 ? '' : 's'} differ.`, '');
      out.push(tableRow(['case', 'the standard', ...labels.map(mdText)]), tableRow(Array<string>(2 + labels.length).fill('---')));
      for (const row of f.rows) {
        out.push(tableRow([`**${mdText(row.id)}**<br>${mdText(row.title)}`, expectedCell(row), ...t.engines.map((e) => cell(row.results[e.agent] ?? null))]));
      }
      out.push('');
    }
  }
  return out.join('\n');
}

/** The table as JSON: the model itself, 2-space indented, one trailing newline. */
export function compatJson(t: CompatTable): string {
  return `${JSON.stringify(t, null, 2)}\n`;
}
