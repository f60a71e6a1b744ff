/**
 * The defaults every entry point reads (the command line, the API, the mocha integration, the
 * wstest spec files): the session's time limits and sizes, and how many cases run at once.
 */
import type { CaseDef } from '../../cases/types.js';

/** Wire log lines kept per case (SessionOptions.maxWirelogEntries; the same cap for every wire log). */
export const DEFAULT_WIRE_LOG_LINES = 4000;

/** The case limit when none is given, in seconds. */
export const DEFAULT_CASE_TIMEOUT_S = 60;

/** Cases at once against a server or a client, when not given. */
export const DEFAULT_CONCURRENCY = 32;

/** Cases at once in one browser page's worth of tabs, when not given (pages are heavier than sockets). */
export const DEFAULT_PAGE_CONCURRENCY = 8;

/** The whole-run limit for a client command, in seconds, when no --deadline is given. */
export const DEFAULT_CLIENT_COMMAND_LIMIT_S = 3600;

/** How long a target may take to answer the opening handshake, in milliseconds. */
export const DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS = 5000;

/** Bytes the cases running at once against a server may hold in flight (see plan.ts's schedule). */
export const DEFAULT_MEMORY_BUDGET_BYTES = 96 * 1024 * 1024;

export interface SessionOptions {
  /** Autobahn's failByDrop: fail the connection by dropping TCP instead of a close handshake. */
  failByDrop: boolean;
  /** Largest message (and frame) accepted from the target. */
  maxMessageSize: number;
  /** Hard limit for the whole case; the session drops the connection when it is reached. */
  caseTimeoutMs: number;
  /**
   * When true (the default, i.e. no --timeout given), the hard limit is stretched to the case's own
   * timer + 5 s where that is longer: 9.x, 12.x and 13.x wait 100-480 s for their echoes, and that
   * timer is part of the verdict. An explicit --timeout is honoured exactly.
   */
  stretchCaseTimeout?: boolean;
  closeHandshakeTimeoutMs: number;
  serverDropTimeoutMs: number;
  /** Largest number of wire log lines kept per case. */
  maxWirelogEntries: number;
  /** Largest number of target events recorded (a flooding target is failed beyond it). */
  maxEvents: number;
  /** Masking keys for client frames; random by default. */
  maskKey?: () => Buffer;
  /**
   * Bytes of received payloads kept for the judge per case (beyond them only a SHA-1 is kept), so
   * that a target flooding messages cannot fill the harness's memory.
   */
  maxKeptBytes: number;
  /** Aborted when the run is stopped (SIGINT, SIGTERM): the case ends at once, interrupted. */
  interrupt?: AbortSignal;
  /**
   * How the target answers on a connection of its own (the load monitor), when the run has one.
   * A bulk echo that has made no progress either way for `silenceMs` while the target answered
   * promptly there ends as if its own timer had fired: see BulkEcho.watchSilence (bulk-echo.ts).
   */
  pulse?: TargetPulse;
  /** See `pulse`. */
  silenceMs: number;
}

/** What the harness knows about the target's responsiveness from outside the case. */
export interface TargetPulse {
  /** True when the target answered promptly throughout the last `ms` milliseconds. */
  responsiveFor(ms: number): boolean;
}

/** The hard time limit of one case under these options (see SessionOptions.stretchCaseTimeout). */
export function caseLimitMs(def: CaseDef, opts: Pick<SessionOptions, 'caseTimeoutMs' | 'stretchCaseTimeout'>): number {
  if (!opts.stretchCaseTimeout) return opts.caseTimeoutMs;
  const ownTimerMs = Math.max(0, ...def.steps.map((s) => (s.do === 'echo' ? s.rounds.timeoutMs + 5000 : 0)));
  return Math.max(opts.caseTimeoutMs, ownTimerMs);
}

/** The session's case limit for a --timeout in seconds: exactly that when given, else 60 s stretched to a case's own timer. */
export function caseTimeoutOptions(timeoutSeconds: number | undefined): Pick<SessionOptions, 'caseTimeoutMs' | 'stretchCaseTimeout'> {
  return { caseTimeoutMs: (timeoutSeconds ?? DEFAULT_CASE_TIMEOUT_S) * 1000, stretchCaseTimeout: timeoutSeconds === undefined };
}

export const defaultSessionOptions: SessionOptions = {
  failByDrop: false,
  maxMessageSize: 64 * 1024 * 1024,
  caseTimeoutMs: DEFAULT_CASE_TIMEOUT_S * 1000,
  stretchCaseTimeout: true,
  closeHandshakeTimeoutMs: 1000,
  serverDropTimeoutMs: 1000,
  maxWirelogEntries: DEFAULT_WIRE_LOG_LINES,
  maxEvents: 10_000,
  maxKeptBytes: 1024 * 1024,
  silenceMs: 20_000,
};
