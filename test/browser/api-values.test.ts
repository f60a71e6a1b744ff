/**
 * The values browser-API cases write as data: the page's builder (page/values.js, run here in a
 * sandbox) against the catalogue's own printing, and the close.arg expectations against an
 * independent reading of Web IDL's [Clamp] conversion.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { browserApiCases } from '../../cases/index.js';
import type { ApiPageAction, ApiValue } from '../../cases/browser-api-types.js';
import { shown } from '../../cases/browser-api/values.js';
import type { PageValuesLib } from '../../runner/browser/page-job.js';

/** values.js as the page runs it, in a context of its own. */
function pageValues(): PageValuesLib {
  // Node has no WebSocketError: a stand-in that keeps what it was given.
  class WebSocketError {
    constructor(
      readonly message: string,
      readonly init: object,
    ) {}
  }
  const scope: Record<string, unknown> = { Uint8Array, Uint16Array, Int8Array, Uint32Array, Float64Array, Uint8ClampedArray, DataView, ArrayBuffer, Blob, URL, BigInt, WebSocketError };
  scope.self = scope;
  vm.runInNewContext(readFileSync(new URL('../../runner/browser/page/values.js', import.meta.url), 'utf8'), scope);
  return scope.wsconformValues as PageValuesLib;
}

/** Every value the catalogue's page actions pass, handlers and WebSocketStream actions included. */
function catalogueValues(): ApiValue[] {
  const out: ApiValue[] = [];
  const walk = (a: ApiPageAction): void => {
    if ((a.do === 'close' || a.do === 'send' || a.do === 'connect' || a.do.startsWith('stream.')) && 'args' in a && a.args) out.push(...a.args);
    if (a.do === 'on') a.actions.forEach((x) => walk(x as ApiPageAction));
  };
  for (const c of browserApiCases) if (c.expect.kind === 'browser-api') c.expect.check.page.forEach(walk);
  return out;
}

const server = { url: 'ws://127.0.0.3:4567/api.x', host: '127.0.0.3:4567' };

describe('browser-API values', () => {
  const lib = pageValues();

  it('prints every value of the catalogue in the page as the expectations print it', () => {
    const values = catalogueValues();
    assert.ok(values.length > 150, String(values.length));
    for (const v of values) assert.equal(lib.show(v), shown(v), JSON.stringify(v));
  });

  it('builds every value of the catalogue', () => {
    for (const v of catalogueValues()) lib.build(v, server);
  });

  it('builds views over their section of the buffer, and the special numbers', () => {
    const view = lib.build({ $: 'view', type: 'Uint16Array', bytes: { count: 8 }, byteOffset: 2, length: 2 }, server) as Uint16Array;
    assert.deepEqual([view.byteOffset, view.byteLength, view.buffer.byteLength], [2, 4, 8]);
    assert.deepEqual([...new Uint8Array(view.buffer, view.byteOffset, view.byteLength)], [2, 3, 4, 5]);
    const dv = lib.build({ $: 'view', type: 'DataView', bytes: { hex: '0a0b0c' }, byteOffset: 1 }, server) as DataView;
    assert.deepEqual([dv.byteOffset, dv.byteLength, dv.getUint8(0)], [1, 2, 0x0b]);
    assert.ok(Object.is(lib.build({ $: '-0' }, server), -0));
    assert.ok(Number.isNaN(lib.build({ $: 'NaN' }, server)));
    assert.equal(lib.build({ $: 'undefined' }, server), undefined);
    assert.equal(lib.build({ $: 'bigint', value: '7' }, server), 7n);
    assert.equal(lib.build({ $: 'url', template: 'http://<server><path>|<host>' }, server), 'http://127.0.0.3:4567/api.x|127.0.0.3');
    // (Built in another realm: compared as JSON.)
    assert.equal(JSON.stringify(lib.build({ $: 'object', props: { protocols: ['a', { $: 'repeat', repeat: 'b', times: 3 }] } }, server)), '{"protocols":["a","bbb"]}');
    // Only the members given reach the WebSocketError's init.
    assert.equal(JSON.stringify(lib.build({ $: 'WebSocketError', closeCode: 4001 }, server)), '{"message":"","init":{"closeCode":4001}}');
    assert.equal(lib.show({ $: 'WebSocketError', message: 'm', closeCode: 4001, reason: 'ab' }), 'WebSocketError("m", {closeCode: 4001, reason: "ab"})');
  });

  it('refuses what it cannot build, with a message that says what', () => {
    assert.throws(() => lib.build({ $: 'nope' } as unknown as ApiValue, server), /unknown value tag "nope"/);
    assert.throws(() => lib.build({ $: 'view', type: 'Int128Array', bytes: { count: 1 } } as unknown as ApiValue, server), /no Int128Array here/);
    assert.throws(() => lib.build({ $: 'ArrayBuffer', bytes: { hex: 'xyz' } }, server), /not hex/);
  });
});

/** Web IDL's ConvertToInt for [Clamp] unsigned short, written apart from the catalogue. */
function clampUnsignedShort(x: number): number {
  if (Number.isNaN(x)) return 0;
  const c = Math.min(Math.max(x, 0), 65535);
  const f = Math.floor(c);
  const d = c - f;
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  return r === 0 ? 0 : r;
}

describe('api.close.arg expectations', () => {
  it('accept exactly the codes [Clamp] makes 1000 or 3000-4999', () => {
    let checked = 0;
    for (const c of browserApiCases) {
      if (!c.id.startsWith('api.close.arg.') || c.expect.kind !== 'browser-api') continue;
      const close = c.expect.check.page.find((a) => a.do === 'close' && a.args);
      const first = close?.do === 'close' ? close.args?.[0] : undefined;
      // Numbers and the tagged special numbers; strings and objects go through ToNumber first.
      const special: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };
      const n = typeof first === 'number' ? first : typeof first === 'object' && first !== null && !Array.isArray(first) && first.$ in special ? special[first.$] : undefined;
      if (n === undefined) continue;
      const code = clampUnsignedShort(n);
      const valid = code === 1000 || (code >= 3000 && code <= 4999);
      const line = c.expect.check.expectPage[1]!;
      assert.equal(line.endsWith('→ ok'), valid, `${c.id}: ${n} → ${code}; the case expects ${line}`);
      checked++;
    }
    assert.ok(checked >= 25, String(checked));
  });
});
