/** Catalogue invariants: Autobahn's IDs in Autobahn's order, and expectations that agree with the reference. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { allCases, autobahnCases, catalogueVersion } from '../../cases/index.js';

/** Autobahn's IDs and the facts checked here, kept in the repository (its `about` says how it was produced). */
const reference = JSON.parse(readFileSync(new URL('../fixtures/autobahn-reference.json', import.meta.url), 'utf8')) as { ids: string[]; utf8Echo: Record<string, boolean> };

describe('catalogue', () => {
  it('has unique case IDs', () => {
    const ids = allCases.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it("has Autobahn's 301 cases of sections 1-7, 9 and 10 in Autobahn's order", () => {
    const ours = autobahnCases.map((c) => c.id).filter((id) => !/^1[23]\./.test(id));
    assert.equal(ours.length, 301);
    const sorted = [...ours].sort((a, b) => {
      const x = a.split('.').map(Number),
        y = b.split('.').map(Number);
      for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1);
      return 0;
    });
    assert.deepEqual(ours, sorted);
  });

  it("matches the reference list of Autobahn's IDs exactly, in its order", () => {
    assert.equal(reference.ids.length, 517);
    assert.deepEqual(
      autobahnCases.map((c) => c.id),
      reference.ids,
    );
  });

  it('expects an echo exactly where the reference says the payload is valid UTF-8 (6.5-6.23)', () => {
    const ids = Object.keys(reference.utf8Echo);
    assert.equal(ids.length, 132);
    for (const id of ids) {
      const c = allCases.find((x) => x.id === id);
      assert.ok(c && c.expect.kind === 'events', id);
      assert.equal(c.expect.close.closedByMe, reference.utf8Echo[id], `${id}: the reference says ${reference.utf8Echo[id] ? 'echo' : 'fail the connection'}`);
    }
  });

  it('bounds every case in time: a kill or close timer, or an echo timeout', () => {
    // Browser-API cases have no frame steps: the browser driver bounds them (test/browser).
    for (const c of allCases.filter((x) => x.applies !== 'browsers')) {
      const bounded = c.steps.some((s) => s.do === 'killAfter' || s.do === 'closeAfter' || s.do === 'echo') || c.steps.some((s) => s.do === 'close');
      assert.ok(bounded, `${c.id} has no timer`);
    }
  });

  it("sends Autobahn's frames where Autobahn fragments: an empty final continuation after 1-byte frames, a streamed frame in 6.4.3/6.4.4", () => {
    const frames = (id: string): string[] => {
      const c = allCases.find((x) => x.id === id);
      assert.ok(c, id);
      // A frame written in slices is one frame: count it at its first slice.
      const sends = c.steps.filter((s) => s.do === 'send' && !(typeof s.write === 'object' && 'slice' in s.write && s.write.slice[0] > 0));
      return sends.flatMap((s) => (s.do === 'send' ? s.frames.map((f) => `${f.opcode}:${(f.fin ?? true) ? 1 : 0}:${f.payload?.length ?? 0}`) : []));
    };
    // autobahn-python 0.10.9's sendMessage with fragmentSize 1: one frame per byte, then the empty final one.
    for (const [id, bytes] of [
      ['6.2.3', 29],
      ['6.2.4', 11],
      ['6.3.2', 20],
    ] as const) {
      assert.deepEqual(frames(id), ['1:0:1', ...Array<string>(bytes - 1).fill('0:0:1'), '0:1:0'], id);
    }
    // beginMessageFrame (FIN clear), three writes of its payload, then endMessage's empty final continuation.
    for (const id of ['6.4.3', '6.4.4']) assert.deepEqual(frames(id), ['1:0:21', '0:1:0'], id);
    assert.deepEqual(frames('6.4.1'), ['1:0:11', '0:0:4', '0:1:6']);
    // 65,536 bytes in 1300-byte frames: 50 full ones and 536 bytes, no empty one.
    assert.deepEqual(frames('10.1.1'), ['1:0:1300', ...Array<string>(49).fill('0:0:1300'), '0:1:536']);
  });

  it('states a requirement for every case', () => {
    for (const c of allCases) assert.ok(c.requirement?.spec, c.id);
  });

  it('has a short hex digest as its version', () => {
    assert.match(catalogueVersion, /^[0-9a-f]{12}$/);
  });
});
