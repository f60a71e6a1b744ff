/** The compatibility table (reports/compat*.ts): which cases differ, by family, totals, escaping, and the HTML view that matches it. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserApiRecord, CaseResult, RunResults } from '../../runner/engine/results.js';
import { compatTable } from '../../reports/compat.js';
import { compatPaths } from '../../reports/compat-files.js';
import { compatJson, compatMarkdown, mdText } from '../../reports/compat-markdown.js';
import { differencesView } from '../../reports/compat-view.js';
import { renderIndexHtml } from '../../reports/html.js';
import { writeReports } from '../../reports/index.js';
import { differenceAnchor } from '../../reports/names.js';
import { makeMeta, makeResult } from './fixtures.js';

const ENGINES = [
  { name: 'chromium-156.0.1', engine: 'chromium', version: '156.0.1', url: '/usr/bin/chromium via Playwright (CDP)' },
  { name: 'firefox-153.8.0', engine: 'firefox', version: '153.8.0' },
  { name: 'webkit-2.50.6', engine: 'webkit', version: '2.50.6' },
];

const record = (expectedPage: string[], observedPage: string[], wire: BrowserApiRecord['wire'] = []): BrowserApiRecord => ({ expectedPage, observedPage, wire });

/** An api.* result of `agent`: OK when the page logged what was expected and every checked wire row passed. */
function api(id: string, agent: string, observedPage: string[], closeFrame = 'no close frame', closeOk = true): CaseResult {
  const expectedPage = ['open', 'close(999) → InvalidAccessError', 'readyState = 1'];
  const pageOk = observedPage.join('\n') === expectedPage.join('\n');
  return makeResult({
    id,
    agent,
    role: 'server',
    title: `title of ${id}`,
    expectation: 'close(999) throws InvalidAccessError and changes nothing.',
    requirement: { spec: 'WHATWG WebSockets §3.1 close()', level: 'MUST' },
    behavior: pageOk ? 'OK' : 'FAILED',
    behaviorClose: closeOk ? 'OK' : 'WRONG CODE',
    remoteCloseCode: null,
    browserApi: record(expectedPage, observedPage, [
      { what: 'opening requests', expected: '(not checked)', observed: '1 opening request', ok: null },
      { what: 'first close frame', expected: 'no close frame', observed: closeFrame, ok: closeOk },
    ]),
  });
}

const good = ['open', 'close(999) → InvalidAccessError', 'readyState = 1'];
const bad = ['open', 'close(999) → ok', 'readyState = 2'];

function browserRun(results: CaseResult[], agents = ENGINES): RunResults {
  return { meta: makeMeta({ mode: 'test-browser', catalogueVersion: 'cat-7', startedAt: '2026-12-01T10:20:30.000Z', agents }), results };
}

/** Three engines over api.close.*, api.send.* and Autobahn's 1.* and 5.*; four cases differ. */
function sampleRun(): RunResults {
  const [c, f, w] = ENGINES.map((e) => e.name) as [string, string, string];
  const results: CaseResult[] = [];
  for (const agent of [c, f, w]) {
    results.push(api('api.close.code.1000', agent, good));
    results.push(api('api.close.code.999', agent, agent === f ? bad : good));
    results.push(api('api.close.reason.124-bytes', agent, good, agent === w ? 'close frame 1000' : 'no close frame', agent !== w));
    results.push(api('api.send.connecting', agent, good));
    results.push(makeResult({ id: '1.1.1', agent, role: 'server' }));
    results.push(
      makeResult({
        id: '5.3',
        agent,
        role: 'server',
        title: 'fragmented text message',
        expectation: 'Echoed message.',
        ...(agent === c ? { behavior: 'FAILED', behaviorClose: 'UNCLEAN', result: 'No echo came back.', resultClose: 'TCP closed without a close frame.', remoteCloseCode: null } : {}),
      }),
    );
  }
  // webkit never ran 1.2.1: a row that differs by a missing result.
  results.push(makeResult({ id: '1.2.1', agent: c, role: 'server' }), makeResult({ id: '1.2.1', agent: f, role: 'server' }));
  return browserRun(results);
}

