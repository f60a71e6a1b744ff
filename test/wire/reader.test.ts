/**
 * The message layer without sockets: frames in, events out. Fragmentation, control frames between
 * fragments, fail-fast UTF-8, close payloads, size limits and the header rules, each breach as a
 * stable code with the close status to fail the connection with.
 */
import assert from 'node:assert/strict';
import { FrameDecoder, type DecodedFrame } from '../../runner/wire/decoder.js';
import { closePayload, Opcode } from '../../runner/wire/frame.js';
import { MessageReader, type MessageInflater, type ReaderEvent, type ReaderOptions } from '../../runner/wire/reader.js';
import { hex } from '../support/bytes.js';

/** What a reader for frames from a server (unmasked) makes of these octets. */
function read(wire: Buffer): ReaderEvent[] {
  const reader = new MessageReader({ expectMasked: false, maxMessageSize: 1 << 20 });
  return new FrameDecoder({ maxPayload: 1 << 20 }).push(wire).flatMap((f) => reader.push(f));
}

/** A decoded frame as a server sends it (unmasked, final, 7-bit length) unless told otherwise. */
function frame(opcode: number, payload: string | Buffer = '', o: Partial<Omit<DecodedFrame, 'opcode' | 'payload'>> = {}): DecodedFrame {
  return { fin: true, rsv: 0, masked: false, mask: null, lengthEncoding: 7, nonMinimalLength: false, opcode, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, ...o };
}

function reader(o: Partial<ReaderOptions> = {}): MessageReader {
  return new MessageReader({ expectMasked: false, maxMessageSize: 1 << 20, ...o });
}

/** Every event of `frames` pushed in order, one list per frame: which frame produced what. */
function pushEach(r: MessageReader, frames: DecodedFrame[]): string[][] {
  return frames.map((f) => r.push(f).map(show));
}

