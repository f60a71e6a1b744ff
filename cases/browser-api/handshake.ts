/** Browser-API cases: opening handshake failures. */
import type { ApiServerScript, ApiWireExpectation } from '../browser-api-types.js';
import type { CaseDef } from '../types.js';
import { spec, connect, wait, read, accept, failed, noFrames, apiCase } from './common.js';

/** The page offers `protocols` (none by default); `wire` is what the server must receive (by default nothing at all). */
const handshakeFailure = (id: string, title: string, server: ApiServerScript, what: string, { protocols, wire = noFrames }: { protocols?: string[]; wire?: ApiWireExpectation } = {}): CaseDef =>
  apiCase({
    id,
    title,
    description: `${what} The page waits for the close event (a browser that opens anyway gets a close frame from the server after 1 s).`,
    expectation: 'The connection fails: error, then close 1006, not clean; open never fires; nothing is sent.',
    requirement: spec.handshake,
    check: {
      server: { ...server, closeAfterMs: 1000 },
      page: [connect(protocols), wait('close'), read('readyState')],
      expectPage: [...failed, 'readyState = 3'],
      expectWire: wire,
    },
  });

export const handshakeCases: CaseDef[] = [
  handshakeFailure('api.handshake.wrong-accept', 'Wrong Sec-WebSocket-Accept', { handshake: { kind: 'wrong-accept' } }, 'The server answers 101 with a Sec-WebSocket-Accept computed from another key.'),
  handshakeFailure('api.handshake.status-200', 'Status 200 instead of 101', { handshake: { kind: 'status', status: 200, reason: 'OK' } }, 'The server answers 200 OK.'),
  handshakeFailure('api.handshake.status-403', 'Status 403', { handshake: { kind: 'status', status: 403, reason: 'Forbidden' } }, 'The server answers 403 Forbidden.'),
  handshakeFailure(
    'api.handshake.redirect',
    'A redirect (302) is not followed',
    { handshake: { kind: 'status', status: 302, reason: 'Found', location: 'redirect' } },
    'The server answers 302 with a Location that leads to a working WebSocket endpoint.',
    { wire: { ...noFrames, connections: 1 } },
  ),
  handshakeFailure('api.handshake.missing-upgrade', 'No Upgrade header in the 101', { handshake: { kind: 'omit-header', header: 'Upgrade' } }, 'The server answers 101 without an Upgrade header.'),
  handshakeFailure('api.handshake.missing-connection', 'No Connection header in the 101', { handshake: { kind: 'omit-header', header: 'Connection' } }, 'The server answers 101 without a Connection header.'),
  handshakeFailure('api.handshake.unrequested-protocol', 'A subprotocol the page did not ask for', { handshake: { kind: 'accept', protocol: 'chat' } }, 'The page asks for no subprotocol; the server answers with Sec-WebSocket-Protocol: chat.'),
  handshakeFailure('api.handshake.unoffered-protocol', 'A subprotocol other than those offered', { handshake: { kind: 'accept', protocol: 'other' } }, 'The page offers "chat"; the server answers with Sec-WebSocket-Protocol: other.', { protocols: ['chat'] }),
  handshakeFailure('api.handshake.protocol-not-selected', 'No subprotocol selected when some were offered', accept, 'The page offers "chat"; the server answers without Sec-WebSocket-Protocol.', { protocols: ['chat'] }),
  handshakeFailure('api.handshake.unrequested-extension', 'An extension the page did not offer', { handshake: { kind: 'accept', extensions: 'x-wsconform-unknown' } }, 'The server answers with Sec-WebSocket-Extensions: x-wsconform-unknown.'),
];
