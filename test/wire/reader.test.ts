import assert from 'node:assert/strict';
import { FrameDecoder } from '../../runner/wire/decoder.js';
import { MessageReader, type ReaderEvent } from '../../runner/wire/reader.js';
import { hex } from '../support/bytes.js';

/** What a reader for frames from a server (unmasked) makes of these octets. */
function read(wire: Buffer): ReaderEvent[] {
  const reader = new MessageReader({ expectMasked: false, maxMessageSize: 1 << 20 });
  return new FrameDecoder({ maxPayload: 1 << 20 }).push(wire).flatMap((f) => reader.push(f));
}

const violations = (events: ReaderEvent[]): string[] => events.flatMap((e) => (e.type === 'violation' ? [`${e.violation.code} ${e.violation.closeCode}`] : []));

describe('MessageReader', () => {
  describe('length encodings (RFC 6455 §5.2: the minimal number of bytes MUST be used)', () => {
    const nonMinimal: Array<[what: string, wire: Buffer]> = [
      ['a 125-byte text message with a 16-bit length', Buffer.concat([hex('81 7e 00 7d'), Buffer.alloc(125, 0x2a)])],
      ['a 5-byte text message with a 16-bit length', hex('81 7e 00 05 48 65 6c 6c 6f')],
      ['a 65,535-byte binary message with a 64-bit length', Buffer.concat([hex('82 7f 00 00 00 00 00 00 ff ff'), Buffer.alloc(65535)])],
      ['a 200-byte binary message with a 64-bit length', Buffer.concat([hex('82 7f 00 00 00 00 00 00 00 c8'), Buffer.alloc(200)])],
      ['a final continuation with a 16-bit length', Buffer.concat([hex('01 01 61'), hex('80 7e 00 01 62')])],
    ];
    for (const [what, wire] of nonMinimal) {
      it(`fails the connection with 1002 (WS_ERR_NON_MINIMAL_LENGTH) on ${what}, and delivers no message`, () => {
        const events = read(wire);
        assert.deepEqual(violations(events), ['WS_ERR_NON_MINIMAL_LENGTH 1002']);
        assert.equal(events.some((e) => e.type === 'message'), false);
      });
    }

    it('accepts the minimal forms at the boundaries: 125 in 7 bits, 126 and 65,535 in 16, 65,536 in 64', () => {
      for (const wire of [
        Buffer.concat([hex('82 7d'), Buffer.alloc(125)]),
        Buffer.concat([hex('82 7e 00 7e'), Buffer.alloc(126)]),
        Buffer.concat([hex('82 7e ff ff'), Buffer.alloc(65535)]),
        Buffer.concat([hex('82 7f 00 00 00 00 00 01 00 00'), Buffer.alloc(65536)]),
      ]) {
        const events = read(wire);
        assert.deepEqual(violations(events), []);
        assert.equal(events[0]?.type, 'message');
      }
    });

    it('counts a 125-byte pong with a 16-bit length as two broken rules, as Autobahn does: too long for a control frame, and not minimal', () => {
      // Autobahn's peer sends its close on the first and drops TCP on the second.
      assert.deepEqual(violations(read(Buffer.concat([hex('8a 7e 00 7d'), Buffer.alloc(125)]))), ['WS_ERR_CONTROL_TOO_LONG 1002', 'WS_ERR_NON_MINIMAL_LENGTH 1002']);
    });

    it('counts a 126-byte pong (a minimal 16-bit length) as one broken rule', () => {
      assert.deepEqual(violations(read(Buffer.concat([hex('8a 7e 00 7e'), Buffer.alloc(126)]))), ['WS_ERR_CONTROL_TOO_LONG 1002']);
    });

    it('adds the non-minimal length to another broken header rule of the same frame', () => {
      assert.deepEqual(violations(read(hex('c1 7e 00 05 48 65 6c 6c 6f'))), ['WS_ERR_UNEXPECTED_RSV 1002', 'WS_ERR_NON_MINIMAL_LENGTH 1002']);
    });

    it('ignores the frames after the violation except a close', () => {
      const events = read(Buffer.concat([hex('81 7e 00 05 48 65 6c 6c 6f'), hex('81 02 68 69'), hex('88 02 03 ea')]));
      assert.deepEqual(events.map((e) => e.type), ['violation', 'close']);
    });
  });
});
