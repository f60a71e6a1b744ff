/** Close frame payloads (RFC 6455 §5.5.1, §7.4). */
import { isValidUtf8 } from './utf8.js';

/** Codes a peer may put in a close frame (§7.4.1, §7.4.2, and the IANA registry's 1012-1014). */
export function isValidCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

/** Codes an endpoint may send from the application: 1000 and 3000-4999 (WHATWG close()). */
export function isApplicationCloseCode(code: number): boolean {
  return code === 1000 || (code >= 3000 && code <= 4999);
}

export type ClosePayloadProblem = 'one-byte-payload' | 'invalid-code' | 'invalid-utf8-reason' | 'too-long';

export interface ParsedClose {
  code: number | null;
  reason: Buffer | null;
  problem?: ClosePayloadProblem;
}

export function parseClosePayload(payload: Uint8Array): ParsedClose {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  if (buf.length === 0) return { code: null, reason: null };
  if (buf.length === 1) return { code: null, reason: null, problem: 'one-byte-payload' };
  const code = buf.readUInt16BE(0);
  const reason = buf.subarray(2);
  if (buf.length > 125) return { code, reason, problem: 'too-long' };
  if (!isValidCloseCode(code)) return { code, reason, problem: 'invalid-code' };
  if (!isValidUtf8(reason)) return { code, reason, problem: 'invalid-utf8-reason' };
  return { code, reason };
}
