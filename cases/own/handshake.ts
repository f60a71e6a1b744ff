/**
 * handshake.*: the opening handshake (RFC 6455 §4), which Autobahn never varies. Against servers the
 * harness sends a deviating request (`handshake.request`); against clients it sends a deviating response
 * (`handshake.response`, played by the fuzzing server through runner/fuzzing-server/handshake-responses.ts).
 *
 * Servers, requests that must be refused (`kind: 'handshake'`, graded by runner/engine/verdicts/refusal.ts):
 * a 101 is FAILED; the status §4.2.2 or HTTP names is OK (400 for a malformed handshake, 405 for
 * a wrong method, 505 for an old HTTP version, 426 or 400 for an unsupported version); any other
 * refusal, or closing TCP without a response, is NON-STRICT. A version refusal without a
 * Sec-WebSocket-Version header listing 13 is FAILED: §4.4 makes the header a MUST (its own
 * example answers 400 with the header, §4.2.2 suggests 426, so both are OK).
 *
 * Servers, requests that must be accepted (`kind: 'events'`): the response must be a correct 101
 * (status, Upgrade, Connection, Sec-WebSocket-Accept, and no subprotocol or extension that was not
 * offered: §4.2.2 item 5, §4.1's client checks) and the connection must then work.
 *
 * Clients (`applies: 'clients'`): a response a client must reject (§4.1, "the client MUST _Fail
 * the WebSocket Connection_") is followed by a text message; a conformant client never reads it
 * and closes without sending anything. Responses that are only unusual (split into 1-byte writes,
 * the first frame in the same write as the 101) must work.
 */
import type { CaseDef, HandshakeRefusal, HandshakeRequestBend, HandshakeResponseBend } from '../types.js';
import { closesNormally, failsConnection, killAfter, send, sendClose, text, textMessage } from '../dsl.js';

const refused = (id: string, title: string, description: string, spec: string, request: HandshakeRequestBend, refuse: HandshakeRefusal): CaseDef => ({
  id,
  title,
  description,
  expectation: `The server refuses the handshake with ${refuse.statuses.join(' or ')}${refuse.headers ? ` and ${refuse.headers.map(([n, v]) => `${n}: ${v}`).join(', ')}` : ''}; it never answers 101.`,
  requirement: { spec, level: 'MUST' },
  applies: 'servers',
  handshake: { request },
  // The driver gives up on a target that has not answered by then.
  steps: [killAfter(2000)],
  expect: { kind: 'handshake', refuse, close: { closedByMe: false, codes: [], requireClean: false } },
});

const accepted = (id: string, title: string, description: string, spec: string, request: HandshakeRequestBend, echo?: string): CaseDef => ({
  id,
  title,
  description,
  expectation: `The server answers with a correct 101${echo === undefined ? '' : ` and echoes "${echo}"`}; the connection then closes normally.`,
  requirement: { spec, level: 'MUST' },
  applies: 'servers',
  handshake: { request },
  // Without an echo to wait for, the harness closes at once; a pipelined frame is already on its way.
  steps: [killAfter(2000), ...(echo === undefined ? [sendClose(1000)] : request.pipelinedFrame ? [] : [send(text(echo))])],
  expect: { kind: 'events', outcomes: { OK: echo === undefined ? [] : [textMessage(echo)] }, close: closesNormally() },
});

const malformed = 'RFC 6455 §4.2.1, §4.2.2';

