/**
 * What the fuzzing server knows of a run: the latest result per (agent, case), the cases still
 * being played, who waits for a case's status, which agents have asked for their reports, and
 * whether the run was asked to stop. No connections here: the server and its channels call in.
 */
import type { CaseResult } from '../engine/results.js';

export type StopReason = 'stopServer' | 'shutdownOnComplete';

type Key = string;
const keyOf = (agent: string, id: string): Key => `${agent}\u0000${id}`;

export class ResultStore {
  private readonly stored = new Map<Key, CaseResult>();
  private readonly agentOrder: string[] = [];
  private readonly statusWaiters = new Map<Key, Set<(r: CaseResult) => void>>();
  private readonly running = new Map<string, Set<Promise<void>>>();
  /** Agents that ran a case and have not called /updateReports since. */
  private readonly pendingAgents = new Set<string>();
  /** Agents that have called /updateReports, and who waits for how many of them. */
  private readonly reported = new Set<string>();
  private readonly reportWaiters = new Set<{ n: number; resolve: () => void }>();
  private stop: StopReason | null = null;
  /** A second run of the client (newRound) starts a round: waits for a status, and allAgentsDone, are the round's. */
  private round = 0;
  private readonly storedIn = new Map<Key, number>();
  private resolveDone!: () => void;
  private doneNow: Promise<void>;
  private resolveStopped!: () => void;
  /** See FuzzingServer.stopped. */
  readonly stopped: Promise<void>;

  /** @param onStored called for every result stored, before anyone waiting for its status hears of it */
  constructor(private readonly onStored: (r: CaseResult) => void) {
    this.doneNow = new Promise((resolve) => (this.resolveDone = resolve));
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
  }

  /** See FuzzingServer.allAgentsDone: the current round's. */
  get done(): Promise<void> {
    return this.doneNow;
  }

  /**
   * The client runs again (the second look): its results replace the first ones as they come, a
   * status wait is for a result of this round, and `done` waits for this round's /updateReports.
   */
  newRound(): void {
    this.round++;
    this.pendingAgents.clear();
    // A stop the first run asked for (shutdownOnComplete) is not this round's: it ends with its own /updateReports.
    this.doneNow = new Promise((resolve) => (this.resolveDone = resolve));
  }

  // ---- results ------------------------------------------------------------------------------

  /** An agent opened a case it may run: it now owes an /updateReports. */
  caseStarted(agent: string): void {
    if (!this.agentOrder.includes(agent)) this.agentOrder.push(agent);
    this.pendingAgents.add(agent);
  }

  /** Keeps `task` (a case being played for `agent`) until it settles. */
  track(agent: string, task: Promise<void>): void {
    let set = this.running.get(agent);
    if (!set) this.running.set(agent, (set = new Set()));
    set.add(task);
    void task.finally(() => set.delete(task));
  }

  /** The cases still being played for `agent`, or for every agent. */
  inFlight(agent?: string): Promise<void>[] {
    if (agent !== undefined) return [...(this.running.get(agent) ?? [])];
    return [...this.running.values()].flatMap((set) => [...set]);
  }

  /** Stores `r`, replacing an earlier result of the same (agent, case), and answers who waits for it. */
  store(r: CaseResult): void {
    const key = keyOf(r.agent, r.id);
    this.stored.delete(key);
    this.stored.set(key, r);
    this.storedIn.set(key, this.round);
    this.onStored(r);
    const waiters = this.statusWaiters.get(key);
    if (waiters) {
      this.statusWaiters.delete(key);
      for (const w of waiters) w(r);
    }
  }

  /** The latest result per (agent, case), agents in the order they first ran a case, cases by N. */
  results(): CaseResult[] {
    const rank = new Map(this.agentOrder.map((a, i) => [a, i]));
    return [...this.stored.values()].sort((a, b) => (rank.get(a.agent) ?? 0) - (rank.get(b.agent) ?? 0) || a.caseIndex - b.caseIndex);
  }

  agents(): string[] {
    return [...this.agentOrder];
  }

  /** The latest result of (agent, id), from whichever round. */
  get(agent: string, id: string): CaseResult | undefined {
    return this.stored.get(keyOf(agent, id));
  }

  resultCount(agent: string): number {
    let n = 0;
    for (const r of this.stored.values()) if (r.agent === agent) n++;
    return n;
  }

  /**
   * Calls `send` with the result of (agent, id): at once when there is one, else when it is stored.
   * Returns what stops the wait (the target closed the connection first).
   */
  whenResult(agent: string, id: string, send: (r: CaseResult) => void): () => void {
    const key = keyOf(agent, id);
    const known = this.storedIn.get(key) === this.round ? this.stored.get(key) : undefined;
    if (known) {
      send(known);
      return () => undefined;
    }
    let set = this.statusWaiters.get(key);
    if (!set) this.statusWaiters.set(key, (set = new Set()));
    set.add(send);
    return () => set.delete(send);
  }

  // ---- reports and stopping -----------------------------------------------------------------

  /** `agent`'s cases have ended and its reports are written: wakes who waits for it. */
  reportsUpdated(agent: string, o: { shutdownOnComplete: boolean }): void {
    this.reported.add(agent);
    for (const w of this.reportWaiters) {
      if (this.reported.size < w.n) continue;
      this.reportWaiters.delete(w);
      w.resolve();
    }
    if (o.shutdownOnComplete) this.requestStop('shutdownOnComplete');
    else if (this.pendingAgents.size === 0) this.resolveDone();
  }

  /** `agent` has asked for its reports: it owes nothing more. */
  agentFinished(agent: string): void {
    this.pendingAgents.delete(agent);
  }

  /** See FuzzingServer.agentsReported. */
  agentsReported(n: number): Promise<void> {
    if (this.reported.size >= n) return Promise.resolve();
    const counted = new Promise<void>((resolve) => this.reportWaiters.add({ n, resolve }));
    return Promise.race([counted, this.stopped]);
  }

  stopReason(): StopReason | null {
    return this.stop;
  }

  requestStop(reason: StopReason): void {
    this.stop ??= reason;
    this.end();
  }

  /** The server closed: every wait ends. */
  end(): void {
    this.resolveDone();
    this.resolveStopped();
  }
}
