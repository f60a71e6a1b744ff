// @ts-check
// wsconform's worker for the browser-API cases' worker variants (`<id>@worker`, `<id>@sharedworker`):
// the same action player as the page (api-player.js), on the worker's own WebSocket. The page starts
// it as a dedicated Worker or as a SharedWorker and talks to it in messages (WorkerRequest and
// WorkerReply in ../page-job.ts): first `init` (the page's shim, for wsconform's own tests), which
// the worker answers `ready`; then one `run` per case, answered by its lines and `done`. The page
// reports the lines to the harness as its own.
'use strict';

/**
 * @typedef {import('../page-job.js').PageScope} PageScope
 * @typedef {import('../page-job.js').PageApiPlayerLib} PageApiPlayerLib
 * @typedef {import('../page-job.js').WorkerRequest} WorkerRequest
 * @typedef {import('../page-job.js').WorkerReply} WorkerReply
 */

importScripts('/values.js', '/stream-player.js', '/api-player.js');

(
  /** @param {typeof self & PageScope} scope */ function (scope) {
    const { runApiCase, describeError } = /** @type {PageApiPlayerLib} */ (scope.wsconformApiPlayer);
    let shimmed = false;

    /** @param {(reply: WorkerReply) => void} reply */
    const serve = (reply) => async (/** @type {MessageEvent<WorkerRequest>} */ m) => {
      const request = m.data;
      if (request.do === 'init') {
        try {
          // One shim per worker, however many pages connect to a SharedWorker.
          if (!shimmed && request.shim !== undefined) (0, eval)(request.shim);
          shimmed = true;
          reply({ ready: true });
        } catch (e) {
          reply({ failed: `its shim threw ${describeError(e)}` });
        }
        return;
      }
      const c = request.case;
      try {
        await runApiCase(c, (line) => reply({ key: c.key, line }), null);
      } catch (e) {
        reply({ key: c.key, line: `(page error: ${describeError(e)})` });
      }
      reply({ key: c.key, done: true });
    };

    const shared = scope.SharedWorkerGlobalScope;
    if (shared !== undefined && scope instanceof shared) {
      scope.onconnect = (e) => {
        const port = /** @type {MessagePort} */ (e.ports[0]);
        port.onmessage = serve((r) => port.postMessage(r));
      };
    } else {
      scope.onmessage = serve((r) => scope.postMessage(r));
    }
  }
)(self);
