/**
 * handshake.* against clients: the opening handshake response a case asks for (`handshake.response`),
 * deviations from RFC 6455 §4.2.2 included, as the bytes the fuzzing server writes. Pure: the
 * fuzzing server owns the connection.
 */
import type { CaseDef } from '../../cases/types.js';
import { encodeFrame } from '../wire/frame.js';
import { buildServerResponse } from '../wire/handshake.js';

/** Keys other than the client's, for a Sec-WebSocket-Accept that must not match. */
const OTHER_KEYS = ['dGhlIHNhbXBsZSBub25jZQ==', 'AAAAAAAAAAAAAAAAAAAAAA=='];

/**
 * The response to write for `def` to a client that sent `key`: one string written at once (every
 * case that asks for no deviation gets the usual correct 101), or the pieces to write one by one, a turn of the
 * event loop apart, when the case splits the response or puts a frame in the same write as its end.
 */
export function caseHandshakeResponse(def: CaseDef, key: string): string | Buffer[] {
  const asked = def.handshake?.response;
  if (!asked) return buildServerResponse({ key });
  const response = buildServerResponse({
    key: asked.wrongAccept ? OTHER_KEYS.find((k) => k !== key)! : key,
    ...(asked.protocol !== undefined ? { protocol: asked.protocol } : {}),
    ...(asked.extensions !== undefined ? { extensions: asked.extensions } : {}),
    ...(asked.status !== undefined ? { status: asked.status } : {}),
    headers: asked.headers ?? [],
  });
  if (!asked.writeChop && !asked.pipelinedFrame) return response;
  const head = Buffer.from(response, 'latin1');
  const chop = asked.writeChop && asked.writeChop > 0 ? asked.writeChop : head.length;
  const writes: Buffer[] = [];
  for (let at = 0; at < head.length; at += chop) writes.push(head.subarray(at, at + chop));
  const f = asked.pipelinedFrame;
  if (f) {
    // A server's frames are unmasked unless the case says otherwise; a fixed key keeps the bytes reproducible.
    const frame = encodeFrame({ ...f, mask: f.masked ? Buffer.from([0x37, 0xfa, 0x21, 0x3d]) : null });
    writes[writes.length - 1] = Buffer.concat([writes[writes.length - 1]!, frame]);
  }
  return writes;
}

/** The response as one text for the transcript (`httpResponse`), pipelined frame bytes left out. */
export function caseHandshakeResponseText(def: CaseDef, key: string): string {
  const r = caseHandshakeResponse(def, key);
  if (typeof r === 'string') return r;
  const all = Buffer.concat(r).toString('latin1');
  const end = all.indexOf('\r\n\r\n');
  return end < 0 ? all : all.slice(0, end + 4);
}
