// @ts-check
// wsconform's page: the action player of the browser-API cases. It plays a case's page actions
// (ApiPageAction in cases/browser-api-types.ts) on the engine's own WebSocket (its WebSocketStream
// through stream-player.js) and writes what it observes as lines. Plain browser JavaScript, loaded
// after values.js and stream-player.js, in the page (client.js) and
// in the workers that run the cases' worker variants (api-worker.js); it leaves itself in
// `self.wsconformApiPlayer`.
'use strict';

/**
 * @typedef {import('../page-job.js').PageApiCase} PageApiCase
 * @typedef {import('../page-job.js').PageScope} PageScope
 * @typedef {import('../page-job.js').PageValuesLib} PageValuesLib
 * @typedef {import('../page-job.js').PageStreamPlayerLib} PageStreamPlayerLib
 * @typedef {import('../../../cases/browser-api-types.js').ApiPageAction} ApiPageAction
 * @typedef {import('../../../cases/browser-api-types.js').ApiString} ApiString
 * @typedef {import('../../../cases/browser-api-types.js').ApiValue} ApiValue
 * @typedef {import('../../../cases/browser-api-types.js').ApiHandlerAction} ApiHandlerAction
 * @typedef {Extract<ApiHandlerAction, { do: 'field' }>['name']} ApiFieldName
 * @typedef {'open' | 'message' | 'error' | 'close'} SocketEventType
 */

