/**
 * JUnit XML for CI systems (Jenkins, GitLab, GitHub test reporters): one <testsuite> per agent,
 * one <testcase> per case. The document is built as a tree and serialized in one place, which is
 * also the only place that escapes.
 *
 * A case that fails the gate policy is a <failure>; a case the policy forgives (known failure or
 * no worse than the baseline) passes with the reason in <system-out>; an UNIMPLEMENTED case that
 * passes is <skipped> (the optional feature was not negotiated, so nothing was tested). <error> is
 * reserved for harness-side errors, which results do not carry yet.
 */
import type { CaseResult, RunResults } from '../runner/engine/results.js';
import { Behavior } from '../runner/engine/results.js';
import { defaultPolicy, judgeCase, type Policy } from './gate.js';
import { compareCaseIds, sectionOf } from './names.js';

export interface XmlElement {
  name: string;
  attrs?: Record<string, string | number>;
  children?: Array<XmlElement | string>;
}

/** Characters XML 1.0 forbids anywhere (even as references), plus lone surrogates. */
// eslint-disable-next-line no-control-regex
const illegalXml = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The one escaping function: drops illegal characters, escapes markup, and keeps whitespace in attributes. */
export function xmlEscape(s: string, where: 'text' | 'attr'): string {
  const clean = s.replace(illegalXml, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (where === 'text') return clean;
  // Attribute-value normalization would turn these into spaces.
  return clean.replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

export function serializeXml(root: XmlElement): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  const write = (el: XmlElement, depth: number): void => {
    const pad = '  '.repeat(depth);
    const attrs = Object.entries(el.attrs ?? {})
      .map(([k, v]) => ` ${k}="${xmlEscape(String(v), 'attr')}"`)
      .join('');
    const children = el.children ?? [];
    if (children.length === 0) {
      out.push(`${pad}<${el.name}${attrs}/>\n`);
    } else if (children.every((c) => typeof c === 'string')) {
      out.push(`${pad}<${el.name}${attrs}>${children.map((c) => xmlEscape(c as string, 'text')).join('')}</${el.name}>\n`);
    } else {
      out.push(`${pad}<${el.name}${attrs}>\n`);
      for (const c of children) {
        if (typeof c === 'string') out.push(`${pad}  ${xmlEscape(c, 'text')}\n`);
        else write(c, depth + 1);
      }
      out.push(`${pad}</${el.name}>\n`);
    }
  };
  write(root, 0);
  return out.join('');
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

/** "6.4.1 text message, …": the ID first so CI lists sort and search by it. */
function testcaseName(r: CaseResult): string {
  return r.title === '' ? r.id : `${r.id} ${r.title}`;
}

function testcase(r: CaseResult, policy: Policy): XmlElement {
  const el: XmlElement = { name: 'testcase', attrs: { classname: sectionOf(r.id), name: testcaseName(r), time: seconds(r.durationMs) }, children: [] };
  const outcome = judgeCase(r, policy);
  const detail = [r.result, r.resultClose].filter((s) => s !== '').join('; ');
  if (outcome.status === 'fail') {
    el.children?.push({ name: 'failure', attrs: { message: `${r.behavior}/${r.behaviorClose}`, type: 'FAILED' }, children: [`${detail}\n${outcome.reason}`] });
  } else if (outcome.status === 'known') {
    el.children?.push({ name: 'system-out', children: [`${r.behavior}/${r.behaviorClose}: ${outcome.reason}`] });
  } else if (r.behavior === Behavior.UNIMPLEMENTED) {
    el.children?.push({ name: 'skipped', attrs: { message: `UNIMPLEMENTED: ${r.result}` } });
  }
  return el;
}

export interface JunitOptions {
  policy?: Policy;
  /** The <testsuites> name; defaults to "wsconform". */
  name?: string;
}

export function junitTree(run: RunResults, opts: JunitOptions = {}): XmlElement {
  const policy = opts.policy ?? defaultPolicy;
  const agents = [...new Set(run.results.map((r) => r.agent))];
  const suites: XmlElement[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  let totalMs = 0;
  for (const agent of agents) {
    const mine = run.results.filter((r) => r.agent === agent).sort((a, b) => compareCaseIds(a.id, b.id));
    const cases = mine.map((r) => testcase(r, policy));
    const f = cases.filter((c) => c.children?.some((x) => typeof x !== 'string' && x.name === 'failure')).length;
    const s = cases.filter((c) => c.children?.some((x) => typeof x !== 'string' && x.name === 'skipped')).length;
    const ms = mine.reduce((n, r) => n + Math.max(0, r.durationMs), 0);
    tests += mine.length;
    failures += f;
    skipped += s;
    totalMs += ms;
    const attrs: Record<string, string | number> = { name: agent, tests: mine.length, failures: f, errors: 0, skipped: s, time: seconds(ms) };
    // The JUnit schema's timestamp has no fraction and no zone.
    if (mine[0]) attrs.timestamp = mine[0].started.replace(/(\.\d+)?Z$/, '');
    suites.push({ name: 'testsuite', attrs, children: cases });
  }
  const time = run.meta.wallMs ?? totalMs;
  return {
    name: 'testsuites',
    attrs: { name: opts.name ?? 'wsconform', tests, failures, errors: 0, skipped, time: seconds(time) },
    children: suites,
  };
}

export function junitXml(run: RunResults, opts: JunitOptions = {}): string {
  return serializeXml(junitTree(run, opts));
}
