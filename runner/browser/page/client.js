// @ts-check
// wsconform's page: the browser's own WebSocket is the client under test. Plain browser JavaScript,
// no build step. The harness serves this page at /run/<token>; the script fetches its job from
// /job/<token> and reports back with POST /job/<token>/event, a JSON array of events:
//   {type:'start', key}        a case is about to start (browser-API cases, and an Autobahn case
//                              before a deliberate fault; the fuzzing server sees the others start)
//   {type:'log', key, line}    a browser-API case observed something (its log, a line at a time)
//   {type:'done', key}         a case ended
//   {type:'finished'}          every case of the job ended
//   {type:'page-error', message}
// Autobahn cases follow Autobahn's client URL protocol against the fuzzing server (autobahn-client.js).
'use strict';

/**
 * The job and the events are typed in ../page-job.ts; the actions a browser-API case's page plays
 * are the ApiPageAction union of cases/browser-api-types.ts.
 * @typedef {import('../page-job.js').PageJob} PageJob
 * @typedef {import('../page-job.js').PageApiCase} PageApiCase
 * @typedef {import('../page-job.js').PageScope} PageScope
 * @typedef {import('../page-job.js').AutobahnClientLib} AutobahnClientLib
 * @typedef {import('../../../cases/browser-api-types.js').ApiPageAction} ApiPageAction
 * @typedef {import('../../../cases/browser-api-types.js').ApiString} ApiString
 * @typedef {import('../../../cases/browser-api-types.js').ApiValue} ApiValue
 * @typedef {import('../../../cases/browser-api-types.js').ApiHandlerAction} ApiHandlerAction
 * @typedef {Extract<ApiHandlerAction, { do: 'field' }>['name']} ApiFieldName
 * @typedef {'open' | 'message' | 'error' | 'close'} SocketEventType
 */

(function () {
  const token = location.pathname.split('/')[2] || '';
  // autobahn-client.js, loaded first, leaves it there.
  const { pool, maybeHang, reporter, runAutobahn } = /** @type {AutobahnClientLib} */ (/** @type {PageScope} */ (self).wsconformAutobahn);
  const report = reporter(token);

  window.addEventListener('error', (e) => report.post({ type: 'page-error', message: String(e.message) }));
  window.addEventListener('unhandledrejection', (e) => report.post({ type: 'page-error', message: String(e.reason && e.reason.message ? e.reason.message : e.reason) }));

  /**
   * Runs the Autobahn cases here, or in SharedWorkers when the job asks for it: each worker is a
   * thread of its own, so a slow 16 MB echo does not hold up the small round trips of another case.
   * @param {PageJob} job
   */
  async function autobahn(job) {
    const part = /** @type {NonNullable<PageJob['autobahn']>} */ (job.autobahn);
    if (job.autobahnIn !== 'shared-worker') return runAutobahn(job, report);
    const workers = Math.max(1, Math.min(job.autobahnWorkers || 1, job.concurrency, part.phases.flat().length));
    const perWorker = Math.max(1, Math.ceil(job.concurrency / workers));
    /** @param {number} i @returns {PageJob} */
    const share = (i) => ({
      ...job,
      concurrency: perWorker,
      firstLane: i * perWorker,
      autobahn: { ...part, phases: part.phases.map((phase) => phase.filter((_, k) => k % workers === i)) },
    });
    await Promise.all(
      Array.from(
        { length: workers },
        (_, i) =>
          /** @type {Promise<void>} */ (
            new Promise((resolve) => {
              const worker = new SharedWorker('/autobahn-client.js', { name: `wsconform-${token}-${i}` });
              worker.port.onmessage = () => resolve();
              worker.onerror = (e) => {
                report.post({ type: 'page-error', message: `shared worker: ${e.message || 'failed to start'}` });
                resolve();
              };
              worker.port.postMessage({ job: share(i), token });
            })
          ),
      ),
    );
  }

  // ---- browser-API cases ------------------------------------------------------------------------

  const values = /** @type {import('../page-job.js').PageValuesLib} */ (/** @type {PageScope} */ (self).wsconformValues);
  const { str } = values;

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

  /** @param {unknown} e what was thrown */
  const errorName = (e) => {
    const x = /** @type {{ name?: unknown } | null | undefined} */ (e);
    return x && x.name ? String(x.name) : String(e);
  };
  /** @param {unknown} e what was thrown */
  const errorMessage = (e) => e && /** @type {{ message?: unknown }} */ (e).message;

  /**
   * @param {PageJob} job
   * @param {PageApiCase} c
   */
  async function runApiCase(job, c) {
    // Each line goes to the harness as it happens: a case that never ends still shows how far it got.
    /** @param {string} line */
    const note = (line) => report.post({ type: 'log', key: c.key, line });
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
     * @returns {Promise<boolean | null>} true: it fired; false: it can no longer fire; null: not within timeoutMs
     */
    const waitFor = (event, timeoutMs) =>
      new Promise((resolve) => {
        const check = () => {
          if (seen[event] > 0) return resolve(true);
          // The socket is finished: the event can no longer come.
          if (seen.close > 0 || ws === null) return resolve(false);
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
        return { list: args.map((v) => values.build(v, c)), shown: args.map((v) => values.show(v)).join(', ') };
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

    for (const a of c.page) {
      switch (a.do) {
        case 'wait': {
          const ms = a.timeoutMs || 10000;
          const got = await waitFor(a.event, ms);
          if (got === null) note(`(no ${a.event} event within ${ms} ms)`);
          else if (got === false) note(`(no ${a.event} event)`);
          break;
        }
        case 'sleep':
          await new Promise((r) => setTimeout(r, a.ms));
          break;
        case 'navigate':
          note('navigate');
          frozen = true;
          await report.send({ type: 'done', key: c.key });
          location.href = '/blank';
          // The document goes away; nothing after this runs.
          await new Promise(() => undefined);
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
  }

  /** @param {PageJob} job */
  async function runApi(job) {
    // wsconform's own tests: a WebSocket wrapped to break a rule, which the cases must catch.
    if (job.faults.shim !== undefined) (0, eval)(job.faults.shim);
    await pool(/** @type {PageApiCase[]} */ (job.api), job.apiConcurrency, async (c) => {
      // Sent at once: the case's time starts when the harness hears of it.
      await report.send({ type: 'start', key: c.key });
      await maybeHang(job, c.key);
      try {
        await runApiCase(job, c);
      } catch (e) {
        report.post({ type: 'log', key: c.key, line: `(page error: ${errorName(e)}: ${errorMessage(e)})` });
      }
      report.post({ type: 'done', key: c.key });
    });
  }

  (async () => {
    /** @type {PageJob} */
    const job = await (await fetch(`/job/${token}`, { cache: 'no-store' })).json();
    // One after the other: Chromium delays new WebSockets exponentially in the number of pending
    // ones, so the browser-API cases' waits would depend on the Autobahn traffic next to them.
    if (job.autobahn) await autobahn(job);
    if (job.api) await runApi(job);
    await report.send({ type: 'finished' });
  })().catch((e) => void report.send({ type: 'page-error', message: `${errorName(e)}: ${errorMessage(e)}` }));
})();
