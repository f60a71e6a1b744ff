/**
 * Telling the scheduler that a bulk case is only waiting. A failing bulk echo (a target that took the
 * message and will never echo it) waits out a timer of 100-1000 s with nothing in flight; meanwhile
 * its slot can run another case (issue 15: such a case "takes no slot that another case needs").
 *
 * Only from outside the session, on the socket it plays over: no octet read, none of ours taken, and
 * none of ours queued in the harness for `afterMs`, while the load monitor saw the target answer
 * promptly on its own connection all that time. A target busy with the case (a single-threaded one
 * compressing) answers the monitor late, and the case keeps its slot: the load it puts on the target
 * is what the slot stands for.
 */
import type { TargetPulse } from '../engine/defaults.js';
import type { Slot } from '../engine/plan.js';

/** No progress for this long with the target prompt elsewhere, and a bulk case lends its slot. */
export const WAITING_AFTER_MS = 2000;

/** What is watched: a socket, or an HTTP/2 stream counting its octets the same way (h2-stream.ts). */
export interface CountingStream {
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly writableLength: number;
  readonly destroyed: boolean;
  once(event: 'close', fn: () => void): unknown;
}

/** Watches `socket` until it closes, telling `slot` when the case waits and when it works again. */
export function watchWaiting(socket: CountingStream, slot: Slot, pulse: TargetPulse, o: { afterMs?: number; everyMs?: number } = {}): void {
  const afterMs = o.afterMs ?? WAITING_AFTER_MS;
  const progress = (): number => socket.bytesRead + socket.bytesWritten - socket.writableLength;
  let last = progress();
  let lastAt = Date.now();
  let waiting = false;
  const timer = setInterval(() => {
    const now = progress();
    if (now !== last || socket.writableLength > 0) {
      last = now;
      lastAt = Date.now();
      if (waiting) slot.working();
      waiting = false;
    } else if (waiting && !pulse.responsiveFor(afterMs)) {
      // The target is busy now, perhaps with this case: the case holds its slot again.
      waiting = false;
      slot.working();
    } else if (!waiting && Date.now() - lastAt >= afterMs && pulse.responsiveFor(afterMs)) {
      waiting = true;
      slot.waiting();
    }
  }, o.everyMs ?? 250);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
  if (socket.destroyed) clearInterval(timer);
}
