/**
 * The h2.client.* cases against real RFC 8441 clients: Chromium and Firefox ESR, each loading the
 * case's own listener over https:// (ALPN h2) and running the URL protocol in the page
 * (test/fixtures/browser-h2-client.mjs), through `test-client --http2 --tls --command`. A browser
 * fetches its page on the connection before the server's SETTINGS arrive: an ordinary request,
 * which RFC 9113 §3.4 allows, and which h2.client.settings-wait must not count as `:protocol` sent
 * early. The verdicts are pinned as seen with Debian's Chromium 156 and Firefox ESR 153.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { behaviorById, resultsIn, runCli } from '../support/cli-run.js';
import { skipBecause, tmp } from './support.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const executables = { chromium: '/usr/bin/chromium', firefox: '/usr/bin/firefox-esr' } as const;

const allOk = {
  'h2.client.settings-wait': 'OK',
  'h2.client.no-key': 'OK',
  'h2.client.status-403': 'OK',
  'h2.client.status-400': 'OK',
  'h2.client.extension-unrequested': 'OK',
  'h2.client.setting-absent': 'OK',
};
const pinned: Record<keyof typeof executables, Record<string, string>> = {
  chromium: allOk,
  // Over HTTP/2 Firefox opens the WebSocket though the 200 names an extension it never offered
  // (over HTTP/1.1 it fails such a handshake: api.handshake.unrequested-extension passes).
  firefox: { ...allOk, 'h2.client.extension-unrequested': 'FAILED' },
};

for (const engine of ['chromium', 'firefox'] as const) {
  describe(`h2.client.* against ${engine} (real browser over HTTP/2)`, function () {
    this.timeout(120_000);

    it('gives the pinned verdicts; the page GET before the SETTINGS is not :protocol sent early; without the setting it falls back to HTTP/1.1', async function () {
      if (!existsSync(executables[engine])) skipBecause(this, `${executables[engine]} is not installed`);
      const dir = tmp();
      const command = `node ${join(root, 'test/fixtures/browser-h2-client.mjs')} {url} {agent} ${engine}`;
      const r = await runCli(['test-client', '--http2', '--tls', '--port', '0', '--cases', 'h2.client.*', '--outdir', 'out', '--command', command], dir);
      const results = resultsIn(join(dir, 'out'));
      const why = results.map((x) => `${x.id}: ${x.behavior} ${x.result}`).join('\n');
      assert.deepEqual(behaviorById(results), pinned[engine], why + r.stderr);
      assert.equal(r.code, Object.values(pinned[engine]).includes('FAILED') ? 1 : 0, r.stderr);
      assert.deepEqual(
        results.map((x) => [x.id, x.protocol]),
        results.map((x) => [x.id, x.id === 'h2.client.setting-absent' ? 'http/1.1' : 'h2']),
      );
      assert.match(results.find((x) => x.id === 'h2.client.settings-wait')!.result, /^The client waited for the server's SETTINGS/);
    });
  });
}
