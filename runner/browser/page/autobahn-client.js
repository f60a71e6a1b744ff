// wsconform's Autobahn client loop, in plain browser JavaScript. It runs in the page (loaded before
// client.js) or, where the page's own sockets are instrumented by the automation (Chromium under
// Playwright reports every frame's payload over CDP), in a SharedWorker started by the page: the
// browser's WebSocket is the same, the automation overhead is not.
// Autobahn's client URL protocol: getCaseCount, runCase?case=N&agent=A echoing every message
// exactly as received (text stays text, binary stays binary), then updateReports.
'use strict';

(function (scope) {
  /** Runs `task` for every item, `concurrency` at a time. */
  async function pool(items, concurrency, task) {
    let next = 0;
    const worker = async () => {
      while (next < items.length) await task(items[next++]);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  }

  /** Deliberate faults for the harness's own tests: the thread stops for good, or the case waits forever. */
  async function maybeHang(job, key) {
    if (job.faults && job.faults.hangAt === key) {
      for (;;) {
        /* hang */
      }
    }
    if (job.faults && job.faults.stallAt === key) await new Promise(() => undefined);
  }

  /** Opens a control URL and resolves with the text messages received before the close. */
  function control(url) {
    return new Promise((resolve) => {
      const messages = [];
      let ws;
      try {
        ws = new WebSocket(url);
      } catch (e) {
        resolve(messages);
        return;
      }
      ws.onmessage = (e) => messages.push(e.data);
      ws.onclose = () => resolve(messages);
    });
  }

  /** Runs case N, echoing every message as received. */
  function runCase(base, n, agent) {
    return new Promise((resolve) => {
      let ws;
      try {
        ws = new WebSocket(`${base}/runCase?case=${n}&agent=${encodeURIComponent(agent)}`);
      } catch (e) {
        resolve();
        return;
      }
      ws.binaryType = 'arraybuffer';
      ws.onmessage = (e) => {
        try {
          ws.send(e.data);
        } catch (err) {
          /* the socket is closing: nothing to echo */
        }
      };
      ws.onclose = () => resolve();
    });
  }

  /**
   * The whole loop; `post` reports an event to the harness. The cases come in phases run one after
   * the other (bulk transfers first, then the cases whose verdicts hang on short timers).
   */
  async function runAutobahn(job, post) {
    const a = job.autobahn;
    const all = a.phases.flat();
    const [count] = await control(`${a.url}/getCaseCount`);
    if (Number(count) < Math.max(0, ...all)) void post({ type: 'page-error', message: `getCaseCount says ${count}, the job has case ${Math.max(...all)}` });
    for (const phase of a.phases) {
      await pool(phase, job.concurrency, async (n) => {
        const key = `ab:${n}`;
        await post({ type: 'start', key });
        await maybeHang(job, key);
        await runCase(a.url, n, job.agent);
        void post({ type: 'done', key });
      });
    }
    await control(`${a.url}/updateReports?agent=${encodeURIComponent(job.agent)}`);
  }

  scope.wsconformAutobahn = { pool, maybeHang, runAutobahn };

  // As a SharedWorker: the page sends {job, token}; the worker reports to the harness itself and
  // tells the page when it is done.
  if (typeof SharedWorkerGlobalScope !== 'undefined' && scope instanceof SharedWorkerGlobalScope) {
    scope.onconnect = (e) => {
      const port = e.ports[0];
      port.onmessage = async (m) => {
        const { job, token } = m.data;
        const post = (event) =>
          fetch(`/job/${token}/event`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) }).then(
            () => undefined,
            () => undefined,
          );
        try {
          await runAutobahn(job, post);
        } catch (err) {
          await post({ type: 'page-error', message: `worker: ${err && err.message}` });
        }
        port.postMessage('finished');
      };
    };
  }
})(self);
