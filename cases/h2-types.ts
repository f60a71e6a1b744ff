/**
 * What an h2.* case checks (cases/own/h2.ts): WebSocket over HTTP/2 (RFC 8441) against servers. A check
 * is data: which probe the runner plays on one HTTP/2 connection (runner/fuzzing-client/h2-cases/) and
 * what it sends; runner/engine/verdicts/h2.ts judges what came back.
 */

/** A header of the extended CONNECT replaced (a value), added, or left out (null). Names are lowercase, pseudo-headers included. */
export type H2HeaderBend = [name: string, value: string | null];

export type H2Check =
  /** The server's first SETTINGS must carry SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3). */
  | { probe: 'settings' }
  /**
   * A correct extended CONNECT: the answer must be :status 200 without sec-websocket-accept, with a
   * subprotocol (if any) from `protocols`, and the WebSocket must echo `echo`, then close normally.
   */
  | { probe: 'accept'; protocols?: string[]; echo: string }
  /**
   * A CONNECT the server must refuse with a 4xx on the stream (never 2xx, never a connection error);
   * then a correct CONNECT on the same connection must still open. `statuses`: graded OK (another
   * 4xx is NON-STRICT); `headers`: fields the refusal must carry (e.g. sec-websocket-version: 13).
   */
  | { probe: 'refuse'; bend: H2HeaderBend[]; statuses: number[]; headers?: Array<[name: string, token: string]> }
  /** One binary message of `bytes` through the default 65,535-octet windows: it must come back whole (the windows were updated). */
  | { probe: 'flow-control'; bytes: number }
  /**
   * Two WebSockets on one connection; on the first, a frame breaking RFC 6455 (`bad`). The server must
   * fail that stream only: the second WebSocket must still echo a message.
   */
  | { probe: 'isolation'; bad: 'unmasked' | 'reserved-opcode' }
  /** A close handshake (close 1000): the server answers with a close frame and ends the stream with END_STREAM. */
  | { probe: 'close' }
  /** Two WebSockets on one connection; the first closed (close frames, END_STREAM both ways): the second must still echo. */
  | { probe: 'close-others' }
  /**
   * A hand-made HEADERS frame on a connection of its own (node:http2 refuses to send it): the
   * extended CONNECT with `bend` applied. `when`: 'always' (a malformed request: a stream error
   * PROTOCOL_ERROR, then a correct CONNECT must still open), or 'setting-absent' (a :protocol the
   * server did not enable, RFC 8441 §3: judged only against a server that does not advertise it).
   */
  | { probe: 'raw-headers'; bend: H2HeaderBend[]; when: 'always' | 'setting-absent' };
