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

export type { CaseDef } from './types.js';

/** Autobahn's catalogue (sections 1-7, 9, 10 so far), in Autobahn's order. */
export const autobahnCases: readonly CaseDef[] = [...framingCases, ...fragmentationCases, ...utf8Cases, ...closingCases, ...limitsCases];

export const allCases: readonly CaseDef[] = [...autobahnCases];

const byId = new Map(allCases.map((c) => [c.id, c]));

export function caseById(id: string): CaseDef | undefined {
  return byId.get(id);
}

/** A digest of every case's definition; results from different catalogue versions must not be merged. */
export const catalogueVersion: string = createHash('sha256')
  .update(JSON.stringify(allCases.map((c) => [c.id, c.steps.length, c.expect, c.handshake ?? null]), (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)))
  .digest('hex')
  .slice(0, 12);
