/**
 * Firefox ESR (WebDriver BiDi) and WebKitGTK (WebKitWebDriver under Xvfb) where they are installed;
 * elsewhere the suite is pending and says why. A few Autobahn cases and a few browser-API cases
 * each: enough to show the page, the agent name and both result paths work in that engine.
 */
import assert from 'node:assert/strict';
import { allCases, browserApiCases } from '../../cases/index.js';
import { runBrowsers, type EngineName } from '../../runner/browser/index.js';
import { casesForRole, selectCases } from '../../runner/engine/plan.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { skipBecause } from './support.js';

const API = ['api.close.code.1000', 'api.close.code.1005', 'api.close.reason.124-bytes', 'api.close.no-code', 'api.send.connecting', 'api.handshake.status-403', 'api.binary-type.arraybuffer'];

for (const engine of ['firefox', 'webkit'] as EngineName[]) {
  describe(`test-browser ${engine} (real browser, when installed)`, function () {
    this.timeout(60_000);
    const results: CaseResult[] = [];
    const cases = casesForRole(selectCases(allCases, { cases: ['1.1.1', '1.2.2', '2.1', '5.1', '7.1.1'], exclude: [] }), 'server');
    const apiCases = browserApiCases.filter((c) => API.includes(c.id));

    before(async function () {
      const [outcome] = await runBrowsers({ engines: [engine], cases, apiCases, session: defaultSessionOptions, concurrency: 4, onResult: (r) => results.push(r) });
      if (outcome!.unavailable !== undefined) skipBecause(this, `${engine}: not available: ${outcome!.unavailable}`);
    });

    it(`reports under the agent ${engine}-<version>`, () => {
      assert.equal(results.length, cases.length + apiCases.length);
      for (const r of results) assert.match(r.agent, new RegExp(`^${engine}-\\d+\\.\\d+`));
    });

    it('echoes the Autobahn cases and judges the browser-API cases the standard and the engine agree on', () => {
      assert.deepEqual(
        results.filter((r) => r.behavior !== 'OK' || r.behaviorClose !== 'OK').map((r) => `${r.id}: ${r.result} ${r.resultClose}`),
        [],
      );
    });
  });
}