const serverCases: CaseDef[] = [
  refused('handshake.key-missing', 'request without Sec-WebSocket-Key', 'Send an opening request without a Sec-WebSocket-Key header.', malformed, { headers: [['Sec-WebSocket-Key', null]] }, { statuses: [400] }),
  refused('handshake.key-empty', 'empty Sec-WebSocket-Key', 'Send an opening request whose Sec-WebSocket-Key is empty.', malformed, { headers: [['Sec-WebSocket-Key', '']] }, { statuses: [400] }),
  refused('handshake.key-not-base64', 'Sec-WebSocket-Key not in base64', 'Send a 24-character Sec-WebSocket-Key made of characters base64 does not use.', malformed, { headers: [['Sec-WebSocket-Key', '!!!!!!!!!!!!!!!!!!!!!!==']] }, { statuses: [400] }),
  refused('handshake.key-wrong-length', 'Sec-WebSocket-Key of 8 bytes', 'Send a Sec-WebSocket-Key that is valid base64 but decodes to 8 bytes instead of 16.', malformed, { headers: [['Sec-WebSocket-Key', 'AAECAwQFBgc=']] }, { statuses: [400] }),
  refused('handshake.version-99', 'unsupported Sec-WebSocket-Version', 'Send an opening request with Sec-WebSocket-Version: 99, a version no server implements.', 'RFC 6455 §4.2.2, §4.4', { headers: [['Sec-WebSocket-Version', '99']] }, { statuses: [426, 400], headers: [['Sec-WebSocket-Version', '13']] }),
  refused('handshake.version-missing', 'request without Sec-WebSocket-Version', 'Send an opening request without a Sec-WebSocket-Version header.', malformed, { headers: [['Sec-WebSocket-Version', null]] }, { statuses: [400, 426] }),
  refused('handshake.upgrade-missing', 'request without Upgrade', 'Send an opening request without the Upgrade header.', malformed, { headers: [['Upgrade', null]] }, { statuses: [400, 426] }),
  refused('handshake.connection-missing', 'request without Connection', 'Send an opening request without the Connection header.', malformed, { headers: [['Connection', null]] }, { statuses: [400, 426] }),
  refused('handshake.host-missing', 'request without Host', 'Send an opening request without the Host header.', `${malformed}; RFC 9112 §3.2`, { headers: [['Host', null]] }, { statuses: [400] }),
  refused('handshake.method-post', 'POST instead of GET', 'Send the opening request with the POST method.', malformed, { method: 'POST' }, { statuses: [400, 405] }),
  refused('handshake.http-1.0', 'HTTP/1.0 request', 'Send the opening request as HTTP/1.0; the handshake needs HTTP/1.1 or later.', malformed, { httpVersion: 'HTTP/1.0' }, { statuses: [400, 505] }),
  accepted('handshake.response-valid', 'a correct 101 response', 'Send a plain opening request and check the response: status 101, Upgrade, Connection, and Sec-WebSocket-Accept derived from the key.', 'RFC 6455 §4.2.2', {}),
  accepted('handshake.upgrade-token-case', 'Upgrade and Connection in other letter cases', 'Send "Upgrade: WebSocket" and "Connection: upgrade": both values are case-insensitive.', 'RFC 6455 §4.2.1', { headers: [['Upgrade', 'WebSocket'], ['Connection', 'upgrade']] }),
  accepted('handshake.connection-token-list', 'Connection as a token list', 'Send "Connection: keep-alive, Upgrade", as browsers do.', 'RFC 6455 §4.2.1', { headers: [['Connection', 'keep-alive, Upgrade']] }),
  accepted('handshake.request-1-byte-writes', 'request written 1 octet at a time', 'Write the whole opening request one octet per write, then send a text message.', 'RFC 6455 §4.2.1', { writeChop: 1 }, 'Hello, slowly'),
  accepted('handshake.pipelined-frame', 'frame right behind the request', 'Write a text frame in the same write as the end of the opening request, before any response.', 'RFC 6455 §4.2.2, §5', { pipelinedFrame: text('Hello, pipelined') }, 'Hello, pipelined'),
  accepted('handshake.subprotocol-from-offer', 'subprotocol chosen from the offer', 'Offer the subprotocols wsconform.a and wsconform.b; the server may pick one of them or none, nothing else.', 'RFC 6455 §4.2.2 item 5', { protocols: ['wsconform.a', 'wsconform.b'] }),
  accepted('handshake.extension-unknown-offer', 'unknown extension offered', 'Offer only an extension no server implements (x-wsconform-unknown); the server must accept no extension that was not offered.', 'RFC 6455 §4.2.2 item 5, §9.1', { extensions: ['x-wsconform-unknown; level=1'] }),
];

/** A deviating response the client must refuse: it fails the connection without sending anything. */
const clientRejects = (id: string, title: string, description: string, spec: string, response: HandshakeResponseBend): CaseDef => ({
  id,
  title,
  description: `${description} Then send a text message as if the connection were open.`,
  expectation: 'The client fails the connection: it closes TCP without sending a frame (a close frame 1002 is tolerated) and never echoes the message.',
  requirement: { spec, level: 'MUST' },
  applies: 'clients',
  handshake: { response },
  steps: [killAfter(1000), send(text('Hello, are you there?'))],
  expect: { kind: 'events', outcomes: { OK: [] }, close: failsConnection(1002, { closedByWrongEndpointIsFatal: true }) },
});

