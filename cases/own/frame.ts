/**
 * frame.*: framing rules Autobahn never exercises, because its fuzzing peer always masks client
 * frames, never masks server frames and always encodes lengths minimally (RFC 6455 §5.1-§5.5).
 *
 * Decisions:
 * - Masking (§5.1) is a MUST on both sides: a server must close on an unmasked frame, a client on
 *   a masked one. Ignoring the frame is FAILED on both axes (the target never noticed).
 * - Non-minimal length encodings: §5.2 says the minimal number of bytes MUST be used, which binds
 *   the sender; the RFC gives the receiver no rule, and §10.7 asks every endpoint to validate what
 *   it receives. So failing the connection (1002) is OK, and accepting the frame and answering it
 *   correctly is NON-STRICT: a tolerated deviation in Autobahn's words, visible under --strict. Any
 *   other reaction (a wrong echo, a wrong code, silence) is FAILED. The harness, receiving, is
 *   strict as Autobahn's target is: a non-minimal length from the target fails the connection (1002)
 *   in any case (runner/wire/reader.ts).
 * - A 64-bit length with the most significant bit set breaks a MUST of §5.2: the target fails. 1002
 *   is the code for a protocol error; 1009 (message too big) is tolerated, since such a length is
 *   also larger than anything an endpoint can take.
 * - A close frame with a 126-byte payload is Autobahn's 7.3.6 and a ping with 126 bytes its 2.5,
 *   so they are not repeated; a fragmented close frame (§5.5: control frames are never fragmented)
 *   is the case Autobahn lacks (its 5.1/5.2 fragment only pings and pongs).
 * - Data after the target's close: Autobahn's 7.1.3/7.1.4 send one ping or one text message after the
 *   close; here a binary message and a fragmented text message follow it, all at once.
 *   Against a client the harness, as the server, would drop TCP as soon as the close is answered,
 *   and never see an echo the client sends after its own close frame: it reads on for 500 ms
 *   after the handshake (or until the client ends TCP). Autobahn's 7.1.x keep its drop at once.
 */
import type { CaseDef, CaseFrame, CloseExpectation, TargetEvent } from '../types.js';
import { closePayload } from '../../runner/wire/frame.js';
import { binary, binaryMessage, closeFrame, closesNormally, continuation, failsConnection, killAfter, lingerAfterClose, ping, pongEvent, repeat, send, sendClose, text, textMessage } from '../dsl.js';

const masking = { spec: 'RFC 6455 §5.1, §5.3', level: 'MUST' } as const;

const mustFail = (id: string, title: string, description: string, expectation: string, requirement: CaseDef['requirement'], applies: CaseDef['applies'], frames: CaseFrame[], close: CloseExpectation = failsConnection(1002, { closedByWrongEndpointIsFatal: true })): CaseDef => ({
  id,
  title,
  description,
  expectation,
  ...(requirement ? { requirement } : {}),
  applies,
  steps: [killAfter(1000), send(frames)],
  expect: { kind: 'events', outcomes: { OK: [] }, close, wrongCodeFails: true },
});

/** The target may fail the connection (OK) or accept the frame and answer it (NON-STRICT). */
const mayRefuse = (id: string, title: string, description: string, frames: CaseFrame[], answer: TargetEvent): CaseDef => ({
  id,
  title,
  description,
  expectation: 'The target fails the connection (1002): OK. It accepts the frame and answers it correctly: NON-STRICT.',
  requirement: { spec: 'RFC 6455 §5.2, §10.7', level: 'SHOULD' },
  applies: 'both',
  steps: [killAfter(1000), send(frames)],
  expect: { kind: 'events', outcomes: { OK: [], 'NON-STRICT': [answer] }, close: failsConnection(1002), nonStrictClose: closesNormally() },
});

const twoHundred = repeat(Buffer.from('0123456789abcdef', 'latin1'), 200);

export const frameCases: CaseDef[] = [
  mustFail('frame.unmasked-client-frame', 'unmasked text frame to a server', 'Send a text message in an unmasked frame, as a client must never do.', 'The server fails the connection (1002 or TCP drop) without echoing the message.', masking, 'servers', [text('Hello, unmasked', { masked: false })]),
  mustFail('frame.unmasked-client-ping', 'unmasked ping to a server', 'Send a ping in an unmasked frame: the masking rule covers control frames too.', 'The server fails the connection (1002 or TCP drop) without answering the ping.', masking, 'servers', [ping('unmasked', { masked: false })]),
  mustFail('frame.masked-server-frame', 'masked text frame to a client', 'Send a text message in a masked frame, as a server must never do.', 'The client fails the connection (1002 or TCP drop) without echoing the message.', masking, 'clients', [text('Hello, masked', { masked: true })]),
  mustFail('frame.masked-server-ping', 'masked ping to a client', 'Send a ping in a masked frame.', 'The client fails the connection (1002 or TCP drop) without answering the ping.', masking, 'clients', [ping('masked', { masked: true })]),
  mayRefuse('frame.non-minimal-16', '16-bit length for 5 bytes', 'Send a 5-byte text message whose length is encoded in 16 bits although 7 suffice.', [text('Hello', { lengthEncoding: 16 })], textMessage('Hello')),
  mayRefuse('frame.non-minimal-64', '64-bit length for 200 bytes', 'Send a 200-byte binary message whose length is encoded in 64 bits although 16 suffice.', [binary(twoHundred, { lengthEncoding: 64 })], binaryMessage(twoHundred)),
  mayRefuse('frame.non-minimal-ping', '16-bit length for a 5-byte ping', 'Send a ping with a 5-byte payload whose length is encoded in 16 bits.', [ping('Hello', { lengthEncoding: 16 })], pongEvent('Hello')),
  mustFail(
    'frame.length-msb-set',
    '64-bit length with the top bit set',
    'Send a text frame whose 64-bit length field has its most significant bit set (2^63 + 5), followed by 5 payload bytes.',
    'The target fails the connection with 1002 (1009 tolerated: NON-STRICT) or drops TCP.',
    { spec: 'RFC 6455 §5.2', level: 'MUST' },
    'both',
    [text('Hello', { lengthEncoding: 64, declaredLength: (1n << 63n) + 5n })],
    { ...failsConnection(1002, { closedByWrongEndpointIsFatal: true }), tolerated: [1009] },
  ),
  mustFail('frame.close-fragmented', 'fragmented close frame', 'Send a close frame (1000) with FIN clear, as if it were the first fragment of a longer one.', 'The target fails the connection (1002 or TCP drop); it does not treat the frame as a close.', { spec: 'RFC 6455 §5.4, §5.5', level: 'MUST' }, 'both', [closeFrame(closePayload(1000), { fin: false })]),
  {
    id: 'frame.data-after-close',
    title: 'data frames after the close frame',
    description: 'Send a close frame (1000), then at once a binary message and a text message in two fragments.',
    expectation: 'The close is answered with 1000; nothing after the close frame is echoed.',
    requirement: { spec: 'RFC 6455 §1.4, §5.5.1', level: 'MUST' },
    applies: 'both',
    steps: [killAfter(1000), sendClose(1000), send([binary('after close'), text('frag', { fin: false }), continuation('ment')]), lingerAfterClose(500)],
    expect: { kind: 'events', outcomes: { OK: [] }, close: closesNormally(), wrongCodeFails: true },
  },
];
