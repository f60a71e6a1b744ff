/**
 * WebSocketStream (api.stream.*) in real browsers: the whole family, in the document and both
 * workers, in each of Debian's engines with the verdicts pinned (api-pins.ts: Chromium has it,
 * Firefox ESR and WebKitGTK do not); and in Chromium with page shims that break one rule each, or
 * take WebSocketStream away, which the family's cases must catch.
 */
import assert from 'node:assert/strict';
import { browserApiCases } from '../../cases/index.js';
import { runBrowsers, type EngineName } from '../../runner/browser/index.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { assertStreamPinned } from './api-pins.js';
import { skipBecause } from './support.js';

const streamCases = browserApiCases.filter((c) => c.id.startsWith('api.stream.'));
const verdict = (r: CaseResult): string => `${r.behavior}/${r.behaviorClose}`;

/** Runs `ids` in `engine` (with `shim` in the page and its workers), the results by ID; pending when the engine is not installed. */
async function run(ctx: Mocha.Context, engine: EngineName, ids: readonly string[] | null, shim?: string): Promise<Map<string, CaseResult>> {
  const results = new Map<string, CaseResult>();
  const apiCases = ids === null ? streamCases : streamCases.filter((c) => ids.includes(c.id));
  assert.equal(apiCases.length, ids?.length ?? streamCases.length);
  const [outcome] = await runBrowsers({
    engines: [engine],
    cases: [],
    apiCases,
    session: defaultSessionOptions,
    concurrency: 10,
    ...(shim !== undefined ? { faults: { shim } } : {}),
    onResult: (r) => results.set(r.id, r),
  });
  if (outcome!.unavailable !== undefined) skipBecause(ctx, `${engine}: not available: ${outcome!.unavailable}`);
  return results;
}

for (const engine of ['chromium', 'firefox', 'webkit'] as EngineName[]) {
  describe(`api.stream.* in ${engine}, in every context (real browser, when installed)`, function () {
    this.timeout(120_000);
    let results: Map<string, CaseResult>;

    before(async function () {
      results = await run(this, engine, null);
    });

    it('gives every case a verdict without a timeout', () => {
      assert.equal(results.size, streamCases.length);
      assert.deepEqual(
        [...results.values()].filter((r) => r.timedOutWaitingFor).map((r) => r.id),
        [],
      );
    });

    it('judges every case as pinned (UNIMPLEMENTED, with the reason, where the engine has no WebSocketStream)', () => assertStreamPinned(engine, [...results.values()]));
  });
}

/**
 * A WebSocketStream written over WebSocket, as polyfills do: faithful enough for the cases below,
 * but it enqueues every message as it arrives (no backpressure: the engine's WebSocket reads on),
 * and its writable's high water mark is 4 instead of the default 1.
 */
const POLYFILL = `
(() => {
  class WebSocketStream {
    constructor(url, options = {}) {
      let resolveOpened, rejectOpened, resolveClosed, rejectClosed;
      this.opened = new Promise((r, j) => { resolveOpened = r; rejectOpened = j; });
      this.closed = new Promise((r, j) => { resolveClosed = r; rejectClosed = j; });
      this.url = url;
      const ws = (this.ws = new WebSocket(url, options.protocols || []));
      ws.binaryType = 'arraybuffer';
      let controller;
      const readable = new ReadableStream({ start: (c) => { controller = c; }, cancel: () => ws.close() });
      const send = (chunk) => ws.send(chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk) ? chunk : String(chunk));
      const writable = new WritableStream({ write: send, close: () => ws.close() }, { highWaterMark: 4 });
      ws.onopen = () => resolveOpened({ readable, writable, protocol: ws.protocol, extensions: ws.extensions });
      ws.onmessage = (m) => controller.enqueue(typeof m.data === 'string' ? m.data : new Uint8Array(m.data));
      ws.onclose = (e) => {
        if (e.wasClean) {
          controller.close();
          resolveClosed({ closeCode: e.code, reason: e.reason });
          return;
        }
        const error = new DOMException('not cleanly closed', 'NetworkError');
        rejectOpened(error);
        controller.error(error);
        rejectClosed(error);
      };
    }
    close(info = {}) {
      this.ws.close(...(info.closeCode !== undefined ? [info.closeCode, info.reason] : info.reason ? [1000, info.reason] : []));
    }
  }
  self.WebSocketStream = WebSocketStream;
})();
`;

