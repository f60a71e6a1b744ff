/**
 * h2.client.*: what a client does when it opens a WebSocket over HTTP/2 (RFC 8441, the bootstrapping
 * of WebSockets with an extended CONNECT). `test-client --http2 --command …` runs the client command
 * once per case against a listener of its own (runner/fuzzing-server/h2-client-cases.ts), because two
 * of them are about the server's SETTINGS, which belong to a connection, not to a request: the
 * listener holds its SETTINGS back, or never advertises SETTINGS_ENABLE_CONNECT_PROTOCOL.
 *
 * Verdicts (runner/engine/verdicts/h2-client.ts): the played case is judged as usual (judge.ts),
 * then what reached the listener decides: a request sent before the server's SETTINGS, or `:protocol`
 * sent where the setting is absent, is FAILED. A client that ran the case over HTTP/1.1 gets
 * INFORMATIONAL (nothing of RFC 8441 to judge), except where falling back is what the RFC allows.
 */
import type { CaseDef, H2ClientCaseSpec, HandshakeResponseBend } from '../types.js';
import { closesNormally, failsConnection, killAfter, send, text, textMessage } from '../dsl.js';

const echoes = (id: string, title: string, description: string, expectation: string, spec: string, level: 'MUST' | 'INFO', h2Client: H2ClientCaseSpec): CaseDef => ({
  id,
  title,
  description: `${description} Once the WebSocket is open, send a text message; close once it is echoed.`,
  expectation,
  requirement: { spec, level },
  applies: 'clients',
  h2Client,
  steps: [killAfter(2000), send(text('Hello over HTTP/2'))],
  expect: { kind: 'events', outcomes: { OK: [textMessage('Hello over HTTP/2')] }, close: closesNormally() },
});

/** A response the client must take as a failed opening handshake: it never echoes the message sent after it. */
const refuses = (id: string, title: string, description: string, spec: string, response: HandshakeResponseBend, close: 'refused' | 'failed'): CaseDef => ({
  id,
  title,
  description: `${description} Then send a text message on the stream as if the WebSocket were open.`,
  expectation:
    close === 'refused'
      ? 'The client treats the opening handshake as failed: it never echoes the message; it may reset the stream or end it.'
      : 'The client fails the WebSocket: it resets or ends the stream without sending a frame (a close frame 1002 is tolerated) and never echoes the message.',
  requirement: { spec, level: 'MUST' },
  applies: 'clients',
  h2Client: { settings: 'advertised' },
  handshake: { response },
  steps: [killAfter(1000), send(text('Hello, are you there?'))],
  expect: { kind: 'events', outcomes: { OK: [] }, close: close === 'refused' ? { ...failsConnection(1002), eitherMayClose: true } : failsConnection(1002, { closedByWrongEndpointIsFatal: true }) },
});

const NEGOTIATED =
  'RFC 8441 §3 (once it has received SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, a client may use the extended CONNECT), RFC 9113 §5.5 (an extension that changes the semantics of existing parts MUST be negotiated before it is used)';

const STATUS = 'RFC 8441 §5 (the server answers :status 200 to open the WebSocket), RFC 9113 §8.5 (a CONNECT answered otherwise establishes nothing)';

export const h2ClientCases: CaseDef[] = [
  echoes(
    'h2.client.settings-wait',
    "waits for the server's SETTINGS",
    "Hold the server's SETTINGS back for 500 ms after the client's connection preface, then advertise SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.",
    "The client sends no request with :protocol before the server's SETTINGS arrive (it cannot know the setting before), then opens the WebSocket and echoes the message.",
    NEGOTIATED,
    'MUST',
    { settings: 'delayed' },
  ),
  echoes(
    'h2.client.no-key',
    'no sec-websocket-key',
    'Advertise the setting and answer the extended CONNECT with :status 200.',
    'The client sends no sec-websocket-key (the key and Sec-WebSocket-Accept are not used over HTTP/2), opens the WebSocket and echoes the message.',
    'RFC 8441 §5 (the Sec-WebSocket-Key and Sec-WebSocket-Accept processing of RFC 6455 is superseded by :protocol)',
    'INFO',
    { settings: 'advertised', check: 'no-key' },
  ),
  refuses('h2.client.status-403', 'status 403', 'Answer the extended CONNECT with :status 403.', STATUS, { status: '403 Forbidden' }, 'refused'),
  refuses('h2.client.status-400', 'status 400', 'Answer the extended CONNECT with :status 400.', STATUS, { status: '400 Bad Request' }, 'refused'),
  refuses(
    'h2.client.extension-unrequested',
    'extension nobody asked for',
    'Answer :status 200 with sec-websocket-extensions: x-wsconform-unrequested, which the client did not offer.',
    'RFC 8441 §5 (Sec-WebSocket-Extensions as in RFC 6455), RFC 6455 §9.1 (an extension not requested fails the connection)',
    { extensions: ['x-wsconform-unrequested'] },
    'failed',
  ),
  echoes(
    'h2.client.setting-absent',
    'no SETTINGS_ENABLE_CONNECT_PROTOCOL',
    'Serve HTTP/2 without ever advertising SETTINGS_ENABLE_CONNECT_PROTOCOL (HTTP/1.1 upgrades are still served on the port).',
    'The client sends no :protocol over HTTP/2: it falls back to an HTTP/1.1 upgrade (and echoes the message) or gives up.',
    NEGOTIATED,
    'MUST',
    { settings: 'absent' },
  ),
];
