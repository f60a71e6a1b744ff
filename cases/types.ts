/**
 * What a case is: data. A case says what the harness sends (steps) and what the target must do
 * (expectation). No sockets, no timers, no callbacks: the runner's session plays the steps and a
 * pure judge compares the transcript with the expectation.
 */
import type { FrameSpec } from '../runner/wire/frame.js';
import type { DeflateAcceptRule, DeflateNegotiation, DeflateOffer } from '../runner/wire/deflate/negotiation.js';
import type { CorpusSlice } from '../runner/wire/deflate/stream.js';
import type { BrowserApiCheck } from './browser-api-types.js';
import type { H2Check } from './h2-types.js';

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
  /**
   * As a server, read on for up to `ms` after the closing handshake instead of dropping TCP at
   * once, so that whatever the client sends after its close frame is recorded (the client may end
   * TCP first). Wherever it stands among the steps, it applies to the end of the connection; as a
   * client the harness waits for the server to end TCP anyway.
   */
  | { do: 'lingerAfterClose'; ms: number }
  /** Bulk echo rounds (Autobahn 9.x, 12.x, 13.x): see EchoRounds. */
  | { do: 'echo'; rounds: EchoRounds }
  /** Writes these exact octets in one write (fuzz sequences and their reproducers); logged as octets, not frames. */
  | { do: 'write'; bytes: Uint8Array };

