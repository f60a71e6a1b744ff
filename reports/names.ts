/**
 * File names and case-ID arithmetic shared by every report. File names follow Autobahn's scheme so
 * that existing tooling finds `<agentfile>_case_1_1_1.json` where it always did; anything outside
 * [a-z0-9_] is replaced, so no agent name or case ID can reach outside the output directory.
 */
import { createHash } from 'node:crypto';

/** Longest stem we produce; most file systems stop at 255 bytes and we add ".html"/".json". */
const MAX_STEM = 200;

/**
 * Autobahn's agent file name: lowercase, every character outside [a-z0-9] becomes a space, trim,
 * then every remaining space becomes '_' (runs are kept, as Autobahn does). Never empty.
 */
export function agentFileName(agent: string): string {
  const name = agent
    .toLowerCase()
    .replace(/[^a-z0-9]/g, ' ')
    .trim()
    .replace(/ /g, '_');
  return name === '' ? 'agent' : name;
}

/** `<agentfile>_case_<id>`, the stem of a case's .json and .html files. */
export function caseFileStem(agent: string, caseId: string): string {
  const stem = `${agentFileName(agent)}_case_${caseId.replace(/[^a-z0-9]/g, '_')}`;
  if (stem.length <= MAX_STEM) return stem;
  // Only absurdly long names get here; a digest keeps distinct long names apart.
  const digest = createHash('sha256').update(`${agent}\0${caseId}`).digest('hex').slice(0, 16);
  return `${stem.slice(0, MAX_STEM - 17)}_${digest}`;
}

/** The first component of a case ID: "6.4.1" -> "6", "handshake.key.missing" -> "handshake". */
export function sectionOf(id: string): string {
  const dot = id.indexOf('.');
  return dot === -1 ? id : id.slice(0, dot);
}

/**
 * The section a case is listed under in the HTML report's matrix: its first component, except for
 * the browser-API cases, which are many and are listed by family, their first two components:
 * "api.close.code.1000" -> "api.close", "api.ready-state" -> "api.ready-state". "6.4.1" -> "6".
 * A case run in a worker is listed with its family: "api.server-drop@worker" -> "api.server-drop".
 */
export function reportSectionOf(id: string): string {
  id = splitContext(id).base;
  const section = sectionOf(id);
  if (section !== 'api' || section === id) return section;
  const next = id.indexOf('.', section.length + 1);
  return next === -1 ? id : id.slice(0, next);
}

/** The ID without its last component: "6.4.1" -> "6.4", "2.1" -> "2". An ID with no dot is its own group. */
export function groupOf(id: string): string {
  const dot = id.lastIndexOf('.');
  return dot === -1 ? id : id.slice(0, dot);
}

const numericPart = /^\d+$/;

/** True for Autobahn-style IDs made only of dotted integers. */
export function isNumericId(id: string): boolean {
  return id.split('.').every((p) => numericPart.test(p));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Catalogue order: numeric IDs by their integer tuple (1.1.1 < 2.1 < 10.1.1), then our own
 * prefixed IDs alphabetically, comparing component by component so that a numeric component
 * still sorts as a number ("browser.close.9" < "browser.close.10"); a case run in a worker comes
 * right after the case it varies.
 */
export function compareCaseIds(a: string, b: string): number {
  const ca = splitContext(a);
  const cb = splitContext(b);
  if (ca.base !== cb.base || ca.rank !== cb.rank) return ca.base === cb.base ? ca.rank - cb.rank : compareBaseIds(ca.base, cb.base);
  return compareBaseIds(a, b);
}

/**
 * A browser-API case run in a worker carries its context after an `@` (cases/browser-api/contexts.ts):
 * it sorts right after the case it varies, window first, then worker, then sharedworker.
 */
function splitContext(id: string): { base: string; rank: number } {
  const at = id.lastIndexOf('@');
  const rank = at === -1 ? 0 : ['worker', 'sharedworker'].indexOf(id.slice(at + 1)) + 1;
  return rank > 0 ? { base: id.slice(0, at), rank } : { base: id, rank: 0 };
}

function compareBaseIds(a: string, b: string): number {
  const aNumeric = isNumericId(a);
  const bNumeric = isNumericId(b);
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
  const pa = a.split('.');
  const pb = b.split('.');
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i] as string;
    const y = pb[i] as string;
    if (x === y) continue;
    if (numericPart.test(x) && numericPart.test(y)) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    return compareStrings(x, y);
  }
  return pa.length - pb.length;
}

/** Section headings for the report. Autobahn's sections keep their numbers; ours use their prefix. */
const sectionTitles = new Map<string, string>(
  Object.entries({
    '1': 'Framing',
    '2': 'Pings and pongs',
    '3': 'Reserved bits',
    '4': 'Reserved opcodes',
    '5': 'Fragmentation',
    '6': 'UTF-8',
    '7': 'Closing',
    '9': 'Limits and performance',
    '10': 'Auto-fragmentation',
    '12': 'permessage-deflate: payloads',
    '13': 'permessage-deflate: parameters',
    handshake: 'Opening handshake',
    closecode: 'Close codes',
    frame: 'Frames beyond Autobahn',
    tls: 'TLS: certificates a client must refuse',
    h2: 'WebSocket over HTTP/2 (RFC 8441)',
    fuzz: 'Seeded fuzzing',
    browser: 'Browser API',
    api: 'Browser API (WHATWG WebSockets)',
    // The browser-API (api.*) families, see reportSectionOf; their IDs say that they are browser-API cases.
    'api.binary-type': 'binaryType',
    'api.close': 'close(): codes, reasons, states',
    'api.constructor': "The constructor's URL",
    'api.event-order': 'Event order after the handshake',
    'api.extensions': 'The extensions attribute',
    'api.handshake': 'Handshakes the browser must fail',
    'api.message': 'Incoming messages',
    'api.navigate': 'Leaving the page',
    'api.protocol': 'Subprotocols',
    'api.ready-state': 'readyState',
    'api.send': 'send() and bufferedAmount',
    'api.server-close': 'The server closes',
    'api.server-drop': 'The server drops TCP',
    'api.state': 'Attributes read inside each handler',
    'api.request': 'The request the engine sends',
    'api.event': 'Event objects',
    'api.tls': 'Over TLS: certificates, mixed content',
  }),
);

/** A section's heading; an api.* family without a heading of its own gets the browser API's. */
export function sectionTitle(section: string): string {
  return sectionTitles.get(section) ?? (section.startsWith('api.') ? (sectionTitles.get('api') as string) : section);
}

/**
 * The HTML id of a case's row in the index's differences view, which the browser matrix links to:
 * `diff-` and the ID, every character outside [A-Za-z0-9.@-] spelled as `_<hex>_` (so that two IDs
 * never share an anchor).
 */
export function differenceAnchor(id: string): string {
  return `diff-${id.replace(/[^A-Za-z0-9.@-]/gu, (c) => `_${(c.codePointAt(0) ?? 0).toString(16)}_`)}`;
}