/** Data rows of a Markdown table, each split into cells at the pipes no backslash escapes. */
function tableRows(md: string, header: RegExp): string[][] {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => header.test(l));
  assert.ok(start >= 0, `no table under ${header}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('### ') || line.startsWith('## ')) break;
    if (!line.startsWith('|')) continue;
    rows.push(line.split(/(?<!\\)\|/).slice(1, -1));
  }
  return rows;
}

describe('reports/compat: the compatibility table', () => {
  it('lists exactly the cases where the engines differ, by family, in catalogue order', () => {
    const t = compatTable(sampleRun());
    assert.equal(t.compared, 7);
    assert.equal(t.differing, 4);
    assert.deepEqual(
      t.families.map((f) => [f.family, f.cases, f.rows.map((r) => r.id)]),
      [
        ['1', 2, ['1.2.1']],
        ['5', 1, ['5.3']],
        ['api.close', 3, ['api.close.code.999', 'api.close.reason.124-bytes']],
      ],
    );
    assert.equal(t.families[2]?.title, 'close(): codes, reasons, states');
  });

  it("gives each engine's verdict and what it did, and what the standard expects", () => {
    const t = compatTable(sampleRun());
    const row = t.families[2]!.rows[0]!;
    assert.equal(row.expected.text, 'close(999) throws InvalidAccessError and changes nothing.');
    assert.deepEqual(row.expected.page, good);
    assert.deepEqual(row.requirement, { spec: 'WHATWG WebSockets §3.1 close()', level: 'MUST' });
    const firefox = row.results['firefox-153.8.0']!;
    assert.equal(firefox.verdict, 'FAILED');
    assert.deepEqual(firefox.summary, ['page: open; close(999) → ok; readyState = 2']);
    assert.equal(firefox.casePage, 'firefox_153_8_0_case_api_close_code_999.html');
    // A wire aspect on which the engines differ gets a line in every cell; one nobody checks, none.
    const reason = t.families[2]!.rows[1]!;
    assert.equal(reason.results['webkit-2.50.6']!.verdict, 'OK · wire WRONG CODE');
    assert.deepEqual(reason.results['webkit-2.50.6']!.summary.slice(1), ['first close frame: close frame 1000']);
    assert.deepEqual(reason.results['chromium-156.0.1']!.summary.slice(1), ['first close frame: no close frame']);
    // Autobahn's cases: verdicts, close code and the reasons of what is not OK.
    const autobahn = t.families[1]!.rows[0]!.results['chromium-156.0.1']!;
    assert.equal(autobahn.verdict, 'FAILED · close UNCLEAN · close code none');
    assert.deepEqual(autobahn.summary, ['No echo came back.', 'TCP closed without a close frame.']);
    assert.equal(t.families[0]!.rows[0]!.results['webkit-2.50.6'], null);
  });

  it('shows a wire aspect the case does not check where the engines saw different things, marked so', () => {
    const unchecked = (agent: string, frame: string, behavior: 'OK' | 'FAILED'): CaseResult =>
      makeResult({
        id: 'api.event-order.fail-at-once',
        agent,
        role: 'server',
        behavior,
        browserApi: record(['open', 'error'], behavior === 'OK' ? ['open', 'error'] : ['error'], [{ what: 'first close frame', expected: '(not checked)', observed: frame, ok: null }]),
      });
    const t = compatTable(browserRun([unchecked('chromium-156.0.1', 'close frame 1002', 'OK'), unchecked('firefox-153.8.0', 'no close frame', 'FAILED')], ENGINES.slice(0, 2)));
    const row = t.families[0]!.rows[0]!;
    assert.deepEqual(row.results['chromium-156.0.1']!.summary, ['page: open; error', 'first close frame (not checked): close frame 1002']);
    assert.deepEqual(row.results['firefox-153.8.0']!.wire, [{ what: 'first close frame', observed: 'no close frame', ok: null }]);
    assert.deepEqual(row.expected.wire, [], 'the standard lists only what the case checks');
  });

  it('counts every verdict of every engine, over all its cases, not only the differing ones', () => {
    const t = compatTable(sampleRun());
    assert.deepEqual(
      t.engines.map((e) => [e.agent, e.engine, e.version, e.totals.cases, e.totals.behavior.OK, e.totals.behavior.FAILED, e.totals.close['WRONG CODE'], e.totals.close.UNCLEAN]),
      [
        ['chromium-156.0.1', 'chromium', '156.0.1', 7, 6, 1, 0, 1],
        ['firefox-153.8.0', 'firefox', '153.8.0', 7, 6, 1, 0, 0],
        ['webkit-2.50.6', 'webkit', '2.50.6', 6, 6, 0, 1, 0],
      ],
    );
  });

  it('renders a Markdown document with the header, the totals and a table per family', () => {
    const md = compatMarkdown(compatTable(sampleRun()));
    assert.match(md, /^# WebSocket browser compatibility\n/);
    assert.match(md, /wsconform 0\.1\.0 · catalogue cat-7 · run of 2026-12-01 10:20 UTC/);
    assert.match(md, /- \*\*chromium 156\.0\.1\*\*: \/usr\/bin\/chromium via Playwright \(CDP\)/);
    assert.match(md, /\*\*4 of 7 cases\*\* differ between the 3 engines, in 3 families\./);
    const totals = tableRows(md, /^\| engine \| cases \| OK \| NON-STRICT \| INFORMATIONAL \| UNIMPLEMENTED \| FAILED \| wire\/close WRONG CODE \| wire\/close UNCLEAN \|$/);
    assert.deepEqual(
      totals.slice(1).map((r) => r.map((c) => c.trim())),
      [
        ['**chromium 156.0.1**', '7', '6', '0', '0', '0', '1', '0', '1'],
        ['**firefox 153.8.0**', '7', '6', '0', '0', '0', '1', '0', '0'],
        ['**webkit 2.50.6**', '6', '6', '0', '0', '0', '0', '1', '0'],
      ],
    );
    assert.deepEqual(
      [...md.matchAll(/^### (.*)$/gm)].map((m) => m[1]),
      ['1: Framing', '5: Fragmentation', 'api.close: close(): codes, reasons, states'],
    );
    const rows = tableRows(md, /^### api\.close/);
    assert.equal(rows.length, 4, 'header, rule and two cases');
    for (const r of rows) assert.equal(r.length, 5, `five cells: ${r.join('|')}`);
    assert.match(rows[2]![0]!, /\*\*api\.close\.code\.999\*\*<br>title of api\.close\.code\.999/);
    assert.match(rows[2]![1]!, /close\(999\) throws InvalidAccessError and changes nothing\.<br>\*WHATWG WebSockets §3\.1 close\(\) \(MUST\)\*/);
    assert.equal(rows[2]![3]!.trim(), '**FAILED**<br>page: open; close(999) → ok; readyState = 2');
    assert.match(tableRows(md, /^### 1: Framing/)[2]![4]!, /— \*not run\*/);
  });

  it('says so when the engines agree, and when there is only one engine', () => {
    const same = browserRun(ENGINES.flatMap((e) => [api('api.close.code.1000', e.name, good), makeResult({ id: '1.1.1', agent: e.name, role: 'server' })]));
    const t = compatTable(same);
    assert.equal(t.differing, 0);
    assert.deepEqual(t.families, []);
    const md = compatMarkdown(t);
    assert.match(md, /\*\*No differences\*\*: the 3 engines gave the same verdicts on every one of the 2 cases\./);
    assert.doesNotMatch(md, /## Where they differ/);
    assert.match(md, /## Totals/);
    assert.match(differencesView(t)?.headline ?? '', /^No differences: the 3 engines gave the same verdicts on every one of the 2 cases\.$/);
    assert.match(renderIndexHtml(same), /id="differences"[\s\S]*No differences: the 3 engines/);
    const one = compatTable(browserRun([api('api.close.code.999', 'chromium-156.0.1', bad)], ENGINES.slice(0, 1)));
    assert.equal(one.differing, 0);
    assert.match(compatMarkdown(one), /Only one engine ran: there is nothing to compare\./);
    assert.equal(differencesView(one), null);
  });

  it('names an engine that could not run', () => {
    const run = sampleRun();
    run.meta.agents.push({ name: 'webkit', engine: 'webkit', unavailable: 'no WebKitWebDriver | <b>here</b>' });
    const t = compatTable(run);
    assert.deepEqual(t.unavailable, [{ agent: 'webkit', why: 'no WebKitWebDriver | <b>here</b>' }]);
    assert.match(compatMarkdown(t), /^- \*\*webkit\*\*: not available: no WebKitWebDriver \\\| &lt;b&gt;here&lt;\/b&gt;$/m);
  });

  it('compares every agent of a run without browsers', () => {
    const run: RunResults = { meta: makeMeta(), results: [makeResult({ agent: 'a' }), makeResult({ agent: 'b', behavior: 'FAILED' })] };
    run.meta.agents = [{ name: 'a' }, { name: 'b' }];
    const t = compatTable(run);
    assert.equal(t.browsers, false);
    assert.equal(t.differing, 1);
    assert.match(compatMarkdown(t), /^# WebSocket compatibility\n[\s\S]*\| agent \| cases \|/);
    assert.equal(differencesView(t), null, 'the HTML report compares browser engines only');
  });
});

describe('reports/compat: hostile text from the engines', () => {
  const hostile = [
    'a | b',
    '<script>alert(1)</script>',
    '`code` ``x``',
    '[click](javascript:alert(1)) ![img](http://x/y.png)',
    '*em* _em_ **strong** ~~gone~~ $x^2$ :smile: @someone',
    'www.example.com http://example.com/',
    '&amp; &lt; \\| \\',
    'line\nbreak\r\nand\ttab # not a heading',
    '\u202eevil\u202c \u0000',
  ];
  const line = hostile.join(' ');

  function hostileRun(): RunResults {
    const agents = [
      { name: 'chromium-1', engine: 'chromium', version: '1 | <i>x</i>' },
      { name: 'evil | <script>', engine: 'evil', version: '`2`' },
    ];
    return browserRun(
      [
        api('api.close.code.999', 'chromium-1', good),
        makeResult({ ...api('api.close.code.999', 'evil | <script>', [...good.slice(0, 2), line]), title: 'title | <b>x</b>', expectation: 'want `this` | <i>that</i>' }),
      ],
      agents,
    );
  }

  it('mdText leaves no Markdown, HTML or GitHub syntax in what it shows', () => {
    const s = mdText(line);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(s, /[<>\n\r\t\u202e\u0000␍]/);
    assert.match(s, /line break and tab/);
    assert.doesNotMatch(s.replace(/&#64;/g, ''), /(?<!\\)[|`*_[\]~$#]/, 'every special character is escaped');
    assert.doesNotMatch(s, /@/);
    assert.doesNotMatch(s, /(?<!\\):smile|http:\/\/|www\./);
    assert.ok(s.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(s.includes('&amp;amp;'), 'an entity in the text stays text');
    assert.ok(s.includes('\\\\\\|'), 'a backslash before a pipe is escaped as well as the pipe');
    assert.equal(mdText('\u202eevil\u202c \u0000'), '&lt;U+202E&gt;evil&lt;U+202C&gt; ␀');
    assert.equal(mdText('x'.repeat(300)).length, 240, 'long lines are cut');
  });

  it('keeps every table row at its number of cells, and no raw markup anywhere in the document', () => {
    const md = compatMarkdown(compatTable(hostileRun()));
    const rows = tableRows(md, /^### api\.close/);
    assert.equal(rows.length, 3);
    for (const r of rows) assert.equal(r.length, 4, `four cells: ${r.join('|')}`);
    const totals = tableRows(md, /^\| engine \| cases/);
    for (const r of totals) assert.equal(r.length, 7, r.join('|'));
    // Our own markup is <br> alone; everything else that looks like a tag is escaped.
    assert.deepEqual([...new Set(md.match(/<[^>]*>/g))], ['<br>']);
    assert.doesNotMatch(md.replace(/\\[\\`]/g, ''), /`/, 'no code span can open');
    assert.ok(md.includes('| evil \\`2\\` |'), 'the column of the engine named with a backtick');
  });

  it('escapes them in the HTML differences view too', () => {
    const html = renderIndexHtml(hostileRun());
    const view = html.slice(html.indexOf('id="differences"'));
    assert.ok(view.length > 100);
    assert.doesNotMatch(view, /<script>alert|<b>x|<i>that|href="javascript/);
    assert.ok(view.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(view.includes('&lt;U+202E&gt;evil'));
    assert.equal((html.match(/<script/gi) ?? []).length, 1, 'only our own script');
  });

  it('JSON keeps the text as it came, for programs to read', () => {
    const t = JSON.parse(compatJson(compatTable(hostileRun()))) as ReturnType<typeof compatTable>;
    assert.deepEqual(t.families[0]!.rows[0]!.results['evil | <script>']!.page, [...good.slice(0, 2), line]);
  });
});

describe('reports/compat: files and the HTML report', () => {
  it('writes compat.md with compat.json beside it, or the JSON alone for a .json path', () => {
    assert.deepEqual(compatPaths('out/compat.md'), { markdown: 'out/compat.md', json: 'out/compat.json' });
    assert.deepEqual(compatPaths('out/table'), { markdown: 'out/table', json: 'out/table.json' });
    assert.deepEqual(compatPaths('out/compat.JSON'), { markdown: null, json: 'out/compat.JSON' });
    const dir = mkdtempSync(join(tmpdir(), 'wsconform-compat-'));
    assert.deepEqual(writeReports(sampleRun(), dir, { table: join(dir, 'sub', 'compat.md') }), []);
    const t = JSON.parse(readFileSync(join(dir, 'sub', 'compat.json'), 'utf8')) as ReturnType<typeof compatTable>;
    assert.equal(t.format, 'wsconform-compat/1');
    assert.equal(t.catalogueVersion, 'cat-7');
    assert.deepEqual(readFileSync(join(dir, 'sub', 'compat.md'), 'utf8'), compatMarkdown(compatTable(sampleRun())));
  });

  it('has a differences view in index.html with the same rows, each linking to its case pages, and the matrix links to it', () => {
    const run = sampleRun();
    const t = compatTable(run);
    const html = renderIndexHtml(run);
    const view = html.slice(html.indexOf('<section class="differences" id="differences">'));
    const rowIds = [...view.matchAll(/<tr id="(diff-[^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual(
      rowIds,
      t.families.flatMap((f) => f.rows.map((r) => differenceAnchor(r.id))),
    );
    for (const f of t.families) {
      for (const r of f.rows) {
        for (const o of Object.values(r.results)) if (o) assert.ok(view.includes(`href="${o.casePage}"`), o.casePage);
        // The browser matrix's row of the case links to the view's row.
        assert.ok(html.slice(0, html.indexOf('id="differences"')).includes(`href="#${differenceAnchor(r.id)}"`), r.id);
      }
    }
    assert.match(html, /<a href="#differences">side by side<\/a>/);
    assert.match(view, /4 of 7 cases differ between the 3 engines, in 3 families/);
  });

  it('gives every case ID an anchor of its own', () => {
    assert.equal(differenceAnchor('api.close.code.999@worker'), 'diff-api.close.code.999@worker');
    assert.notEqual(differenceAnchor('a_b'), differenceAnchor('a b'));
    assert.notEqual(differenceAnchor('a_20_b'), differenceAnchor('a b'));
    assert.match(differenceAnchor('x"><script>'), /^diff-[A-Za-z0-9.@_-]+$/);
  });
});
