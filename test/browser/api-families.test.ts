/**
 * The value families (api.close.arg, api.close.reason beyond ASCII, api.state, api.constructor,
 * api.send data types, api.message, api.event, api.request) in real browsers: Firefox ESR and
 * WebKitGTK once each, with their verdicts pinned (api-pins.ts; Chromium's are checked on the run
 * of chromium.test.ts); and in Chromium with page shims, WebSockets wrapped to break one rule of
 * each family, which the family's case must catch.
 */
import assert from 'node:assert/strict';
import { valueFamilyCases } from '../../cases/browser-api/index.js';
import { apiCase } from '../../cases/browser-api/common.js';
import { baseIdOf } from '../../cases/browser-api/contexts.js';
import { browserApiCases } from '../../cases/index.js';
import type { ApiValue } from '../../cases/browser-api-types.js';
import { runBrowsers, type EngineName } from '../../runner/browser/index.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { assertPinned } from './api-pins.js';
import { skipBecause } from './support.js';

const notOk = (r: CaseResult): boolean => r.behavior !== 'OK' || r.behaviorClose !== 'OK';

for (const engine of ['firefox', 'webkit'] as EngineName[]) {
  describe(`the value families in ${engine} (real browser, when installed)`, function () {
    this.timeout(120_000);
    const results: CaseResult[] = [];

    // The document's cases and their worker variants, in one run.
    const ids = new Set(valueFamilyCases.map((c) => c.id));
    const apiCases = browserApiCases.filter((c) => ids.has(baseIdOf(c.id)));

    before(async function () {
      const [outcome] = await runBrowsers({ engines: [engine], cases: [], apiCases, session: defaultSessionOptions, concurrency: 10, onResult: (r) => results.push(r) });
      if (outcome!.unavailable !== undefined) skipBecause(this, `${engine}: not available: ${outcome!.unavailable}`);
    });

    it('gives every case a verdict without a timeout, in the document and in both workers', () => {
      assert.ok(apiCases.length > 2 * valueFamilyCases.length, String(apiCases.length));
      assert.equal(results.length, apiCases.length);
      assert.deepEqual(
        results.filter((r) => r.timedOutWaitingFor).map((r) => r.id),
        [],
      );
    });

    it('fails exactly the pinned cases', () => assertPinned(engine, results));
    it('fails the same cases in a dedicated worker', () => assertPinned(engine, results, 'worker'));
    it('fails the same cases in a shared worker', () => assertPinned(engine, results, 'sharedworker'));
  });
}

/**
 * Each part wraps one method or attribute of the page's WebSocket so that it breaks a rule of one
 * family, the way engines have broken it.
 */
const SHIM = `
(() => {
  const Real = WebSocket;
  const P = Real.prototype;
  const realClose = P.close;
  const realSend = P.send;
  const realAdd = P.addEventListener;
  const readyState = Object.getOwnPropertyDescriptor(P, 'readyState').get;
  // api.close.arg: the code is converted without [Clamp] (modulo 65536, truncating);
  // api.close.reason: the reason's length is counted in UTF-16 units, not UTF-8 bytes.
  P.close = function (...args) {
    if (args.length > 0 && args[0] !== undefined) args[0] = (Math.trunc(Number(args[0])) || 0) & 0xffff;
    if (args.length > 1 && args[1] !== undefined) {
      const reason = String(args[1]);
      if (reason.length > 123) throw new DOMException('too long', 'SyntaxError');
      args[1] = new TextDecoder().decode(new TextEncoder().encode(reason).slice(0, 123));
    }
    return realClose.apply(this, args);
  };
  // api.send: a view sends its whole buffer.
  P.send = function (...args) {
    return realSend.apply(this, args.map((d) => (ArrayBuffer.isView(d) ? d.buffer : d)));
  };
  // api.state: readyState still reads CLOSING inside an error handler.
  let inError = 0;
  Object.defineProperty(P, 'readyState', { configurable: true, get() { return inError > 0 ? 2 : readyState.call(this); } });
  // api.message, api.event: the message event is a copy made by script, its origin the whole URL.
  P.addEventListener = function (type, listener, ...rest) {
    const wrapped = (e) => {
      if (type === 'error') inError++;
      try {
        return listener.call(this, type === 'message' ? new MessageEvent('message', { data: e.data, origin: this.url }) : e);
      } finally {
        if (type === 'error') inError--;
      }
    };
    return realAdd.call(this, type, wrapped, ...rest);
  };
  // api.constructor: http: and https: URLs throw, as before the standard allowed them.
  // api.cookies: every cookie the page can see is deleted before each handshake.
  self.WebSocket = class extends Real {
    constructor(...args) {
      if (/^\\s*https?:/i.test(String(args[0]))) throw new DOMException('scheme', 'SyntaxError');
      if (typeof document !== 'undefined') for (const c of document.cookie.split(/;\\s*/)) if (c) document.cookie = c.split('=')[0] + '=; max-age=0; path=/';
      super(...args);
    }
  };
})();
`;

