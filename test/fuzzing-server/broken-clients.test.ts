/**
 * Clients that break one rule each, written here; each must get its own non-OK verdict from the
 * fuzzing server, as Autobahn would judge it, while the cases it does not break stay OK.
 */
import assert from 'node:assert/strict';
import { allCases } from '../../cases/index.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { echoClient, rawSession, type EchoBehaviour } from '../fixtures/raw-client.js';
import { runCase } from '../fixtures/ws-autobahn-client.mjs';
import { casesById, startTestServer, waitFor, type TestServer } from '../support/fuzzing-server.js';

/** Runs every selected case (N = 1..count) with a raw client behaving as `b`, all at once. */
async function runRaw(ts: TestServer, count: number, b: EchoBehaviour): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, i) => rawSession(ts.server.port, `/runCase?case=${i + 1}&agent=broken`, echoClient(b))));
  await waitFor(() => ts.server.results().length === count, 3000);
}

const verdict = (r: { behavior: string; behaviorClose: string }): string => `${r.behavior}/${r.behaviorClose}`;
const verdicts = (ts: TestServer): Record<string, string> => Object.fromEntries(ts.server.results().map((r) => [r.id, `${r.behavior}/${r.behaviorClose}`]));

describe('fuzzing server: broken clients get their verdicts', function () {
  this.timeout(10_000);

  it('no UTF-8 check (ws with skipUTF8Validation echoes invalid text): the invalid-text cases FAIL, valid text stays OK', async () => {
    // Cases where the client must fail the connection because of invalid UTF-8, minus the slow 6.4.x.
    const invalid = allCases.filter((c) => c.expect.kind !== 'browser-api' && c.expect.close.closedByWrongEndpointIsFatal && !c.id.startsWith('6.4.')).slice(0, 6);
    const ids = ['6.2.1', '6.5.1', ...invalid.map((c) => c.id)];
    const ts = await startTestServer(casesById(ids));
    try {
      await Promise.all(ids.map((_, i) => runCase(ts.server.url, i + 1, 'no-utf8', { skipUTF8Validation: true })));
      await waitFor(() => ts.server.results().length === ids.length, 3000);
      const v = verdicts(ts);
      assert.equal(v['6.2.1'], 'OK/OK');
      assert.equal(v['6.5.1'], 'OK/OK');
      for (const c of invalid) {
        const r = await ts.byId(c.id);
        assert.equal(r.behavior, 'FAILED', `${c.id}: ${r.result}`);
        assert.equal(r.behaviorClose, 'FAILED', `${c.id}: the harness, not the client, had to close`);
        assert.ok(
          r.violations.some((x) => x.code === 'WS_ERR_INVALID_UTF8'),
          `${c.id}: the echo itself is invalid text`,
        );
      }
    } finally {
      await ts.server.close();
    }
  });

  it('no masking: every case with a frame from the client FAILS with WS_ERR_UNMASKED_FRAME', async () => {
    const ids = ['1.1.1', '1.2.2', '2.2'];
    const ts = await startTestServer(casesById(ids));
    try {
      await runRaw(ts, ids.length, { mask: false });
      for (const id of ids) {
        const r = await ts.byId(id);
        assert.equal(r.behavior, 'FAILED', `${id}: ${r.result}`);
        assert.equal(r.violations[0]?.code, 'WS_ERR_UNMASKED_FRAME', id);
        assert.equal(r.localCloseCode, 1002, `${id}: the harness fails the connection with 1002`);
      }
      // Autobahn keeps no message from a client it has failed, and still reads the (unmasked) close reply.
      const echo = await ts.byId('1.1.1');
      assert.deepEqual(echo.received, []);
      assert.equal(`${echo.behavior}/${echo.behaviorClose}`, 'FAILED/WRONG CODE', echo.resultClose);
    } finally {
      await ts.server.close();
    }
  });

  it('non-minimal lengths (125 bytes in 16 bits, 65,535 in 64): the echo is lost and the connection failed with 1002, as real wstest does', async () => {
    const ids = ['1.1.2', '1.2.6', '2.4', '1.1.3'];
    const ts = await startTestServer(casesById(ids));
    try {
      await runRaw(ts, ids.length, { nonMinimalLengths: true });
      const v = verdicts(ts);
      // wstest -m fuzzingserver against the same client: this client echoes the 1002 it is sent, hence WRONG CODE.
      assert.equal(v['1.1.2'], 'FAILED/WRONG CODE');
      assert.equal(v['1.2.6'], 'FAILED/WRONG CODE');
      // The pong breaks two rules at once (a control frame's length over 7 bits, not minimal): close, then drop.
      assert.equal(v['2.4'], 'FAILED/UNCLEAN');
      assert.equal(v['1.1.3'], 'OK/OK', '126 bytes in 16 bits is the minimal form');
      const r = await ts.byId('1.1.2');
      assert.deepEqual(
        r.violations.map((x) => x.code),
        ['WS_ERR_NON_MINIMAL_LENGTH'],
      );
      assert.equal(r.localCloseCode, 1002);
      assert.deepEqual(r.received, []);
    } finally {
      await ts.server.close();
    }
  });

  it('non-minimal lengths with failByDrop: the harness drops TCP, FAILED/FAILED', async () => {
    const ids = ['1.1.2', '2.4'];
    const ts = await startTestServer(casesById(ids), { session: { ...defaultSessionOptions, caseTimeoutMs: 15_000, failByDrop: true } });
    try {
      await runRaw(ts, ids.length, { nonMinimalLengths: true });
      const v = verdicts(ts);
      assert.equal(v['1.1.2'], 'FAILED/FAILED');
      assert.equal(v['2.4'], 'FAILED/FAILED');
    } finally {
      await ts.server.close();
    }
  });

  it('wrong close code (answers 1000 with 1001): 7.7.1 and 7.3.3 get WRONG CODE and FAIL', async () => {
    const ids = ['7.7.1', '7.3.3', '7.7.2'];
    const ts = await startTestServer(casesById(ids));
    try {
      await runRaw(ts, ids.length, { onClose: { code: 1001 } });
      const v = verdicts(ts);
      assert.equal(v['7.7.1'], 'FAILED/WRONG CODE');
      assert.equal(v['7.3.3'], 'FAILED/WRONG CODE');
      // 7.7.2 closes with 1001 itself, so answering 1001 is allowed there.
      assert.equal(v['7.7.2'], 'OK/OK');
      assert.equal((await ts.byId('7.7.1')).remoteCloseCode, 1001);
    } finally {
      await ts.server.close();
    }
  });

  it('no pong (ws with autoPong off): 2.x FAILS when the close timer ends the case', async () => {
    const ids = ['2.2', '2.3'];
    const ts = await startTestServer(casesById(ids));
    try {
      await Promise.all(ids.map((_, i) => runCase(ts.server.url, i + 1, 'no-pong', { autoPong: false })));
      await waitFor(() => ts.server.results().length === 2, 3000);
      for (const id of ids) {
        const r = await ts.byId(id);
        assert.equal(r.behavior, 'FAILED', r.result);
        assert.deepEqual(r.received, []);
        assert.equal(r.behaviorClose, 'OK', 'the close itself was fine');
      }
    } finally {
      await ts.server.close();
    }
  });

  it('drops TCP instead of answering the close: UNCLEAN, although the echo was right', async () => {
    const ids = ['1.1.1', '1.2.1'];
    const ts = await startTestServer(casesById(ids));
    try {
      await runRaw(ts, ids.length, { onClose: 'drop' });
      for (const id of ids) {
        const r = await ts.byId(id);
        assert.equal(`${r.behavior}/${r.behaviorClose}`, 'OK/UNCLEAN', r.resultClose);
        assert.equal(r.wasClean, false);
      }
    } finally {
      await ts.server.close();
    }
  });

  it("echoes what follows the close frame after answering the close: frame.data-after-close FAILS, Autobahn's 7.1.4 keeps its drop at once (OK), the ws client passes", async () => {
    const ids = ['frame.data-after-close', '7.1.4'];
    const ts = await startTestServer(casesById(ids));
    try {
      await runRaw(ts, ids.length, { afterClose: 'process' });
      const careless = await ts.byId('frame.data-after-close', 'broken');
      assert.equal(`${careless.behavior}/${careless.behaviorClose}`, 'FAILED/OK', careless.result);
      assert.deepEqual(careless.received, [
        ['message', 'after close', true],
        ['message', 'fragment', false],
      ]);
      // Autobahn's own case drops TCP as soon as the close is answered, as Autobahn does: the late echo is never seen.
      assert.equal(verdict(await ts.byId('7.1.4', 'broken')), 'OK/OK');
      // ws waits for the server to end TCP: the harness reads on for the case's 500 ms, then ends it.
      assert.equal(await runCase(ts.server.url, 1, 'ws'), 1000);
      const ws = await ts.byId('frame.data-after-close', 'ws');
      assert.equal(`${ws.behavior}/${ws.behaviorClose}`, 'OK/OK', `${ws.result} ${ws.resultClose}`);
      assert.ok(
        ws.wirelog.some((e) => e.kind === 'note' && /reading on for 500 ms/.test(e.text)),
        'the harness lingered',
      );
    } finally {
      await ts.server.close();
    }
  });

  it('stalls mid-case (reads, never answers): FAILED at the case time limit, in bounded time', async () => {
    // 1.1.6's kill timer is 10 s and 9.1.1 waits 100 s for its echo; an explicit case limit cuts both short.
    const ids = ['1.1.6', '9.1.1'];
    const ts = await startTestServer(casesById(ids), { session: { ...defaultSessionOptions, caseTimeoutMs: 400, stretchCaseTimeout: false } });
    try {
      const t0 = Date.now();
      await runRaw(ts, ids.length, { stall: true });
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
      for (const id of ids) {
        const r = await ts.byId(id);
        assert.equal(r.behavior, 'FAILED', r.result);
        assert.ok(r.timedOutWaitingFor, `${id}: names what it was waiting for`);
        assert.match(r.result, /time limit/);
      }
    } finally {
      await ts.server.close();
    }
  });
});
