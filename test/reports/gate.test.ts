import assert from 'node:assert/strict';
import { indexJson } from '../../reports/autobahn-json.js';
import { evaluateGate, makePolicy, summaryText, type PolicyOptions } from '../../reports/gate.js';
import type { Behavior, CloseBehavior, RunResults } from '../../runner/engine/results.js';
import { makeMeta, makeResult } from './fixtures.js';

const run1 = (behavior: Behavior, behaviorClose: CloseBehavior, id = '1.1.1', agent = 'ws'): RunResults => ({
  meta: makeMeta(),
  results: [makeResult({ id, agent, behavior, behaviorClose, result: `result ${behavior}`, resultClose: `resultClose ${behaviorClose}` })],
});

const baselineOf = (behavior: Behavior, behaviorClose: CloseBehavior, id = '1.1.1'): PolicyOptions['baseline'] => indexJson(run1(behavior, behaviorClose, id));

describe('reports/gate', () => {
  // One row per policy outcome: [name, verdicts, policy options, exit code].
  const table: Array<[string, Behavior, CloseBehavior, PolicyOptions, 0 | 1]> = [
    ['OK/OK passes', 'OK', 'OK', {}, 0],
    ['behavior FAILED fails', 'FAILED', 'OK', {}, 1],
    ['close FAILED fails', 'OK', 'FAILED', {}, 1],
    ['WRONG CODE fails', 'OK', 'WRONG CODE', {}, 1],
    ['UNCLEAN fails', 'OK', 'UNCLEAN', {}, 1],
    ['FAILED BY CLIENT passes', 'OK', 'FAILED BY CLIENT', {}, 0],
    ['NON-STRICT passes', 'NON-STRICT', 'OK', {}, 0],
    ['INFORMATIONAL passes', 'INFORMATIONAL', 'INFORMATIONAL', {}, 0],
    ['UNIMPLEMENTED passes', 'UNIMPLEMENTED', 'UNIMPLEMENTED', {}, 0],
    ['strict: NON-STRICT fails', 'NON-STRICT', 'OK', { strict: true }, 1],
    ['failOn replaces the set: WRONG CODE passes', 'OK', 'WRONG CODE', { failOn: ['FAILED'] }, 0],
    ['failOn replaces the set: UNIMPLEMENTED fails', 'UNIMPLEMENTED', 'UNIMPLEMENTED', { failOn: ['UNIMPLEMENTED'] }, 1],
    ['failOn matches behaviorClose words too', 'OK', 'FAILED BY CLIENT', { failOn: ['FAILED BY CLIENT'] }, 1],
    ['allow: an allowed pair passes', 'NON-STRICT', 'FAILED BY CLIENT', { allow: ['OK', 'NON-STRICT', 'FAILED BY CLIENT'] }, 0],
    ['allow: anything else fails', 'INFORMATIONAL', 'OK', { allow: ['OK', 'NON-STRICT'] }, 1],
    ['allow + strict: NON-STRICT fails', 'NON-STRICT', 'OK', { allow: ['OK', 'NON-STRICT'], strict: true }, 1],
    ['expected failure passes', 'FAILED', 'OK', { expectedFailures: { '1.1.1': 'known bug' } }, 0],
    ['expected failure of another case does not help', 'FAILED', 'OK', { expectedFailures: { '1.1.2': 'known bug' } }, 1],
    ['baseline: same failure passes', 'FAILED', 'WRONG CODE', { baseline: baselineOf('FAILED', 'WRONG CODE') }, 0],
    ['baseline: same rank passes (WRONG CODE -> UNCLEAN)', 'FAILED', 'UNCLEAN', { baseline: baselineOf('FAILED', 'WRONG CODE') }, 0],
    ['baseline: worse fails', 'FAILED', 'FAILED', { baseline: baselineOf('FAILED', 'WRONG CODE') }, 1],
    ['baseline: newly failing fails', 'OK', 'WRONG CODE', { baseline: baselineOf('OK', 'OK') }, 1],
    ['baseline: worse but within policy passes', 'NON-STRICT', 'OK', { baseline: baselineOf('OK', 'OK') }, 0],
    ['baseline: a case not in it is judged by the policy', 'FAILED', 'OK', { baseline: baselineOf('FAILED', 'OK', '9.9.9') }, 1],
  ];
  for (const [name, behavior, behaviorClose, opts, exitCode] of table) {
    it(name, () => {
      const g = evaluateGate(run1(behavior, behaviorClose), makePolicy(opts));
      assert.equal(g.exitCode, exitCode);
      assert.equal(g.failed.length, exitCode);
      assert.equal(g.passed, 1 - exitCode);
    });
  }

  it("explains a failure with the failing words and the judge's reasons", () => {
    const g = evaluateGate(run1('FAILED', 'WRONG CODE'), makePolicy());
    assert.deepEqual(g.failed, [{ agent: 'ws', id: '1.1.1', behavior: 'FAILED', behaviorClose: 'WRONG CODE', reason: 'behavior FAILED, close WRONG CODE: result FAILED; resultClose WRONG CODE' }]);
  });

  it('lists known failures, and expected failures that pass now as fixed', () => {
    const run: RunResults = { meta: makeMeta(), results: [makeResult({ id: '1.1.1', behavior: 'FAILED' }), makeResult({ id: '1.1.2' })] };
    const g = evaluateGate(
      run,
      makePolicy({
        expectedFailures: new Map([
          ['1.1.1', 'bug 1'],
          ['1.1.2', 'bug 2'],
        ]),
      }),
    );
    assert.equal(g.exitCode, 0);
    assert.deepEqual(
      g.knownFailures.map((c) => [c.id, c.reason]),
      [['1.1.1', 'expected failure: bug 1']],
    );
    assert.deepEqual(
      g.fixed.map((c) => c.id),
      ['1.1.2'],
    );
  });

  it('lists improvements, regressions and cases missing from the run against a baseline', () => {
    const before = indexJson({
      meta: makeMeta(),
      results: [makeResult({ id: '1.1.1', behavior: 'FAILED' }), makeResult({ id: '1.1.2' }), makeResult({ id: '1.1.3' }), makeResult({ id: '1.1.1', agent: 'not in this run' })],
    });
    const run: RunResults = { meta: makeMeta(), results: [makeResult({ id: '1.1.1', behavior: 'NON-STRICT' }), makeResult({ id: '1.1.2', behaviorClose: 'UNCLEAN' })] };
    const g = evaluateGate(run, makePolicy({ baseline: before }));
    assert.deepEqual(g.improvements, [{ agent: 'ws', id: '1.1.1', from: { behavior: 'FAILED', behaviorClose: 'OK' }, to: { behavior: 'NON-STRICT', behaviorClose: 'OK' } }]);
    assert.deepEqual(
      g.worse.map((c) => c.id),
      ['1.1.2'],
    );
    assert.deepEqual(
      g.failed.map((c) => c.id),
      ['1.1.2'],
    );
    assert.match(g.failed[0]?.reason ?? '', /^worse than the baseline \(OK \/ OK\); close UNCLEAN/);
    assert.deepEqual(g.missing, [{ agent: 'ws', id: '1.1.3' }]);
  });

  it('refuses unknown verdict words and contradictory options', () => {
    assert.throws(() => makePolicy({ failOn: ['FAIL'] }), { code: 'WSC_BAD_POLICY', message: /"FAIL"/ });
    assert.throws(() => makePolicy({ allow: ['ok'] }), { code: 'WSC_BAD_POLICY' });
    assert.throws(() => makePolicy({ allow: ['OK'], failOn: ['FAILED'] }), { code: 'WSC_BAD_POLICY' });
  });

  describe('summaryText', () => {
    it('counts verdicts per agent and lists failures with their reason', () => {
      const run: RunResults = {
        meta: makeMeta(),
        results: [makeResult({ id: '1.1.1' }), makeResult({ id: '6.4.1', behavior: 'NON-STRICT' }), makeResult({ id: '7.3.1', behaviorClose: 'WRONG CODE', resultClose: 'peer sent 1000' })],
      };
      const text = summaryText(run, evaluateGate(run));
      assert.match(text, /^wsconform 0\.1\.0 \(test-server\): 3 results, 1 agent\(s\), 65\.3 s\n/);
      assert.match(text, /\nagent +OK +NON-STRICT +INFO +UNIMPL +FAILED +\| close: +WRONG CODE +UNCLEAN +BY CLIENT +FAILED\n/);
      assert.match(text, /\nws +2 +1 +0 +0 +0 +\| +1 +0 +0 +0\n/);
      assert.match(text, /\n {2}ws {2}7\.3\.1 {2}close WRONG CODE: peer sent 1000\n/);
      assert.match(text, /\n1 failed, 2 passed: exit 1\n$/);
    });

    it('compresses many failures into groups and stays on one screen', () => {
      const results = [];
      for (let s = 1; s <= 30; s++) for (let c = 1; c <= 20; c++) results.push(makeResult({ id: `6.${s}.${c}`, behavior: 'FAILED' }));
      const run: RunResults = { meta: makeMeta(), results };
      const text = summaryText(run, evaluateGate(run));
      assert.match(text, /\n {2}ws {2}6\.1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 \(20\)\n/);
      assert.match(text, /… and 18 more group\(s\)/);
      assert.ok(text.split('\n').length < 30, text);
    });

    it('says in one line that every case failed in the opening handshake, and why, and still lists the handshake.* cases', () => {
      const fault = 'wrong Sec-WebSocket-Accept';
      const results = [];
      for (let s = 1; s <= 9; s++) for (let c = 1; c <= 30; c++) results.push(makeResult({ id: `6.${s}.${c}`, behavior: 'FAILED', behaviorClose: 'FAILED', handshakeFault: fault }));
      results.push(makeResult({ id: '7.1.6', behavior: 'INFORMATIONAL', behaviorClose: 'INFORMATIONAL', handshakeFault: fault }));
      results.push(makeResult({ id: 'handshake.http-1.0', behavior: 'FAILED', behaviorClose: 'FAILED', result: 'The target switched protocols (101) on a request it must refuse.' }));
      results.push(makeResult({ id: 'handshake.key-missing' }));
      const run: RunResults = { meta: makeMeta(), results };
      const text = summaryText(run, evaluateGate(run));
      assert.match(
        text,
        /\nFailures \(271\):\n {2}ws {2}every case failed in the opening handshake: wrong Sec-WebSocket-Accept \(270 failures\)\n {2}ws {2}handshake\.http-1\.0 {2}behavior FAILED, close FAILED: The target switched protocols/,
      );
      assert.doesNotMatch(text, /6\.1: /, 'the handshake failures are not listed one by one');
      assert.match(text, /\n271 failed, 2 passed: exit 1\n$/);
    });

    it('counts the cases that failed in the opening handshake when other cases did not', () => {
      const results = [makeResult({ id: '1.1.1' })];
      for (const id of ['12.1.1', '12.1.2', '12.1.3']) results.push(makeResult({ id, behavior: 'FAILED', behaviorClose: 'FAILED', handshakeFault: 'an unacceptable permessage-deflate answer' }));
      const run: RunResults = { meta: makeMeta(), results };
      const text = summaryText(run, evaluateGate(run));
      assert.match(text, /\nFailures \(3\):\n {2}ws {2}3 cases failed in the opening handshake: an unacceptable permessage-deflate answer\n\n/);
    });

    it('says per browser engine how many timer verdicts were played again and how many changed, also when none were', () => {
      const pace = { monitored: false, lowestConcurrency: 8, bulkApart: false, inPage: true as const };
      const meta = makeMeta({
        agents: [
          { name: 'chromium-156', engine: 'chromium', pace: { ...pace, confirmed: 0, changed: 0 } },
          { name: 'firefox-153', engine: 'firefox', pace: { ...pace, confirmed: 5, changed: 4, notPlayedAgain: 1 } },
        ],
      });
      const run: RunResults = { meta, results: [makeResult({ id: '1.1.1', agent: 'chromium-156' })] };
      const text = summaryText(run, evaluateGate(run));
      assert.match(text, /\nPacing, chromium-156: 0 timer verdict\(s\) played again with one case at a time in the page, 0 changed\n/);
      assert.match(text, /\nPacing, firefox-153: 5 timer verdict\(s\) played again with one case at a time in the page, 4 changed; 1 could not be played again \(the first verdict stands\)\n/);
      assert.doesNotMatch(text, /load monitor/);
    });

    it('keeps terminal escapes from the target out of the summary', () => {
      const run = run1('FAILED', 'OK', '1.1.1', 'evil\u001b[2J\nagent');
      assert.equal(summaryText(run, evaluateGate(run)).includes('\u001b'), false);
    });
  });
});
