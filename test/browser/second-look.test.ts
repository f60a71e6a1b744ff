/**
 * The second look in a browser (real Chromium): a verdict that a timer shaped while the page ran
 * eight cases at once is played again with one case at a time, and that verdict is reported. The
 * load is a test fault: in a job of several cases the page echoes each message 1.5 s late, past
 * the 1 s timers of 1.1.1-1.1.5; alone it echoes at once, as a browser that is not busy would.
 */
import assert from 'node:assert/strict';
import { allCases, browserApiCases } from '../../cases/index.js';
import type { CaseDef } from '../../cases/types.js';
import { runBrowsers } from '../../runner/browser/index.js';
import { casesForRole, selectCases } from '../../runner/engine/plan.js';
import { readRun } from '../../reports/jsonl.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { cli, skipBecause, tmp } from './support.js';

const SLOW = ['1.1.1', '1.1.2', '1.1.3', '1.1.4', '1.1.5'];
const cases = casesForRole(selectCases(allCases, { cases: [...SLOW, '2.1', '2.2'], exclude: [] }), 'server');
const underLoad = { echoDelayMs: 1500 };

/** Every result in order, and the latest per case (a second look replaces the first result). */
async function run(faults: Parameters<typeof runBrowsers>[0]['faults']): Promise<{ all: CaseResult[]; latest: Map<string, CaseResult>; outcome: Awaited<ReturnType<typeof runBrowsers>>[number] }> {
  const all: CaseResult[] = [];
  const [outcome] = await runBrowsers({ engines: ['chromium'], cases, apiCases: [], session: defaultSessionOptions, concurrency: 8, faults, onResult: (r) => all.push(r) });
  return { all, latest: new Map(all.map((r) => [r.id, r])), outcome: outcome! };
}

describe('test-browser plays timer verdicts again, one case at a time (real Chromium)', function () {
  this.timeout(60_000);
  let r: Awaited<ReturnType<typeof run>>;

  before(async function () {
    r = await run({ underLoad });
    if (r.outcome.unavailable !== undefined) skipBecause(this, `chromium: not available: ${r.outcome.unavailable}`);
  });

  it('reports the verdict of the second look and keeps the first beside it', () => {
    for (const id of SLOW) {
      const c = r.latest.get(id)!;
      assert.equal(`${c.behavior} / ${c.behaviorClose}`, 'OK / OK', `${id}: ${c.result}`);
      assert.equal(c.confirmedAlone?.first.behavior, 'FAILED', id);
      assert.equal(c.confirmedAlone?.same, false);
      assert.match(
        c.notes?.at(-1) ?? '',
        /^Played again: the first run gave FAILED \/ \S+( \S+)? from a timer with 8 cases at once in the page; played again with one case at a time in the page, it gave OK \/ OK/,
      );
    }
  });

  it('plays again only the cases a timer failed, each once', () => {
    const again = r.all.filter((c) => c.confirmedAlone).map((c) => c.id);
    assert.deepEqual(again, SLOW);
    assert.equal(r.all.length, cases.length + SLOW.length);
    for (const id of ['2.1', '2.2']) assert.equal(r.latest.get(id)?.confirmedAlone, undefined);
  });

  it('says how many were played again and how many changed', () => {
    assert.deepEqual(r.outcome.pace, { monitored: false, lowestConcurrency: 8, bulkApart: false, confirmed: SLOW.length, changed: SLOW.length, inPage: true });
  });
});

describe('test-browser when the second look cannot run (real Chromium)', function () {
  this.timeout(60_000);
  let r: Awaited<ReturnType<typeof run>>;

  before(async function () {
    r = await run({ underLoad, secondLook: { exitAt: '1.1.3' } });
    if (r.outcome.unavailable !== undefined) skipBecause(this, `chromium: not available: ${r.outcome.unavailable}`);
  });

  it('leaves the first verdict of the case it broke at, with a note saying why', () => {
    const c = r.latest.get('1.1.3')!;
    assert.equal(c.behavior, 'FAILED');
    assert.equal(c.confirmedAlone, undefined);
    assert.equal(c.timedOutWaitingFor, undefined);
    assert.match(
      c.notes?.at(-1) ?? '',
      /^Not played again: the first run gave FAILED .* with 8 cases at once in the page; the second look could not run \(.*(exited|went away|was closed).*\), so this verdict stands\.$/,
    );
  });

  it('starts the browser again and plays the other suspects', () => {
    assert.ok(r.outcome.restarts >= 1, String(r.outcome.restarts));
    for (const id of SLOW.filter((x) => x !== '1.1.3')) assert.equal(r.latest.get(id)?.confirmedAlone?.first.behavior, 'FAILED', id);
    assert.deepEqual(r.outcome.pace, { monitored: false, lowestConcurrency: 8, bulkApart: false, confirmed: SLOW.length - 1, changed: SLOW.length - 1, inPage: true, notPlayedAgain: 1 });
  });
});

