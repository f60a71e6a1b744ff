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

  /**
   * A string as the expectations write it: JSON, or `"x"×123` for a long run of one character.
   * @param {string} s
   */
  function str(s) {
    if (s.length > 20) {
      let same = true;
      for (let i = 1; i < s.length && same; i++) same = s.charCodeAt(i) === s.charCodeAt(0);
      if (same) return `${JSON.stringify(s[0])}×${s.length}`;
    }
    return JSON.stringify(s);
  }

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
    /** @type {WebSocket | null} */
    let ws = null;
    let frozen = false;
    /** @param {Event} e */
    const onEvent = (e) => {
      if (frozen) return;
      note(describeEvent(e));
      const type = /** @type {SocketEventType} */ (e.type);
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

    for (const a of c.page) {
      switch (a.do) {
        case 'connect': {
          let url = c.url;
          if (a.url === 'fragment') url += '#x';
          if (a.url === 'http-scheme') url = url.replace(/^ws:/, 'http:');
          if (a.url === 'https-scheme') url = url.replace(/^wss:/, 'https:');
          if (a.url === 'ftp-scheme') url = url.replace(/^wss?:/, 'ftp:');
          try {
            ws = a.protocols === undefined ? new WebSocket(url) : new WebSocket(url, a.protocols);
            for (const type of ['open', 'message', 'error', 'close']) ws.addEventListener(type, onEvent);
          } catch (e) {
            note(`new WebSocket → ${errorName(e)}`);
          }
          break;
        }
        case 'wait': {
          const ms = a.timeoutMs || 10000;
          const got = await waitFor(a.event, ms);
          if (got === null) note(`(no ${a.event} event within ${ms} ms)`);
          else if (got === false) note(`(no ${a.event} event)`);
          break;
        }
        case 'close': {
          // With no socket (the constructor threw), calling close() throws a TypeError, which is logged.
          const socket = /** @type {WebSocket} */ (ws);
          /** @type {[code?: number, reason?: string]} */
          const args = [];
          if (a.code !== undefined) args.push(a.code);
          if (a.reason !== undefined) args.push(text(a.reason));
          try {
            socket.close(...args);
            note(`close(${args.map(arg).join(', ')}) → ok`);
          } catch (e) {
            note(`close(${args.map(arg).join(', ')}) → ${errorName(e)}`);
          }
          break;
        }
        case 'send': {
          const socket = /** @type {WebSocket} */ (ws);
          const data = a.bytes !== undefined ? new Uint8Array(a.bytes).map((_, i) => i & 0xff) : text(/** @type {ApiString} */ (a.text));
          const shown = a.bytes !== undefined ? `Uint8Array(${a.bytes})` : str(/** @type {string} */ (data));
          try {
            socket.send(data);
            note(`send(${shown}) → ok`);
          } catch (e) {
            note(`send(${shown}) → ${errorName(e)}`);
          }
          break;
        }
        case 'read': {
          /** @type {unknown} */
          let v = /** @type {WebSocket} */ (ws)[a.attr];
          if (a.attr === 'url') v = String(v).split(c.host).join('<server>');
          note(`${a.attr} = ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
          break;
        }
        case 'set':
          try {
            // Any string: a value that is not a BinaryType must be ignored.
            /** @type {WebSocket} */ (ws).binaryType = /** @type {BinaryType} */ (a.binaryType);
            note(`binaryType ← ${JSON.stringify(a.binaryType)}`);
          } catch (e) {
            note(`binaryType ← ${JSON.stringify(a.binaryType)} → ${errorName(e)}`);
          }
          break;
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
          note(`(unknown action ${JSON.stringify(/** @type {{ do: unknown }} */ (a).do)})`);
      }
    }
    // Late events (an unexpected message or error) still belong to the case.
    await new Promise((r) => setTimeout(r, c.settleMs));
    frozen = true;
    if (ws !== null && ws.readyState < 2) ws.close();
  }

  /** @param {PageJob} job */
  async function runApi(job) {
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
