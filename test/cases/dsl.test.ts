import assert from 'node:assert/strict';
import { fragments } from '../../cases/dsl.js';
import { Opcode } from '../../runner/wire/frame.js';

/** A frame list as "opcode:fin:length" items, for readable comparisons. */
const shape = (frames: ReturnType<typeof fragments>): string[] => frames.map((f) => `${f.opcode}:${(f.fin ?? true) ? 1 : 0}:${f.payload?.length ?? 0}`);

describe('dsl', () => {
  describe('fragments (Autobahn’s split of a message into frames)', () => {
    it('ends a length the frame size divides with an empty final continuation', () => {
      assert.deepEqual(shape(fragments(Opcode.text, Buffer.from('abcdefghijkl'), 4)), ['1:0:4', '0:0:4', '0:0:4', '0:1:0']);
    });

    it('ends any other length with the rest', () => {
      assert.deepEqual(shape(fragments(Opcode.binary, Buffer.from('abcdefghijklm'), 4)), ['2:0:4', '0:0:4', '0:0:4', '0:1:1']);
    });

    it('keeps a message that fits one frame in one final frame', () => {
      assert.deepEqual(shape(fragments(Opcode.text, Buffer.from('abcd'), 4)), ['1:1:4']);
      assert.deepEqual(shape(fragments(Opcode.text, Buffer.alloc(0), 4)), ['1:1:0']);
      assert.deepEqual(shape(fragments(Opcode.text, Buffer.from('abcd'), 0)), ['1:1:4']);
    });

    it('carries the bytes in order', () => {
      const payload = Buffer.from('abcdefghijklm');
      assert.deepEqual(Buffer.concat(fragments(Opcode.text, payload, 4).map((f) => f.payload!)), payload);
    });
  });
});
