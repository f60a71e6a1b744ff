/**
 * The worker variants of the api.* cases (cases/browser-api/contexts.ts): what the catalogue
 * holds, how a case that cannot run in a context is judged, a small selection in each context of
 * the three real engines, and Chromium with page shims that break a worker's WebSocket (or the
 * worker itself), which only that context's variant must show.
 */
import assert from 'node:assert/strict';
import { allCases, browserApiCases, type CaseDef } from '../../cases/index.js';
import { windowApiCases } from '../../cases/browser-api/index.js';
import { baseIdOf, contextOf, inContext, runsInWorkers } from '../../cases/browser-api/contexts.js';
import { apiCase } from '../../cases/browser-api/common.js';
import { runBrowsers, type EngineName } from '../../runner/browser/index.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { selectCases } from '../../runner/engine/plan.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { judgeApi } from '../../runner/engine/verdicts/browser-api.js';
import { skipBecause } from './support.js';

const byId = new Map(browserApiCases.map((c) => [c.id, c]));
const checkOf = (c: CaseDef) => (c.expect.kind === 'browser-api' ? c.expect.check : assert.fail(c.id));
const verdict = (r: CaseResult): string => `${r.behavior}/${r.behaviorClose}`;

describe('the api.* cases in workers (catalogue)', () => {
  it('runs every case that stays on the page in a dedicated and a shared worker, with the same script and expectation', () => {
    const eligible = windowApiCases.filter(runsInWorkers);
    assert.ok(eligible.length >= 250, String(eligible.length));
    assert.equal(browserApiCases.length, windowApiCases.length + 2 * eligible.length);
    for (const c of eligible) {
      for (const context of ['worker', 'sharedworker'] as const) {
        const v = byId.get(`${c.id}@${context}`);
        assert.ok(v, `${c.id}@${context}`);
        assert.equal(contextOf(v.id), context);
        assert.equal(baseIdOf(v.id), c.id);
        const { context: got, ...rest } = checkOf(v);
        assert.equal(got, context);
        assert.deepEqual(rest, checkOf(c));
        assert.equal(v.requirement, c.requirement);
      }
    }
  });

  it('keeps a case that leaves the page, or says why it needs the document, in the document only', () => {
    const navigating = windowApiCases.filter((c) => checkOf(c).page.some((a) => a.do === 'navigate'));
    assert.ok(navigating.length > 0);
    for (const c of navigating) assert.ok(!byId.has(`${c.id}@worker`), c.id);
    const first = windowApiCases[0]!;
    const own = apiCase({
      id: 'api.test.window-only',
      title: 't',
      description: 'd',
      expectation: 'e',
      requirement: first.requirement!,
      check: { ...checkOf(first), windowOnly: 'needs document.cookie' },
    });
    assert.equal(runsInWorkers(own), false);
    assert.equal(runsInWorkers(inContext(windowApiCases[0]!, 'worker', 'in a dedicated worker')), false, 'a variant has no variants');
  });

  it('selects the variants with the family (api.*) and by context (api.*@worker)', () => {
    const ids = (patterns: string[]): string[] => selectCases(allCases, { cases: patterns, exclude: [] }).map((c) => c.id);
    assert.deepEqual(ids(['api.close.code.999*']), ['api.close.code.999', 'api.close.code.999@worker', 'api.close.code.999@sharedworker']);
    assert.equal(ids(['api.*']).length, browserApiCases.length);
    const workers = ids(['api.*@worker']);
    assert.ok(workers.length > 0 && workers.every((id) => id.endsWith('@worker')));
    assert.equal(selectCases(allCases, { cases: ['api.*'], exclude: ['api.*@*'] }).length, windowApiCases.length);
  });

  it('judges a case that cannot run in this engine UNIMPLEMENTED, with the reason', () => {
    const check = checkOf(byId.get('api.close.code.1000@sharedworker')!);
    const wire = { connections: 0, requestHeaders: {}, messages: [], messagesAfterClose: 0, closeFrames: [] };
    const v = judgeApi(check, ['(not available: this engine has no SharedWorker)'], wire);
    assert.equal(v.behavior, 'UNIMPLEMENTED');
    assert.equal(v.behaviorClose, 'UNIMPLEMENTED');
    assert.match(v.result, /this engine has no SharedWorker/);
    // Anywhere else it is a line like any other, which the expectation does not hold.
    assert.equal(judgeApi(check, ['open', '(not available: x)'], wire).behavior, 'FAILED');
  });
});

/** Cases the three engines pass in the document (firefox-webkit.test.ts, api-pins.ts). */
const SMALL = [
  'api.close.code.1000',
  'api.close.code.999',
  'api.close.reason.124-bytes',
  'api.send.connecting',
  'api.handshake.status-403',
  'api.binary-type.arraybuffer',
  'api.send.arraybuffer',
  'api.message.origin',
];
const inAllContexts = (ids: readonly string[]): CaseDef[] => ids.flatMap((id) => [id, `${id}@worker`, `${id}@sharedworker`].map((x) => byId.get(x)!));

