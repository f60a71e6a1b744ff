// @ts-check
// wsconform's page: the player of the api.stream.* cases' actions (ApiStreamAction in
// cases/browser-api-types.ts) on the engine's WebSocketStream. Plain browser JavaScript, loaded
// after values.js and before api-player.js, which hands it every `stream.*` action of a case; in
// the page and in the workers. It leaves itself in `self.wsconformStreamPlayer`.
'use strict';

/**
 * @typedef {import('../page-job.js').PageApiCase} PageApiCase
 * @typedef {import('../page-job.js').PageScope} PageScope
 * @typedef {import('../page-job.js').PageValuesLib} PageValuesLib
 * @typedef {import('../../../cases/browser-api-types.js').ApiPageAction} ApiPageAction
 * @typedef {import('../../../cases/browser-api-types.js').ApiStreamAction} ApiStreamAction
 * @typedef {import('../../../cases/browser-api-types.js').ApiValue} ApiValue
 * @typedef {{ readable: ReadableStream, writable: WritableStream, protocol: string, extensions: string }} OpenInfo
 * @typedef {{ url: string, opened: Promise<OpenInfo>, closed: Promise<{ closeCode: number, reason: string }>, close(info?: unknown): void }} StreamObject
 */

(
  /** @param {typeof self & PageScope} scope */ function (scope) {
    const values = /** @type {PageValuesLib} */ (scope.wsconformValues);
    const { str } = values;
    const DEFAULT_WAIT_MS = 10000;

    /** @param {unknown} x */
    const tag = (x) => Object.prototype.toString.call(x).slice(8, -1);
    const nameOf = values.thrownName;

    /**
     * A chunk the readable gave, as the expectations write it.
     * @param {unknown} v
     */
    function describeChunk(v) {
      if (typeof v === 'string') return `text ${str(v)}`;
      const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : null;
      if (!bytes) return `${tag(v)} ${String(v)}`;
      const hex = bytes.length > 0 && bytes.length <= 32 ? [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('') : `(${bytes.length} bytes)`;
      return `binary ${tag(v)} ${hex}`;
    }

    /** @param {unknown} v */
    const chunkBytes = (v) => (typeof v === 'string' ? new TextEncoder().encode(v).length : v instanceof ArrayBuffer ? v.byteLength : ArrayBuffer.isView(v) ? v.byteLength : 0);

    /** @param {ApiPageAction} a @returns {a is ApiStreamAction} */
    const isStreamAction = (a) => a.do.startsWith('stream.');

    /**
     * The player of one case: `play` runs a stream action and resolves false when the case must
     * end here (no WebSocketStream in this engine, an argument that cannot be built); `end` closes
     * what the case left open.
     * @param {PageApiCase} c
     * @param {(line: string) => void} note
     */
    function streamCase(c, note) {
      /** @type {StreamObject | null} */
      let wss = null;
      /** @type {AbortController | null} */
      let controller = null;
      /** @type {AbortSignal | null} */
      let signal = null;
      /** @type {OpenInfo | null} */
      let info = null;
      /** @type {WritableStreamDefaultWriter | null} */
      let writer = null;
      /** @type {ReadableStreamDefaultReader | null} */
      let reader = null;
      let settled = false;

      /** A rejection as the expectations write it. @param {unknown} e */
      const rejection = (e) => {
        let s = `rejected ${nameOf(e)}`;
        const x = /** @type {{ closeCode?: unknown, reason?: unknown }} */ (e);
        if (x && typeof x === 'object' && 'closeCode' in x) s += ` {closeCode: ${x.closeCode === null ? 'null' : String(x.closeCode)}, reason: ${str(String(x.reason))}}`;
        if (signal && e === signal.reason) s += " (the signal's reason)";
        return s;
      };
      /**
       * Settles `p` or gives up after `ms`: the value, the rejection, or null (still pending).
       * @template T
       * @param {Promise<T>} p
       * @param {number} ms
       * @returns {Promise<{ ok: T } | { error: unknown } | null>}
       */
      const within = (p, ms) => {
        /** @type {ReturnType<typeof setTimeout> | undefined} */
        let timer;
        return Promise.race([
          p.then(
            (ok) => ({ ok }),
            (error) => ({ error }),
          ),
          /** @type {Promise<null>} */ (new Promise((r) => (timer = setTimeout(() => r(null), ms)))),
        ]).finally(() => clearTimeout(timer));
      };
      /**
       * Awaits `p` and logs `<what> → <outcome>`, or that it is still pending.
       * @param {string} what
       * @param {Promise<unknown>} p
       * @param {number | undefined} ms
       * @param {(v: unknown) => string} [ok]
       */
      const settle = async (what, p, ms = DEFAULT_WAIT_MS, ok = () => 'ok') => {
        const r = await within(p, ms);
        if (r === null) note(`(${what} pending after ${ms} ms)`);
        else note(`${what} → ${'ok' in r ? ok(r.ok) : rejection(r.error)}`);
        return r;
      };
      /** The arguments a case wrote, built; null (and a line saying why) when they cannot be. @param {ApiValue[]} args */
      const built = (args) => {
        try {
          return values.buildArgs(args, c);
        } catch (e) {
          note(`(cannot build the arguments: ${nameOf(e)}: ${/** @type {Error} */ (e).message})`);
          return null;
        }
      };
      const writerOf = () => (writer = writer || /** @type {OpenInfo} */ (info).writable.getWriter());
      const readerOf = () => (reader = reader || /** @type {OpenInfo} */ (info).readable.getReader());

      /**
       * Plays an action: at once (a boolean) when it does not wait, so that the next one still sees
       * the same state (a write in flight), else a promise.
       * @param {ApiStreamAction} a
       * @returns {boolean | Promise<boolean>}
       */
      function play(a) {
        if (a.do === 'stream.new') {
          const Ctor = /** @type {any} */ (scope).WebSocketStream;
          if (typeof Ctor !== 'function') {
            note('(not available: this engine has no WebSocketStream)');
            return false;
          }
          /** @type {unknown[]} */
          let args;
          if (a.args) {
            const b = built(a.args);
            if (!b) return false;
            args = b.list;
          } else {
            if (a.signal === 'controller') signal = (controller = new AbortController()).signal;
            if (a.signal === 'aborted') signal = AbortSignal.abort();
            args = [c.url, { ...(a.protocols ? { protocols: a.protocols } : {}), ...(signal ? { signal } : {}) }];
          }
          try {
            wss = new Ctor(...args);
            // Observed here, awaited (or not) by the case: a rejection nobody awaits is no page error.
            const s = /** @type {StreamObject} */ (wss);
            s.opened.then((v) => (info = v)).catch(() => undefined);
            s.closed.then(() => (settled = true)).catch(() => (settled = true));
          } catch (e) {
            note(`new WebSocketStream → ${nameOf(e)}`);
          }
          return true;
        }
        const s = wss;
        if (s === null) {
          note(`(no WebSocketStream for ${a.do})`);
          return true;
        }
        switch (a.do) {
          case 'stream.close': {
            const b = built(a.args);
            if (!b) return false;
            try {
              s.close(...b.list);
              note(`close(${b.shown}) → ok`);
            } catch (e) {
              note(`close(${b.shown}) → ${nameOf(e)}`);
            }
            return true;
          }
          case 'stream.abort':
            if (controller) controller.abort();
            note(controller ? 'signal aborted' : '(no AbortController)');
            return true;
          case 'stream.desired-size':
            note(`desiredSize = ${String(writerOf().desiredSize)}`);
            return true;
          case 'stream.write':
            if (!a.noWait) break;
            {
              const b = built(a.args);
              if (!b) return false;
              writerOf()
                .write(b.list[0])
                .catch(() => undefined);
              note(`write(${b.shown}) (not awaited)`);
            }
            return true;
        }
        return waitFor(s, a);
      }

      /**
       * Plays an action that waits for a promise.
       * @param {StreamObject} s
       * @param {ApiStreamAction} a
       * @returns {Promise<boolean>}
       */
      async function waitFor(s, a) {
        switch (a.do) {
          case 'stream.opened':
            await settle('opened', s.opened, a.timeoutMs, (v) => {
              const o = /** @type {OpenInfo} */ (v);
              return `{readable: ${tag(o.readable)}, writable: ${tag(o.writable)}, protocol: ${JSON.stringify(o.protocol)}, extensions: ${JSON.stringify(o.extensions)}}`;
            });
            break;
          case 'stream.closed':
            await settle('closed', s.closed, a.timeoutMs, (v) => {
              const o = /** @type {{ closeCode: unknown, reason: unknown }} */ (v);
              return `{closeCode: ${String(o.closeCode)}, reason: ${str(String(o.reason))}}`;
            });
            break;
          case 'stream.write': {
            const b = built(a.args);
            if (!b) return false;
            await settle(`write(${b.shown})`, writerOf().write(b.list[0]), a.timeoutMs);
            break;
          }
          case 'stream.read': {
            const r = readerOf();
            if (a.count === undefined) {
              await settle('read', r.read(), a.timeoutMs, (v) => {
                const x = /** @type {ReadableStreamReadResult<unknown>} */ (v);
                return x.done ? 'done' : describeChunk(x.value);
              });
              break;
            }
            let n = 0;
            let bytes = 0;
            let end = '';
            while (n < a.count) {
              const x = await within(r.read(), a.timeoutMs || DEFAULT_WAIT_MS);
              if (x === null || !('ok' in x) || x.ok.done) {
                end = x === null ? ', then nothing' : 'ok' in x ? ', then done' : `, then ${rejection(x.error)}`;
                break;
              }
              n++;
              bytes += chunkBytes(x.ok.value);
            }
            note(`read ×${n} → ${bytes} bytes${end}`);
            break;
          }
          case 'stream.ready':
            await settle('ready', writerOf().ready, a.timeoutMs);
            break;
          case 'stream.writable-close':
            await settle('writable.close()', writer ? writer.close() : /** @type {OpenInfo} */ (info).writable.close());
            break;
          case 'stream.writable-abort':
          case 'stream.readable-cancel': {
            const b = built(a.args);
            if (!b) return false;
            const abort = a.do === 'stream.writable-abort';
            const o = /** @type {OpenInfo} */ (info);
            const p = abort ? (writer ? writer.abort(b.list[0]) : o.writable.abort(b.list[0])) : reader ? reader.cancel(b.list[0]) : o.readable.cancel(b.list[0]);
            await settle(`${abort ? 'writable.abort' : 'readable.cancel'}(${b.shown})`, p);
            break;
          }
          default:
            note(`(unknown action ${JSON.stringify(/** @type {{ do: unknown }} */ (a).do)})`);
        }
        return true;
      }

      /** What the case left open is closed (its verdict is in by now). */
      const end = () => {
        if (wss === null || settled) return;
        try {
          wss.close();
        } catch {
          // already closing
        }
      };
      return { play, end };
    }

    scope.wsconformStreamPlayer = { streamCase, isStreamAction };
  }
)(self);
