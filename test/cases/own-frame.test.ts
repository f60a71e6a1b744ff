/**
 * frame.*: the framing rules Autobahn's target never breaks (masking, length encodings), against the
 * ws server and client and against targets that each get one rule wrong.
 */
import assert from 'node:assert/strict';
import { frameCases } from '../../cases/own/frame.js';
import { casesForRole } from '../../runner/engine/plan.js';
import type { Flaws } from '../support/broken-server.js';
import { againstBrokenServer, againstClient, againstWsServer, verdict } from '../support/own-verdicts.js';

/** What ws does: it accepts non-minimal lengths (NON-STRICT) and answers a 2^63 length with 1009 (tolerated). */
const wsVerdicts: Record<string, string> = {
  'frame.non-minimal-16': 'NON-STRICT/OK',
  'frame.non-minimal-64': 'NON-STRICT/OK',
  'frame.length-msb-set': 'NON-STRICT/OK',
};

describe('frame.*', function () {
  this.timeout(15_000);

  it('states the role, section and level of every case', () => {
    for (const c of frameCases) {
      assert.ok(c.applies, c.id);
      assert.match(c.requirement?.spec ?? '', /^RFC 6455 §/, c.id);
    }
    assert.equal(frameCases.find((c) => c.id === 'frame.unmasked-client-frame')?.applies, 'servers');
    assert.equal(frameCases.find((c) => c.id === 'frame.masked-server-frame')?.applies, 'clients');
  });

  it('gives the ws server OK, or NON-STRICT where it accepts what it may refuse', async () => {
    const ids = casesForRole(frameCases, 'client').map((c) => c.id);
    const results = await againstWsServer(ids);
    for (const id of ids) assert.equal(verdict(results.get(id)!), wsVerdicts[id] ?? 'OK/OK', `${id}: ${results.get(id)!.result}`);
  });

  const rows: Array<{ flaw: string; flaws: Flaws; id: string; expected: string }> = [
    { flaw: 'echoes unmasked frames', flaws: { acceptUnmasked: true }, id: 'frame.unmasked-client-frame', expected: 'FAILED/FAILED' },
    { flaw: 'answers unmasked pings', flaws: { acceptUnmasked: true }, id: 'frame.unmasked-client-ping', expected: 'FAILED/FAILED' },
    { flaw: 'accepts non-minimal lengths', flaws: {}, id: 'frame.non-minimal-16', expected: 'NON-STRICT/OK' },
    { flaw: 'refuses non-minimal lengths (the strict choice)', flaws: { rejectNonMinimal: true }, id: 'frame.non-minimal-64', expected: 'OK/OK' },
    { flaw: 'mangles what it echoes', flaws: { truncateEcho: true }, id: 'frame.non-minimal-64', expected: 'FAILED/FAILED' },
    { flaw: 'says nothing about a length it cannot decode', flaws: { ignoreDecodeErrors: true }, id: 'frame.length-msb-set', expected: 'FAILED/FAILED' },
    { flaw: 'fails on a length with the top bit set', flaws: {}, id: 'frame.length-msb-set', expected: 'OK/OK' },
    { flaw: 'takes a fragmented close frame for a close', flaws: { lenient: true }, id: 'frame.close-fragmented', expected: 'FAILED/WRONG CODE' },
  ];
  for (const row of rows) {
    it(`gives ${row.id} ${row.expected} to a server that ${row.flaw}`, async () => {
      const r = await againstBrokenServer(row.flaws, row.id);
      assert.equal(verdict(r), row.expected, `${r.result} ${r.resultClose}`);
    });
  }

  it('gives the ws client OK, or NON-STRICT where it accepts what it may refuse', async () => {
    for (const c of casesForRole(frameCases, 'server')) {
      const r = await againstClient(c.id, 'ws');
      assert.equal(verdict(r), wsVerdicts[c.id] ?? 'OK/OK', `${c.id}: ${r.result} ${r.resultClose}`);
    }
  });

  it('catches a client that echoes the data behind the close frame after its own close, and passes one that ignores it', async () => {
    // The harness reads on after the closing handshake; the echo comes after the client's close frame.
    const careless = await againstClient('frame.data-after-close', { raw: { afterClose: 'process' } });
    assert.equal(verdict(careless), 'FAILED/OK', `${careless.result} ${careless.resultClose}`);
    assert.deepEqual(
      careless.received.map((e) => e[0]),
      ['message', 'message'],
    );
    assert.equal(careless.remoteCloseCode, 1000);
    const careful = await againstClient('frame.data-after-close', { raw: { afterClose: 'ignore' } });
    assert.equal(verdict(careful), 'OK/OK', `${careful.result} ${careful.resultClose}`);
  });

  it('catches a client that accepts masked frames from the server', async () => {
    assert.equal(verdict(await againstClient('frame.masked-server-frame', { raw: {} })), 'FAILED/FAILED');
    assert.equal(verdict(await againstClient('frame.masked-server-ping', { raw: {} })), 'FAILED/FAILED');
  });
});