for (const engine of ['chromium', 'firefox', 'webkit'] as EngineName[]) {
  describe(`the api.* cases in workers in ${engine} (real browser, when installed)`, function () {
    this.timeout(60_000);
    const results = new Map<string, CaseResult>();
    const apiCases = inAllContexts(SMALL);

    before(async function () {
      const [outcome] = await runBrowsers({ engines: [engine], cases: [], apiCases, session: defaultSessionOptions, concurrency: 10, onResult: (r) => results.set(r.id, r) });
      if (outcome!.unavailable !== undefined) skipBecause(this, `${engine}: not available: ${outcome!.unavailable}`);
    });

    it('gives each case the same verdict in the document, a dedicated worker and a shared worker: OK', () => {
      assert.equal(results.size, apiCases.length);
      const notOk = [...results.values()].filter((r) => verdict(r) !== 'OK/OK').map((r) => `${r.id}: ${r.result} ${r.resultClose}`);
      assert.deepEqual(notOk, []);
    });

    it('reaches each variant’s server from its own context, at the path of the case it varies', () => {
      for (const context of ['worker', 'sharedworker']) {
        const r = results.get(`api.close.code.1000@${context}`)!;
        assert.match(r.httpRequest, /^GET \/api\.close\.code\.1000 HTTP\/1\.1/);
        assert.equal(r.remoteCloseCode, 1000);
      }
    });
  });
}

/** Breaks close() in a shared worker only (codes modulo 65536, no range check), and points the dedicated worker at a missing script. */
const BREAK_WORKERS = `
(() => {
  if (typeof SharedWorkerGlobalScope !== 'undefined') {
    const realClose = WebSocket.prototype.close;
    WebSocket.prototype.close = function (...args) {
      if (args.length > 0 && args[0] !== 1000 && args[0] !== undefined) args[0] = 1000;
      return realClose.apply(this, args);
    };
  }
  if (typeof document !== 'undefined') {
    const RealWorker = Worker;
    self.Worker = class extends RealWorker { constructor(url, o) { super('/no-such-worker.js', o); } };
  }
})();
`;
const NO_SHARED_WORKER = `if (typeof document !== 'undefined') delete self.SharedWorker;`;

describe('a worker’s WebSocket that breaks a rule, or a worker that cannot start (real Chromium, page shims)', function () {
  this.timeout(60_000);
  const broken = new Map<string, CaseResult>();
  const noShared = new Map<string, CaseResult>();
  const apiCases = inAllContexts(['api.close.code.999', 'api.close.code.1000']);

  before(async function () {
    for (const [shim, into] of [
      [BREAK_WORKERS, broken],
      [NO_SHARED_WORKER, noShared],
    ] as const) {
      const [outcome] = await runBrowsers({ engines: ['chromium'], cases: [], apiCases, session: defaultSessionOptions, concurrency: 10, faults: { shim }, onResult: (r) => into.set(r.id, r) });
      if (outcome!.unavailable !== undefined) skipBecause(this, `chromium: not available: ${outcome!.unavailable}`);
    }
  });

  it('fails the case in the context whose WebSocket breaks the rule, and only there', () => {
    const r = broken.get('api.close.code.999@sharedworker')!;
    assert.equal(r.behavior, 'FAILED', r.result);
    assert.match(r.result, /saw "close\(999\) → ok", expected "close\(999\) → InvalidAccessError"/);
    assert.equal(verdict(broken.get('api.close.code.999')!), 'OK/OK', broken.get('api.close.code.999')!.result);
    assert.equal(verdict(broken.get('api.close.code.1000@sharedworker')!), 'OK/OK');
  });

  it('judges the cases of a worker that does not start UNIMPLEMENTED, with why, and runs the others', () => {
    for (const id of ['api.close.code.999@worker', 'api.close.code.1000@worker']) {
      const r = broken.get(id)!;
      assert.equal(verdict(r), 'UNIMPLEMENTED/UNIMPLEMENTED', `${id}: ${r.result}`);
      assert.match(r.result, /^Not available in this engine: the worker failed/);
    }
    for (const id of ['api.close.code.999@sharedworker', 'api.close.code.1000@sharedworker']) {
      const r = noShared.get(id)!;
      assert.equal(verdict(r), 'UNIMPLEMENTED/UNIMPLEMENTED', `${id}: ${r.result}`);
      assert.match(r.result, /this engine has no SharedWorker/);
    }
    for (const id of ['api.close.code.999', 'api.close.code.999@worker', 'api.close.code.1000@worker']) assert.equal(verdict(noShared.get(id)!), 'OK/OK', id);
  });
});
