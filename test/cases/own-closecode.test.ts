/**
 * closecode.*: every case against servers and clients that get it right (ws) and against targets
 * that get one rule wrong, each of which must earn its specific verdict.
 */
import assert from 'node:assert/strict';
import { closeCodeCases } from '../../cases/own/closecode.js';
import type { Flaws } from '../support/broken-server.js';
import { againstBrokenServer, againstClient, againstWsServer, verdict } from '../support/own-verdicts.js';

const ids = closeCodeCases.map((c) => c.id);

describe('closecode.*', function () {
  this.timeout(15_000);

  it('has the close-code classes Autobahn 7.x leaves out, each with its RFC section and level', () => {
    assert.deepEqual(ids, ['closecode.1012', 'closecode.1013', 'closecode.1014', 'closecode.1015', 'closecode.1999', 'closecode.5000', 'closecode.65535', 'closecode.reason-invalid-utf8']);
    for (const c of closeCodeCases) {
      assert.match(c.requirement?.spec ?? '', /RFC 6455 §/, c.id);
      assert.ok(c.requirement?.level === 'MUST' || c.requirement?.level === 'SHOULD', c.id);
      assert.equal(c.applies, undefined, `${c.id} applies to both roles`);
    }
  });

  it('passes the ws server on every case', async () => {
    const results = await againstWsServer(ids);
    for (const id of ids) assert.equal(verdict(results.get(id)!), 'OK/OK', `${id}: ${results.get(id)!.result}`);
  });

  const rows: Array<{ flaw: string; flaws: Flaws; id: string; expected: string }> = [
    { flaw: 'answers every close with 1000', flaws: { closeCode: 1000 }, id: 'closecode.1015', expected: 'FAILED/WRONG CODE' },
    { flaw: 'echoes any close code', flaws: { acceptAnyCloseCode: true }, id: 'closecode.1999', expected: 'FAILED/WRONG CODE' },
    { flaw: 'echoes any close code (out of range: tolerated)', flaws: { acceptAnyCloseCode: true }, id: 'closecode.5000', expected: 'NON-STRICT/OK' },
    { flaw: 'does not know the registered codes 1012-1014', flaws: { rejectRegisteredCodes: true }, id: 'closecode.1013', expected: 'NON-STRICT/OK' },
    { flaw: 'answers a close reason that is not UTF-8 with 1002', flaws: { badReasonCode: 1002 }, id: 'closecode.reason-invalid-utf8', expected: 'NON-STRICT/OK' },
    { flaw: 'does not check the close reason', flaws: { closeCode: 1000 }, id: 'closecode.reason-invalid-utf8', expected: 'FAILED/WRONG CODE' },
    { flaw: 'a server that gets close codes right', flaws: {}, id: 'closecode.reason-invalid-utf8', expected: 'OK/OK' },
  ];
  for (const row of rows) {
    it(`gives ${row.id} ${row.expected} to a server that ${row.flaw}`, async () => {
      const r = await againstBrokenServer(row.flaws, row.id);
      assert.equal(verdict(r), row.expected, `${r.result} ${r.resultClose}`);
    });
  }

  it('passes the ws client on every case', async () => {
    for (const id of ids) {
      const r = await againstClient(id, 'ws');
      assert.equal(verdict(r), 'OK/OK', `${id}: ${r.result} ${r.resultClose}`);
    }
  });

  it('catches a client that echoes any close code', async () => {
    assert.equal(verdict(await againstClient('closecode.1015', { raw: {} })), 'FAILED/WRONG CODE');
    assert.equal(verdict(await againstClient('closecode.65535', { raw: {} })), 'NON-STRICT/OK');
  });
});