/** The engine's WebSocketStream, wrapped: close() takes any code (making it 1000), and closed never settles after the server's close. */
const BREAK = `
(() => {
  const P = WebSocketStream.prototype;
  const realClose = P.close;
  P.close = function (info) {
    const code = info && info.closeCode;
    return realClose.call(this, code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999) ? { ...info, closeCode: 1000 } : info);
  };
  const closed = Object.getOwnPropertyDescriptor(P, 'closed').get;
  Object.defineProperty(P, 'closed', { configurable: true, get() { return /\\/api\\.stream\\.server-close$/.test(this.url) ? new Promise(() => {}) : closed.call(this); } });
})();
`;

const NONE = 'delete self.WebSocketStream;';

describe('api.stream.* catch a WebSocketStream that breaks their rule (real Chromium, page shims)', function () {
  this.timeout(90_000);
  let polyfill: Map<string, CaseResult>;
  let broken: Map<string, CaseResult>;
  let none: Map<string, CaseResult>;

  before(async function () {
    polyfill = await run(this, 'chromium', ['api.stream.write.text', 'api.stream.read.binary', 'api.stream.backpressure.read', 'api.stream.backpressure.write'], POLYFILL);
    broken = await run(this, 'chromium', ['api.stream.close.code.999', 'api.stream.close.code.1000', 'api.stream.server-close'], BREAK);
    none = await run(this, 'chromium', ['api.stream.opened', 'api.stream.opened@worker', 'api.stream.backpressure.read@sharedworker'], NONE);
  });

  it('fails api.stream.backpressure.read on the wire when the engine reads on though nothing reads the stream', () => {
    const r = polyfill.get('api.stream.backpressure.read')!;
    // The page got all 64 MiB in the end; what fails is how much the engine took in unread.
    assert.equal(verdict(r), 'OK/FAILED', `${r.result} ${r.resultClose}`);
    assert.match(r.resultClose, /while the page read nothing: (2[5-9]|[3-6]\d)\.\d MiB of 64\.0 MiB taken in/);
  });

  it('fails api.stream.backpressure.write when the writable does not have the default high water mark', () => {
    const r = polyfill.get('api.stream.backpressure.write')!;
    assert.equal(r.behavior, 'FAILED');
    assert.match(r.result, /saw "desiredSize = 4", expected "desiredSize = 1"/);
  });

  it('passes what the polyfill gets right: text written, binary read as Uint8Array', () => {
    for (const id of ['api.stream.write.text', 'api.stream.read.binary']) assert.equal(verdict(polyfill.get(id)!), 'OK/OK', `${id}: ${polyfill.get(id)!.result}`);
  });

  it('fails api.stream.close.code.999 when close() accepts the code, on the page and on the wire', () => {
    const r = broken.get('api.stream.close.code.999')!;
    assert.match(r.result, /saw "close\(\{closeCode: 999\}\) → ok", expected "close\(\{closeCode: 999\}\) → InvalidAccessError"/);
    assert.equal(verdict(r), 'FAILED/WRONG CODE', r.resultClose);
    assert.equal(verdict(broken.get('api.stream.close.code.1000')!), 'OK/OK');
  });

  it('fails api.stream.server-close when closed never settles', () => {
    const r = broken.get('api.stream.server-close')!;
    assert.equal(r.behavior, 'FAILED');
    assert.match(r.result, /saw "\(closed pending after 10000 ms\)", expected "closed → \{closeCode: 4000, reason: "bye"\}"/);
  });

  it('judges every case UNIMPLEMENTED, in any context, where there is no WebSocketStream', () => {
    for (const r of none.values()) {
      assert.equal(verdict(r), 'UNIMPLEMENTED/UNIMPLEMENTED', `${r.id}: ${r.result}`);
      assert.equal(r.result, 'Not available in this engine: this engine has no WebSocketStream.');
    }
    assert.equal(none.size, 3);
  });
});