describe('test-browser when a browser-API case the browser did not finish beside another does not finish alone either (real Chromium)', function () {
  this.timeout(60_000);
  const results: CaseResult[] = [];
  // The server never answers the handshake and the page waits 30 s for open: the 1.5 s limit ends
  // it, the first time while api.close.code.1000 ran beside it, the second time alone.
  const base = browserApiCases.find((c) => c.id === 'api.close.connecting')!;
  const never: CaseDef = {
    ...base,
    id: 'api.test.never-opens',
    expect: {
      kind: 'browser-api',
      check: { server: { handshake: { kind: 'hold' } }, page: [{ do: 'connect' }, { do: 'wait', event: 'open', timeoutMs: 30_000 }], expectPage: ['open'] },
    },
  };
  let outcome: Awaited<ReturnType<typeof runBrowsers>>[number];

  before(async function () {
    const apiCases = [browserApiCases.find((c) => c.id === 'api.close.code.1000')!, never];
    [outcome] = (await runBrowsers({ engines: ['chromium'], cases: [], apiCases, session: defaultSessionOptions, concurrency: 2, caseTimeoutMs: 1500, onResult: (r) => results.push(r) })) as [
      typeof outcome,
    ];
    if (outcome.unavailable !== undefined) skipBecause(this, `chromium: not available: ${outcome.unavailable}`);
  });

  it('plays it again alone and confirms the timeout verdict', () => {
    const mine = results.filter((r) => r.id === never.id);
    assert.equal(mine.length, 2);
    const [first, last] = mine as [CaseResult, CaseResult];
    assert.match(first.result, /did not end within 1\.5 s/);
    assert.equal(last.timedOutWaitingFor, 'the browser to finish the case');
    assert.match(last.result, /did not end within 1\.5 s, played again alone/);
    assert.deepEqual(last.confirmedAlone?.first.behavior, 'FAILED');
    assert.equal(last.confirmedAlone?.same, true);
    assert.match(
      last.notes?.at(-1) ?? '',
      /^Confirmed: the first run gave FAILED \/ FAILED from a timer with 2 cases at once in the page; played again with one case at a time in the page, it gave the same verdict\.$/,
    );
    assert.deepEqual(outcome.timeouts, [never.id]);
    assert.equal(outcome.pace?.confirmed, 1);
    assert.equal(outcome.pace?.changed, 0);
  });

  it('does not play again the case that finished', () => {
    assert.equal(results.filter((r) => r.id === 'api.close.code.1000').length, 1);
  });
});

describe('test-browser when every case passes (real Chromium)', function () {
  this.timeout(60_000);

  it('plays nothing again, and says so', async function () {
    const dir = tmp();
    const c = await cli(['test-browser', 'chromium', '--cases', '1.*,2.*', '--outdir', dir]);
    if (c.code === 2 && /chromium: not available: (.*)/.test(c.stderr)) skipBecause(this, c.stderr.trim());
    const results = readRun(dir);
    assert.equal(c.code, 0, c.stdout);
    assert.deepEqual(
      results.results.filter((x) => x.confirmedAlone).map((x) => x.id),
      [],
    );
    const agent = results.meta.agents[0]!;
    assert.equal(agent.pace?.confirmed, 0);
    assert.match(c.stdout, new RegExp(`\\nPacing, ${agent.name.replace(/\./g, '\\.')}: 0 timer verdict\\(s\\) played again with one case at a time in the page, 0 changed\\n`));
    assert.doesNotMatch(c.stdout, /played again,/);
  });
});
