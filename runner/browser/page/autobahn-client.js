// @ts-check
// wsconform's Autobahn client loop, in plain browser JavaScript. It runs in the page (loaded before
// client.js) or, where the page's own sockets are instrumented by the automation (Chromium under
// Playwright reports every frame's payload over CDP), in a SharedWorker started by the page: the
// browser's WebSocket is the same, the automation overhead is not.
// Autobahn's client URL protocol: getCaseCount, runCase?case=N&agent=A echoing every message
// exactly as received (text stays text, binary stays binary), then updateReports.
'use strict';

/**
 * @typedef {import('../page-job.js').PageJob} PageJob
 * @typedef {import('../page-job.js').PageEvent} PageEvent
 * @typedef {import('../page-job.js').PageReporter} PageReporter
 * @typedef {import('../page-job.js').PageScope} PageScope
 */

(
  /** @param {typeof self & PageScope} scope */ function (scope) {
    /**
     * Runs `task(item, lane)` for every item, `concurrency` at a time; lane is 0 … concurrency - 1.
     * @template T
     * @param {readonly T[]} items
     * @param {number} concurrency
     * @param {(item: T, lane: number) => Promise<void>} task
     */
    async function pool(items, concurrency, task) {
      let next = 0;
      /** @param {number} k */
      const lane = async (k) => {
        while (next < items.length) await task(/** @type {T} */ (items[next++]), k);
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, (_, k) => lane(k)));
    }

    /**
     * Reports events to the harness: POST /job/<token>/event with a JSON array, one request at a
     * time so that events arrive in order. `post` queues an event (it leaves within DELAY_MS, with
     * whatever else is queued by then); `send` queues it and resolves once the harness has it, and
     * so does `flush` for whatever is queued.
     * @param {string} token
     * @returns {PageReporter}
     */
    function reporter(token) {
      const DELAY_MS = 25;
      /** @type {PageEvent[]} */
      let queue = [];
      /** @type {ReturnType<typeof setTimeout> | null} */
      let timer = null;
      /** @type {Promise<void>} */
      let chain = Promise.resolve();
      const flush = () => {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        chain = chain.then(() => {
          if (queue.length === 0) return undefined;
          const body = JSON.stringify(queue);
          queue = [];
          return fetch(`/job/${token}/event`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
            () => undefined,
            () => undefined,
          );
        });
        return chain;
      };
      return {
        post(event) {
          queue.push(event);
          if (timer === null) timer = setTimeout(flush, DELAY_MS);
        },
        send(event) {
          queue.push(event);
          return flush();
        },
        flush,
      };
    }

    /**
     * Deliberate faults for the harness's own tests: the thread stops for good, or the case waits forever.
     * @param {PageJob} job
     * @param {string} key
     */
    async function maybeHang(job, key) {
      if (job.faults && job.faults.hangAt === key) {
        for (;;) {
          /* hang */
        }
      }
      if (job.faults && job.faults.stallAt === key) await new Promise(() => undefined);
    }

    /**
     * Opens a control URL and resolves with the text messages received before the close.
     * @param {string} url
     * @returns {Promise<string[]>}
     */
    function control(url) {
      return new Promise((resolve) => {
        /** @type {string[]} */
        const messages = [];
        let ws;
        try {
          ws = new WebSocket(url);
        } catch {
          resolve(messages);
          return;
        }
        ws.onmessage = (e) => messages.push(e.data);
        ws.onclose = () => resolve(messages);
      });
    }

    /**
     * Runs case N, echoing every message as received (or `echoDelayMs` later, a test's fault).
     * @param {string} base
     * @param {number} n
     * @param {string} agent
     * @param {number} echoDelayMs
     * @returns {Promise<void>}
     */
    function runCase(base, n, agent, echoDelayMs) {
      return new Promise((resolve) => {
        let ws;
        try {
          ws = new WebSocket(`${base}/runCase?case=${n}&agent=${encodeURIComponent(agent)}`);
        } catch {
          resolve();
          return;
        }
        ws.binaryType = 'arraybuffer';
        ws.onmessage = (e) => {
          const echo = () => {
            try {
              ws.send(e.data);
            } catch {
              /* the socket is closing: nothing to echo */
            }
          };
          if (echoDelayMs > 0) setTimeout(echo, echoDelayMs);
          else echo();
        };
        ws.onclose = () => resolve();
      });
    }

    /**
     * The whole loop; `report` (a reporter) tells the harness of each case's end. The cases come in
     * phases run one after the other (bulk transfers first, then the cases whose verdicts hang on
     * short timers). Each lane has server addresses of its own (`urls[lane]`, lanes shared out
     * from `firstLane` on) and takes them in turn: a browser opens one connection per address at a
     * time, and may hold one back after a failed one. The fuzzing server sees each case start; the
     * page says so itself only before a deliberate fault.
     * @param {PageJob} job
     * @param {PageReporter} report
     */
    async function runAutobahn(job, report) {
      const a = /** @type {NonNullable<PageJob['autobahn']>} */ (job.autobahn);
      const all = a.phases.flat();
      const turns = a.urls.map(() => 0);
      /** @param {number} lane */
      const urlOf = (lane) => {
        const k = ((job.firstLane || 0) + lane) % a.urls.length;
        const urls = /** @type {string[]} */ (a.urls[k]);
        const turn = /** @type {number} */ (turns[k]);
        turns[k] = turn + 1;
        return /** @type {string} */ (urls[turn % urls.length]);
      };
      const [count] = await control(`${urlOf(0)}/getCaseCount`);
      if (Number(count) < Math.max(0, ...all)) report.post({ type: 'page-error', message: `getCaseCount says ${count}, the job has case ${Math.max(...all)}` });
      /** @param {string} key */
      const faulty = (key) => job.faults && (job.faults.hangAt === key || job.faults.stallAt === key);
      for (const phase of a.phases) {
        await pool(phase, job.concurrency, async (n, lane) => {
          const key = `ab:${n}`;
          if (faulty(key)) await report.send({ type: 'start', key });
          await maybeHang(job, key);
          await runCase(urlOf(lane), n, job.agent, (job.faults && job.faults.echoDelayMs) || 0);
          report.post({ type: 'done', key });
        });
      }
      await control(`${urlOf(0)}/updateReports?agent=${encodeURIComponent(job.agent)}`);
    }

    scope.wsconformAutobahn = { pool, maybeHang, reporter, runAutobahn };

    // As a SharedWorker: the page sends {job, token}; the worker reports to the harness itself and
    // tells the page when it is done.
    const workerScope = scope.SharedWorkerGlobalScope;
    if (workerScope !== undefined && scope instanceof workerScope) {
      scope.onconnect = (e) => {
        const port = /** @type {MessagePort} */ (e.ports[0]);
        port.onmessage = async (m) => {
          /** @type {{ job: PageJob, token: string }} */
          const { job, token } = m.data;
          const report = reporter(token);
          try {
            await runAutobahn(job, report);
          } catch (err) {
            report.post({ type: 'page-error', message: `worker: ${err && /** @type {Error} */ (err).message}` });
          }
          // Everything reported reaches the harness before the page hears that this worker is done.
          await report.flush();
          port.postMessage('finished');
        };
      };
    }
  }
)(self);