(
  /** @param {typeof self & PageScope} scope */ function (scope) {
    const values = /** @type {PageValuesLib} */ (scope.wsconformValues);
    const { str } = values;
    const streams = /** @type {PageStreamPlayerLib} */ (scope.wsconformStreamPlayer);

    /** @param {string | number | undefined} v */
    const arg = (v) => (typeof v === 'string' ? str(v) : String(v));
    /** @param {ApiString} v */
    const text = (v) => (typeof v === 'string' ? v : v.repeat.repeat(v.times));

    /** @param {Event} e */
    function describeEvent(e) {
      switch (e.type) {
        case 'message': {
          const m = /** @type {MessageEvent} */ (e);
          if (typeof m.data === 'string') return `message text ${str(m.data)}`;
          if (m.data instanceof ArrayBuffer) return `message binary ArrayBuffer(${m.data.byteLength})`;
          if (typeof Blob !== 'undefined' && m.data instanceof Blob) return `message binary Blob(${m.data.size})`;
          return `message binary ${Object.prototype.toString.call(m.data)}`;
        }
        case 'close': {
          const c = /** @type {CloseEvent} */ (e);
          return `close ${c.code} ${str(c.reason)} ${c.wasClean ? 'clean' : 'not clean'}`;
        }
        default:
          return e.type;
      }
    }

    /**
     * A field of an event as the expectations write it.
     * @param {Event} e
     * @param {ApiFieldName} name
     * @param {(s: string) => string} mask writes the case's server as <server>
     */
    function describeField(e, name, mask) {
      const m = /** @type {MessageEvent & Record<string, unknown>} */ (e);
      switch (name) {
        case 'ports':
          return `ports = ${m.ports ? m.ports.length : String(m.ports)}`;
        case 'interface':
          return `interface = ${Object.prototype.toString.call(e).slice(8, -1)}`;
        case 'data': {
          const d = m.data;
          if (typeof d === 'string') return `data = ${str(d)}`;
          if (d instanceof ArrayBuffer) return `data = ArrayBuffer ${[...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('')}`.trimEnd();
          if (typeof Blob !== 'undefined' && d instanceof Blob) return `data = Blob(${d.size}, type ${JSON.stringify(d.type)})`;
          return `data = ${Object.prototype.toString.call(d)}`;
        }
        default: {
          const v = m[name];
          return `${name} = ${typeof v === 'string' ? JSON.stringify(mask(v)) : String(v)}`;
        }
      }
    }

    /** An argument a case wrote could not be built in this page. */
    class BuildError extends Error {}

    const errorName = values.thrownName;
    /** @param {unknown} e what was thrown */
    const errorMessage = (e) => e && /** @type {{ message?: unknown }} */ (e).message;

    /**
     * Plays a browser-API case: `note` takes each line as it is observed (so that a case that never
     * ends still shows how far it got); `leave` is how the page leaves itself (a worker cannot).
     * @param {PageApiCase} c
     * @param {(line: string) => void} note
     * @param {(() => Promise<void>) | null} leave
     */
    async function runApiCase(c, note, leave) {
      if (c.warmUp) {
        // An HTTP/2 connection to the case's origin first, for the WebSocket to be a stream of (api-h2.ts).
        // It is not the case's to judge: a failure only leaves the WebSocket on HTTP/1.1.
        await fetch(c.warmUp, { mode: 'no-cors', credentials: 'include', cache: 'no-store' }).catch(() => undefined);
      }
      /** @type {Record<SocketEventType, number>} */
      const seen = { open: 0, message: 0, error: 0, close: 0 };
      /** @type {Array<() => void>} */
      const waiters = [];
      /** @type {Array<Extract<ApiPageAction, { do: 'on' }>>} */
      const handlers = [];
      /** @type {WebSocket | null} */
      let ws = null;
      let frozen = false;
      let quiet = false;
      /** @param {Event} e */
      const onEvent = (e) => {
        if (frozen) return;
        const type = /** @type {SocketEventType} */ (e.type);
        if (!quiet) note(describeEvent(e));
        for (const h of handlers.filter((x) => x.event === type)) {
          if (h.once) handlers.splice(handlers.indexOf(h), 1);
          for (const a of h.actions) {
            try {
              act(a, (line) => note(`${type}: ${line}`), e);
            } catch (err) {
              note(`${type}: (${err instanceof BuildError ? 'cannot build the arguments' : 'page error'}: ${err instanceof BuildError ? err.message : `${errorName(err)}: ${errorMessage(err)}`})`);
            }
          }
        }
        seen[type] = (seen[type] || 0) + 1;
        for (const w of waiters.splice(0)) w();
      };
      /**
       * @param {SocketEventType} event
       * @param {number} timeoutMs
       * @param {number} [nth] the event's count to wait for (the nth socket's)
       * @returns {Promise<boolean | null>} true: it fired; false: it can no longer fire; null: not within timeoutMs
       */
      const waitFor = (event, timeoutMs, nth = 1) =>
        new Promise((resolve) => {
          const check = () => {
            if (seen[event] >= nth) return resolve(true);
            // The socket is finished (the nth has closed): the event can no longer come.
            if (seen.close >= nth || ws === null) return resolve(false);
            waiters.push(check);
          };
          setTimeout(() => resolve(null), timeoutMs);
          check();
        });
      /** @param {string} s */
      const mask = (s) => s.split(c.host).join('<server>').split(values.hostOnly(c.host)).join('<host>');
      /**
       * The arguments a case wrote, built, and as the log prints them. A value the page cannot build
       * ends the case with a line that says why (values.js throws).
       * @param {ApiValue[]} args
       */
      const built = (args) => {
        try {
          return values.buildArgs(args, c);
        } catch (e) {
          throw new BuildError(`${errorName(e)}: ${errorMessage(e)}`);
        }
      };

      /**
       * Plays an action that does not wait (also inside an event handler, logging through `log`).
       * @param {ApiPageAction | ApiHandlerAction} a
       * @param {(line: string) => void} log
       * @param {Event} [event] the event whose handler runs it
       */
      function act(a, log, event) {
        switch (a.do) {
          case 'connect': {
            let url = c.url;
            if (a.url === 'fragment') url += '#x';
            if (a.url === 'http-scheme') url = url.replace(/^ws:/, 'http:');
            if (a.url === 'https-scheme') url = url.replace(/^wss:/, 'https:');
            if (a.url === 'ftp-scheme') url = url.replace(/^wss?:/, 'ftp:');
            const args = a.args ? built(a.args).list : a.protocols === undefined ? [url] : [url, a.protocols];
            try {
              ws = new WebSocket(.../** @type {[string]} */ (args));
              for (const type of ['open', 'message', 'error', 'close']) ws.addEventListener(type, onEvent);
            } catch (e) {
              log(`new WebSocket → ${errorName(e)}`);
            }
            break;
          }
          case 'close': {
            // With no socket (the constructor threw), calling close() throws a TypeError, which is logged.
            const socket = /** @type {WebSocket} */ (ws);
            /** @type {{ list: unknown[], shown: string }} */
            let args;
            if (a.args) args = built(a.args);
            else {
              // Exactly the arguments given: a reason without a code is close(undefined, reason).
              /** @type {unknown[]} */
              const list = a.code !== undefined || a.reason !== undefined ? [a.code] : [];
              if (a.reason !== undefined) list.push(text(a.reason));
              args = { list, shown: list.map((v) => arg(/** @type {string | number | undefined} */ (v))).join(', ') };
            }
            try {
              socket.close(.../** @type {[]} */ (args.list));
              log(`close(${args.shown}) → ok`);
            } catch (e) {
              log(`close(${args.shown}) → ${errorName(e)}`);
            }
            break;
          }
          case 'send': {
            const socket = /** @type {WebSocket} */ (ws);
            /** @type {{ list: unknown[], shown: string }} */
            let args;
            if (a.args) args = built(a.args);
            else if (a.bytes !== undefined) args = { list: [new Uint8Array(a.bytes).map((_, i) => i & 0xff)], shown: `Uint8Array(${a.bytes})` };
            else {
              const data = text(/** @type {ApiString} */ (a.text));
              args = { list: [data], shown: str(data) };
            }
            try {
              socket.send(.../** @type {[string]} */ (args.list));
              log(`send(${args.shown}) → ok`);
            } catch (e) {
              log(`send(${args.shown}) → ${errorName(e)}`);
            }
            break;
          }
          case 'read': {
            /** @type {unknown} */
            let v = /** @type {WebSocket} */ (ws)[a.attr];
            if (a.attr === 'url') v = mask(String(v));
            log(`${a.attr} = ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
            break;
          }
          case 'set':
            try {
              // Any string: a value that is not a BinaryType must be ignored.
              /** @type {WebSocket} */ (ws).binaryType = /** @type {BinaryType} */ (a.binaryType);
              log(`binaryType ← ${JSON.stringify(a.binaryType)}`);
            } catch (e) {
              log(`binaryType ← ${JSON.stringify(a.binaryType)} → ${errorName(e)}`);
            }
            break;
          case 'field':
            log(event ? describeField(event, a.name, mask) : `(no event for ${a.name})`);
            break;
          case 'set-cookie':
            if (typeof document === 'undefined') log('(no document here)');
            else {
              document.cookie = a.value;
              log(`document.cookie ← ${str(a.value)}`);
            }
            break;
          case 'has-cookie':
            if (typeof document === 'undefined') log('(no document here)');
            else log(`document.cookie has ${a.name}: ${document.cookie.split(/;\s*/).some((c) => c.split('=')[0] === a.name) ? 'yes' : 'no'}`);
            break;
          case 'queue-task':
            setTimeout(() => !frozen && note(`(task queued in ${event ? event.type : 'the page'} ran)`), 0);
            break;
          case 'on':
            handlers.push(a);
            break;
          case 'quiet':
            quiet = true;
            break;
          default:
            log(`(unknown action ${JSON.stringify(/** @type {{ do: unknown }} */ (a).do)})`);
        }
      }

      // The api.stream.* cases' actions (stream-player.js), on the case's WebSocketStream.
      const stream = streams.streamCase(c, note);
      for (const a of c.page) {
        if (streams.isStreamAction(a)) {
          // Not awaited when it did not wait: the next action runs in the same task.
          const r = stream.play(a);
          if (typeof r === 'boolean' ? r : await r) continue;
          frozen = true;
          break;
        }
        switch (a.do) {
          case 'wait': {
            const ms = a.timeoutMs || 10000;
            const got = await waitFor(a.event, ms, a.nth);
            if (got === null) note(`(no ${a.event} event within ${ms} ms)`);
            else if (got === false) note(`(no ${a.event} event)`);
            break;
          }
          case 'sleep':
            await new Promise((r) => setTimeout(r, a.ms));
            break;
          case 'navigate':
            if (!leave) {
              note('(cannot navigate from a worker)');
              frozen = true;
              break;
            }
            note('navigate');
            frozen = true;
            await leave();
            break;
          default:
            try {
              act(a, note);
            } catch (e) {
              if (!(e instanceof BuildError)) throw e;
              // Building an argument failed (values.js): the case ends here and says why.
              note(`(cannot build the arguments: ${e.message})`);
              frozen = true;
            }
        }
        if (frozen) break;
      }
      // Late events (an unexpected message or error) still belong to the case.
      await new Promise((r) => setTimeout(r, c.settleMs));
      frozen = true;
      // (act() sets ws, which the checker does not see from here.)
      const last = /** @type {WebSocket | null} */ (ws);
      if (last !== null && last.readyState < 2) last.close();
      stream.end();
    }

    /** @param {unknown} e what was thrown */
    const describeError = (e) => `${errorName(e)}: ${errorMessage(e)}`;

    scope.wsconformApiPlayer = { runApiCase, describeError };
  }
)(self);
