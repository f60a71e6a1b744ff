/**
 * A broken page or browser costs one case, never the run: a page whose script hangs, a page that
 * crashes and a browser that exits each give that case a timeout verdict; the browser is started
 * again and every other case still gets its own verdict.
 */
import assert from 'node:assert/strict';
import { allCases, browserApiCases } from '../../cases/index.js';
import { runBrowsers } from '../../runner/browser/index.js';
import { casesForRole, selectCases } from '../../runner/engine/plan.js';
import type { CaseDef } from '../../cases/types.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { skipBecause } from './support.js';

describe('test-browser when the page or the browser breaks (real Chromium)', function () {
  this.timeout(60_000);
  const results: CaseResult[] = [];
  const cases = casesForRole(selectCases(allCases, { cases: ['1.1.*'], exclude: [] }), 'server');
  const apiCases = browserApiCases.filter((c) => ['api.close.code.1000', 'api.close.code.999'].includes(c.id));
  let outcome: Awaited<ReturnType<typeof runBrowsers>>[number];

  before(async function () {
    const outcomes = await runBrowsers({
      engines: ['chromium'],
      cases,
      apiCases,
      session: defaultSessionOptions,
      // Two at once: a fault then catches another case mid-run, which must run again on its own.
      concurrency: 2,
      caseTimeoutMs: 2000,
      faults: { hangAt: '1.1.3', crashAt: '1.1.6', exitAt: 'api.close.code.999' },
      onResult: (r) => results.push(r),
    });
    outcome = outcomes[0]!;
    if (outcome.unavailable !== undefined) skipBecause(this, `chromium: not available: ${outcome.unavailable}`);
  });

  it('finishes the run with one verdict per case', () => {
    assert.equal(results.length, cases.length + apiCases.length);
    assert.equal(new Set(results.map((r) => r.id)).size, results.length);
  });

  it('gives exactly the broken cases a timeout verdict that says what happened', () => {
    const timedOut = results.filter((r) => r.timedOutWaitingFor);
    assert.deepEqual(timedOut.map((r) => r.id).sort(), ['1.1.3', '1.1.6', 'api.close.code.999']);
    const why = Object.fromEntries(timedOut.map((r) => [r.id, r.result]));
    assert.match(why['1.1.3']!, /did not end within 2 s|no progress/);
    assert.match(why['1.1.6']!, /the page crashed/);
    assert.match(why['api.close.code.999']!, /exited|went away|was closed/);
    for (const r of timedOut) assert.equal(r.behavior, 'FAILED');
  });

  it('restarts the browser and judges every other case normally', () => {
    assert.ok(outcome.restarts >= 3, String(outcome.restarts));
    const others = results.filter((r) => !r.timedOutWaitingFor);
    assert.deepEqual(
      others.filter((r) => r.behavior !== 'OK').map((r) => `${r.id}: ${r.result}`),
      [],
    );
  });
});

describe('test-browser when a browser-API case never ends (real Chromium)', function () {
  this.timeout(60_000);
  const results: CaseResult[] = [];
  // The server never answers the handshake and the page waits 30 s for open: the case's 1.5 s
  // limit ends it first, after the page has logged one line.
  const base = browserApiCases.find((c) => c.id === 'api.close.connecting')!;
  const never: CaseDef = {
    ...base,
    id: 'api.test.never-opens',
    expect: {
      kind: 'browser-api',
      check: {
        server: { handshake: { kind: 'hold' } },
        page: [{ do: 'connect' }, { do: 'read', attr: 'readyState' }, { do: 'wait', event: 'open', timeoutMs: 30_000 }],
        expectPage: ['readyState = 0', 'open'],
      },
    },
  };

  before(async function () {
    const [outcome] = await runBrowsers({ engines: ['chromium'], cases: [], apiCases: [never], session: defaultSessionOptions, concurrency: 2, caseTimeoutMs: 1500, onResult: (r) => results.push(r) });
    if (outcome!.unavailable !== undefined) skipBecause(this, `chromium: not available: ${outcome!.unavailable}`);
  });

  it('gives it a timeout verdict that keeps what the page had logged and what the server saw', () => {
    assert.equal(results.length, 1);
    const r = results[0]!;
    assert.equal(r.timedOutWaitingFor, 'the browser to finish the case');
    assert.match(r.result, /did not end within 1\.5 s/);
    assert.deepEqual(r.browserApi?.observedPage, ['readyState = 0']);
    assert.deepEqual(r.browserApi?.expectedPage, ['readyState = 0', 'open']);
    assert.match(r.httpRequest, /^GET \/api\.test\.never-opens HTTP\/1\.1\r\n/);
  });
});
