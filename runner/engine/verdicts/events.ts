/**
 * Events as the verdicts see them: exact comparison of what the target sent with what a case
 * expects, and Autobahn's JSON form of events for the reports.
 */
import { createHash } from 'node:crypto';
import type { TargetEvent } from '../../../cases/types.js';
import type { EventJson } from '../results.js';
import type { RecordedEvent } from '../transcript.js';

export function sha1(b: Uint8Array): string {
  return createHash('sha1').update(b).digest('hex');
}

/** Exact comparison of recorded events with expected ones: same order, types and bytes. */
export function eventsEqual(received: readonly RecordedEvent[], expected: readonly TargetEvent[]): boolean {
  if (received.length !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) {
    const r = received[i]!;
    const e = expected[i]!;
    if (r.type !== e.type) return false;
    if (e.type === 'timeout') {
      if (r.type !== 'timeout' || r.tag !== e.tag) return false;
    } else if (e.type === 'pong') {
      if (r.type !== 'pong' || !r.payload.equals(e.payload)) return false;
    } else {
      if (r.type !== 'message' || r.binary !== e.binary || r.length !== e.payload.length) return false;
      if (r.payload ? !r.payload.equals(e.payload) : r.sha1 !== sha1(e.payload)) return false;
    }
  }
  return true;
}

/** Autobahn's JSON form of events: payloads as UTF-8 text, cut to 64 bytes, or 0x-hex when not text. */
export function eventJson(e: RecordedEvent | TargetEvent): EventJson {
  if (e.type === 'timeout') return ['timeout', e.tag];
  if (e.type === 'pong') return ['pong', payloadText(e.payload)];
  if ('length' in e && e.payload === null) return ['message', `<${e.length} bytes, sha1 ${e.sha1}>`, e.binary];
  return ['message', payloadText(e.payload!), e.binary];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function payloadText(b: Buffer): string {
  const cut = b.length > 60 ? b.subarray(0, 64) : b;
  let s: string;
  try {
    s = utf8.decode(cut);
  } catch {
    try {
      // A cut may land inside a code point of otherwise valid text.
      s = b.length > 60 ? new TextDecoder().decode(cut) : '0x' + cut.toString('hex');
      if (b.length > 60 && s.includes('\uFFFD')) s = '0x' + cut.toString('hex');
    } catch {
      s = '0x' + cut.toString('hex');
    }
  }
  return b.length > 60 ? s + ' ...' : s;
}
