import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderCaseHtml, renderHtml, renderIndexHtml, TEMPLATE_DIR } from '../../reports/html.js';
import { visible } from '../../reports/text.js';
import type { CaseResult, RunResults } from '../../runner/engine/results.js';
import { HOSTILE_AGENT, HOSTILE_REASON, makeApiResult, makeMeta, makeResult, sampleRun } from './fixtures.js';

const ourScript = readFileSync(new URL('script.hbs', TEMPLATE_DIR), 'utf8');

/** Every <script> element of a page, by its text. */
function scripts(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1] as string);
}

function assertOnlyOurScript(html: string): void {
  assert.equal((html.match(/<script/gi) ?? []).length, 1, 'exactly one <script');
  assert.deepEqual(scripts(html), [ourScript]);
  // And the Content-Security-Policy admits that script and nothing else.
  const hash = createHash('sha256').update(ourScript).digest('base64');
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1] ?? '';
  assert.match(csp.replace(/&#x3D;/g, '='), new RegExp(`script-src 'sha256-${hash.replace(/[+/]/g, '\\$&')}'`));
}

const weird = 'nul\u0000 bel\u0007 esc\u001b[31m c1\u0085 lone\ud800 rlo\u202eevil\u202c ok😀 \ufffd';

function hostileRun(): RunResults {
  const run = sampleRun();
  run.meta.agents.push({ name: HOSTILE_AGENT, url: 'javascript:alert(1)//"><script>y</script>' });
  run.meta.options = { '<b>key</b>': '<img src=x onerror=alert(1)>' };
  run.results.push(
    makeResult({
      agent: HOSTILE_AGENT,
      id: '7.3.1',
      title: '<i>title</i>',
      behavior: 'FAILED',
      remoteCloseReason: HOSTILE_REASON,
      localCloseReason: weird,
      httpRequest: 'GET / HTTP/1.1\r\nX-Evil: <script>z</script>\r\n\r\n',
      httpResponse: `HTTP/1.1 101 OK\r\nServer: ${weird}\r\n\r\n`,
      violations: [{ code: '<code>', message: '<script>v</script>' }],
      notes: ['<script>n</script>'],
      received: [['message', '</li><script>m</script>', false]],
      wirelog: [
        { t: 1, kind: 'frame', dir: 'rx', opcode: 1, fin: true, rsv: 0, masked: false, length: 300, hex: 'ff', text: `<script>w</script>${weird}`, truncated: true },
        { t: 2, kind: 'note', text: '<script>note</script>' },
        { t: 3, kind: 'frame', dir: 'rx', opcode: 8, fin: true, rsv: 0, masked: false, length: 20, hex: `03e8${Buffer.from('<script>').toString('hex')}`, text: '', truncated: false },
      ],
    }),
  );
  return run;
}

describe('reports/html', () => {
  it('templates never bypass escaping ({{{ }}} or {{& }})', () => {
    for (const file of readdirSync(TEMPLATE_DIR)) {
      const text = readFileSync(new URL(file, TEMPLATE_DIR), 'utf8');
      assert.doesNotMatch(text, /\{\{\{|\{\{~?\s*&/, file);
    }
  });

  it('visible() shows control, bidi and lone-surrogate characters as harmless text', () => {
    assert.equal(visible(weird), 'nul␀ bel␇ esc␛[31m c1<U+0085> lone\ufffd rlo<U+202E>evil<U+202C> ok😀 \ufffd');
    assert.equal(visible('line\nnext\ttab'), 'line\nnext\ttab');
  });

  describe('index.html', () => {
    const run = hostileRun();
    const html = renderIndexHtml(run);

    it('contains no markup from the target, only our own script', () => {
      assertOnlyOurScript(html);
      assert.doesNotMatch(html, /<img|<b>key|<i>title|href="javascript/);
      assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
      assert.ok(html.includes('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;'));
    });

    it('has the run metadata, the agents and a summary row per agent', () => {
      assert.match(html, /<title>wsconform report: ws 8\.18\.3, uWebSockets \(broken build\), &lt;script&gt;/);
      assert.match(html, /not available: no firefox binary on PATH/);
      const summary = /<table class="plain summary">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
      assert.equal((summary.match(/<tr>\s*<td><b>/g) ?? []).length, 3);
      assert.match(html, /data-toggle="only-failures"/);
      assert.match(html, /class="legend"/);
    });

    it('groups rows by section in open <details>, one row per case and a cell per agent', () => {
      assert.deepEqual(
        [...html.matchAll(/<span class="s-id">([^<]*)<\/span>/g)].map((m) => m[1]),
        ['1', '2', '5', '6', '7', '9'],
      );
      assert.equal((html.match(/<details class="section[^"]*" id="m-s\d+" open>/g) ?? []).length, 6);
      const ids = new Set(run.results.map((r) => r.id));
      assert.equal((html.match(/<div class="mrow case/g) ?? []).length, ids.size);
      assert.equal((html.match(/class="cell[ "]/g) ?? []).length, ids.size * 3);
      assert.equal((html.match(/class="cell missing"/g) ?? []).length, ids.size - 1);
      assert.match(
        html,
        /<a class="cell v-failed fail" href="uwebsockets__broken_build_case_7_3_1\.html"[^>]*><span class="l1"><span class="b">FAILED<\/span><span class="code">1000<\/span><\/span><span class="cv v-wrongcode">WRONG CODE<\/span>/,
      );
      assert.match(html, /<a class="cell v-ok" href="ws_8_18_3_case_9_1_1\.html"[^>]*>.*?<span class="x">\d+\.\d s<\/span>/);
    });

    it('marks rows and sections with failures for the filter', () => {
      const fiveSection = /<details class="section([^"]*)" id="m-s3" open>/.exec(html)?.[1];
      assert.equal(fiveSection, ' clean same');
      assert.match(html, /<div class="mrow case fail[^"]*"><span class="c-id" title="1\.1\.3">1\.1\.3<\/span>/);
    });

    it('adds a browser matrix only when an agent has an engine and results', () => {
      assert.doesNotMatch(html, /Browser matrix/);
      const b = sampleRun();
      b.meta.agents = [
        { name: 'chromium', engine: 'chromium', version: '142' },
        { name: 'firefox', engine: 'firefox' },
      ];
      b.results = b.results.map((r) => ({ ...r, agent: r.agent.startsWith('ws') ? 'chromium' : 'firefox' }));
      const bhtml = renderIndexHtml(b);
      assert.match(bhtml, /<h2[^>]*>Browser matrix<\/h2>/);
      assert.match(bhtml, /<div class="matrix" id="matrix-b"/);
      // A row where the engines differ links to its row in the differences view.
      assert.match(bhtml, /<div class="mrow case fail differs[^"]*"><span class="c-id" title="1\.1\.3"><a href="#diff-1\.1\.3" title="how the engines differ">1\.1\.3<\/a><\/span>/);
      assert.match(bhtml, /<tr id="diff-1\.1\.3">/);
      assert.match(bhtml, /<div class="mrow case"><span class="c-id" title="1\.1\.1">1\.1\.1<\/span>/);
    });
  });

  describe('index.html of a target whose opening handshake is broken', () => {
    const response = 'HTTP/1.1 101 Switching Protocols\r\nServer: <b>x</b>\r\nSec-WebSocket-Accept: AAAA\r\n\r\n';
    const results = ['2.1', '1.1.2', '1.1.1'].map((id) => makeResult({ id, behavior: 'FAILED', behaviorClose: 'FAILED', handshakeFault: 'wrong Sec-WebSocket-Accept', httpResponse: response }));
    const html = renderIndexHtml({ meta: makeMeta(), results });

    it('says once, above the summary, that every case failed in the handshake, with the answer of the first case', () => {
      const panel = /<section class="panel handshake-fault">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
      assert.match(panel, /<b>ws<\/b>: <span class="warn">every case failed in the opening handshake: wrong Sec-WebSocket-Accept \(3 failing;/);
      assert.match(panel, /in case <a href="ws_case_1_1_1\.html">1\.1\.1<\/a>/);
      assert.ok(panel.includes('<pre class="http">HTTP/1.1 101 Switching Protocols\nServer: &lt;b&gt;x&lt;/b&gt;\nSec-WebSocket-Accept: AAAA</pre>'), panel);
      assert.ok(html.indexOf('handshake-fault') < html.indexOf('<h2>Summary</h2>'));
    });

    it('marks each cell as failed in the handshake', () => {
      assert.equal((html.match(/in handshake/g) ?? []).length, 3);
    });

    it('has no such panel when every handshake worked', () => {
      assert.doesNotMatch(renderIndexHtml(sampleRun()), /<section class="panel handshake-fault">/);
    });
  });

  describe('case page', () => {
    const run = hostileRun();
    const r = run.results.at(-1) as CaseResult;
    const html = renderCaseHtml(r);

    it('escapes every string from the target and keeps only our own script', () => {
      assertOnlyOurScript(html);
      assert.ok(html.includes('&lt;/td&gt;&lt;script&gt;x&lt;/script&gt;'));
      assert.ok(html.includes('&lt;script&gt;w&lt;/script&gt;'));
      assert.ok(html.includes('X-Evil: &lt;script&gt;z&lt;/script&gt;'));
      assert.ok(html.includes('code 1000, reason &quot;&lt;script&gt;&quot;'));
    });

    it('shows control and bidi characters as visible text, never raw', () => {
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(html, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e]/);
      assert.doesNotMatch(html, /[\ud800-\udbff](?![\udc00-\udfff])/);
      assert.ok(html.includes('nul␀ bel␇ esc␛[31m c1&lt;U+0085&gt;'));
    });

    it('has the verdicts with their reasons, requirement, close codes, flags and events', () => {
      const ok = renderCaseHtml(
        makeResult({
          behaviorClose: 'WRONG CODE',
          resultClose: 'peer sent 1001',
          remoteCloseCode: 1001,
          remoteCloseReason: 'bye',
          wasNotCleanReason: 'peer dropped TCP',
          timedOutWaitingFor: 'a pong',
        }),
      );
      assert.match(ok, /<title>1\.1\.1 text message, 0 bytes — ws<\/title>/);
      assert.match(ok, /<div class="verdict v-ok"><div class="label">behavior<\/div><div class="word">OK<\/div><p>Received what the case expected\.<\/p>/);
      assert.match(ok, /<div class="verdict v-wrongcode">.*<div class="word">WRONG CODE<\/div><p>peer sent 1001<\/p>/);
      assert.match(ok, /<span class="level">MUST<\/span>RFC 6455 §5\.2, §5\.6/);
      assert.match(ok, /<td>sent by the target<\/td><td class="mono">1001<\/td><td class="mono">bye<\/td>/);
      assert.match(ok, /<span class="flag on">closedByMe: yes<\/span>/);
      assert.match(ok, /Not clean: peer dropped TCP/);
      assert.match(ok, /waiting for: a pong/);
      assert.match(ok, /✓ matches what was received/);
      assert.match(ok, /<a href="index\.html">← all results<\/a> · <a href="ws_case_1_1_1\.json">case JSON<\/a>/);
    });

    it('lays the wire log out as a table with a note row spanning it and a … on cut payloads', () => {
      assert.match(html, /<tr class="note"><td class="t">2\.0<\/td><td class="text" colspan="9">&lt;script&gt;note&lt;\/script&gt;<\/td><\/tr>/);
      assert.match(
        html,
        /<tr class="rx frame"><td class="t">1\.0<\/td><td class="dir">recv<\/td><td>frame<\/td><td class="op">TEXT<\/td><td>1<\/td><td class="mono">000<\/td><td>no<\/td><td class="n">300<\/td><td class="payload">[^<]*<span class="more"[^>]*>…<\/span><\/td><td class="hex">ff<span class="more"[^>]*>…<\/span><\/td><\/tr>/,
      );
      const plain = renderCaseHtml(makeResult());
      assert.match(plain, /<tr class="tx octets"><td class="t">0\.4<\/td><td class="dir">sent<\/td><td>octets<\/td>/);
      assert.match(plain, /<td class="op">CLOSE<\/td>.*?<span class="detail">code 1000<\/span>/);
      assert.doesNotMatch(plain, /class="more"/);
    });
  });

  describe('case page of a browser-API (api.*) case', () => {
    const echoWording = /judged on the echoes|Expected and received events/;

    it('escapes what the page logged and what crossed the wire, on the case page and in the matrix cell', () => {
      const hostile = makeApiResult({
        agent: HOSTILE_AGENT,
        browserApi: {
          expectedPage: ['open', 'error'],
          observedPage: ['open', `close 1000 "${HOSTILE_REASON}${weird}" clean`],
          wire: [{ what: '<b>aspect</b>', expected: '<i>1000</i>', observed: `<script>s</script>${weird}`, ok: false }],
        },
      });
      const page = renderCaseHtml(hostile);
      assertOnlyOurScript(page);
      assert.ok(page.includes('&lt;/td&gt;&lt;script&gt;x&lt;/script&gt;'), 'the observed step');
      assert.ok(page.includes('&lt;script&gt;s&lt;/script&gt;nul␀'), 'the wire row');
      assert.doesNotMatch(page, /<b>aspect|<i>1000/);
      const run = sampleRun();
      run.results.push(hostile);
      const index = renderIndexHtml(run);
      assertOnlyOurScript(index);
      assert.match(index, /<span class="saw">close 1000 &quot;&lt;\/td&gt;&lt;script&gt;x&lt;\/script&gt;nul␀/);
      for (const html of [page, index]) {
        // eslint-disable-next-line no-control-regex
        assert.doesNotMatch(html, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e]/);
      }
    });

    it('shows the expectation from the standard next to what the browser did, not the echo wording', () => {
      const html = renderCaseHtml(makeApiResult());
      assertOnlyOurScript(html);
      assert.doesNotMatch(html, echoWording);
      assert.doesNotMatch(html, /<dt>closing<\/dt>/);
      assert.match(html, /<h2>What the page observed<\/h2>/);
      assert.match(html, /<th>expected \(WHATWG WebSockets\)<\/th><th>observed in firefox-153<\/th>/);
      assert.match(html, /first differs at step 2/);
      assert.match(html, /<tr class="same"><td class="num">1<\/td><td class="mono">open<\/td><td class="mono">open<\/td><td class="mark">✓<\/td><\/tr>/);
      assert.match(html, /<tr class="first"><td class="num">2<\/td><td class="mono">error<\/td><td class="mono">close 1005 &quot;&quot; clean<\/td><td class="mark">✗<\/td><\/tr>/);
      assert.match(html, /<tr class="after"><td class="num">3<\/td><td class="mono">close 1006 &quot;&quot; not clean<\/td><td class="mono">\(nothing more\)<\/td>/);
      assert.match(html, /<h2>What crossed the wire<\/h2>/);
      assert.match(
        html,
        /<tr class="bad"><td>first close frame<\/td><td class="mono">a close frame 1002, or none<\/td><td class="mono">a close frame without a status code<\/td><td class="mark">✗<\/td><\/tr>/,
      );
      assert.match(html, /<tr class="unchecked"><td>opening requests<\/td><td class="mono">\(not checked\)<\/td>/);
      assert.match(html, /<div class="label">behavior · the page<\/div><div class="word">FAILED<\/div>/);
      assert.match(html, /<div class="label">behaviorClose · the wire<\/div><div class="word">WRONG CODE<\/div>/);
      assert.match(html, /the browser&#x27;s WebSocket API against the harness&#x27;s server/);
      assert.doesNotMatch(html, /<h2>Notes<\/h2>/);
    });

    it('shows how far a case the browser never finished got: the page lines so far, the rest not reached', () => {
      const html = renderCaseHtml(
        makeApiResult({
          result: 'No verdict from the browser: case api.x did not end within 2 s.',
          timedOutWaitingFor: 'the browser to finish the case',
          notes: ['timeout: case api.x did not end within 2 s'],
          browserApi: { expectedPage: ['close() → ok', 'error', 'close 1006 "" not clean'], observedPage: ['close() → ok'], wire: [] },
        }),
      );
      assert.match(html, /The case never finished: the page had logged 1 step\(s\) when the browser stopped\./);
      assert.match(html, /<tr class="same"><td class="num">1<\/td><td class="mono">close\(\) → ok<\/td><td class="mono">close\(\) → ok<\/td>/);
      assert.match(html, /<tr class="after"><td class="num">2<\/td><td class="mono">error<\/td><td class="mono">\(not reached\)<\/td><td class="mark"><\/td>/);
      assert.doesNotMatch(html, /What crossed the wire/, 'no wire record, no empty table');
      assert.match(html, /<li>timeout: case api.x did not end within 2 s<\/li>/);
    });

    it('says the browser did not finish when there is no record, still without the echo wording', () => {
      const html = renderCaseHtml(makeApiResult({ browserApi: undefined, result: 'No verdict from the browser: the page crashed.', notes: ['timeout: the page crashed'] }));
      assert.doesNotMatch(html, echoWording);
      assert.match(html, /The browser did not finish this case, so nothing it observed was recorded/);
      assert.doesNotMatch(html, /What crossed the wire/);
      assert.match(html, /<li>timeout: the page crashed<\/li>/);
    });

    it('keeps the echo wording for an Autobahn case judged on the echoes it counts', () => {
      const html = renderCaseHtml(makeResult({ id: '9.1.1', expected: {}, received: [] }));
      assert.match(html, /judged on the echoes it counts/);
      assert.match(html, /<dt>closing<\/dt>/);
      assert.doesNotMatch(html, /What the page observed/);
    });

    it('escapes every peer-controlled string of the record: page lines, wire rows, agent', () => {
      const evil = (tag: string): string => `</td><script>${tag}</script>${weird}`;
      const r = makeApiResult({
        agent: HOSTILE_AGENT,
        browserApi: {
          expectedPage: ['open', 'message text "<b>x</b>"'],
          observedPage: ['open', evil('page')],
          wire: [
            { what: 'request header', expected: 'sec-websocket-protocol: "chat"', observed: evil('header'), ok: false },
            { what: 'messages before the close frame', expected: 'no messages', observed: evil('message'), ok: false },
          ],
        },
      });
      const html = renderCaseHtml(r);
      assertOnlyOurScript(html);
      assert.doesNotMatch(html, /<b>x|<\/td><script/);
      for (const tag of ['page', 'header', 'message']) assert.ok(html.includes(`&lt;/td&gt;&lt;script&gt;${tag}&lt;/script&gt;nul␀ bel␇`), tag);
      assert.ok(html.includes('observed in &lt;script&gt;alert(1)&lt;/script&gt;'));
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(html, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e]/);

      const index = renderIndexHtml({ meta: makeMeta({ agents: [{ name: HOSTILE_AGENT, engine: 'firefox' }] }), results: [r] });
      assertOnlyOurScript(index);
      assert.doesNotMatch(index, /<\/td><script|<b>x/);
      assert.ok(index.includes('<span class="saw">&lt;/td&gt;&lt;script&gt;page&lt;/script&gt;'));
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(index, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e]/);
    });
  });

  describe('matrix of browser-API results', () => {
    const longId = 'api.send.closing.buffered-amount-utf8';
    const run: RunResults = {
      meta: makeMeta({
        agents: [
          { name: 'chromium-156', engine: 'chromium', version: '156' },
          { name: 'firefox-153', engine: 'firefox', version: '153' },
        ],
      }),
      results: [
        makeApiResult({ agent: 'chromium-156', behavior: 'OK', behaviorClose: 'OK', browserApi: { expectedPage: ['open'], observedPage: ['open'], wire: [] } }),
        makeApiResult({ agent: 'firefox-153' }),
        makeApiResult({
          agent: 'chromium-156',
          id: longId,
          behavior: 'OK',
          behaviorClose: 'WRONG CODE',
          browserApi: { expectedPage: ['open'], observedPage: ['open'], wire: [{ what: 'first close frame', expected: 'close frame 1000', observed: 'close frame 1001', ok: false }] },
        }),
        makeApiResult({ agent: 'firefox-153', id: longId, behavior: 'OK', behaviorClose: 'OK', browserApi: { expectedPage: ['open'], observedPage: ['open'], wire: [] } }),
      ],
    };
    const html = renderIndexHtml(run);

    it('sizes the ID column to the longest ID and gives each ID a title, so IDs never run into titles', () => {
      assert.match(html, /<div class="matrix" id="matrix-b" style="--agents: 2; --idch: 37">/);
      assert.match(html, new RegExp(`<span class="c-id" title="${longId}">${longId}</span><span class="c-title">`));
      const css = readFileSync(new URL('style.hbs', TEMPLATE_DIR), 'utf8');
      assert.match(css, /\.case \.c-id \{[^}]*overflow-wrap: anywhere/);
      assert.doesNotMatch(css, /\.case \.c-id \{[^}]*white-space: nowrap/);
    });

    it('shows in a failing cell what the browser did and what the standard wants', () => {
      assert.match(
        html,
        /href="firefox_153_case_api_server_close_invalid_code_1005\.html"[^>]*>.*?<span class="why"><span class="saw">close 1005 &quot;&quot; clean<\/span><span class="want">error<\/span><\/span><\/a>/,
      );
      assert.match(html, /href="chromium_156_case_api_send_closing_buffered_amount_utf8\.html"[^>]*>.*?<span class="saw">close frame 1001<\/span><span class="want">close frame 1000<\/span>/);
      assert.doesNotMatch(html, /href="chromium_156_case_api_server_close_invalid_code_1005\.html"[^>]*>[^\n]*class="why"/);
    });

    it("leaves out an agent header's engine and version when its name already says them", () => {
      assert.match(html, /<span class="h-agent" title="chromium-156"><span class="an">chromium-156<\/span><\/span>/);
    });

    it('says FAILED once when the page and the wire both failed, and names the second axis', () => {
      const timedOut = makeApiResult({ agent: 'firefox-153', behavior: 'FAILED', behaviorClose: 'FAILED', remoteCloseCode: null, timedOutWaitingFor: 'the browser to finish the case' });
      delete timedOut.browserApi;
      const both = renderIndexHtml({
        meta: run.meta,
        results: [
          makeApiResult({ agent: 'chromium-156', behavior: 'FAILED', behaviorClose: 'FAILED', remoteCloseCode: 1000 }),
          timedOut,
          makeResult({ agent: 'chromium-156', id: '1.1.1', behavior: 'FAILED', behaviorClose: 'FAILED' }),
        ],
      });
      const cells = [...both.matchAll(/<a class="cell [^"]*" href="([^"]*)" title="([^"]*)">([\s\S]*?)<\/a>/g)];
      const cell = (href: string): string => cells.find((m) => m[1] === href)?.[3] ?? '';
      const api = cell('chromium_156_case_api_server_close_invalid_code_1005.html');
      assert.equal((api.match(/FAILED/g) ?? []).length, 1, api);
      assert.match(api, /<span class="b">FAILED<\/span><span class="code">1000<\/span><\/span><span class="cv v-failed">wire too<\/span>/);
      assert.match(cell('firefox_153_case_api_server_close_invalid_code_1005.html'), /<span class="b">FAILED<\/span><\/span><span class="cv v-failed">timed out<\/span>/);
      const autobahn = cell('chromium_156_case_1_1_1.html');
      assert.equal((autobahn.match(/FAILED/g) ?? []).length, 1, autobahn);
      assert.match(autobahn, /<span class="cv v-failed">close too<\/span>/);
      assert.ok(cells.some((m) => m[1] === 'chromium_156_case_api_server_close_invalid_code_1005.html' && (m[2] ?? '').startsWith('page FAILED / wire FAILED')));
      // A close verdict other than the behavior's word is still shown as it is.
      assert.match(html, /href="chromium_156_case_api_send_closing_buffered_amount_utf8\.html"[^>]*><span class="l1"><span class="b">OK<\/span>[^]*?<span class="cv v-wrongcode">WRONG CODE<\/span>/);
    });
  });

  describe('matrix sections', () => {
    const agents = [{ name: 'chromium-156', engine: 'chromium', version: '156' }];
    const ids = [
      '1.1.1',
      '1.2.1',
      '2.1',
      'api.close.code.999',
      'api.close.code.1000',
      'api.close.twice',
      'api.ready-state',
      'api.send.connecting',
      'api.server-close.no-status',
      'api.server-drop',
      'api.server-drop.after-message',
      'closecode.1005',
      'frame.rsv.1',
      'frame.rsv.2',
      'handshake.key.missing',
      'handshake.version.13',
    ];
    const html = renderIndexHtml({
      meta: makeMeta({ agents }),
      results: ids.map((id) => (id.startsWith('api.') ? makeApiResult({ agent: 'chromium-156', id, title: `t ${id}` }) : makeResult({ agent: 'chromium-156', id, title: `t ${id}` }))),
    });
    const matrix = (key: string): string => new RegExp(`<div class="matrix" id="matrix-${key}"[\\s\\S]*?</details>\\n</div>`).exec(html)?.[0] ?? '';
    const sections = (m: string): Array<[string, string, string[]]> =>
      [...m.matchAll(/<details class="section[^"]*" id="[^"]*" open>\s*<summary class="mrow shead"><span class="s-id">([^<]*)<\/span><span class="s-title">([^<]*)<small>[\s\S]*?<\/details>/g)].map(
        (d) => [d[1] as string, d[2] as string, [...d[0].matchAll(/<span class="c-id" title="[^"]*">([^<]*)<\/span>/g)].map((c) => c[1] as string)],
      );

    it('gives each api.* family a collapsible section of its own with a readable title, in both matrices', () => {
      for (const key of ['m', 'b']) {
        const api = sections(matrix(key)).filter(([s]) => s.startsWith('api'));
        assert.deepEqual(
          api.map(([s, , rows]) => [s, rows]),
          [
            ['api.close', ['api.close.code.999', 'api.close.code.1000', 'api.close.twice']],
            ['api.ready-state', ['api.ready-state']],
            ['api.send', ['api.send.connecting']],
            ['api.server-close', ['api.server-close.no-status']],
            ['api.server-drop', ['api.server-drop', 'api.server-drop.after-message']],
          ],
          key,
        );
        assert.deepEqual(
          api.map(([, title]) => title),
          ['close(): codes, reasons, states', 'readyState', 'send() and bufferedAmount', 'The server closes', 'The server drops TCP'],
        );
      }
      assert.match(html, /<span class="s-title">readyState<small>1 case<\/small><\/span>/);
      assert.match(html, /<span class="s-title">close\(\): codes, reasons, states<small>3 cases<\/small><\/span>/);
      assert.match(html, /<nav class="jump">[^\n]*<a href="#m-s\d+">api\.close close\(\): codes, reasons, states<span class="bad">3<\/span><\/a>/);
    });

    it('keeps Autobahn sections by number and our own cases by their first component, groups marked inside', () => {
      const other = sections(matrix('m')).filter(([s]) => !s.startsWith('api'));
      assert.deepEqual(
        other.map(([s, title, rows]) => [s, title, rows]),
        [
          ['1', 'Framing', ['1.1.1', '1.2.1']],
          ['2', 'Pings and pongs', ['2.1']],
          ['closecode', 'Close codes', ['closecode.1005']],
          ['frame', 'Frames beyond Autobahn', ['frame.rsv.1', 'frame.rsv.2']],
          ['handshake', 'Opening handshake', ['handshake.key.missing', 'handshake.version.13']],
        ],
      );
      assert.match(html, /<div class="mrow case[^"]* gs"><span class="c-id" title="1\.2\.1">/);
      assert.match(html, /<div class="mrow case[^"]* gs"><span class="c-id" title="handshake\.version\.13">/);
      assert.match(html, /<div class="mrow case[^"]* gs"><span class="c-id" title="api\.close\.twice">/);
      assert.doesNotMatch(html, /<div class="mrow case[^"]* gs"><span class="c-id" title="api\.close\.code\.1000">/);
    });

    it('says in the legend and the footer that api.* cases are judged against the WHATWG standard, the rest against the RFC', () => {
      const legend = /<div class="legend">[\s\S]*?<\/div>/.exec(html)?.[0] ?? '';
      assert.match(legend, /<span class="chip v-ok">OK<\/span>did what RFC 6455 \(api\.\* cases: the WHATWG WebSockets standard\) requires/);
      const footer = /<footer>[\s\S]*?<\/footer>/.exec(html)?.[0] ?? '';
      assert.match(footer, /judged against RFC 6455; browser-API \(api\.\*\) cases against the WHATWG WebSockets standard/);
      assert.match(footer, /wire too/);
    });
  });

  describe('renderHtml', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'wsconform-html-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('writes index.html and a page per result, and every link of the index resolves', () => {
      const run = hostileRun();
      const written = renderHtml(run, join(dir, 'out'));
      assert.equal(written.length, run.results.length + 1);
      const index = readFileSync(join(dir, 'out', 'index.html'), 'utf8');
      const links = [...index.matchAll(/href="([^"#]+)"/g)].map((m) => m[1] as string);
      assert.equal(links.length, run.results.length);
      for (const link of links) assert.ok(existsSync(join(dir, 'out', link)), link);
      assert.ok(existsSync(join(dir, 'out', 'script_alert_1___script_case_7_3_1.html')));
    });

    it('renders 517 cases for 4 agents in a few seconds', function () {
      this.timeout(60_000);
      const results: CaseResult[] = [];
      const base = makeResult();
      for (const agent of ['a', 'b', 'c', 'd']) {
        for (let i = 0; i < 517; i++) results.push({ ...base, agent, id: `${1 + (i % 13)}.${1 + Math.floor(i / 13)}.${i}` });
      }
      const t0 = performance.now();
      renderHtml({ meta: makeMeta(), results }, dir);
      const ms = performance.now() - t0;
      assert.equal(readdirSync(dir).length, 4 * 517 + 1);
      assert.ok(ms < 20_000, `${ms} ms`);
    });
  });
});

describe('reports/html: long transcripts', () => {
  it('keeps the head and tail of a long wire log and says how many entries were left out', () => {
    const wirelog = Array.from({ length: 5000 }, (_, i) => ({ t: i, kind: 'note' as const, text: `entry ${i}` }));
    const html = renderCaseHtml(makeResult({ wirelog, received: Array.from({ length: 1000 }, () => ['message', 'x', false] as ['message', string, boolean]) }));
    assert.equal((html.match(/<tr class="note">/g) ?? []).length, 2001);
    assert.match(html, /entry 1499<\/td>[\s\S]*… 3000 more entries, left out of this page[\s\S]*entry 4500<\/td>/);
    assert.doesNotMatch(html, /entry 1500</);
    assert.match(html, /5000 entries;/);
    assert.match(html, /… 920 more events/);
  });
});

describe('HTML index: the run table', () => {
  it('lists the options that were given, and leaves out those that were not (no "undefined")', () => {
    const run: RunResults = { meta: makeMeta({ options: { cases: ['1.1.1'], timeout: undefined } }), results: [makeResult()] };
    const html = renderIndexHtml(run);
    assert.match(html, /<dt>cases<\/dt>/);
    assert.doesNotMatch(html, /<dt>timeout<\/dt>/);
    assert.doesNotMatch(html, /undefined/);
  });
});