/**
 * An answer other than 101: the handshake failed, and the client must never act as if it were open.
 * The connection is then plain HTTP (RFC 6455 §4.1), so the client may close it or keep it alive.
 */
const clientRefusedByStatus = (id: string, title: string, description: string, response: HandshakeResponseBend): CaseDef => ({
  ...clientRejects(id, title, description, 'RFC 6455 §4.1 (a status other than 101 is handled per HTTP)', response),
  expectation: 'The client treats the handshake as failed: it sends no frame and never echoes the message; it may close TCP or keep the connection for HTTP.',
  expect: { kind: 'events', outcomes: { OK: [] }, close: { ...failsConnection(1002), eitherMayClose: true } },
});

const clientCopes = (id: string, title: string, description: string, response: HandshakeResponseBend, o: { sendAfter?: boolean } = {}): CaseDef => ({
  id,
  title,
  description,
  expectation: 'The client opens the connection, echoes "Hello, client", and the connection closes normally.',
  requirement: { spec: 'RFC 6455 §4.1, §5', level: 'MUST' },
  applies: 'clients',
  handshake: { response },
  steps: [killAfter(1000), ...(o.sendAfter ? [send(text('Hello, client'))] : [])],
  expect: { kind: 'events', outcomes: { OK: [textMessage('Hello, client')] }, close: closesNormally() },
});

const clientCheck = 'RFC 6455 §4.1 (the client validates the response)';

/**
 * Client cases: they need the fuzzing server to send `handshake.response` (caseHandshakeResponse), so
 * they join `allCases` only once it does; until then a server would answer them with a correct 101.
 */
export const clientHandshakeCases: CaseDef[] = [
  clientRejects('handshake.client.accept-wrong', 'wrong Sec-WebSocket-Accept', 'Answer with a 101 whose Sec-WebSocket-Accept is computed from another key.', clientCheck, { wrongAccept: true }),
  clientRejects('handshake.client.accept-missing', 'no Sec-WebSocket-Accept', 'Answer with a 101 without Sec-WebSocket-Accept.', clientCheck, { headers: [['Sec-WebSocket-Accept', null]] }),
  clientRejects('handshake.client.upgrade-missing', 'no Upgrade in the 101', 'Answer with a 101 without the Upgrade header.', clientCheck, { headers: [['Upgrade', null]] }),
  clientRejects('handshake.client.connection-missing', 'no Connection in the 101', 'Answer with a 101 without the Connection header.', clientCheck, { headers: [['Connection', null]] }),
  clientRefusedByStatus('handshake.client.status-200', 'status 200 with the upgrade headers', 'Answer "200 OK" with otherwise correct upgrade headers.', { status: '200 OK' }),
  clientRefusedByStatus('handshake.client.status-403', 'status 403', 'Answer "403 Forbidden" with otherwise correct upgrade headers.', { status: '403 Forbidden' }),
  clientRefusedByStatus('handshake.client.status-302', 'status 302 redirect', 'Answer "302 Found" with a Location the fuzzing server does not serve; a client may follow it, but never opens this connection.', { status: '302 Found', headers: [['Location', '/wsconform-redirect-target']] }),
  clientRejects('handshake.client.subprotocol-unrequested', 'subprotocol nobody asked for', 'Answer with Sec-WebSocket-Protocol: wsconform.unrequested, which the client did not offer.', clientCheck, { protocol: 'wsconform.unrequested' }),
  clientRejects('handshake.client.extension-unrequested', 'extension nobody asked for', 'Answer with Sec-WebSocket-Extensions: x-wsconform-unrequested, which the client did not offer.', clientCheck, { extensions: ['x-wsconform-unrequested'] }),
  clientCopes('handshake.client.response-1-byte-writes', 'response written 1 octet at a time', 'Write the 101 response one octet per write, then send a text message.', { writeChop: 1 }, { sendAfter: true }),
  clientCopes('handshake.client.frame-with-101', 'first frame in the same write as the 101', 'Write a text message in the same write as the end of the 101 response.', { pipelinedFrame: text('Hello, client') }),
];

export const handshakeCases: CaseDef[] = serverCases;
