/**
 * What a session records about one case on one connection. The judge decides from this alone.
 */
import type { WireEntry } from './results.js';
import type { Violation } from '../wire/reader.js';

export type RecordedEvent =
  | {
      type: 'message';
      binary: boolean;
      length: number;
      /** The payload, when it is small enough to keep (see MAX_KEPT_PAYLOAD). */
      payload: Buffer | null;
      /** SHA-1 of the payload (hex), when the payload itself was not kept. */
      sha1: string | null;
    }
  | { type: 'pong'; payload: Buffer }
  | { type: 'timeout'; tag: string };

/** Bulk echo progress (Autobahn 9.x, 12.x, 13.x). */
export interface EchoProgress {
  count: number;
  sent: number;
  matched: number;
  /** Why the first wrong echo was wrong. */
  mismatch: string | null;
  /** The extension the case needs was not negotiated (UNIMPLEMENTED). */
  unimplemented: boolean;
}

export interface Transcript {
  role: 'client' | 'server';
  /** Epoch milliseconds at TCP connect (client) or accept (server). */
  startedAt: number;
  /** Milliseconds from start to the end of the opening handshake (null: never completed). */
  openedAtMs: number | null;
  endedAtMs: number;
  httpRequest: string;
  httpResponse: string;
  /** Set when the opening handshake failed, with why. */
  handshakeError: string | null;
  /**
   * Set when the target answered the opening handshake with HTTP, but not with a valid 101 for this
   * case: the fault in a few stable words, the same in every case the target answers that way.
   */
  handshakeFault?: string;
  wasOpenHandshakeTimeout: boolean;
  received: RecordedEvent[];
  closedByMe: boolean;
  failedByMe: boolean;
  droppedByMe: boolean;
  wasClean: boolean;
  wasNotCleanReason: string | null;
  wasServerConnectionDropTimeout: boolean;
  wasCloseHandshakeTimeout: boolean;
  localCloseCode: number | null;
  localCloseReason: Buffer | null;
  remoteCloseCode: number | null;
  remoteCloseReason: Buffer | null;
  violations: Violation[];
  /** Who ended TCP first and how, for the report. */
  tcpEnd: 'peer-fin' | 'peer-reset' | 'harness' | 'unknown';
  echo: EchoProgress | null;
  timedOutWaitingFor: string | null;
  /**
   * The harness timers that fired during the case, in order ('kill', 'close', 'echo', 'silence',
   * 'closing-handshake', 'server-drop', 'case-limit', or 'wait:TAG' for a tagged pause that saw
   * nothing). A verdict shaped by a timer can depend on how busy the target was: see confirm.ts.
   */
  timersFired: string[];
  /** Set when the run was stopped (SIGINT, SIGTERM) while the case was in progress: no verdict. */
  interrupted: string | null;
  wirelog: WireEntry[];
  rxOctetStats: Record<string, number>;
  txOctetStats: Record<string, number>;
  rxFrameStats: Record<string, number>;
  txFrameStats: Record<string, number>;
  /** Negotiated permessage-deflate parameters, when any. */
  deflate: string | null;
  traffic: {
    txWire: number;
    rxWire: number;
    txWsPayload: number;
    rxWsPayload: number;
    txApp: number;
    rxApp: number;
    txFrames: number;
    rxFrames: number;
    txMessages: number;
    rxMessages: number;
    preopenTx: number;
    preopenRx: number;
  };
}

export const MAX_KEPT_PAYLOAD = 1024 * 1024;

export function emptyTranscript(role: 'client' | 'server', startedAt: number): Transcript {
  return {
    role,
    startedAt,
    openedAtMs: null,
    endedAtMs: 0,
    httpRequest: '?',
    httpResponse: '?',
    handshakeError: null,
    wasOpenHandshakeTimeout: false,
    received: [],
    closedByMe: false,
    failedByMe: false,
    droppedByMe: false,
    wasClean: false,
    wasNotCleanReason: null,
    wasServerConnectionDropTimeout: false,
    wasCloseHandshakeTimeout: false,
    localCloseCode: null,
    localCloseReason: null,
    remoteCloseCode: null,
    remoteCloseReason: null,
    violations: [],
    tcpEnd: 'unknown',
    echo: null,
    timedOutWaitingFor: null,
    timersFired: [],
    interrupted: null,
    wirelog: [],
    rxOctetStats: {},
    txOctetStats: {},
    rxFrameStats: {},
    txFrameStats: {},
    deflate: null,
    traffic: { txWire: 0, rxWire: 0, txWsPayload: 0, rxWsPayload: 0, txApp: 0, rxApp: 0, txFrames: 0, rxFrames: 0, txMessages: 0, rxMessages: 0, preopenTx: 0, preopenRx: 0 },
  };
}
