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
 * The job and the events are typed in ../page-job.ts. A browser-API case's actions are played by
 * api-player.js, here or, for a case's worker variants, in a worker (api-worker.js).
 * @typedef {import('../page-job.js').PageJob} PageJob
 * @typedef {import('../page-job.js').PageApiCase} PageApiCase
 * @typedef {import('../page-job.js').PageScope} PageScope
 * @typedef {import('../page-job.js').AutobahnClientLib} AutobahnClientLib
 * @typedef {import('../page-job.js').PageApiPlayerLib} PageApiPlayerLib
 * @typedef {import('../page-job.js').WorkerRequest} WorkerRequest
 * @typedef {import('../page-job.js').WorkerReply} WorkerReply
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

  const { runApiCase, describeError } = /** @type {PageApiPlayerLib} */ (/** @type {PageScope} */ (self).wsconformApiPlayer);

  /**
   * The worker a context's cases run in, started once per job: `run` plays a case there, its
   * lines coming back as messages; `unavailable` says why there is none (no SharedWorker in this
   * engine, a worker that did not start), which is each of its cases' only line.
   * @typedef {{ run: (c: PageApiCase, note: (line: string) => void) => Promise<void> } | { unavailable: string }} WorkerLink
   * @param {'worker' | 'sharedworker'} context
   * @param {PageJob} job
   * @returns {Promise<WorkerLink>}
   */
  function startWorker(context, job) {
    return new Promise((resolve) => {
      /** @type {Map<string, { note: (line: string) => void, done: () => void }>} */
      const running = new Map();
      let ready = false;
      /** @param {string} why */
      const failed = (why) => {
        if (ready) report.post({ type: 'page-error', message: `${context}: ${why}` });
        else resolve({ unavailable: why });
        ready = true;
      };
      /** @type {Worker | MessagePort} */
      let port;
      try {
        const name = `wsconform-api-${token}`;
        if (context === 'worker') {
          if (typeof Worker === 'undefined') return failed('this engine has no Worker');
          port = new Worker('/api-worker.js', { name });
          port.onerror = (e) => failed(`the worker failed: ${e.message || 'it did not start'}`);
        } else {
          if (typeof SharedWorker === 'undefined') return failed('this engine has no SharedWorker');
          const shared = new SharedWorker('/api-worker.js', { name });
          shared.onerror = (e) => failed(`the shared worker failed: ${/** @type {ErrorEvent} */ (e).message || 'it did not start'}`);
          port = shared.port;
        }
      } catch (e) {
        return failed(`the ${context} did not start: ${describeError(e)}`);
      }
      const timer = setTimeout(() => failed(`the ${context} did not start within 10 s`), 10_000);
      port.onmessage = (/** @type {MessageEvent<WorkerReply>} */ m) => {
        const r = m.data;
        if ('ready' in r || 'failed' in r) {
          clearTimeout(timer);
          if ('failed' in r) return failed(r.failed);
          ready = true;
          return resolve({ run });
        }
        const at = running.get(r.key);
        if (!at) return;
        if ('line' in r) at.note(r.line);
        else {
          running.delete(r.key);
          at.done();
        }
      };
      /** @type {WorkerRequest} */
      const init = { do: 'init', ...(job.faults.shim !== undefined ? { shim: job.faults.shim } : {}) };
      port.postMessage(init);
      /** @param {PageApiCase} c @param {(line: string) => void} note */
      const run = (c, note) =>
        /** @type {Promise<void>} */ (
          new Promise((done) => {
            running.set(c.key, { note, done });
            port.postMessage(/** @type {WorkerRequest} */ ({ do: 'run', case: c }));
          })
        );
    });
  }

  /** @param {PageJob} job */
  async function runApi(job) {
    // wsconform's own tests: a WebSocket wrapped to break a rule, which the cases must catch.
    if (job.faults.shim !== undefined) (0, eval)(job.faults.shim);
    /** @type {Map<string, Promise<WorkerLink>>} */
    const workers = new Map();
    /** @param {'worker' | 'sharedworker'} context */
    const workerFor = (context) => {
      let w = workers.get(context);
      if (!w) workers.set(context, (w = startWorker(context, job)));
      return w;
    };
    /** The document leaves (the case's last action): the case ends first. @param {PageApiCase} c */
    const leave = (c) => async () => {
      await report.send({ type: 'done', key: c.key });
      location.href = '/blank';
      // The document goes away; nothing after this runs.
      await new Promise(() => undefined);
    };
    /** @param {PageApiCase} c */
    const runOne = async (c) => {
      // Each line goes to the harness as it happens: a case that never ends still shows how far it got.
      /** @param {string} line */
      const note = (line) => report.post({ type: 'log', key: c.key, line });
      // Sent at once: the case's time starts when the harness hears of it.
      await report.send({ type: 'start', key: c.key });
      await maybeHang(job, c.key);
      try {
        if (c.context === undefined || c.context === 'window') await runApiCase(c, note, leave(c));
        else {
          const w = await workerFor(c.context);
          if ('unavailable' in w) note(`(not available: ${w.unavailable})`);
          else await w.run(c, note);
        }
      } catch (e) {
        note(`(page error: ${describeError(e)})`);
      }
      report.post({ type: 'done', key: c.key });
    };
    // A SharedWorker is a thread (in Chromium a process) of its own, with its own count of pending
    // sockets: its cases run beside the others', not in their turn. A dedicated worker shares the
    // document's count in Chromium (run beside them too, its cases took 99 s instead of 35 s).
    const cases = /** @type {PageApiCase[]} */ (job.api);
    const shared = cases.filter((c) => c.context === 'sharedworker');
    const rest = cases.filter((c) => c.context !== 'sharedworker');
    await Promise.all([pool(rest, job.apiConcurrency, runOne), pool(shared, job.apiConcurrency, runOne)]);
  }

  (async () => {
    /** @type {PageJob} */
    const job = await (await fetch(`/job/${token}`, { cache: 'no-store' })).json();
    // One after the other: Chromium delays new WebSockets exponentially in the number of pending
    // ones, so the browser-API cases' waits would depend on the Autobahn traffic next to them.
    if (job.autobahn) await autobahn(job);
    if (job.api) await runApi(job);
    await report.send({ type: 'finished' });
  })().catch((e) => void report.send({ type: 'page-error', message: describeError(e) }));
})();
