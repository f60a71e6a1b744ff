/**
 * What a case is: data. A case says what the harness sends (steps) and what the target must do
 * (expectation). No sockets, no timers, no callbacks: the runner's session plays the steps and a
 * pure judge compares the transcript with the expectation.
 */
import type { FrameSpec } from '../runner/wire/frame.js';

export type RequirementLevel = 'MUST' | 'SHOULD' | 'MAY' | 'INFO';

/** A frame as a case writes it. Masking follows the harness role unless `masked` says otherwise. */
export interface CaseFrame extends Omit<FrameSpec, 'mask'> {
  /** Force masking on (true) or off (false); by default a client masks and a server does not. */
  masked?: boolean;
}

/** How the frames of one `send` step reach the socket. */
export type WriteMode =
  /** All frames in one write. */
  | 'together'
  /** Each frame its own write, with a short pause between them. */
  | 'each'
  /** Every frame's bytes in writes of this many octets, with a short pause between them. */
  | { chop: number }
  /**
   * Only part of a single frame: the payload bytes [from, to), with the header when from is 0.
   * Several steps sending slices of the same frame object write one frame with pauses inside it.
   */
  | { slice: [from: number, to: number] };

export type Step =
  | { do: 'send'; frames: CaseFrame[]; write?: WriteMode }
  /** Sends a close frame (code and raw reason bytes, both optional) and starts the closing handshake. */
  | { do: 'close'; code?: number; reason?: Uint8Array }
  /**
   * Pauses. When the connection is no longer open afterwards, the program stops. A tagged wait
   * records a `timeout` event (Autobahn's 6.4.x markers) when it ends with the connection open.
   */
  | { do: 'wait'; ms: number; tag?: string }
  /** If the connection is still open after `ms`, fail it (close 1001, or drop with failByDrop). */
  | { do: 'killAfter'; ms: number }
  /** If the connection is still open after `ms`, send a close frame without a status code. */
  | { do: 'closeAfter'; ms: number }
  /** Bulk echo rounds (Autobahn 9.x, 12.x, 13.x): see EchoRounds. */
  | { do: 'echo'; rounds: EchoRounds };

/** A message the harness sends in bulk cases; `i` is the round number from 0. */
export interface BulkMessage {
  binary: boolean;
  payload: Buffer;
}

export interface EchoRounds {
  /** Number of messages; each is sent after the previous echo arrived. */
  count: number;
  message: (i: number) => BulkMessage;
  /** Split each message into frames of this many payload bytes (0: one frame). */
  fragmentSize?: number;
  /** Write each frame's bytes in chops of this many octets. */
  chop?: number;
  /** Autobahn's timer for the whole case: when it fires, the harness sends a close without a code. */
  timeoutMs: number;
  /** What must match in each echo: type and length (9.x), or type, length and content (12/13). */
  compare: 'length' | 'content';
  /** Send messages compressed (permessage-deflate); the case is UNIMPLEMENTED if it was not negotiated. */
  deflate?: boolean;
}

/** A recorded event, as cases state expectations: messages and pongs from the peer, and wait markers. */
export type PeerEvent =
  | { type: 'message'; binary: boolean; payload: Buffer }
  | { type: 'pong'; payload: Buffer }
  | { type: 'timeout'; tag: string };

export interface CloseExpectation {
  /** The harness, not the peer, is meant to send the first close frame. */
  closedByMe: boolean;
  /** Close codes the peer may send (no code at all is always accepted). */
  codes: number[];
  /** A close frame must go each way before TCP closes. */
  requireClean: boolean;
  /** If the wrong endpoint closed, `behavior` is FAILED too (the peer never noticed the problem). */
  closedByWrongEndpointIsFatal?: boolean;
}

export type Expectation =
  | {
      kind: 'events';
      /** Event lists by verdict; the first list equal to what was received gives `behavior`. */
      outcomes: { OK: PeerEvent[]; 'NON-STRICT'?: PeerEvent[] };
      close: CloseExpectation;
      /** A WRONG CODE close verdict also fails `behavior` (Autobahn 7.x). */
      wrongCodeFails?: boolean;
      /** Both verdicts are INFORMATIONAL whatever happens (Autobahn 7.1.6, 7.13.x). */
      informational?: boolean;
      /** The harness's own frame counts that must hold (10.1.1's self-check), opcode -> count. */
      sentFrames?: Record<number, number>;
    }
  | { kind: 'echo'; close: CloseExpectation };

export interface Requirement {
  /** "RFC 6455 §5.5", "WHATWG WebSockets §close()" … */
  spec: string;
  level: RequirementLevel;
}

/** Which targets a case applies to: the harness testing a server, a client, or both. */
export type Applicability = 'both' | 'servers' | 'clients';

/** Opening handshake variations a case needs (permessage-deflate offers and responses). */
export interface HandshakeSpec {
  deflate?: DeflateParams;
}

/** permessage-deflate parameters for the 12.x/13.x families (RFC 7692 §7.1). */
export interface DeflateParams {
  /** Offers the harness makes as a client, in order. */
  offers: DeflateOffer[];
  /** How the harness, as a server, picks from a client's offers. */
  accept: 'first' | 'no-context-takeover' | 'max-window-bits-9' | 'max-window-bits-15' | 'both-9' | 'both-15' | 'fallback';
}

export interface DeflateOffer {
  serverNoContextTakeover?: boolean;
  serverMaxWindowBits?: number;
}

export interface CaseDef {
  id: string;
  /** Short title for matrices and JUnit names. */
  title: string;
  /** What the case does, in a sentence or two. */
  description: string;
  /** What a conformant peer does. */
  expectation: string;
  requirement?: Requirement;
  applies?: Applicability;
  handshake?: HandshakeSpec;
  steps: Step[];
  expect: Expectation;
  /** Rough cost in bytes moved, for scheduling and sharding. */
  cost?: number;
  /** Autobahn reports the case duration (9.x, 12.x, 13.x). */
  reportTime?: boolean;
}
