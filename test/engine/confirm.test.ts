/** Which verdicts get a second look, and what the case result says after it. */
import assert from 'node:assert/strict';
import { confirmedResult, isClean, needsConfirmation, suspect, timerShaped, unconfirmedResult } from '../../runner/engine/confirm.js';
import type { Violation } from '../../runner/wire/reader.js';
import { makeResult } from '../reports/fixtures.js';

const t = (timersFired: string[], wasOpenHandshakeTimeout = false, violations: Violation[] = []) => ({ timersFired, wasOpenHandshakeTimeout, violations });

describe('confirm', () => {
  it('takes OK, INFORMATIONAL and UNIMPLEMENTED on both counts as clean, anything else not', () => {
    assert.ok(isClean({ behavior: 'OK', behaviorClose: 'OK' }));
    assert.ok(isClean({ behavior: 'INFORMATIONAL', behaviorClose: 'INFORMATIONAL' }));
    assert.ok(isClean({ behavior: 'UNIMPLEMENTED', behaviorClose: 'OK' }));
    assert.ok(!isClean({ behavior: 'NON-STRICT', behaviorClose: 'OK' }));
    assert.ok(!isClean({ behavior: 'OK', behaviorClose: 'UNCLEAN' }));
  });

  it('counts a fired timer or an opening-handshake timeout as shaping the transcript', () => {
    assert.ok(timerShaped(t(['kill'])));
    assert.ok(timerShaped(t([], true)));
    assert.ok(!timerShaped(t([])));
  });

  const rows: Array<[string, Parameters<typeof needsConfirmation>[0], string[], number, boolean]> = [
    ['a kill-timer failure while the target lagged', { behavior: 'FAILED', behaviorClose: 'UNCLEAN' }, ['kill'], 900, true],
    ['a kill-timer failure while the monitor could not tell', { behavior: 'FAILED', behaviorClose: 'UNCLEAN' }, ['kill'], Infinity, true],
    ['a tagged pause turned NON-STRICT under lag', { behavior: 'NON-STRICT', behaviorClose: 'OK' }, ['wait:A', 'wait:B'], 400, true],
    ['a kill-timer failure while the target answered promptly', { behavior: 'FAILED', behaviorClose: 'UNCLEAN' }, ['kill'], 20, false],
    ['a failure no timer shaped (a wrong close code)', { behavior: 'FAILED', behaviorClose: 'WRONG CODE' }, [], 5000, false],
    ['an OK verdict with timers and lag', { behavior: 'OK', behaviorClose: 'OK' }, ['close'], 5000, false],
  ];
  it('trusts a failure the target earned with bytes (a flood, a bad frame) whatever the timers did after it', () => {
    const flood: Violation[] = [{ code: 'WS_ERR_FLOOD', closeCode: 1008, message: 'too many' }];
    assert.equal(needsConfirmation({ behavior: 'FAILED', behaviorClose: 'UNCLEAN' }, t(['closing-handshake'], false, flood), Infinity, 250), false);
  });

  for (const [what, verdict, timers, lag, want] of rows) {
    it(`${want ? 'confirms' : 'trusts'} ${what}`, () => assert.equal(needsConfirmation(verdict, t(timers), lag, 250), want));
  }

  it('reports the second verdict, keeps the first and says whether they agree', () => {
    const first = makeResult({ behavior: 'FAILED', behaviorClose: 'UNCLEAN', result: 'no echo', resultClose: 'dropped' });
    const alone = makeResult({ behavior: 'OK', behaviorClose: 'OK', notes: ['permessage-deflate: x'] });
    const r = confirmedResult(alone, first, 1234.4);
    assert.equal(r.behavior, 'OK');
    assert.deepEqual(r.confirmedAlone, { first: { behavior: 'FAILED', behaviorClose: 'UNCLEAN', result: 'no echo', resultClose: 'dropped' }, firstTargetLagMs: 1234, same: false });
    assert.equal(r.notes?.[0], 'permessage-deflate: x');
    assert.match(r.notes?.[1] ?? '', /first run gave FAILED \/ UNCLEAN from a timer while the target answered the load monitor up to 1234 ms late.*gave OK \/ OK/);
    const same = confirmedResult(first, first, Infinity);
    assert.equal(same.confirmedAlone?.same, true);
    assert.equal(same.confirmedAlone?.firstTargetLagMs, null);
    assert.match(same.notes?.at(-1) ?? '', /^Confirmed: .*could not tell/);
  });

  it('says for a browser how many cases the page ran at once, and that it played the case alone in the page', () => {
    const first = makeResult({ behavior: 'FAILED', behaviorClose: 'WRONG CODE' });
    const r = confirmedResult(makeResult({}), first, Infinity, { inPage: { concurrency: 8 } });
    assert.equal(
      r.notes?.at(-1),
      'Played again: the first run gave FAILED / WRONG CODE from a timer with 8 cases at once in the page; played again with one case at a time in the page, it gave OK / OK, the verdict reported.',
    );
    assert.equal(r.confirmedAlone?.firstTargetLagMs, null);
  });

  it('keeps the first verdict, with a note, when the second look could not run', () => {
    const first = makeResult({ behavior: 'FAILED', behaviorClose: 'WRONG CODE', notes: ['x'] });
    const r = unconfirmedResult(first, 'the page crashed', { inPage: { concurrency: 8 } });
    assert.equal(r.behavior, 'FAILED');
    assert.equal(r.confirmedAlone, undefined);
    assert.deepEqual(r.notes, [
      'x',
      'Not played again: the first run gave FAILED / WRONG CODE from a timer with 8 cases at once in the page; the second look could not run (the page crashed), so this verdict stands.',
    ]);
  });

  it('suspects a timer verdict that is not OK and that no violation decided, whatever the load', () => {
    assert.ok(suspect({ behavior: 'OK', behaviorClose: 'UNCLEAN' }, t(['closing-handshake'])));
    assert.ok(!suspect({ behavior: 'OK', behaviorClose: 'UNCLEAN' }, t([])));
    assert.ok(!suspect({ behavior: 'OK', behaviorClose: 'OK' }, t(['close'])));
    assert.ok(!suspect({ behavior: 'FAILED', behaviorClose: 'UNCLEAN' }, t(['closing-handshake'], false, [{ code: 'WS_ERR_UNMASKED_FRAME', closeCode: 1002, message: 'unmasked' }])));
  });

  it('says of a client played again only what the harness knows: other cases ran beside it', () => {
    const first = makeResult({ behavior: 'OK', behaviorClose: 'UNCLEAN' });
    const r = confirmedResult(makeResult({ behavior: 'OK', behaviorClose: 'OK' }), first, Infinity, { clientCases: 3 });
    assert.equal(r.confirmedAlone?.firstTargetLagMs, null);
    assert.equal(
      r.notes?.at(-1),
      'Played again: the first run gave OK / UNCLEAN from a timer while other cases ran beside it; played again with only the 3 cases in question, it gave OK / OK, the verdict reported.',
    );
    assert.equal(
      confirmedResult(first, first, Infinity, { clientCases: 1 }).notes?.at(-1),
      'Confirmed: the first run gave OK / UNCLEAN from a timer while other cases ran beside it; played again with only the case in question, it gave the same verdict.',
    );
  });
});
