/**
 * The catalogue: every case wsconform knows, in Autobahn's order for the numeric IDs, then our own
 * families. Case IDs are stable and never reused.
 */
import { createHash } from 'node:crypto';
import type { CaseDef } from './types.js';
import { framingCases } from './autobahn/framing.js';
import { fragmentationCases } from './autobahn/fragmentation.js';
import { utf8Cases } from './autobahn/utf8.js';
import { closingCases } from './autobahn/closing.js';
import { limitsCases } from './autobahn/limits.js';
import { compressionCases } from './autobahn/compression.js';
import { clientHandshakeCases, handshakeCases } from './own/handshake.js';
import { closeCodeCases } from './own/closecode.js';
import { frameCases } from './own/frame.js';
import { tlsCases } from './own/tls.js';
import { h2Cases } from './own/h2.js';
import { h2ClientCases } from './own/h2-client.js';
import { browserApiCases } from './browser-api/index.js';

export type { CaseDef } from './types.js';

/** Autobahn's catalogue (sections 1-7, 9, 10, 12, 13: all 517 cases), in Autobahn's order. */
export const autobahnCases: readonly CaseDef[] = [...framingCases, ...fragmentationCases, ...utf8Cases, ...closingCases, ...limitsCases, ...compressionCases];

/** Our own families (handshake.*, closecode.*, frame.*, tls.*, h2.*, h2.client.*): what Autobahn never checks. */
export const ownCases: readonly CaseDef[] = [...handshakeCases, ...closeCodeCases, ...frameCases, ...tlsCases, ...h2Cases, ...h2ClientCases];

/** The browser-API cases (api.*): only `test-browser` runs them, in the page (applies: 'browsers'). */
export { browserApiCases };

export const allCases: readonly CaseDef[] = [...autobahnCases, ...ownCases, ...clientHandshakeCases, ...browserApiCases];

export { clientHandshakeCases };

const byId = new Map(allCases.map((c) => [c.id, c]));

export function caseById(id: string): CaseDef | undefined {
  return byId.get(id);
}

/**
 * What the digest reads of a browser-API case in place of its expectation: the empty events
 * expectation these cases carried before they had a kind of their own, so that the digest (and
 * with it the merging of results made before that change) stayed the same. Only the digest reads it.
 */
const API_EXPECT_IN_DIGEST = { kind: 'events', outcomes: { OK: [] }, close: { closedByMe: false, codes: [], requireClean: false } };

function digestEntry(c: CaseDef): unknown[] {
  if (c.expect.kind === 'browser-api') return [c.id, c.steps.length, API_EXPECT_IN_DIGEST, c.handshake ?? null, c.expect.check];
  return [c.id, c.steps.length, c.expect, c.handshake ?? null];
}

/** A digest of every case's definition; results from different catalogue versions must not be merged. */
export const catalogueVersion: string = createHash('sha256')
  .update(JSON.stringify(allCases.map(digestEntry), (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)))
  .digest('hex')
  .slice(0, 12);