function show(e: ReaderEvent): string {
  switch (e.type) {
    case 'message':
      return `${e.binary ? 'binary' : 'text'} ${JSON.stringify(e.payload.toString('latin1'))} in ${e.frames}${e.compressed ? ' compressed' : ''}`;
    case 'ping':
    case 'pong':
      return `${e.type} ${JSON.stringify(e.payload.toString('latin1'))}`;
    case 'close':
      return `close ${e.code ?? '-'} ${e.reason === null ? '-' : JSON.stringify(e.reason.toString('latin1'))}`;
    case 'violation':
      return `${e.violation.code} ${e.violation.closeCode}`;
  }
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
        assert.equal(
          events.some((e) => e.type === 'message'),
          false,
        );
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
      // Autobahn's target sends its close on the first and drops TCP on the second.
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
      assert.deepEqual(
        events.map((e) => e.type),
        ['violation', 'close'],
      );
    });
  });

  describe('fragmentation (RFC 6455 §5.4)', () => {
    it('reassembles a text message from three frames, and says so only at the final one', () => {
      const r = reader();
      assert.deepEqual(pushEach(r, [frame(Opcode.text, 'frag', { fin: false }), frame(Opcode.continuation, 'ment', { fin: false }), frame(Opcode.continuation, 'ed')]), [
        [],
        [],
        ['text "fragmented" in 3'],
      ]);
    });

    it('reports the frame count and the bytes on the wire of the message', () => {
      const r = reader();
      r.push(frame(Opcode.binary, 'ab', { fin: false }));
      const [e] = r.push(frame(Opcode.continuation, 'cde'));
      assert.ok(e?.type === 'message');
      assert.deepEqual(
        { binary: e.binary, frames: e.frames, wireLength: e.wireLength, compressed: e.compressed, payload: e.payload.toString() },
        { binary: true, frames: 2, wireLength: 5, compressed: false, payload: 'abcde' },
      );
    });

    it('accepts empty fragments anywhere, and an empty message in three empty frames', () => {
      assert.deepEqual(pushEach(reader(), [frame(Opcode.text, '', { fin: false }), frame(Opcode.continuation, 'a', { fin: false }), frame(Opcode.continuation, '')]), [[], [], ['text "a" in 3']]);
      assert.deepEqual(pushEach(reader(), [frame(Opcode.text, '', { fin: false }), frame(Opcode.continuation, '', { fin: false }), frame(Opcode.continuation, '')]).at(-1), ['text "" in 3']);
    });

    it('knows whether a fragmented message is open', () => {
      const r = reader();
      assert.equal(r.inMessage, false);
      r.push(frame(Opcode.text, 'a', { fin: false }));
      assert.equal(r.inMessage, true);
      r.push(frame(Opcode.continuation, 'b'));
      assert.equal(r.inMessage, false);
      r.push(frame(Opcode.text, 'whole'));
      assert.equal(r.inMessage, false);
    });

    it('takes messages one after another, the second starting afresh', () => {
      assert.deepEqual(pushEach(reader(), [frame(Opcode.text, 'a', { fin: false }), frame(Opcode.continuation, 'b'), frame(Opcode.binary, 'c', { fin: false }), frame(Opcode.continuation, 'd')]), [
        [],
        ['text "ab" in 2'],
        [],
        ['binary "cd" in 2'],
      ]);
    });

    it('fails the connection with 1002 on a continuation with no message to continue', () => {
      assert.deepEqual(pushEach(reader(), [frame(Opcode.continuation, 'x')]), [['WS_ERR_UNEXPECTED_CONTINUATION 1002']]);
      assert.deepEqual(pushEach(reader(), [frame(Opcode.text, 'a'), frame(Opcode.continuation, 'x', { fin: false })]), [['text "a" in 1'], ['WS_ERR_UNEXPECTED_CONTINUATION 1002']]);
    });

    it('fails the connection with 1002 on a new data frame while a message is open', () => {
      assert.deepEqual(pushEach(reader(), [frame(Opcode.text, 'a', { fin: false }), frame(Opcode.binary, 'b')]), [[], ['WS_ERR_EXPECTED_CONTINUATION 1002']]);
    });
  });

  describe('control frames between fragments (RFC 6455 §5.4, §5.5)', () => {
    it('answers to a ping and a pong in the middle of a message at once, and delivers the message whole', () => {
      const events = pushEach(reader(), [
        frame(Opcode.text, 'frag', { fin: false }),
        frame(Opcode.ping, 'p'),
        frame(Opcode.continuation, 'ment', { fin: false }),
        frame(Opcode.pong, 'q'),
        frame(Opcode.continuation, '1'),
      ]);
      assert.deepEqual(events, [[], ['ping "p"'], [], ['pong "q"'], ['text "fragment1" in 3']]);
    });

    it('reports a close in the middle of a message as a close', () => {
      assert.deepEqual(pushEach(reader(), [frame(Opcode.text, 'a', { fin: false }), frame(Opcode.close, closePayload(1000))]), [[], ['close 1000 ""']]);
    });

    it('fails the connection with 1002 on a fragmented control frame', () => {
      for (const op of [Opcode.ping, Opcode.pong, Opcode.close]) assert.deepEqual(pushEach(reader(), [frame(op, '', { fin: false })]), [['WS_ERR_FRAGMENTED_CONTROL 1002']], String(op));
    });

    it('takes a 125-byte ping and fails the connection with 1002 on a 126-byte one', () => {
      assert.deepEqual(
        pushEach(reader(), [frame(Opcode.ping, Buffer.alloc(125, 0x2a))]).map((l) => l.map((e) => e.slice(0, 4))),
        [['ping']],
      );
      assert.deepEqual(pushEach(reader(), [frame(Opcode.ping, Buffer.alloc(126), { lengthEncoding: 16 })]), [['WS_ERR_CONTROL_TOO_LONG 1002']]);
    });
  });

  describe('UTF-8 (RFC 6455 §8.1: fail fast)', () => {
    it('fails the connection with 1007 at the frame that holds the invalid byte, before the message ends', () => {
      // 6.4.1: valid text, then a code point above U+10FFFF, then the rest.
      const events = pushEach(reader(), [
        frame(Opcode.text, hex('cebae1bdb9cf83cebcceb5'), { fin: false }),
        frame(Opcode.continuation, hex('f4908080'), { fin: false }),
        frame(Opcode.continuation, 'edited'),
      ]);
      assert.deepEqual(events, [[], ['WS_ERR_INVALID_UTF8 1007'], []]);
    });

    it('fails at the first byte that cannot continue a sequence split across frames', () => {
      // 6.4.2: ...F4 | 90 | 80 80...: F4 may start a sequence, F4 90 may not.
      const events = pushEach(reader(), [
        frame(Opcode.text, hex('cebae1bdb9cf83cebcceb5f4'), { fin: false }),
        frame(Opcode.continuation, hex('90'), { fin: false }),
        frame(Opcode.continuation, hex('8080656469746564')),
      ]);
      assert.deepEqual(events, [[], ['WS_ERR_INVALID_UTF8 1007'], []]);
    });

    it('takes a valid code point split across frames', () => {
      // κ is CE BA.
      assert.deepEqual(pushEach(reader(), [frame(Opcode.text, hex('ce'), { fin: false }), frame(Opcode.continuation, hex('ba'))]).at(-1), [
        `text ${JSON.stringify(Buffer.from('κ').toString('latin1'))} in 2`,
      ]);
    });

    it('fails the connection with 1007 on a message that ends inside a sequence', () => {
      const r = reader();
      r.push(frame(Opcode.text, hex('61ce'), { fin: false }));
      const [e] = r.push(frame(Opcode.continuation, ''));
      assert.ok(e?.type === 'violation');
      assert.deepEqual([e.violation.code, e.violation.closeCode], ['WS_ERR_INVALID_UTF8', 1007]);
      assert.match(e.violation.message, /ends inside a UTF-8 sequence/);
    });

    it('fails the connection with 1007 on invalid text in a single frame, and lets any bytes through as binary', () => {
      assert.deepEqual(pushEach(reader(), [frame(Opcode.text, hex('80'))]), [['WS_ERR_INVALID_UTF8 1007']]);
      assert.deepEqual(pushEach(reader(), [frame(Opcode.binary, hex('80'), { fin: false }), frame(Opcode.continuation, hex('ff'))]).at(-1), [`binary ${JSON.stringify('\x80\xff')} in 2`]);
    });
  });

  describe('close frames (RFC 6455 §5.5.1, §7.4)', () => {
    const closeOf = (payload: Buffer): string[] => reader().push(frame(Opcode.close, payload)).map(show);

    it('reads an empty payload as no code and no reason', () => {
      assert.deepEqual(closeOf(Buffer.alloc(0)), ['close - -']);
    });

    it('reads a code and a UTF-8 reason', () => {
      assert.deepEqual(closeOf(closePayload(1000, 'bye')), ['close 1000 "bye"']);
      assert.deepEqual(closeOf(closePayload(4999)), ['close 4999 ""']);
    });

    it('fails the connection with 1002 on a 1-byte payload', () => {
      assert.deepEqual(closeOf(hex('03')), ['WS_ERR_INVALID_CLOSE_PAYLOAD 1002']);
    });

    it('fails the connection with 1002 on a code that may not appear on the wire', () => {
      for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) assert.deepEqual(closeOf(closePayload(code)), ['WS_ERR_INVALID_CLOSE_CODE 1002'], String(code));
    });

    it('fails the connection with 1007 on a reason that is not UTF-8', () => {
      assert.deepEqual(closeOf(Buffer.concat([closePayload(1000), hex('cebae1bdb9cf83cebcceb5eda080656469746564')])), ['WS_ERR_INVALID_CLOSE_REASON 1007']);
    });

    it('after a violation, still reads the close that answers the harness’s, whatever its payload', () => {
      const r = reader();
      r.push(frame(Opcode.continuation, 'x'));
      assert.deepEqual(pushEach(r, [frame(Opcode.ping, 'p'), frame(Opcode.close, closePayload(1002), { rsv: 4 }), frame(Opcode.close, hex('03'))]), [[], [], ['close - -']]);
    });
  });

  describe('limits', () => {
    it('fails the connection with 1009 on a message one byte above the limit, in one frame or several', () => {
      assert.deepEqual(pushEach(reader({ maxMessageSize: 4 }), [frame(Opcode.binary, 'abcd')]), [['binary "abcd" in 1']]);
      assert.deepEqual(pushEach(reader({ maxMessageSize: 4 }), [frame(Opcode.binary, 'abcde')]), [['WS_ERR_MESSAGE_TOO_LARGE 1009']]);
      // The frame that crosses the limit fails, not the end of the message.
      assert.deepEqual(pushEach(reader({ maxMessageSize: 4 }), [frame(Opcode.text, 'ab', { fin: false }), frame(Opcode.continuation, 'cde', { fin: false }), frame(Opcode.continuation, '')]), [
        [],
        ['WS_ERR_MESSAGE_TOO_LARGE 1009'],
        [],
      ]);
    });

    it('counts the limit per message: many messages under it pass', () => {
      const r = reader({ maxMessageSize: 4 });
      for (let i = 0; i < 5; i++) assert.deepEqual(pushEach(r, [frame(Opcode.text, 'ab', { fin: false }), frame(Opcode.continuation, 'cd')]).at(-1), ['text "abcd" in 2']);
    });
  });

  describe('header rules', () => {
    it('fails the connection with 1002 on a reserved opcode', () => {
      for (const op of [3, 7, 11, 15]) assert.deepEqual(pushEach(reader(), [frame(op)]), [['WS_ERR_INVALID_OPCODE 1002']], String(op));
    });

    it('holds each side to its masking rule', () => {
      assert.deepEqual(pushEach(reader({ expectMasked: true }), [frame(Opcode.text, 'a')]), [['WS_ERR_UNMASKED_FRAME 1002']]);
      assert.deepEqual(pushEach(reader({ expectMasked: false }), [frame(Opcode.text, 'a', { masked: true })]), [['WS_ERR_MASKED_FRAME 1002']]);
      assert.deepEqual(pushEach(reader({ expectMasked: true }), [frame(Opcode.text, 'a', { masked: true })]), [['text "a" in 1']]);
    });

    it('fails the connection with 1002 on any reserved bit without an extension', () => {
      for (const rsv of [1, 2, 4, 7]) assert.deepEqual(pushEach(reader(), [frame(Opcode.text, 'a', { rsv })]), [['WS_ERR_UNEXPECTED_RSV 1002']], String(rsv));
    });

    it('records a violation found outside it, and ignores what follows but a close', () => {
      const r = reader();
      const v = { code: 'WS_ERR_FRAME_TOO_LARGE', closeCode: 1009, message: 'too large' } as const;
      assert.deepEqual(r.fail(v).map(show), ['WS_ERR_FRAME_TOO_LARGE 1009']);
      assert.deepEqual(r.violation, v);
      assert.deepEqual(pushEach(r, [frame(Opcode.text, 'a'), frame(Opcode.close, closePayload(1009))]), [[], ['close 1009 ""']]);
    });
  });

  describe('with a negotiated per-message extension (RFC 7692)', () => {
    /** Inflates by reversing the bytes, or fails as told: the reader only hands whole messages over. */
    const fake = (result?: { message: string; tooLarge: boolean }): MessageInflater => ({
      inflate: (data, maxSize) => (result ? { ok: false, ...result } : data.length > maxSize ? { ok: false, message: 'big', tooLarge: true } : { ok: true, payload: Buffer.from(data).reverse() }),
    });

    it('hands the whole compressed message to the inflater once, and checks its text afterwards', () => {
      const seen: string[] = [];
      const inflater: MessageInflater = { inflate: (data) => (seen.push(data.toString('hex')), { ok: true, payload: Buffer.from('κ') }) };
      // The compressed bytes are not text: no UTF-8 check on the frames themselves.
      assert.deepEqual(pushEach(reader({ inflater }), [frame(Opcode.text, hex('ce'), { fin: false, rsv: 4 }), frame(Opcode.continuation, hex('ff'))]).at(-1), [
        `text ${JSON.stringify(Buffer.from('κ').toString('latin1'))} in 2 compressed`,
      ]);
      assert.deepEqual(seen, ['ceff']);
      const bad: MessageInflater = { inflate: () => ({ ok: true, payload: hex('ce') }) };
      assert.deepEqual(pushEach(reader({ inflater: bad }), [frame(Opcode.text, 'x', { rsv: 4 })]), [['WS_ERR_INVALID_UTF8 1007']]);
    });

    it('leaves a message without RSV1 uncompressed', () => {
      assert.deepEqual(pushEach(reader({ inflater: fake() }), [frame(Opcode.text, 'ab')]), [['text "ab" in 1']]);
      assert.deepEqual(pushEach(reader({ inflater: fake() }), [frame(Opcode.text, 'ab', { rsv: 4 })]), [['text "ba" in 1 compressed']]);
    });

    it('fails the connection with 1002 on data that does not inflate, and with 1009 on a message that inflates too large', () => {
      assert.deepEqual(pushEach(reader({ inflater: fake({ message: 'invalid', tooLarge: false }) }), [frame(Opcode.binary, 'x', { rsv: 4 })]), [['WS_ERR_INFLATE 1002']]);
      assert.deepEqual(pushEach(reader({ inflater: fake({ message: 'big', tooLarge: true }) }), [frame(Opcode.binary, 'x', { rsv: 4 })]), [['WS_ERR_MESSAGE_TOO_LARGE 1009']]);
    });

    it('still fails the connection with 1002 on RSV2, RSV3, or RSV1 on a control frame', () => {
      for (const [op, rsv] of [
        [Opcode.text, 2],
        [Opcode.binary, 1],
        [Opcode.ping, 4],
        [Opcode.close, 4],
      ] as const) {
        assert.deepEqual(pushEach(reader({ inflater: fake() }), [frame(op, '', { rsv })]), [['WS_ERR_UNEXPECTED_RSV 1002']], `${op}/${rsv}`);
      }
    });
  });
});
