/**
 * What a run produces: one CaseResult per (agent, case), plus run metadata. Reports are pure
 * functions of these types; results.jsonl holds one CaseResult per line.
 */

/** Autobahn's `behavior` classes. */
export const Behavior = {
  OK: 'OK',
  NON_STRICT: 'NON-STRICT',
  INFORMATIONAL: 'INFORMATIONAL',
  UNIMPLEMENTED: 'UNIMPLEMENTED',
  FAILED: 'FAILED',
} as const;
export type Behavior = (typeof Behavior)[keyof typeof Behavior];

/** Autobahn's `behaviorClose` classes. */
export const CloseBehavior = {
  OK: 'OK',
  WRONG_CODE: 'WRONG CODE',
  UNCLEAN: 'UNCLEAN',
  FAILED_BY_CLIENT: 'FAILED BY CLIENT',
  INFORMATIONAL: 'INFORMATIONAL',
  UNIMPLEMENTED: 'UNIMPLEMENTED',
  FAILED: 'FAILED',
} as const;
export type CloseBehavior = (typeof CloseBehavior)[keyof typeof CloseBehavior];

/** Which side the harness played: 'client' tests a server, 'server' tests a client or browser. */
export type HarnessRole = 'client' | 'server';

/** A recorded target event, in the JSON form Autobahn's reports use (payloads cut to 64 bytes). */
export type EventJson = ['message', string, boolean] | ['pong', string] | ['ping', string] | ['timeout', string];

export interface ExpectedClose {
  closedByMe: boolean;
  closeCode: number[];
  requireClean: boolean;
  closedByWrongEndpointIsFatal?: boolean;
}

/** One line of the wire log. `t` is milliseconds since the case started (TCP connect). */
export type WireEntry =
  | { t: number; kind: 'octets'; dir: 'rx' | 'tx'; length: number; hex: string; truncated: boolean }
  | {
      t: number;
      kind: 'frame';
      dir: 'rx' | 'tx';
      opcode: number;
      fin: boolean;
      rsv: number;
      masked: boolean;
      /** Payload length as sent/received on the wire (compressed length for deflate frames). */
      length: number;
      /** Up to 64 payload bytes, hex. */
      hex: string;
      /** Up to 64 payload bytes as text (invalid UTF-8 shown as U+FFFD). */
      text: string;
      truncated: boolean;
      /** For compressed messages: the message size after inflating. */
      decodedLength?: number;
    }
  | { t: number; kind: 'note'; text: string };

export interface TrafficStats {
  outgoingOctetsWireLevel: number;
  outgoingOctetsWebSocketLevel: number;
  outgoingOctetsAppLevel: number;
  outgoingCompressionRatio: number | null;
  outgoingWebSocketOverhead: number | null;
  outgoingWebSocketFrames: number;
  outgoingWebSocketMessages: number;
  incomingOctetsWireLevel: number;
  incomingOctetsWebSocketLevel: number;
  incomingOctetsAppLevel: number;
  incomingCompressionRatio: number | null;
  incomingWebSocketOverhead: number | null;
  incomingWebSocketFrames: number;
  incomingWebSocketMessages: number;
  preopenOutgoingOctetsWireLevel: number;
  preopenIncomingOctetsWireLevel: number;
}

export interface CaseResult {
  /** Case ID: Autobahn's dotted numbers ("6.4.1") or our own prefixed IDs ("handshake.key.missing"). */
  id: string;
  agent: string;
  /** Autobahn's `case` field: runCase's N (testing clients) or the index in the catalogue (testing servers). */
  caseIndex: number;
  role: HarnessRole;
  title: string;
  description: string;
  expectation: string;
  /** RFC / standard reference and requirement level, when the case states one. */
  requirement?: { spec: string; level: 'MUST' | 'SHOULD' | 'MAY' | 'INFO' };
  behavior: Behavior;
  behaviorClose: CloseBehavior;
  /** Why `behavior` is what it is, in one or two sentences. */
  result: string;
  /** Why `behaviorClose` is what it is. */
  resultClose: string;
  /** ISO timestamp of the case start. */
  started: string;
  durationMs: number;
  reportTime: boolean;
  reportCompressionRatio: boolean;
  expected: Record<string, EventJson[]>;
  expectedClose: ExpectedClose;
  received: EventJson[];
  closedByMe: boolean;
  failedByMe: boolean;
  droppedByMe: boolean;
  wasClean: boolean;
  wasNotCleanReason: string | null;
  wasServerConnectionDropTimeout: boolean;
  wasOpenHandshakeTimeout: boolean;
  wasCloseHandshakeTimeout: boolean;
  localCloseCode: number | null;
  localCloseReason: string | null;
  remoteCloseCode: number | null;
  remoteCloseReason: string | null;
  httpRequest: string;
  httpResponse: string;
  rxOctetStats: Record<string, number>;
  txOctetStats: Record<string, number>;
  rxFrameStats: Record<string, number>;
  txFrameStats: Record<string, number>;
  trafficStats: TrafficStats | null;
  wirelog: WireEntry[];
  /** Protocol errors the harness saw from the target (stable codes, e.g. WS_ERR_MASKED_FRAME). */
  violations: Array<{ code: string; message: string }>;
  /** Set when the case's time limit cut it short: the step it was waiting for. */
  timedOutWaitingFor?: string;
  /**
   * Set when the case failed in its opening handshake on an HTTP answer that is not a valid 101:
   * the fault in a few stable words ("wrong Sec-WebSocket-Accept", "status 403 Forbidden instead of
   * 101"), so that reports can say once what every such case shares.
   */
  handshakeFault?: string;
  /** Extra facts a driver attaches (browser name, stderr tail of a client command…). */
  notes?: string[];
  /** Testing a client with --http2: the protocol its WebSocket for this case came over (RFC 8441 for h2, h2c). */
  protocol?: WireProtocol;
  /** Browser-API cases (api.*): what the standard required of the page and the wire, and what was seen. */
  browserApi?: BrowserApiRecord;
  /**
   * Set when the case was played a second time (runner/engine/confirm.ts): its first verdict came
   * from a timer while the target was busy (testing a server), or while other cases ran beside it
   * (testing a client, whose command ran again with only the cases in question). The verdict above
   * is the one from the second look.
   */
  confirmedAlone?: {
    first: Pick<CaseResult, 'behavior' | 'behaviorClose' | 'result' | 'resultClose'>;
    /** The largest lag the load monitor saw during the first run; null when it could not tell. */
    firstTargetLagMs: number | null;
    /** Whether the solo run gave the same verdict. */
    same: boolean;
  };
}

