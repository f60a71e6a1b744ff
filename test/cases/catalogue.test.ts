/** Catalogue invariants: Autobahn's IDs in Autobahn's order, and expectations that agree with the reference. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { allCases, autobahnCases, catalogueVersion } from '../../cases/index.js';

const tsvPath = new URL('../../../shared/reference/autobahn-cases.tsv', import.meta.url);
const reference = (() => {
  try {
    return readFileSync(tsvPath, 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split('\t'));
  } catch {
    return null;
  }
})();

describe('catalogue', () => {
  it('has unique case IDs', () => {
    const ids = allCases.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it("has Autobahn's 301 cases of sections 1-7, 9 and 10 in Autobahn's order", () => {
    const ours = autobahnCases.map((c) => c.id).filter((id) => !/^1[23]\./.test(id));
    assert.equal(ours.length, 301);
    const sorted = [...ours].sort((a, b) => {
      const x = a.split('.').map(Number), y = b.split('.').map(Number);
      for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1);
      return 0;
    });
    assert.deepEqual(ours, sorted);
  });

  it('matches the reference list of IDs exactly', function () {
    if (!reference) this.skip();
    const refIds = reference!.map((r) => r[0]).filter((id) => !/^1[23]\./.test(id!));
    assert.deepEqual(autobahnCases.map((c) => c.id).filter((id) => !/^1[23]\./.test(id)), refIds);
  });

  it('expects an echo exactly where the reference says the payload is valid UTF-8 (6.5-6.23)', function () {
    if (!reference) this.skip();
    for (const row of reference!.filter((r) => /^6\.(5|6|7|8|9|1\d|2[0-3])\./.test(r[0]!))) {
      const c = allCases.find((x) => x.id === row[0]);
      assert.ok(c && c.expect.kind === 'events');
      const refEchoes = /^echo/.test(row[4]!);
      assert.equal(c.expect.close.closedByMe, refEchoes, `${row[0]}: ${row[4]}`);
    }
  });

  it('bounds every case in time: a kill or close timer, or an echo timeout', () => {
    // Browser-API cases have no frame steps: the browser driver bounds them (test/browser).
    for (const c of allCases.filter((x) => x.applies !== 'browsers')) {
      const bounded = c.steps.some((s) => s.do === 'killAfter' || s.do === 'closeAfter' || s.do === 'echo') || c.steps.some((s) => s.do === 'close');
      assert.ok(bounded, `${c.id} has no timer`);
    }
  });

  it('states a requirement for every case', () => {
    for (const c of allCases) assert.ok(c.requirement?.spec, c.id);
  });

  it('has a short hex digest as its version', () => {
    assert.match(catalogueVersion, /^[0-9a-f]{12}$/);
  });
});
