/**
 * Every verdict path, against a target that really is broken that way. A harness that says OK to
 * everything is worthless: each row names a flaw and the non-OK verdict it must earn.
 */
import assert from 'node:assert/strict';
import { caseById } from '../../cases/index.js';
import { caseResult } from '../../runner/engine/case-result.js';
import { runCaseAgainstServer } from '../../runner/fuzzing-client/run.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { startBrokenServer, type Flaws } from '../support/broken-server.js';

async function verdictOf(flaws: Flaws, id: string, failByDrop = false): Promise<{ behavior: string; behaviorClose: string; result: string; remoteCloseCode: number | null }> {
  const server = await startBrokenServer(flaws);
  try {
    const def = caseById(id);
    assert.ok(def, `case ${id} exists`);
    const t = await runCaseAgainstServer(new URL(server.url), def, { session: { ...defaultSessionOptions, failByDrop, caseTimeoutMs: 8000 }, openHandshakeTimeoutMs: 2000 });
    const r = caseResult(def, t, 'broken', 1);
    return { behavior: r.behavior, behaviorClose: r.behaviorClose, result: r.result, remoteCloseCode: r.remoteCloseCode };
  } finally {
    await server.close();
  }
}

const rows: Array<{ flaw: string; flaws: Flaws; id: string; behavior: string; behaviorClose: string; failByDrop?: boolean }> = [
  { flaw: 'a correct server', flaws: {}, id: '1.1.2', behavior: 'OK', behaviorClose: 'OK' },
  { flaw: 'a correct server failing on a reserved opcode', flaws: {}, id: '4.1.1', behavior: 'OK', behaviorClose: 'OK' },
  { flaw: 'a correct, fail-fast server on invalid UTF-8', flaws: {}, id: '6.4.1', behavior: 'OK', behaviorClose: 'OK' },
  { flaw: 'no UTF-8 check', flaws: { noUtf8Check: true }, id: '6.3.1', behavior: 'FAILED', behaviorClose: 'FAILED' },
  { flaw: 'no UTF-8 check, single-frame vector', flaws: { noUtf8Check: true }, id: '6.6.1', behavior: 'FAILED', behaviorClose: 'FAILED' },
  { flaw: 'UTF-8 checked only at the end of a message', flaws: { utf8AtEnd: true }, id: '6.4.1', behavior: 'NON-STRICT', behaviorClose: 'OK' },
  { flaw: 'a wrong close code', flaws: { closeCode: 1002 }, id: '7.7.1', behavior: 'FAILED', behaviorClose: 'WRONG CODE' },
  { flaw: 'a wrong close code where only the close verdict counts', flaws: { closeCode: 1003 }, id: '1.1.1', behavior: 'OK', behaviorClose: 'WRONG CODE' },
  { flaw: 'no pong', flaws: { noPong: true }, id: '2.2', behavior: 'FAILED', behaviorClose: 'OK' },
  { flaw: 'ignoring reserved bits (never failing)', flaws: { lenient: true }, id: '3.1', behavior: 'FAILED', behaviorClose: 'FAILED' },
  { flaw: 'ignoring a reserved opcode (no echo, no failure)', flaws: { lenient: true }, id: '4.1.1', behavior: 'OK', behaviorClose: 'FAILED' },
  { flaw: 'dropping TCP instead of answering a close', flaws: { dropOnClose: true }, id: '1.1.1', behavior: 'OK', behaviorClose: 'UNCLEAN' },
  { flaw: 'keeping TCP open after the closing handshake', flaws: { keepTcpOpen: true }, id: '2.1', behavior: 'OK', behaviorClose: 'UNCLEAN' },
  // The 1 s kill timer drops TCP before the 1 s server-drop wait ends, as in Autobahn.
  { flaw: 'keeping TCP open until the kill timer', flaws: { keepTcpOpen: true }, id: '1.1.1', behavior: 'OK', behaviorClose: 'FAILED BY CLIENT' },
  { flaw: 'keeping TCP open where a clean close is not required', flaws: { keepTcpOpen: true }, id: '7.3.2', behavior: 'OK', behaviorClose: 'FAILED BY CLIENT' },
  { flaw: 'stalling after the handshake', flaws: { stall: true }, id: '1.1.1', behavior: 'FAILED', behaviorClose: 'UNCLEAN' },
  { flaw: 'masking its frames', flaws: { maskFrames: true }, id: '1.1.2', behavior: 'FAILED', behaviorClose: 'OK' },
  { flaw: 'echoing binary as text', flaws: { binaryAsText: true }, id: '1.2.2', behavior: 'FAILED', behaviorClose: 'OK' },
  { flaw: 'echoing a byte short in a bulk case', flaws: { truncateEcho: true }, id: '9.1.1', behavior: 'FAILED', behaviorClose: 'OK' },
  { flaw: 'echoing a byte short in round trips', flaws: { truncateEcho: true }, id: '9.8.3', behavior: 'FAILED', behaviorClose: 'OK' },
  { flaw: 'a wrong Sec-WebSocket-Accept', flaws: { wrongAccept: true }, id: '1.1.1', behavior: 'FAILED', behaviorClose: 'FAILED' },
  { flaw: 'dropping TCP, judged with failByDrop', flaws: { lenient: true }, id: '4.1.1', behavior: 'OK', behaviorClose: 'FAILED BY CLIENT', failByDrop: true },
  // What real wstest gave against the same server: the echo is lost, the close handshake is fine.
  { flaw: 'a 16-bit length for its 125-byte echo', flaws: { nonMinimalLengths: true }, id: '1.1.2', behavior: 'FAILED', behaviorClose: 'OK' },
  { flaw: 'a 64-bit length for its 65,535-byte echo', flaws: { nonMinimalLengths: true }, id: '1.2.6', behavior: 'FAILED', behaviorClose: 'OK' },
  { flaw: 'non-minimal lengths, where every echo has a minimal one', flaws: { nonMinimalLengths: true }, id: '1.1.3', behavior: 'OK', behaviorClose: 'OK' },
  // Two broken rules in one frame (too long for a control frame, not minimal): Autobahn drops TCP after its close.
  { flaw: 'a 16-bit length for its 125-byte pong', flaws: { nonMinimalLengths: true }, id: '2.4', behavior: 'FAILED', behaviorClose: 'UNCLEAN' },
  { flaw: 'a 16-bit length for its 125-byte echo, judged with failByDrop', flaws: { nonMinimalLengths: true }, id: '1.1.2', behavior: 'FAILED', behaviorClose: 'FAILED', failByDrop: true },
];