/** The case of each family the shim must make fail, and how its result must read. */
const CAUGHT: Array<[string, RegExp]> = [
  ['api.close.arg.66536', /saw "close\(66536\) → ok", expected "close\(66536\) → InvalidAccessError"/],
  ['api.close.arg.999.5', /saw "close\(999\.5\) → InvalidAccessError", expected "close\(999\.5\) → ok"/],
  ['api.close.reason.31-emoji', /saw "close\(1000, "😀"×31\) → ok", expected .*SyntaxError/],
  ['api.send.uint8array.offset-length', /expected binary 02030405/],
  ['api.state.handshake.wrong-accept', /saw "error: readyState = 2", expected "error: readyState = 3"/],
  ['api.message.origin', /saw "message: origin = "ws:\/\/<server>\/api\.message\.origin"", expected "message: origin = "ws:\/\/<server>""/],
  ['api.event.message.is-trusted', /saw "message: isTrusted = false"/],
  ['api.constructor.https-scheme', /saw "new WebSocket → SyntaxError"/],
  ['api.cookies.from-101', /Opening request 2 had Cookie: .*expected a value matching \/\(\^\|;\\s\*\)wsc_api_cookies_from_101=v1/],
];

/** A case whose argument the page cannot build: an unknown tag, and a view type no engine has. */
const unbuildable = (id: string, value: unknown): ReturnType<typeof apiCase> =>
  apiCase({
    id,
    title: 'an argument the page cannot build',
    description: 'wsconform test',
    expectation: 'the decoding error is the result',
    requirement: { spec: 'WHATWG WebSockets §3.1 send()', level: 'MUST' },
    check: { server: { handshake: { kind: 'accept' } }, page: [{ do: 'connect' }, { do: 'wait', event: 'open' }, { do: 'send', args: [value as ApiValue] }], expectPage: ['open', 'send(1) → ok'] },
  });

describe('the value families catch a WebSocket that breaks their rule (real Chromium, page shims)', function () {
  this.timeout(60_000);
  const results = new Map<string, CaseResult>();
  const bad = [unbuildable('api.test.unknown-tag', { $: 'no-such-tag' }), unbuildable('api.test.no-such-view', { $: 'view', type: 'Int128Array', bytes: { count: 1 } })];

  before(async function () {
    const alone = ['api.close.arg.1000.4', 'api.send.arraybuffer', 'api.cookies.http-only'];
    const apiCases = [...browserApiCases.filter((c) => CAUGHT.some(([id]) => id === c.id) || alone.includes(c.id)), ...bad];
    assert.equal(apiCases.length, CAUGHT.length + alone.length + bad.length);
    const [outcome] = await runBrowsers({ engines: ['chromium'], cases: [], apiCases, session: defaultSessionOptions, concurrency: 10, faults: { shim: SHIM }, onResult: (r) => results.set(r.id, r) });
    if (outcome!.unavailable !== undefined) skipBecause(this, `chromium: not available: ${outcome!.unavailable}`);
  });

  for (const [id, why] of CAUGHT) {
    it(`${id} fails`, () => {
      const r = results.get(id)!;
      assert.ok(notOk(r), `${id} passed: ${r.result}`);
      assert.match(`${r.result} ${r.resultClose}`, why);
    });
  }

  it('still passes the cases the shim leaves alone', () => {
    // api.cookies.http-only: the page cannot delete an HttpOnly cookie.
    for (const id of ['api.close.arg.1000.4', 'api.send.arraybuffer', 'api.cookies.http-only'])
      assert.ok(!notOk(results.get(id)!), `${id}: ${results.get(id)!.result} ${results.get(id)!.resultClose}`);
  });

  it('reports an argument the page cannot build as the case’s result, and goes on', () => {
    assert.match(results.get('api.test.unknown-tag')!.result, /saw "\(cannot build the arguments: Error: unknown value tag \\?"no-such-tag\\?"\)"/);
    assert.match(results.get('api.test.no-such-view')!.result, /cannot build the arguments: Error: no Int128Array here/);
    assert.equal(results.get('api.test.unknown-tag')!.timedOutWaitingFor, undefined);
  });
});
