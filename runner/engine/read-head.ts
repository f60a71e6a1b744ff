/**
 * Reading an HTTP/1.1 head (a request or a response) from the start of a byte stream: the one
 * reader every role uses before the WebSocket bytes begin. It works over any duplex stream (a TCP
 * socket today, a TLS socket or an HTTP/2 stream next) and leaves the stream paused, its own
 * listeners removed, so that whoever takes the connection over loses no byte that came after it.
 */
import type { Duplex } from 'node:stream';
import { parseHttpHead, type HttpHead } from '../wire/handshake.js';

/** parseHttpHead's bound on a head, blank line included. */
export const MAX_HEAD_BYTES = 16384;

export interface ReadHeadOptions {
  /** Bound on the head, blank line included; MAX_HEAD_BYTES by default. */
  maxBytes?: number;
  /** Gives up when no complete head came within this time; no bound when absent. */
  timeoutMs?: number;
  /** Gives up at once when aborted. */
  signal?: AbortSignal;
  /**
   * A look at every byte received so far, before the head is complete: a reason to give up when
   * they cannot be the start of what the caller expects (a TLS record where HTTP should be), or null.
   */
  check?: (received: Buffer) => string | null;
}

/** Why no head came: the callers word it, each for its own transcript or log. */
export type HeadReadFailure =
  | { reason: 'timeout' }
  | { reason: 'error'; error: NodeJS.ErrnoException }
  /** The stream ended or closed first. */
  | { reason: 'closed' }
  | { reason: 'aborted' }
  /** Not an HTTP head, or none within the size bound (parseHttpHead's message). */
  | { reason: 'malformed'; message: string }
  /** The check gave this reason. */
  | { reason: 'rejected'; message: string };

export type HeadRead =
  /** `rest` holds the bytes after the head. */
  | { ok: true; head: HttpHead; rest: Buffer }
  /** `received` is everything that came. The stream is left as it is, for the caller to answer or destroy. */
  | { ok: false; failure: HeadReadFailure; received: Buffer };

/**
 * Reads one HTTP head from `stream`; on either outcome the stream is paused and this reader's
 * listeners are gone. The caller keeps an 'error' listener of its own on the stream, as the reader's
 * goes with it.
 */
export function readHttpHead(stream: Duplex, o: ReadHeadOptions = {}): Promise<HeadRead> {
  const maxBytes = o.maxBytes ?? MAX_HEAD_BYTES;
  return new Promise((resolve) => {
    let received: Buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (r: HeadRead): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      // Hold further bytes until the next owner listens: a flowing stream without listeners loses them.
      stream.pause();
      stream.removeListener('data', onData);
      stream.removeListener('error', onError);
      stream.removeListener('end', onClosed);
      stream.removeListener('close', onClosed);
      o.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const fail = (failure: HeadReadFailure): void => finish({ ok: false, failure, received });
    const onError = (error: NodeJS.ErrnoException): void => fail({ reason: 'error', error });
    const onClosed = (): void => fail({ reason: 'closed' });
    const onAbort = (): void => fail({ reason: 'aborted' });
    const onData = (d: Buffer): void => {
      received = received.length === 0 ? d : Buffer.concat([received, d]);
      const rejected = o.check?.(received) ?? null;
      if (rejected !== null) {
        fail({ reason: 'rejected', message: rejected });
        return;
      }
      // A head ends with a line feed, and a head that is too long is one without an end within the
      // bound: a stream that trickles bytes costs no parse per byte.
      if (!d.includes(0x0a) && received.length < maxBytes) return;
      const parsed = parseHttpHead(received, maxBytes);
      if (parsed.state === 'complete') finish({ ok: true, head: parsed.head, rest: parsed.rest });
      else if (parsed.state === 'error') fail({ reason: 'malformed', message: parsed.message });
    };
    const timer = o.timeoutMs === undefined ? null : setTimeout(() => fail({ reason: 'timeout' }), o.timeoutMs);
    if (o.signal?.aborted) {
      onAbort();
      return;
    }
    o.signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', onData);
    stream.on('error', onError);
    stream.on('end', onClosed);
    stream.on('close', onClosed);
    if (stream.destroyed || stream.readableEnded) onClosed();
    else stream.resume();
  });
}