/** A message the harness sends in bulk cases; `i` is the round number from 0. */
export interface BulkMessage {
  binary: boolean;
  payload: Buffer;
  /** Where the payload's bytes come from in a fixed corpus, so that compressed pieces can be reused across cases. */
  source?: CorpusSlice;
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

/** A recorded event, as cases state expectations: messages and pongs from the target, and wait markers. */
export type TargetEvent = { type: 'message'; binary: boolean; payload: Buffer } | { type: 'pong'; payload: Buffer } | { type: 'timeout'; tag: string };

export interface CloseExpectation {
  /** The harness, not the target, is meant to send the first close frame. */
  closedByMe: boolean;
  /** Close codes the target may send (no code at all is always accepted). */
  codes: number[];
  /** A close frame must go each way before TCP closes. */
  requireClean: boolean;
  /** If the wrong endpoint closed, `behavior` is FAILED too (the target never noticed the problem). */
  closedByWrongEndpointIsFatal?: boolean;
  /**
   * Either side may end TCP: after an answer other than 101 the connection is plain HTTP, which
   * the client may close or keep for another request (RFC 6455 §4.1). Only what it sends counts.
   */
  eitherMayClose?: boolean;
  /**
   * Close codes that are not WRONG CODE but make `behavior` NON-STRICT: the RFC prefers `codes`
   * and these are a tolerated second choice (1002 instead of 1007 for a bad close reason).
   */
  tolerated?: number[];
}

/**
 * What the target must do: on a connection the harness plays frame by frame, for a browser-API case
 * in the page, for an h2.* case on the streams of an HTTP/2 connection (h2-types.ts).
 */
export type Expectation = SessionExpectation | BrowserApiExpectation | H2Expectation;

/** What the target must do on a connection the harness plays step by step (judged by runner/engine/verdicts/judge.ts). */
export type SessionExpectation =
  | {
      kind: 'events';
      /** Event lists by verdict; the first list equal to what was received gives `behavior`. */
      outcomes: { OK: TargetEvent[]; 'NON-STRICT'?: TargetEvent[] };
      close: CloseExpectation;
      /**
       * How the connection must end after the NON-STRICT outcome, when that differs from `close`
       * (the target may fail the connection, or accept the frame and leave the close to the harness).
       */
      nonStrictClose?: CloseExpectation;
      /** A WRONG CODE close verdict also fails `behavior` (Autobahn 7.x). */
      wrongCodeFails?: boolean;
      /** Both verdicts are INFORMATIONAL whatever happens (Autobahn 7.1.6, 7.13.x). */
      informational?: boolean;
      /** The harness's own frame counts that must hold (10.1.1's self-check), opcode -> count. */
      sentFrames?: Record<number, number>;
    }
  | { kind: 'echo'; close: CloseExpectation }
  /**
   * The target must refuse the opening handshake (RFC 6455 §4.2.2): the deviations are in
   * `handshake.request`. `close` only feeds the reports: no WebSocket is meant to exist.
   */
  | { kind: 'handshake'; refuse: HandshakeRefusal; close: CloseExpectation }
  /** A generated fuzz sequence (runner/fuzz): what a conformant target does with its octets. */
  | { kind: 'fuzz'; model: FuzzModel; close: CloseExpectation }
  /** A tls.* case (testing clients over TLS): see TlsExpectation. */
  | TlsExpectation;

/**
 * What a client must do with the certificate a tls.* case presents (RFC 6455 §4.1). The case is played
 * on a listener of its own (runner/fuzzing-server/tls-cases.ts), so that the certificate is the case's
 * from the first byte; runner/engine/verdicts/tls.ts judges what reached it.
 */
export interface TlsExpectation {
  kind: 'tls';
  /** The client must fail the connection in the TLS handshake: a WebSocket opened over it is FAILED. */
  mustRefuse: boolean;
  /** The client must send SNI (server_name) naming the URL's host. */
  requireSni?: boolean;
  /** The client must never send plain text to the wss:// port, after a failed TLS handshake included. */
  noPlainFallback?: boolean;
  /** When the WebSocket may open: what the client must echo, and how the connection ends. */
  outcomes: { OK: TargetEvent[] };
  close: CloseExpectation;
}

/** The certificate a tls.* case presents: the run's CA signs it unless the name says otherwise. */
export type TlsPresented = 'trusted' | 'untrusted-ca' | 'wrong-host' | 'expired' | 'self-signed';

/** Where a tls.* case is served and with what. */
export interface TlsCaseSpec {
  present: TlsPresented;
  /** The host the case's URL names: the run's listening host by default; 'localhost' for a host-name URL. */
  urlHost?: 'localhost';
}

/**
 * A browser-API case (applies: 'browsers'): the server's script, the page's actions, what the page
 * must observe and what must cross the wire (browser-api-types.ts). The case has no steps: the
 * browser driver plays the check and runner/engine/verdicts/browser-api.ts judges it.
 */
export interface BrowserApiExpectation {
  kind: 'browser-api';
  check: BrowserApiCheck;
}

/** An h2.* case (cases/own/h2.ts): the check, judged by runner/engine/verdicts/h2.ts, not by the session judge. */
export interface H2Expectation {
  kind: 'h2';
  check: H2Check;
  /** Only feeds the reports' expected close columns: how a WebSocket of the case ends when one opens. */
  close: CloseExpectation;
}

/** How a refusal is graded (`kind: 'handshake'`). A 101 is always FAILED. */
export interface HandshakeRefusal {
  /** Statuses graded OK; any other answer without a 101 (another status, TCP closed without a response) is NON-STRICT. */
  statuses: number[];
  /** Header tokens the refusal must carry, e.g. ['Sec-WebSocket-Version', '13'] (§4.4): FAILED without them. */
  headers?: Array<[name: string, token: string]>;
}

/** What the reference model says a conformant target does with a fuzz sequence (runner/fuzz/model.ts). */
export interface FuzzModel {
  /** Messages the target echoes, in order: all of them if it accepts the sequence, else those before the latest point where it may fail. */
  messages: Array<{ binary: boolean; payload: Buffer }>;
  /** Pong payloads, in order, on the same terms; when the target must not fail, the last answers the final ping. */
  pongs: Buffer[];
  /** The sequence breaks a MUST: the target must fail the connection. */
  mustFail: boolean;
  /** The target may fail the connection (a violation, or a tolerated oddity such as a non-minimal length). */
  mayFail: boolean;
  /** A fragmented message is still open at the end (so no other sequence may follow on the connection). */
  openAtEnd: boolean;
}

export interface Requirement {
  /** "RFC 6455 §5.5", "WHATWG WebSockets §close()" … */
  spec: string;
  level: RequirementLevel;
}

/**
 * Which targets a case applies to: the harness testing a server, a client, or both; 'browsers':
 * only a browser's WebSocket API (the browser-API cases, which test-server and test-client skip).
 */
export type Applicability = 'both' | 'servers' | 'clients' | 'browsers';

/** Opening handshake variations a case needs (permessage-deflate offers and responses, deviating requests and responses). */
export interface HandshakeSpec {
  deflate?: DeflateParams;
  /** How the harness, as a client, deviates in its request (handshake.* against servers). */
  request?: HandshakeRequestBend;
  /** How the harness, as a server, deviates in its response (handshake.* against clients). */
  response?: HandshakeResponseBend;
}

/** A deviating opening request (RFC 6455 §4.1): everything else is a correct request with a fresh key. */
export interface HandshakeRequestBend {
  /** Replace (same name, any case), add, or remove (null value) request headers. */
  headers?: Array<[name: string, value: string | null]>;
  method?: string;
  httpVersion?: string;
  /** Request target; by default the URL's path and query. */
  path?: string;
  /** Subprotocols and extensions offered. */
  protocols?: string[];
  extensions?: string[];
  /** Write the request in pieces of this many octets, each its own write. */
  writeChop?: number;
  /** A frame written together with the end of the request, before any response arrives. */
  pipelinedFrame?: CaseFrame;
}

/** A deviating opening response (RFC 6455 §4.2.2) from the harness as a server. */
export interface HandshakeResponseBend {
  /** Status line after "HTTP/1.1 ", e.g. "403 Forbidden"; default "101 Switching Protocols". */
  status?: string;
  /** Replace, add, or remove (null) response headers; applied after the fields below. */
  headers?: Array<[name: string, value: string | null]>;
  /** Compute Sec-WebSocket-Accept from another key than the client's. */
  wrongAccept?: boolean;
  /** A subprotocol / extensions to select, whether offered or not. */
  protocol?: string;
  extensions?: string[];
  /** Write the response in pieces of this many octets, each its own write. */
  writeChop?: number;
  /** A frame written in the same write as the end of the response. */
  pipelinedFrame?: CaseFrame;
}

/** permessage-deflate parameters for the 12.x/13.x families (RFC 7692 §7.1). */
export interface DeflateParams extends DeflateNegotiation {
  /** Offers the harness makes as a client, in order (each element's parameters, as sent). */
  offers: DeflateOffer[];
  /** How the harness, as a server, picks from a client's offers. */
  accept: DeflateAcceptRule;
}

export type { DeflateAcceptRule, DeflateOffer } from '../runner/wire/deflate/negotiation.js';
export type { H2Check, H2HeaderBend } from './h2-types.js';

export interface CaseDef {
  id: string;
  /** Short title for matrices and JUnit names. */
  title: string;
  /** What the case does, in a sentence or two. */
  description: string;
  /** What a conformant target does. */
  expectation: string;
  requirement?: Requirement;
  applies?: Applicability;
  handshake?: HandshakeSpec;
  /** What the harness does, in order (none for a browser-API case: its expectation holds the check). */
  steps: Step[];
  expect: Expectation;
  /** Rough cost in bytes moved, for scheduling and sharding. */
  cost?: number;
  /** Autobahn reports the case duration (9.x, 12.x, 13.x). */
  reportTime?: boolean;
  /** A tls.* case: the certificate its own listener presents (only `test-client --tls` runs them). */
  tls?: TlsCaseSpec;
  /** An h2.client.* case: how its own listener speaks HTTP/2 (only `test-client --http2 --command` runs them). */
  h2Client?: H2ClientCaseSpec;
}

/**
 * Where an h2.client.* case is served (runner/fuzzing-server/h2-client-cases.ts): a listener of its
 * own whose HTTP/2 SETTINGS are the case's, judged by runner/engine/verdicts/h2-client.ts.
 */
export interface H2ClientCaseSpec {
  /**
   * SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3): 'advertised' at once; 'delayed': advertised, but
   * the server's SETTINGS held back for a while after the client's preface; 'absent': never.
   */
  settings: 'advertised' | 'delayed' | 'absent';
  /** 'no-key': the extended CONNECT is also checked for a sec-websocket-key (RFC 8441 §5). */
  check?: 'no-key';
}
