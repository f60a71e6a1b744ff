/**
 * Real browsers as HTTP/2 WebSocket clients (RFC 8441): Chromium and Firefox ESR open a WebSocket as
 * a stream of an HTTP/2 connection they already have to the origin when its SETTINGS advertise
 * SETTINGS_ENABLE_CONNECT_PROTOCOL. The page is the fuzzing server's own `/` (its help text), loaded
 * over `test-client --http2 --tls`, and a short Autobahn client loop runs in it. The report must say
 * h2 for the agent, and the verdicts of 1.*, 2.* and 7.1.* must be those of the same loop against an
 * HTTP/1.1-only `test-client --tls`. Chromium only: Firefox ESR over HTTP/2 is in http2-run.test.ts
 * (test-browser --http2), and the h2/HTTP/1.1 differences of both engines are written down there and
 * in the README.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun } from '../../reports/jsonl.js';
import { main } from '../../runner/app/cli.js';
import type { CaseResult, RunResults } from '../../runner/engine/results.js';
import { skipBecause, tmp } from './support.js';
import { AUTOBAHN_PAGE_LOOP as LOOP } from '../fixtures/autobahn-page-loop.mjs';

const CASES = '1.*,2.*,7.1.*';

type Engine = 'chromium' | 'firefox';
type Run = { code: number; run: RunResults; stderr: string; html: string };

/** Starts `test-client` in this process, loads its `/` in the browser and runs the loop; resolves with the run's results. */
async function runInPage(engine: Engine, http2: boolean): Promise<Run> {
  const pw = await import('playwright-core');
  const dir = tmp();
  let stdout = '';
  let stderr = '';
  let announce: (url: string) => void = () => undefined;
  const announced = new Promise<string>((resolve) => (announce = resolve));
  const out = {
    write: (s: string) => {
      stdout += s;
      const m = /Fuzzing server on (wss:\/\/\S+):/.exec(stdout);
      if (m) announce(m[1]!);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const err = { write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WritableStream;
  const done = main(['test-client', '--tls', ...(http2 ? ['--http2'] : []), '--port', '0', '--agents', '1', '--cases', CASES, '--outdir', dir], { out, err });
  const url = await announced;
  const browser =
    engine === 'chromium' ? await pw.chromium.launch({ executablePath: '/usr/bin/chromium' }) : await pw.firefox.launch({ channel: 'moz-firefox', executablePath: '/usr/bin/firefox-esr' } as never);
  try {
    const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
    await page.goto(`${url.replace(/^wss:/, 'https:')}/`);
    // A string, not a function: the test's transpiler would add helpers the page does not have.
    await page.evaluate(`(${LOOP})(${JSON.stringify({ url, agent: engine })})`);
  } finally {
    await browser.close();
  }
  const code = await done;
  return { code, run: readRun(dir), stderr, html: readFileSync(join(dir, 'index.html'), 'utf8') };
}

const verdicts = (rs: readonly CaseResult[]): Record<string, string> => Object.fromEntries(rs.map((r) => [r.id, `${r.behavior}/${r.behaviorClose}`]));

for (const engine of ['chromium'] as const) {
  const executable = engine === 'chromium' ? '/usr/bin/chromium' : '/usr/bin/firefox-esr';
  describe(`${engine} over HTTP/2 (test-client --http2 --tls)`, function () {
    this.timeout(90_000);
    let h2: Run;
    let h1: Run;

    before(async function () {
      if (!existsSync(executable)) skipBecause(this, `${executable} is not installed (Debian: apt-get install ${engine === 'chromium' ? 'chromium' : 'firefox-esr'})`);
      h2 = await runInPage(engine, true);
      h1 = await runInPage(engine, false);
    });

    it('opens its WebSockets over h2: every result and the agent in run.json say so', () => {
      assert.equal(h2.run.results.length, h1.run.results.length, h2.stderr);
      assert.deepEqual([...new Set(h2.run.results.map((r) => r.protocol))], ['h2']);
      assert.equal(h2.run.meta.agents.find((a) => a.name === engine)?.protocol, 'h2');
      assert.match(h2.html, new RegExp(`<td><b>${engine}</b></td>.*<td>HTTP/2 \\(h2\\): TLSv1\\.3`));
      assert.deepEqual([...new Set(h1.run.results.map((r) => r.protocol))], [undefined]);
    });

    it('gets the verdicts it gets over HTTP/1.1 for 1.*, 2.* and 7.1.*', () => {
      const over2 = verdicts(h2.run.results);
      const over1 = verdicts(h1.run.results);
      // Where the engine's HTTP/2 path behaves otherwise, seen on this machine and kept visible here:
      // Chromium 156, when frames follow the server's close frame (7.1.2-7.1.5), resets the stream at
      // once and its close frame never arrives (UNCLEAN), where over HTTP/1.1 it answers the close
      // first; Firefox ESR 153 now and then resets the stream (RST_STREAM INTERNAL_ERROR) while a
      // 64 KiB message arrives in 997-octet writes beside other cases (1.1.8, 1.2.8: FAILED), never
      // when the case runs alone. Such a case may differ only that way, with the reset in its wire log.
      const resets: Record<Engine, { ids: string[]; verdict: string }> = {
        chromium: { ids: ['7.1.2', '7.1.3', '7.1.4', '7.1.5'], verdict: 'OK/UNCLEAN' },
        firefox: { ids: ['1.1.8', '1.2.8'], verdict: 'FAILED/FAILED' },
      };
      for (const id of resets[engine].ids) {
        const r = h2.run.results.find((x) => x.id === id)!;
        if (over2[id] !== over1[id]) {
          assert.equal(over2[id], resets[engine].verdict, `${id}: ${r.result} ${r.resultClose}`);
          assert.ok(
            r.wirelog.some((w) => w.kind === 'note' && /ECONNRESET/.test(w.text)),
            `${id}: a stream reset in the wire log`,
          );
        }
        delete over2[id];
        delete over1[id];
      }
      const differ = Object.keys(over1).filter((id) => over2[id] !== over1[id]);
      const why = differ.map((id) => {
        const r = h2.run.results.find((x) => x.id === id)!;
        return `${id} over h2: ${over2[id]} (${r.result} ${r.resultClose} ${r.wirelog
          .filter((w) => w.kind === 'note')
          .map((w) => (w.kind === 'note' ? w.text : ''))
          .join('; ')})`;
      });
      assert.deepEqual(over2, over1, why.join('\n'));
      assert.equal(h1.code, 0, h1.stderr);
    });
  });
}
