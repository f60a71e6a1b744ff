/**
 * The api.stream.* cases (WebSocketStream) in real browsers: Chromium, which has the interface in
 * the document and in workers, with its verdicts pinned; Firefox ESR and WebKitGTK, which have
 * none, where every case is UNIMPLEMENTED and says why, never FAILED; and Chromium with page
 * shims: a WebSocketStream whose close() takes any code and a queue that loses messages must fail
 * their cases, and one removed altogether must make them UNIMPLEMENTED.
 */
import assert from 'node:assert/strict';
import { browserApiCases } from '../../cases/index.js';
import { runBrowsers, type EngineName } from '../../runner/browser/index.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { skipBecause } from './support.js';

const streamCases = browserApiCases.filter((c) => c.id.startsWith('api.stream.'));
const notOk = (r: CaseResult): boolean => r.behavior !== 'OK' || r.behaviorClose !== 'OK';

async function run(ctx: Mocha.Context, engine: EngineName, shim?: string, ids?: string[]): Promise<Map<string, CaseResult>> {
  const results = new Map<string, CaseResult>();
  const apiCases = ids ? streamCases.filter((c) => ids.includes(c.id)) : streamCases;
  const [outcome] = await runBrowsers({
    engines: [engine],
    cases: [],
    apiCases,
    session: defaultSessionOptions,
    concurrency: 10,
    ...(shim ? { faults: { shim } } : {}),
    onResult: (r) => results.set(r.id, r),
  });
  if (outcome!.unavailable !== undefined) skipBecause(ctx, `${engine}: not available: ${outcome!.unavailable}`);
  assert.equal(results.size, apiCases.length);
  return results;
}

/**
 * Chromium 156 reads a binary message as an ArrayBuffer: the standard (and the explainer since
 * January 2024) gives a Uint8Array. In every context.
 */
const CHROMIUM_FAILS = ['api.stream.read.binary', 'api.stream.read.binary@worker', 'api.stream.read.binary@sharedworker'];

describe('api.stream.* in Chromium (real browser, when installed)', function () {
  this.timeout(120_000);

  it('fails exactly the pinned cases, in the document and in both workers', async function () {
    const results = await run(this, 'chromium');
    assert.ok(streamCases.length >= 3 * 17, `${streamCases.length} cases`);
    const failing = [...results.values()].filter(notOk);
    assert.deepEqual(failing.map((r) => r.id).sort(), [...CHROMIUM_FAILS].sort(), failing.map((r) => `${r.id}: ${r.result} ${r.resultClose}`).join('\n'));
    assert.match(results.get('api.stream.read.binary')!.result, /saw "read binary ArrayBuffer 0a0b", expected "read binary Uint8Array 0a0b"/);
  });
});

for (const engine of ['firefox', 'webkit'] as EngineName[]) {
  describe(`api.stream.* in ${engine}, which has no WebSocketStream (real browser, when installed)`, function () {
    this.timeout(120_000);

    it('gives every case UNIMPLEMENTED with the reason, none FAILED', async function () {
      const results = await run(this, engine);
      for (const r of results.values()) {
        assert.deepEqual([r.behavior, r.behaviorClose], ['UNIMPLEMENTED', 'UNIMPLEMENTED'], `${r.id}: ${r.result}`);
        // A context the engine lacks altogether (WebKitGTK's SharedWorker) says so instead.
        assert.match(r.result, /^Not available in this engine: (no WebSocketStream in this (document|worker)|.*SharedWorker.*)\.$/, r.id);
      }
    });
  });
}

/** Breaks WebSocketStream in the page: close() with a bad code closes instead of throwing, and reading skips every second message. */
const SHIM = `(() => {
  const Real = self.WebSocketStream;
  self.WebSocketStream = class extends Real {
    close(info) {
      const bad = info && info.closeCode !== undefined && info.closeCode !== 1000 && (info.closeCode < 3000 || info.closeCode > 4999);
      return super.close(bad ? {} : info);
    }
  };
  const read = ReadableStreamDefaultReader.prototype.read;
  let n = 0;
  ReadableStreamDefaultReader.prototype.read = async function () {
    const r = await read.call(this);
    return !r.done && n++ % 2 === 1 ? read.call(this) : r;
  };
})();`;

describe('api.stream.* catch a WebSocketStream that breaks their rule (real Chromium, page shims)', function () {
  this.timeout(60_000);

  it('close() that takes an invalid code fails api.stream.close.invalid-code.*; a readable side that drops messages fails api.stream.read.later', async function () {
    const ids = ['api.stream.close.invalid-code.999', 'api.stream.close.invalid-code.5000', 'api.stream.read.later', 'api.stream.close.code-reason'];
    const results = await run(this, 'chromium', SHIM, ids);
    for (const id of ids.slice(0, 3)) assert.ok(notOk(results.get(id)!), `${id} passed: ${results.get(id)!.result}`);
    assert.match(results.get('api.stream.close.invalid-code.999')!.result, /saw "close\(\{closeCode: 999\}\) → ok", expected "close\(\{closeCode: 999\}\) → InvalidAccessError"/);
    assert.match(results.get('api.stream.read.later')!.result, /saw "read text "c"", expected "read text "b""/);
    // A valid code passes through the shim untouched.
    assert.ok(!notOk(results.get('api.stream.close.code-reason')!), results.get('api.stream.close.code-reason')!.result);
  });

  it('without WebSocketStream every case is UNIMPLEMENTED, in the document and in workers', async function () {
    const ids = ['api.stream.opened', 'api.stream.opened@worker', 'api.stream.read.text'];
    const results = await run(this, 'chromium', 'delete self.WebSocketStream;', ids);
    for (const id of ids) {
      assert.deepEqual([results.get(id)!.behavior, results.get(id)!.behaviorClose], ['UNIMPLEMENTED', 'UNIMPLEMENTED'], id);
      assert.match(results.get(id)!.result, /no WebSocketStream in this (document|worker)/);
    }
  });
});
