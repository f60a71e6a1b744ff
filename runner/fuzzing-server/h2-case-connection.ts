/**
 * A case played on an HTTP/2 stream (RFC 8441): the `:status 200` response (negotiating
 * permessage-deflate as the HTTP/1.1 path does, with no Sec-WebSocket-Accept: RFC 8441 §5 drops it),
 * then the session over the stream. A handshake.client.* or h2.client.* case that asks for another
 * response gets what it means over HTTP/2 (another :status, an unrequested subprotocol or
 * extension); what only an HTTP/1.1 101 can carry (Sec-WebSocket-Accept, Upgrade, Connection, a 200
 * that is not a 101) has no HTTP/2 form, and such a case is not judged over HTTP/2 (inapplicableOverH2).
 */
import http2 from 'node:http2';
import type { CaseDef } from '../../cases/types.js';
import { type SessionOptions } from '../engine/defaults.js';
import { Behavior, CloseBehavior, type CaseResult } from '../engine/results.js';
import { Session, type MessageCompressor } from '../engine/session.js';
import { emptyTranscript, type Transcript } from '../engine/transcript.js';
import { negotiateAsServer } from '../wire/deflate/per-case.js';
import { encodeFrame } from '../wire/frame.js';
import type { H2Upgrade } from './h2-intake.js';
import { H2StreamBytes } from './h2-stream.js';

/** Header fields of an HTTP/1.1 101 that HTTP/2 forbids or does without (RFC 9113 §8.2.2, RFC 8441 §5). */
const HTTP1_ONLY = ['sec-websocket-accept', 'upgrade', 'connection'];

/** Why `def` cannot be played over HTTP/2 as it is meant, or null when it can. */
export function inapplicableOverH2(def: CaseDef): string | null {
  const asked = def.handshake?.response;
  if (!asked) return null;
  if (asked.wrongAccept || asked.headers?.some(([n]) => HTTP1_ONLY.includes(n.toLowerCase())))
    return 'it bends the Sec-WebSocket-Accept, Upgrade or Connection of an HTTP/1.1 101, which an HTTP/2 response does not have (RFC 8441 §5)';
  if (asked.status?.startsWith('200')) return 'it answers 200 instead of 101, and over HTTP/2 a 200 is the success response (RFC 8441 §5)';
  return null;
}

/** A result of such a case when a client ran it over HTTP/2: reported, not judged. */
export function notJudgedOverH2(r: CaseResult, why: string): CaseResult {
  const sentence = `Not judged over HTTP/2: ${why}. The stream got a correct :status 200 and the case played as usual.`;
  return { ...r, behavior: Behavior.INFORMATIONAL, behaviorClose: CloseBehavior.INFORMATIONAL, result: sentence, resultClose: sentence };
}

/** The response header fields for `def`, as the transcript shows them (`:status` first). */
function responseHeaders(def: CaseDef, deflate: string | null): Record<string, string | number> {
  const asked = inapplicableOverH2(def) === null ? def.handshake?.response : undefined;
  const status = asked?.status ? Number.parseInt(asked.status, 10) : 200;
  const h: Record<string, string | number> = { ':status': Number.isInteger(status) && status !== 101 ? status : 200 };
  if (asked?.protocol !== undefined) h['sec-websocket-protocol'] = asked.protocol;
  const extensions = [...(deflate ? [deflate] : []), ...(asked?.extensions ?? [])];
  if (extensions.length > 0) h['sec-websocket-extensions'] = extensions.join(', ');
  for (const [name, value] of asked?.headers ?? []) {
    const lower = name.toLowerCase();
    if (value === null) delete h[lower];
    else h[lower] = value;
  }
  return h;
}

/** Answers a control channel's extended CONNECT (getCaseCount, …) with 200. False if the stream is gone. */
export function acceptStream(stream: http2.ServerHttp2Stream): boolean {
  if (stream.destroyed || stream.closed) return false;
  try {
    stream.respond({ ':status': 200 });
    return true;
  } catch {
    return false;
  }
}

/** Answers the extended CONNECT of `def` and plays the case on the stream; resolves with the transcript. */
export async function playCaseH2(bytes: H2StreamBytes, def: CaseDef, upgrade: H2Upgrade, session: SessionOptions): Promise<Transcript> {
  const deflate = negotiateAsServer(def, upgrade.extensionOffers);
  const headers = responseHeaders(def, deflate?.responseExtension ?? null);
  const compressor: MessageCompressor | null = deflate?.compressor ?? null;
  const t = emptyTranscript('server', upgrade.startedAt);
  t.httpRequest = upgrade.head.raw;
  t.httpResponse = `${Object.entries(headers)
    .map(([n, v]) => `${n}: ${v}`)
    .join('\r\n')}\r\n\r\n`;
  const stream = upgrade.h2.stream;
  try {
    if (!stream.destroyed && !stream.closed) stream.respond(headers);
  } catch (e) {
    t.wirelog.push({ t: 0, kind: 'note', text: `could not send the response: ${e instanceof Error ? e.message : String(e)}` });
    bytes.destroy();
  }
  const f = def.handshake?.response?.pipelinedFrame;
  if (f) bytes.write(encodeFrame({ ...f, mask: f.masked ? Buffer.from([0x37, 0xfa, 0x21, 0x3d]) : null }));
  t.openedAtMs = Date.now() - upgrade.startedAt;
  return new Session(bytes, def, t, session, compressor).run(Buffer.alloc(0));
}
