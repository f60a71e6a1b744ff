// @ts-check
// wsconform's page: the WebSocketStream actions of the browser-API cases (ApiStreamAction in
// cases/browser-api-types.ts), played on the engine's own WebSocketStream. Each action that waits
// logs how its promise settled, or that it did not in time, so the lines come in the order the
// case gives them whatever the engine's timing. Plain browser JavaScript, loaded before
// api-player.js (which calls it) in the page and in the workers; it leaves itself in
// `self.wsconformStreamPlayer`.
'use strict';

/**
 * @typedef {import('../page-job.js').PageScope} PageScope
 * @typedef {import('../page-job.js').PageStreamHelpers} PageStreamHelpers
 * @typedef {import('../../../cases/browser-api-types.js').ApiStreamAction} ApiStreamAction
 * @typedef {{ opened: Promise<any>, closed: Promise<any>, close: (...a: unknown[]) => void }} StreamLike
 */

(
  /** @param {typeof self & PageScope} scope */ function (scope) {
    const DEFAULT_MS = 5000;

    /**
     * How a promise settled within `ms`.
     * @param {Promise<any>} p
     * @param {number} ms
     * @returns {Promise<{ ok: true, value: any } | { ok: false, error: unknown } | null>} null: not in time
     */
    const within = (p, ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve(null), ms);
        p.then(
          (value) => (clearTimeout(timer), resolve({ ok: true, value })),
          (error) => (clearTimeout(timer), resolve({ ok: false, error })),
        );
      });

    /** @param {Uint8Array} b */
    const hex = (b) => (b.length <= 64 ? [...b].map((x) => x.toString(16).padStart(2, '0')).join('') : `(${b.length} bytes)`);

    /**
     * The stream state of one case.
     * @param {{ url: string }} c the case's server
     * @param {PageStreamHelpers} h the action player's logging and value building
     */
    function create(c, h) {
      /** @type {StreamLike | null} */
      let wss = null;
      /** @type {AbortController | null} */
      let controller = null;
      /** @type {ReadableStreamDefaultReader<any> | null} */
      let reader = null;
      /** @type {WritableStreamDefaultWriter<any> | null} */
      let writer = null;
      let closed = false;
      const rejection = (/** @type {unknown} */ e) => h.errorName(e);
      /** @param {string} what @param {number} ms */
      const late = (what, ms) => h.note(`(${what} did not settle within ${ms} ms)`);

      /** @param {ApiStreamAction} a */
      async function play(a) {
        const ms = 'timeoutMs' in a && a.timeoutMs ? a.timeoutMs : DEFAULT_MS;
        if (a.do === 'stream-connect') {
          const Stream = /** @type {any} */ (scope).WebSocketStream;
          /** @type {unknown[]} */
          let args;
          if (a.args) args = h.built(a.args).list;
          else {
            /** @type {Record<string, unknown>} */
            const options = {};
            if (a.protocols) options.protocols = a.protocols;
            if (a.signal) options.signal = (controller = new AbortController()).signal;
            args = Object.keys(options).length > 0 ? [c.url, options] : [c.url];
          }
          try {
            wss = /** @type {StreamLike} */ (new Stream(...args));
            // Settled by the actions that wait for them; never an unhandled rejection.
            wss.opened.catch(() => undefined);
            wss.closed.then(
              () => (closed = true),
              () => (closed = true),
            );
          } catch (e) {
            h.note(`new WebSocketStream → ${h.errorName(e)}`);
          }
          return;
        }
        if (a.do === 'stream-abort') {
          if (controller) controller.abort();
          h.note('abort() → ok');
          return;
        }
        if (!wss) {
          h.note('(no WebSocketStream: the constructor threw)');
          return;
        }
        switch (a.do) {
          case 'stream-opened': {
            const r = await within(wss.opened, ms);
            if (r === null) return late('opened', ms);
            if (!r.ok) return h.note(`opened → ${rejection(r.error)}`);
            reader = r.value.readable.getReader();
            writer = r.value.writable.getWriter();
            return h.note(`opened: protocol = ${h.str(r.value.protocol)}, extensions = ${h.str(r.value.extensions)}`);
          }
          case 'stream-closed': {
            const r = await within(wss.closed, ms);
            if (r === null) return late('closed', ms);
            if (!r.ok) return h.note(`closed → ${rejection(r.error)}`);
            return h.note(`closed: closeCode = ${String(r.value.closeCode)}, reason = ${h.str(r.value.reason)}`);
          }
          case 'stream-write': {
            const { list, shown } = h.built([a.value]);
            if (!writer) return h.note(`(write(${shown}): no writer, opened never resolved)`);
            const r = await within(writer.write(list[0]), ms);
            if (r === null) return late(`write(${shown})`, ms);
            return h.note(`write(${shown}) → ${r.ok ? 'ok' : h.errorName(r.error)}`);
          }
          case 'stream-read': {
            if (!reader) return h.note('(read: no reader, opened never resolved)');
            const r = await within(reader.read(), ms);
            if (r === null) return late('read', ms);
            if (!r.ok) return h.note(`read → ${rejection(r.error)}`);
            if (r.value.done) return h.note('read done');
            const v = r.value.value;
            if (typeof v === 'string') return h.note(`read text ${h.str(v)}`);
            const type = Object.prototype.toString.call(v).slice(8, -1);
            const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(0);
            return h.note(`read binary ${type} ${hex(bytes)}`.trimEnd());
          }
          case 'stream-close': {
            const { list, shown } = a.args ? h.built(a.args) : { list: [], shown: '' };
            try {
              wss.close(...list);
              return h.note(`close(${shown}) → ok`);
            } catch (e) {
              return h.note(`close(${shown}) → ${h.errorName(e)}`);
            }
          }
          case 'stream-writer-close': {
            if (!writer) return h.note('(writer.close(): no writer, opened never resolved)');
            const r = await within(writer.close(), ms);
            if (r === null) return late('writer.close()', ms);
            return h.note(`writer.close() → ${r.ok ? 'ok' : h.errorName(r.error)}`);
          }
          case 'stream-cancel': {
            if (!reader) return h.note('(reader.cancel(): no reader, opened never resolved)');
            const r = await within(reader.cancel(), ms);
            if (r === null) return late('reader.cancel()', ms);
            return h.note(`reader.cancel() → ${r.ok ? 'ok' : h.errorName(r.error)}`);
          }
        }
      }

      /** At the case's end: a stream still open is closed, so that it does not outlive its case. */
      function end() {
        if (!wss || closed) return;
        try {
          wss.close();
        } catch {
          // Nothing more to do for it.
        }
      }

      return { play, end };
    }

    scope.wsconformStreamPlayer = { create };
  }
)(self);
