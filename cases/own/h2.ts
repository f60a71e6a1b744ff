/**
 * h2.*: WebSocket over HTTP/2 (RFC 8441), against servers. A WebSocket is a stream of an HTTP/2
 * connection opened by an extended CONNECT (`:method CONNECT`, `:protocol websocket`, `:scheme`,
 * `:path`, `:authority`, `sec-websocket-version: 13`); the answer is `:status 200`, and END_STREAM /
 * RST_STREAM take the place of TCP FIN / RST (RFC 8441 §5). Autobahn never runs over HTTP/2; these
 * cases check what only HTTP/2 has: the setting, the answer, refusals that must stay on their stream,
 * flow control, one stream's failure leaving the others alone, and the end of a stream.
 *
 * The cases run only in an HTTP/2 run (`test-server --http2`): over HTTP/1.1 there is no stream to
 * play them on, so a plain run leaves them out (casesForRole). runner/fuzzing-client/h2-cases/ plays
 * them on node:http2, except the `raw-headers` probes, whose requests node:http2 refuses to send (a
 * `:protocol` the server did not enable, a CONNECT without `:path`): those are hand-made frames on a
 * connection of their own. Verdicts: runner/engine/verdicts/h2.ts.
 */
import type { CaseDef, H2Check, RequirementLevel } from '../types.js';
import { killAfter } from '../dsl.js';

const h2 = (id: string, title: string, description: string, expectation: string, spec: string, level: RequirementLevel, check: H2Check): CaseDef => ({
  id,
  title,
  description,
  expectation,
  requirement: { spec, level },
  applies: 'servers',
  // The case's time limit: how long any one answer may take, and how long a transfer may stand still.
  steps: [killAfter(5000)],
  expect: { kind: 'h2', check, close: { closedByMe: true, codes: [1000], requireClean: true } },
});

const STAYS_USABLE = 'then a correct extended CONNECT on the same connection opens a WebSocket (the refusal was a stream error, not a connection error)';

