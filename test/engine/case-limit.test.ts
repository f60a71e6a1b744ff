/** The hard time limit of a case: --timeout, stretched to a bulk case's own timer unless given explicitly. */
import assert from 'node:assert/strict';
import { autobahnCases } from '../../cases/index.js';
import { caseLimitMs, defaultSessionOptions } from '../../runner/engine/defaults.js';

const byId = (id: string) => {
  const d = autobahnCases.find((c) => c.id === id);
  assert.ok(d, id);
  return d;
};

describe('case time limit', () => {
  it('by default, never cuts a bulk case short of its own Autobahn timer', () => {
    // 12.x rows wait up to 480 s for their echoes; the verdict is theirs, not the limit's.
    for (const id of ['9.1.6', '12.1.11', '12.2.15', '13.7.18']) {
      const d = byId(id);
      const own = Math.max(...d.steps.map((s) => (s.do === 'echo' ? s.rounds.timeoutMs : 0)));
      assert.ok(own > 60_000, `${id} has a long own timer`);
      assert.ok(caseLimitMs(d, defaultSessionOptions) > own, `${id}: limit ${caseLimitMs(d, defaultSessionOptions)} ≤ own ${own}`);
    }
  });

  it('by default, keeps 60 s for a case without a long timer', () => {
    assert.equal(caseLimitMs(byId('1.1.1'), defaultSessionOptions), 60_000);
  });

  it("honours an explicit limit exactly, even below a bulk case's own timer", () => {
    assert.equal(caseLimitMs(byId('12.2.15'), { caseTimeoutMs: 5000, stretchCaseTimeout: false }), 5000);
  });
});
