/**
 * The timers of one session (kill, close, closing handshake, server drop, bulk echo, case limit,
 * pauses): real-time deadlines that a busy event loop cannot fire early, and that all stop at once
 * when the connection is gone.
 */

/** A timer of the session's, which can be called off before it acts. */
export interface Deadline {
  cancel(): void;
}

export class SessionTimers {
  private readonly pending = new Set<NodeJS.Timeout>();

  /**
   * Runs `fn` `ms` milliseconds of real time from now, once the sockets have been read once more.
   * Node starts a timer from the clock its event loop read last, which a stall in the middle of a
   * loop iteration (a busy machine, a stopped process) leaves behind, so a timer set just then can
   * fire at once: a timer that fires early is set again for what is left. And Node runs due timers
   * before it reads the sockets, so `fn` waits for one more read: what the target sent before the
   * deadline is seen before the deadline acts.
   */
  after(ms: number, fn: () => void): Deadline {
    const due = performance.now() + ms;
    let cancelled = false;
    const arm = (wait: number): void => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        const left = due - performance.now();
        if (left >= 1) arm(left);
        else
          setImmediate(() => {
            if (!cancelled) fn();
          });
      }, wait);
      this.pending.add(timer);
    };
    arm(ms);
    return { cancel: () => (cancelled = true) };
  }

  /** A plain timer, stopped with the others by clear(). */
  plain(ms: number, fn: () => void): void {
    this.pending.add(setTimeout(fn, ms));
  }

  /** Stops every timer not yet due (the connection is gone). */
  clear(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}

/** One turn of the event loop: what was written goes out before the next write. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
