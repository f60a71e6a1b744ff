/** Invariants of the browser-API catalogue (api.*). */
import assert from 'node:assert/strict';
import { allCases, browserApiCases, type CaseDef } from '../../cases/index.js';
import { streamCases, valueFamilyCases } from '../../cases/browser-api/index.js';
import type { BrowserApiCheck } from '../../cases/browser-api-types.js';
import { casesForRole } from '../../runner/engine/plan.js';
import { apiOrder, itemsOf } from '../../runner/browser/schedule.js';

/** The case's check; every api.* case has one as its expectation. */
function checkOf(c: CaseDef): BrowserApiCheck {
  assert.equal(c.expect.kind, 'browser-api', c.id);
  if (c.expect.kind !== 'browser-api') throw new TypeError(c.id);
  return c.expect.check;
}

describe('browser-API catalogue', () => {
  it('has api.* IDs, all in allCases, marked for browsers only', () => {
    assert.ok(browserApiCases.length >= 60);
    for (const c of browserApiCases) {
      assert.match(c.id, /^api\.[a-z0-9.-]+(@worker|@sharedworker)?$/, c.id);
      assert.equal(c.applies, 'browsers', c.id);
      assert.deepEqual(c.steps, [], c.id);
      assert.equal(c.expect.kind, 'browser-api', c.id);
      assert.ok(allCases.includes(c), c.id);
    }
  });

  it('is skipped when testing servers and clients', () => {
    for (const role of ['client', 'server'] as const)
      assert.ok(
        casesForRole(allCases, role).every((c) => !c.id.startsWith('api.')),
        role,
      );
  });

  it('states a WHATWG requirement and an expectation for every case', () => {
    for (const c of browserApiCases) {
      assert.match(c.requirement?.spec ?? '', /^WHATWG WebSockets §/, c.id);
      assert.ok(checkOf(c).expectPage.length > 0, c.id);
    }
  });

  it('covers every close code the standard names', () => {
    const codes = browserApiCases.filter((c) => /^api\.close\.code\.\d+$/.test(c.id)).map((c) => Number(c.id.split('.')[3]));
    for (const code of [0, 999, 1000, 1001, 1015, 1016, 2999, 3000, 4999, 5000, 65535]) assert.ok(codes.includes(code), String(code));
    const accepted = browserApiCases.filter((c) => /^api\.close\.code\.\d+$/.test(c.id) && checkOf(c).expectPage.some((l) => / → ok$/.test(l) && l.startsWith('close(') && l !== 'close() → ok'));
    assert.deepEqual(accepted.map((c) => c.id).sort(), ['api.close.code.1000', 'api.close.code.3000', 'api.close.code.4999']);
  });

  it('has the value families, at least 200 cases in all, each naming the step it checks', () => {
    assert.ok(browserApiCases.length >= 200, String(browserApiCases.length));
    for (const family of ['close.arg', 'close.reason', 'state', 'constructor', 'send', 'message', 'event', 'request']) {
      const cases = valueFamilyCases.filter((c) => c.id.startsWith(`api.${family}.`));
      assert.ok(cases.length >= 8, `${family}: ${cases.length}`);
      for (const c of cases) assert.match(c.requirement?.spec ?? '', /^WHATWG WebSockets §\d(\.\d)? \S.*/, c.id);
    }
  });

  it('has the WebSocketStream family, each case constructing one first and naming the draft step it checks, in workers too', () => {
    assert.ok(streamCases.length >= 40, String(streamCases.length));
    for (const c of streamCases) {
      assert.match(c.id, /^api\.stream\./);
      assert.match(c.requirement?.spec ?? '', /^WHATWG WebSockets §WebSocketStream \(draft, whatwg\/websockets#48; the WebSocketStream explainer\): \S/, c.id);
      // First, so that an engine without WebSocketStream logs that as the case's only line (UNIMPLEMENTED).
      const page = checkOf(c).page;
      assert.equal(page[0]?.do, 'stream.new', c.id);
      assert.ok(
        page.every((a) => a.do.startsWith('stream.') || a.do === 'sleep'),
        c.id,
      );
    }
    assert.ok(browserApiCases.some((c) => c.id === 'api.stream.backpressure.read@sharedworker'));
  });

  it('runs the cases that open before those whose handshake is refused, a WebSocketStream’s opened counting as open', () => {
    const ids = ['api.stream.handshake.status-403', 'api.handshake.status-403', 'api.stream.opened', 'api.close.code.1000'];
    const order = apiOrder(
      itemsOf(
        [],
        ids.map((id) => browserApiCases.find((c) => c.id === id)!),
      ),
    ).map((i) => i.def.id);
    assert.deepEqual(order.slice(0, 2).sort(), ['api.close.code.1000', 'api.stream.opened']);
  });

  it('only lets a case leave the page as its last action', () => {
    for (const c of browserApiCases) {
      const page = checkOf(c).page;
      const at = page.findIndex((a) => a.do === 'navigate');
      assert.ok(at === -1 || at === page.length - 1, c.id);
    }
  });
});