describe('verdicts against broken servers', function () {
  this.timeout(15_000);
  for (const row of rows) {
    it(`gives ${row.id} ${row.behavior}/${row.behaviorClose} for ${row.flaw}`, async () => {
      const v = await verdictOf(row.flaws, row.id, row.failByDrop);
      assert.deepEqual([v.behavior, v.behaviorClose], [row.behavior, row.behaviorClose], v.result);
    });
  }

  it('reports the close code of a server that answers with the wrong one', async () => {
    const v = await verdictOf({ closeCode: 1002 }, '7.7.1');
    assert.equal(v.remoteCloseCode, 1002);
  });

  it('fails a non-minimal length with 1002 and says why', async () => {
    const server = await startBrokenServer({ nonMinimalLengths: true });
    try {
      const t = await runCaseAgainstServer(new URL(server.url), caseById('1.1.6')!, { session: { ...defaultSessionOptions, caseTimeoutMs: 8000 }, openHandshakeTimeoutMs: 2000 });
      assert.deepEqual(
        t.violations.map((v) => v.code),
        ['WS_ERR_NON_MINIMAL_LENGTH'],
      );
      assert.equal(t.localCloseCode, 1002);
      assert.match(caseResult(caseById('1.1.6')!, t, 'broken', 1).result, /65535-byte payload with a 64-bit length/);
    } finally {
      await server.close();
    }
  });

  it('says why the handshake failed', async () => {
    const v = await verdictOf({ wrongAccept: true }, '1.1.1');
    assert.match(v.result, /Sec-WebSocket-Accept/);
  });
});
