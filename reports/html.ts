/**
 * The HTML report: index.html (run, summary, case × agent matrix, browser matrix) and one page per
 * (agent, case). Self-contained pages: inline CSS, one small inline script that reads no data, and
 * a Content-Security-Policy that only lets that script run.
 *
 * Target-controlled text reaches the page only through Handlebars' {{ }} escaping; the templates
 * never use {{{ }}} (a test checks).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { CaseResult, RunResults } from '../runner/engine/results.js';
import { defaultPolicy, type Policy } from './gate.js';
import { caseView } from './case-view.js';
import { compatTable } from './compat.js';
import { differencesView } from './compat-view.js';
import { indexView } from './html-view.js';
import { caseFileStem } from './names.js';

/** Works from the sources (tsx) and from dist/reports/ (the build copies the templates). */
export const TEMPLATE_DIR = new URL('./templates/', import.meta.url);

const PARTIALS = ['layout', 'style', 'script', 'matrix', 'cell', 'differences'] as const;

interface Compiled {
  index: Handlebars.TemplateDelegate;
  casePage: Handlebars.TemplateDelegate;
  scriptHash: string;
}

let compiled: Compiled | undefined;

function load(name: string): string {
  return readFileSync(new URL(`${name}.hbs`, TEMPLATE_DIR), 'utf8');
}

/** Compiles the templates once per process, in a private Handlebars environment. */
function templates(): Compiled {
  if (compiled) return compiled;
  const hb = Handlebars.create();
  const options: CompileOptions = { strict: false, preventIndent: true };
  for (const name of PARTIALS) hb.registerPartial(name, hb.compile(load(name), options));
  // The CSP admits exactly the inline script: hash what the partial renders to.
  const script = hb.compile('{{> script}}', options)({});
  compiled = {
    index: hb.compile(load('index'), options),
    casePage: hb.compile(load('case'), options),
    scriptHash: `sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}`,
  };
  return compiled;
}

type CompileOptions = Parameters<typeof Handlebars.compile>[1];

export function renderIndexHtml(run: RunResults, policy: Policy = defaultPolicy): string {
  const t = templates();
  return t.index({ ...indexView(run, policy), differences: differencesView(compatTable(run)), scriptHash: t.scriptHash, bodyClass: 'index' });
}

export function renderCaseHtml(result: CaseResult, policy: Policy = defaultPolicy): string {
  const t = templates();
  return t.casePage({ ...caseView(result, policy), scriptHash: t.scriptHash, bodyClass: 'case-page' });
}

export interface HtmlOptions {
  policy?: Policy;
}

/** Writes index.html and `<caseFileStem>.html` for every result. Returns the paths written. */
export function renderHtml(run: RunResults, outdir: string, opts: HtmlOptions = {}): string[] {
  const policy = opts.policy ?? defaultPolicy;
  mkdirSync(outdir, { recursive: true });
  const written: string[] = [];
  for (const r of run.results) {
    const path = join(outdir, `${caseFileStem(r.agent, r.id)}.html`);
    writeFileSync(path, renderCaseHtml(r, policy));
    written.push(path);
  }
  const index = join(outdir, 'index.html');
  writeFileSync(index, renderIndexHtml(run, policy));
  written.push(index);
  return written;
}
