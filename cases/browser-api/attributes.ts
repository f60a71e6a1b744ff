/** Browser-API cases: attributes: protocol, extensions, binaryType, url. */
import type { CaseDef } from '../types.js';
import { spec, connect, wait, read, opened, close, closeAndWait, closedWithoutStatus, accept, acceptThen, closeFrame, apiCase } from './common.js';

export const attributeCases: CaseDef[] = [
  apiCase({
    id: 'api.protocol.negotiated',
    title: 'protocol is the subprotocol the server selected',
    description: 'The page offers ["chat", "superchat"]; the server selects "superchat".',
    expectation: 'The request offers "chat, superchat"; protocol is "" before open and "superchat" after.',
    requirement: spec.attributes,
    check: {
      server: { handshake: { kind: 'accept', protocol: 'superchat' } },
      page: [connect(['chat', 'superchat']), read('protocol'), wait('open'), read('protocol'), ...closeAndWait],
      expectPage: ['protocol = ""', 'open', 'protocol = "superchat"', ...closedWithoutStatus],
      expectWire: { requestHeaders: { 'sec-websocket-protocol': 'chat, superchat' }, close: closeFrame(null) },
    },
  }),
  apiCase({
    id: 'api.protocol.string',
    title: 'A single subprotocol may be given as a string',
    description: 'The page passes "chat" (not an array); the server selects it.',
    expectation: 'The request offers "chat"; protocol is "chat" after open.',
    requirement: spec.newWebSocket,
    check: {
      server: { handshake: { kind: 'accept', protocol: 'chat' } },
      page: [connect('chat'), wait('open'), read('protocol'), ...closeAndWait],
      expectPage: ['open', 'protocol = "chat"', ...closedWithoutStatus],
      expectWire: { requestHeaders: { 'sec-websocket-protocol': 'chat' } },
    },
  }),
  apiCase({
    id: 'api.protocol.duplicate',
    title: 'The same subprotocol twice throws SyntaxError',
    description: 'The page constructs the socket with ["chat", "chat"].',
    expectation: 'The constructor throws SyntaxError; no connection is made.',
    requirement: spec.newWebSocket,
    check: { server: accept, page: [connect(['chat', 'chat'])], expectPage: ['new WebSocket → SyntaxError'], expectWire: { connections: 0 } },
  }),
  apiCase({
    id: 'api.protocol.invalid-token',
    title: 'A subprotocol that is not a token throws SyntaxError',
    description: 'The page constructs the socket with ["a b"] (a space is not allowed in a token).',
    expectation: 'The constructor throws SyntaxError; no connection is made.',
    requirement: spec.newWebSocket,
    check: { server: accept, page: [connect(['a b'])], expectPage: ['new WebSocket → SyntaxError'], expectWire: { connections: 0 } },
  }),
  apiCase({
    id: 'api.extensions.none',
    title: 'extensions is empty when the server selects none',
    description: 'The server accepts without Sec-WebSocket-Extensions.',
    expectation: 'extensions is "" before and after open.',
    requirement: spec.attributes,
    check: {
      server: accept,
      page: [connect(), read('extensions'), wait('open'), read('extensions'), ...closeAndWait],
      expectPage: ['extensions = ""', 'open', 'extensions = ""', ...closedWithoutStatus],
    },
  }),
  apiCase({
    id: 'api.extensions.negotiated',
    title: 'extensions is what the server selected',
    description: 'The server accepts with Sec-WebSocket-Extensions: permessage-deflate (the standard has every browser offer it).',
    expectation: 'extensions is "permessage-deflate" after open.',
    requirement: spec.attributes,
    check: {
      server: { handshake: { kind: 'accept', extensions: 'permessage-deflate' } },
      page: [connect(), wait('open'), read('extensions'), ...closeAndWait],
      expectPage: ['open', 'extensions = "permessage-deflate"', ...closedWithoutStatus],
    },
  }),
  apiCase({
    id: 'api.binary-type.blob',
    title: 'binaryType is "blob" by default and binary messages are Blobs',
    description: 'Right after the handshake the server sends a 3-byte binary message.',
    expectation: 'binaryType reads "blob"; the message event carries a Blob of 3 bytes.',
    requirement: spec.attributes,
    check: {
      server: acceptThen({ do: 'binary', hex: '010203' }),
      page: [connect(), read('binaryType'), wait('message'), ...closeAndWait],
      expectPage: ['binaryType = "blob"', 'open', 'message binary Blob(3)', ...closedWithoutStatus],
    },
  }),
  apiCase({
    id: 'api.binary-type.arraybuffer',
    title: 'binaryType "arraybuffer" gives ArrayBuffers',
    description: 'The page sets binaryType to "arraybuffer"; the server sends a 3-byte binary message.',
    expectation: 'The message event carries an ArrayBuffer of 3 bytes.',
    requirement: spec.attributes,
    check: {
      server: acceptThen({ do: 'binary', hex: '010203' }),
      page: [connect(), { do: 'set', binaryType: 'arraybuffer' }, read('binaryType'), wait('message'), ...closeAndWait],
      expectPage: ['binaryType ← "arraybuffer"', 'binaryType = "arraybuffer"', 'open', 'message binary ArrayBuffer(3)', ...closedWithoutStatus],
    },
  }),
  apiCase({
    id: 'api.binary-type.invalid',
    title: 'An invalid binaryType is ignored',
    description: 'Once the socket is open, the page sets binaryType to "text" (not a BinaryType value).',
    expectation: 'No exception; binaryType stays "blob" (Web IDL ignores an invalid enumeration value).',
    requirement: spec.attributes,
    check: {
      server: accept,
      page: [...opened, { do: 'set', binaryType: 'text' }, read('binaryType'), ...closeAndWait],
      expectPage: ['open', 'binaryType ← "text"', 'binaryType = "blob"', ...closedWithoutStatus],
    },
  }),
  apiCase({
    id: 'api.constructor.http-scheme',
    title: 'An http: URL becomes ws:',
    description: 'The page constructs the socket with the http: form of the server URL.',
    expectation: 'url reads ws://…; the socket opens.',
    requirement: spec.newWebSocket,
    check: {
      server: accept,
      // Over TLS its plain server is mixed content, which an engine may wrongly block without a close event: 3 s is plenty on loopback.
      page: [{ do: 'connect', url: 'http-scheme' }, read('url'), wait('open', 3000), close(), wait('close', 3000)],
      expectPage: ['url = "ws://<server>/api.constructor.http-scheme"', 'open', ...closedWithoutStatus],
    },
  }),
  apiCase({
    id: 'api.constructor.fragment',
    title: 'A URL with a fragment throws SyntaxError',
    description: 'The page constructs the socket with the server URL followed by "#x".',
    expectation: 'The constructor throws SyntaxError; no connection is made.',
    requirement: spec.newWebSocket,
    check: { server: accept, page: [{ do: 'connect', url: 'fragment' }], expectPage: ['new WebSocket → SyntaxError'], expectWire: { connections: 0 } },
  }),
  apiCase({
    id: 'api.constructor.ftp-scheme',
    title: 'An ftp: URL throws SyntaxError',
    description: 'The page constructs the socket with the ftp: form of the server URL.',
    expectation: 'The constructor throws SyntaxError; no connection is made.',
    requirement: spec.newWebSocket,
    check: { server: accept, page: [{ do: 'connect', url: 'ftp-scheme' }], expectPage: ['new WebSocket → SyntaxError'], expectWire: { connections: 0 } },
  }),
];