export const h2Cases: CaseDef[] = [
  h2(
    'h2.settings-enable-connect',
    'SETTINGS_ENABLE_CONNECT_PROTOCOL advertised',
    'Open an HTTP/2 connection and read the server\'s SETTINGS.',
    'The server\'s SETTINGS carry SETTINGS_ENABLE_CONNECT_PROTOCOL (0x8) = 1; without it no client may open a WebSocket over HTTP/2.',
    'RFC 8441 §3 (a client MAY use the extended CONNECT only upon receipt of SETTINGS_ENABLE_CONNECT_PROTOCOL = 1)',
    'MUST',
    { probe: 'settings' },
  ),
  h2(
    'h2.connect-status-200',
    'extended CONNECT answered with :status 200',
    'Send a correct extended CONNECT (no sec-websocket-key), then a text message on the stream, then close.',
    'The server answers :status 200 without sec-websocket-accept (no 101: HTTP/2 has none), echoes "Hello over HTTP/2" and the close handshake ends the stream.',
    'RFC 8441 §5 (the WebSocket starts on a 2xx; Sec-WebSocket-Key/-Accept are not used), RFC 9113 §8.6 (no 101 in HTTP/2)',
    'MUST',
    { probe: 'accept', echo: 'Hello over HTTP/2' },
  ),
  h2(
    'h2.version-missing',
    'extended CONNECT without sec-websocket-version',
    'Send an extended CONNECT without sec-websocket-version; then a correct one on the same connection.',
    `The server refuses the first with a 4xx (400 or 426) on its stream; ${STAYS_USABLE}.`,
    'RFC 8441 §5 (Sec-WebSocket-Version is used as in RFC 6455), RFC 6455 §4.2.1, §4.2.2 (an invalid handshake MUST be refused)',
    'MUST',
    { probe: 'refuse', bend: [['sec-websocket-version', null]], statuses: [400, 426] },
  ),
  h2(
    'h2.version-99',
    'extended CONNECT with sec-websocket-version: 99',
    'Send an extended CONNECT with sec-websocket-version: 99; then a correct one on the same connection.',
    `The server refuses the first with 426 or 400 and sec-websocket-version: 13; ${STAYS_USABLE}.`,
    'RFC 8441 §5, RFC 6455 §4.2.2, §4.4 (a version refusal lists the supported versions)',
    'MUST',
    { probe: 'refuse', bend: [['sec-websocket-version', '99']], statuses: [426, 400], headers: [['sec-websocket-version', '13']] },
  ),
  h2(
    'h2.protocol-not-websocket',
    ':protocol other than websocket',
    'Send an extended CONNECT with :protocol x-wsconform-unknown; then a correct one on the same connection.',
    `The server refuses the first with a 4xx (400, 404 or 501 are expected) and opens no WebSocket on it; ${STAYS_USABLE}.`,
    'RFC 8441 §4, §5 (:protocol names the tunnel\'s protocol; it MUST be "websocket" to initiate a WebSocket)',
    'MUST',
    { probe: 'refuse', bend: [[':protocol', 'x-wsconform-unknown']], statuses: [400, 404, 501] },
  ),
  h2(
    'h2.subprotocol-from-offer',
    'subprotocol chosen from the offer',
    'Send an extended CONNECT offering sec-websocket-protocol: wsconform.a, wsconform.b; then a text message, then close.',
    'The server answers :status 200 choosing wsconform.a, wsconform.b or no subprotocol, nothing else, and echoes "Hello, subprotocol".',
    'RFC 8441 §5 (Sec-WebSocket-Protocol is used as in RFC 6455), RFC 6455 §4.2.2 item 5',
    'MUST',
    { probe: 'accept', protocols: ['wsconform.a', 'wsconform.b'], echo: 'Hello, subprotocol' },
  ),
  h2(
    'h2.flow-control-16mib',
    '16 MiB message through the default windows',
    'Open a WebSocket with the default 65,535-octet HTTP/2 flow-control windows and send one 16 MiB binary message.',
    'The message is echoed whole: the server keeps opening the stream and connection windows with WINDOW_UPDATE, and keeps to the client\'s windows when it echoes.',
    'RFC 9113 §5.2, §6.9 (flow control; a receiver that never sends WINDOW_UPDATE stalls the stream), RFC 8441 §5',
    'MUST',
    { probe: 'flow-control', bytes: 16 * 1024 * 1024 },
  ),
  h2(
    'h2.stream-error-unmasked',
    'unmasked frame fails its stream only',
    'Open two WebSockets on one connection; on the first send an unmasked text frame, then on the second a text message.',
    'The server fails the first WebSocket (close 1002 and END_STREAM, or RST_STREAM) and the second still echoes "Hello, other stream": no GOAWAY.',
    'RFC 6455 §5.1 (a server MUST fail the connection on an unmasked frame), RFC 8441 §5 (that WebSocket connection is its stream: failing it ends the stream, RST_STREAM CANCEL, not the HTTP/2 connection)',
    'MUST',
    { probe: 'isolation', bad: 'unmasked' },
  ),
  h2(
    'h2.stream-error-opcode',
    'reserved opcode fails its stream only',
    'Open two WebSockets on one connection; on the first send a frame with the reserved opcode 3, then on the second a text message.',
    'The server fails the first WebSocket (close 1002 and END_STREAM, or RST_STREAM) and the second still echoes "Hello, other stream": no GOAWAY.',
    'RFC 6455 §5.2 (an unknown opcode MUST fail the connection), RFC 8441 §5 (that WebSocket connection is its stream)',
    'MUST',
    { probe: 'isolation', bad: 'reserved-opcode' },
  ),
  h2(
    'h2.close-end-stream',
    'close handshake ends the stream with END_STREAM',
    'Open a WebSocket, send close 1000; once the server\'s close frame is in, end the stream (END_STREAM).',
    'The server answers with a close frame (1000) and ends its side with END_STREAM, not RST_STREAM: an orderly close is END_STREAM both ways.',
    'RFC 8441 §5 (orderly closures are END_STREAM flags, RST exceptions are RST_STREAM), RFC 6455 §7.1.2',
    'MUST',
    { probe: 'close' },
  ),
  h2(
    'h2.close-leaves-others',
    'closing one WebSocket leaves the others',
    'Open two WebSockets on one connection; close the first (close 1000, END_STREAM once the server\'s close is in), then send a text message on the second.',
    'The second WebSocket still echoes "Hello, other stream": ending one stream ends that WebSocket only, not the HTTP/2 connection.',
    'RFC 8441 §5 (a WebSocket connection is its stream; an orderly close is END_STREAM), RFC 9113 §5.1 (END_STREAM both ways closes that stream)',
    'MUST',
    { probe: 'close-others' },
  ),
  h2(
    'h2.protocol-without-setting',
    ':protocol to a server that did not enable it',
    'Against a server whose SETTINGS lack SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, send a hand-made extended CONNECT anyway.',
    'The server treats the request as malformed: a stream error (RST_STREAM PROTOCOL_ERROR), or a 4xx before resetting the stream; never a 2xx. Not applicable to a server that advertises the setting.',
    'RFC 8441 §3 (a non-supporting peer detects a malformed request and generates a stream error), RFC 9113 §8.1.1',
    'MUST',
    { probe: 'raw-headers', bend: [], when: 'setting-absent' },
  ),
  h2(
    'h2.connect-without-path',
    'extended CONNECT without :path',
    'Send a hand-made extended CONNECT without :path; then a correct one on the same connection.',
    `The request is malformed: the server answers with a stream error (RST_STREAM PROTOCOL_ERROR, or a 4xx answer first: RFC 9113 §8.1.1) and opens no WebSocket; ${STAYS_USABLE}.`,
    'RFC 8441 §4 (with :protocol, :scheme and :path MUST be included), RFC 9113 §8.1.1 (malformed: a stream error of type PROTOCOL_ERROR)',
    'MUST',
    { probe: 'raw-headers', bend: [[':path', null]], when: 'always' },
  ),
  h2(
    'h2.connect-without-scheme',
    'extended CONNECT without :scheme',
    'Send a hand-made extended CONNECT without :scheme; then a correct one on the same connection.',
    `The request is malformed: the server answers with a stream error (RST_STREAM PROTOCOL_ERROR, or a 4xx answer first: RFC 9113 §8.1.1) and opens no WebSocket; ${STAYS_USABLE}.`,
    'RFC 8441 §4 (with :protocol, :scheme and :path MUST be included), RFC 9113 §8.1.1',
    'MUST',
    { probe: 'raw-headers', bend: [[':scheme', null]], when: 'always' },
  ),
  h2(
    'h2.connect-with-upgrade-header',
    'extended CONNECT with Connection and Upgrade',
    'Send a hand-made extended CONNECT that also carries connection: upgrade and upgrade: websocket; then a correct one on the same connection.',
    `The request is malformed (connection-specific fields): the server answers with a stream error (RST_STREAM PROTOCOL_ERROR, or a 4xx answer first: RFC 9113 §8.1.1); ${STAYS_USABLE}.`,
    'RFC 8441 §5 (Connection and Upgrade MUST NOT be included), RFC 9113 §8.2.2 (a message with connection-specific fields MUST be treated as malformed)',
    'MUST',
    {
      probe: 'raw-headers',
      bend: [
        ['connection', 'upgrade'],
        ['upgrade', 'websocket'],
      ],
      when: 'always',
    },
  ),
];
