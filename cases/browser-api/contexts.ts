/**
 * The worker variants of the browser-API cases: WebSocket is exposed to Window and Worker alike
 * (WHATWG WebSockets §3.1, [Exposed=(Window,Worker)]), so every case whose page part makes sense
 * outside a document also runs in a dedicated Worker (`<id>@worker`) and in a SharedWorker
 * (`<id>@sharedworker`), with the same server script and the same expectation. An engine whose
 * worker WebSocket differs from its window one shows it as a case that passes in one context and
 * fails in another. A case stays in the document when it leaves the page (navigate) or says why
 * (`windowOnly`).
 */
import type { ApiContext } from '../browser-api-types.js';
import type { CaseDef } from '../types.js';

/** The contexts besides the document, with the words a case title gets. */
export const WORKER_CONTEXTS = [
  ['worker', 'in a dedicated worker'],
  ['sharedworker', 'in a shared worker'],
] as const satisfies ReadonlyArray<readonly [ApiContext, string]>;

/** The context an ID names: `api.close.code.999@worker` → worker; no suffix → window. */
export function contextOf(id: string): ApiContext {
  const at = id.lastIndexOf('@');
  const suffix = at === -1 ? '' : id.slice(at + 1);
  return WORKER_CONTEXTS.some(([c]) => c === suffix) ? (suffix as ApiContext) : 'window';
}

/** The ID without its context: `api.close.code.999@worker` → `api.close.code.999`. */
export function baseIdOf(id: string): string {
  return contextOf(id) === 'window' ? id : id.slice(0, id.lastIndexOf('@'));
}

/** Whether a case can run in a worker: its page never navigates, and it does not say otherwise. */
export function runsInWorkers(def: CaseDef): boolean {
  if (def.expect.kind !== 'browser-api') return false;
  const check = def.expect.check;
  return check.windowOnly === undefined && check.context === undefined && !check.page.some((a) => a.do === 'navigate');
}

/** The case run in `context`: same script and expectation, its own ID (and so its own server and path). */
export function inContext(def: CaseDef, context: Exclude<ApiContext, 'window'>, words: string): CaseDef {
  if (def.expect.kind !== 'browser-api') throw new TypeError(`${def.id} is not a browser-API case`);
  return {
    ...def,
    id: `${def.id}@${context}`,
    title: `${def.title} (${words})`,
    expect: { kind: 'browser-api', check: { ...def.expect.check, context } },
  };
}

/** The worker variants of `cases`, context after context, each in catalogue order. */
export function workerVariants(cases: readonly CaseDef[]): CaseDef[] {
  const eligible = cases.filter(runsInWorkers);
  return WORKER_CONTEXTS.flatMap(([context, words]) => eligible.map((def) => inContext(def, context, words)));
}