/** One aspect of the wire of a browser-API case: what had to cross it, what did, and whether that passed. */
export interface BrowserApiWireRow {
  what: string;
  expected: string;
  observed: string;
  /** null: the case does not check this aspect (the row only reports it). */
  ok: boolean | null;
}

export interface BrowserApiRecord {
  /** The lines a conforming page logs, in order (the WHATWG WebSockets standard). */
  expectedPage: string[];
  /** The lines the page logged. */
  observedPage: string[];
  wire: BrowserApiWireRow[];
}

export interface RunMeta {
  tool: 'wsconform';
  version: string;
  /** Changes whenever case definitions change; merging refuses mixed catalogue versions. */
  catalogueVersion: string;
  mode: 'test-server' | 'test-client' | 'test-browser' | 'fuzzingclient' | 'fuzzingserver' | 'merge';
  startedAt: string;
  finishedAt?: string;
  wallMs?: number;
  options: Record<string, unknown>;
  /** Agents seen, with what we know of each (URL, engine, version, unavailability reason, pacing). */
  agents: Array<{ name: string; url?: string; engine?: string; version?: string; unavailable?: string; pace?: PaceSummary; tls?: TlsTransport; protocol?: WireProtocol }>;
  /** Cases that were in progress when the run was stopped (SIGINT, SIGTERM): they have no verdict. */
  interruptedCases?: InterruptedCase[];
}

/** A case the run's stop signal ended before it had a verdict. */
export interface InterruptedCase {
  agent: string;
  id: string;
  why: string;
}

/** The HTTP version an agent's WebSockets ran over: HTTP/1.1 upgrades, or extended CONNECT streams over HTTP/2 with TLS (h2) or cleartext (h2c). */
export type WireProtocol = 'http/1.1' | 'h2' | 'h2c';

/** The TLS connection to or from an agent (wss://), as the agent's first connection negotiated it. */
export interface TlsTransport {
  /** As Node names them: "TLSv1.3", "TLS_AES_256_GCM_SHA384". */
  protocol: string;
  cipher: string;
  /** The SNI name sent, if any (none for an IP address unless one was given). */
  servername?: string;
  /**
   * The certificate of the TLS server: the target's (testing a server) or the harness's own
   * (testing a client with --tls). Distinguished names in OpenSSL's one-line form.
   */
  certificate?: { subject: string; issuer: string; validFrom: string; validTo: string; fingerprint256: string };
  /**
   * Testing a server: false when verification was off (--insecure), the certificate taken as it
   * came. Absent testing a client, where the harness presented the certificate.
   */
  verified?: boolean;
  /** With verification off: what verification would have refused (Node's code), if anything. */
  unverifiedBecause?: string;
  /** Testing a browser with --tls: how the launched engine was made to trust the certificate. */
  trust?: string;
}

/**
 * How a run adapted to one target: against a server, its pacing and second look
 * (runner/fuzzing-client/pace.ts, runner/engine/confirm.ts); against a client run as a command, the
 * second look alone (runner/fuzzing-server/second-look.ts), the client picking its own concurrency.
 */
export interface PaceSummary {
  /** Whether the load monitor could watch the target (a server; absent for a client). */
  monitored?: boolean;
  /** The lowest concurrency the run came down to (the given one when the target never lagged; absent for a client). */
  lowestConcurrency?: number;
  /** Whether bulk and short cases were kept apart after the target lagged (absent for a client). */
  bulkApart?: boolean;
  /** Cases played again, and how many of them changed verdict. */
  confirmed: number;
  changed: number;
  /**
   * Set for a browser engine's run, where no load monitor watches the page: the second look played
   * the suspects one case at a time in the page (runner/browser/second-look.ts).
   */
  inPage?: true;
  /** Suspects whose second look could not run (the browser broke or could not be started): their first verdicts stand. */
  notPlayedAgain?: number;
  /** A client: set when its command ran a second time with only the cases in question. */
  clientReplay?: {
    /** Cases in question whose first verdict stands, the second run having given none for them, and why. */
    kept: number;
    keptBecause?: string;
  };
}

export interface RunResults {
  meta: RunMeta;
  results: CaseResult[];
}

/** A verdict on Autobahn's two axes, with the sentences that explain it. */
export interface Verdict {
  behavior: Behavior;
  behaviorClose: CloseBehavior;
  result: string;
  resultClose: string;
}
