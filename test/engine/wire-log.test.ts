import assert from 'node:assert/strict';
import type { WireEntry } from '../../runner/engine/results.js';
import { WIRE_LOG_BYTES, WireLog } from '../../runner/engine/wire-log.js';

describe('wire log', () => {
  it('keeps the first 64 payload bytes of a frame, as hex and text, and says when it cut', () => {
    const entries: WireEntry[] = [];
    const log = new WireLog(entries, 10);
    log.frame('rx', { opcode: 1, fin: true, rsv: 0, masked: true, payload: Buffer.alloc(100, 'a') });
    const e = entries[0]!;
    assert.equal(e.kind, 'frame');
    if (e.kind !== 'frame') return;
    assert.equal(e.length, 100);
    assert.equal(e.hex.length, WIRE_LOG_BYTES * 2);
    assert.equal(e.text, 'a'.repeat(WIRE_LOG_BYTES));
    assert.equal(e.truncated, true);
  });

  it('logs a write in parts as one line with their total length', () => {
    const entries: WireEntry[] = [];
    new WireLog(entries).octets('tx', [Buffer.from([1, 2]), Buffer.from([3])]);
    assert.deepEqual({ ...entries[0], t: 0 }, { t: 0, kind: 'octets', dir: 'tx', length: 3, hex: '010203', truncated: false });
  });

  it('stops at its line limit with one line saying so', () => {
    const entries: WireEntry[] = [];
    const log = new WireLog(entries, 3);
    for (let i = 0; i < 10; i++) log.note(`line ${i}`);
    assert.equal(entries.length, 4);
    assert.deepEqual(entries[3], { t: entries[3]!.t, kind: 'note', text: 'wire log truncated after 3 lines' });
  });

  it('pauses octets and frames for a bulk transfer, keeps notes, and says so both ways', () => {
    const entries: WireEntry[] = [];
    const log = new WireLog(entries);
    log.pause('wire log paused for the bulk transfer');
    log.octets('rx', Buffer.from('x'));
    log.note('still here');
    log.resume();
    log.octets('rx', Buffer.from('y'));
    assert.deepEqual(
      entries.map((e) => (e.kind === 'note' ? e.text : e.kind)),
      ['wire log paused for the bulk transfer', 'still here', 'wire log resumed', 'octets'],
    );
  });

  it('counts time from its start', () => {
    const entries: WireEntry[] = [];
    new WireLog(entries, 10, Date.now() - 1500).note('late');
    assert.ok(entries[0]!.t >= 1500 && entries[0]!.t < 2500, String(entries[0]!.t));
  });

  it('puts every line at 0 when it has no clock (a log written after the connection ended)', () => {
    const entries: WireEntry[] = [];
    const log = new WireLog(entries, 10, null);
    log.note('sequence 1 of 2');
    log.octets('tx', Buffer.from([0x89, 0x00]));
    assert.deepEqual(
      entries.map((e) => e.t),
      [0, 0],
    );
    assert.equal(log.elapsed(), 0);
  });
});
