/**
 * test-server --http2 against HTTP/2 servers that misbehave: each run ends with a verdict per case
 * (or, with no HTTP/2 at all, a clear error) within the case time limit, never a hang.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { allCases } from '../../cases/index.js';
import { selectCases } from '../../runner/engine/plan.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { runAgainstServer, UnreachableTargetError } from '../../runner/fuzzing-client/run.js';
import { startH2Target, startRawH2, type TestServer } from '../support/h2-servers.js';

const CASE_LIMIT_MS = 3000;
const session = { ...defaultSessionOptions, caseTimeoutMs: CASE_LIMIT_MS, stretchCaseTimeout: false };
const SLICE = ['1.1.1', '1.1.2', '1.2.1', '2.1', '2.2', '7.1.1'];

async function run(server: TestServer, o: { streams?: number; cases?: string[] } = {}): Promise<{ results: CaseResult[]; ms: number; agent: string }> {
  const cases = selectCases(allCases, { cases: o.cases ?? SLICE, exclude: [] });
  const t0 = Date.now();
  try {
    const r = await runAgainstServer({
      url: server.url,
      cases,
      caseIndex: () => 1,
      concurrency: 8,
      memoryBudget: 1 << 28,
      session,
      openHandshakeTimeoutMs: 1500,
      http2: { streamsPerConnection: o.streams ?? 8 },
    });
    return { results: r.results, ms: Date.now() - t0, agent: r.agent };
  } finally {
    await server.close();
  }
}

const verdicts = (rs: CaseResult[]): string[] => rs.map((r) => `${r.id} ${r.behavior}/${r.behaviorClose}`);

describe('test-server --http2 against hostile HTTP/2 servers', function () {
  this.timeout(40_000);

  it('passes every case against a conforming echo (the baseline the hostile ones break)', async () => {
    const { results } = await run(await startH2Target());
    assert.deepEqual(
      verdicts(results),
      SLICE.map((id) => `${id} OK/OK`),
    );
  });

  it('refuses to start against a server that never sends SETTINGS, within the handshake timeout', async () => {
    const server = await startRawH2({ silent: true });
    const t0 = Date.now();
    await assert.rejects(run(server), (e: unknown) => e instanceof UnreachableTargetError && /no HTTP\/2 SETTINGS frame from the server within 1500 ms/.test(e.message));
    assert.ok(Date.now() - t0 < 4000, `${Date.now() - t0} ms`);
  });

  it('fails every case in its opening handshake when the server advertises extended CONNECT and refuses each one', async () => {
    const { results } = await run(await startH2Target([], { status: 403 }));
    assert.equal(results.length, SLICE.length);
    for (const r of results) {
      assert.equal(r.behavior, 'FAILED', r.id);
      assert.equal(r.handshakeFault, 'status 403 instead of 200');
    }
  });

  it('sends no :protocol to a server whose SETTINGS did not enable it, and fails every case saying why (RFC 8441 §3)', async () => {
    const server = await startH2Target(['no-setting']);
    let requests = -1;
    const { results } = await run({ ...server, close: async () => ((requests = server.streams()), server.close()) });
    assert.equal(requests, 0);
    assert.equal(results.length, SLICE.length);
    for (const r of results) {
      assert.equal(r.behavior, 'FAILED', r.id);
      assert.equal(r.handshakeFault, 'no SETTINGS_ENABLE_CONNECT_PROTOCOL');
    }
  });

  for (const behaviour of ['ping', 'window-update'] as const) {
    it(`gives every case a verdict within the case limit against a server that answers 200 and then floods (${behaviour} frames)`, async () => {
      const { results, ms } = await run(await startRawH2({ flood: behaviour }), { cases: ['1.1.1', '1.1.2', '2.1'] });
      assert.equal(results.length, 3);
      // Nothing is echoed: each case fails, on its own, and the run ends (two tries per case at most).
      for (const r of results) assert.notEqual(r.behavior, 'OK', r.id);
      if (process.env.H2_DEBUG)
        console.log(
          verdicts(results),
          results.map((r) => r.wasNotCleanReason),
        );
      assert.ok(ms < 2 * (CASE_LIMIT_MS + 1500) + 3000, `${ms} ms`);
    });
  }

  it('gives every case a verdict when the server opens no flow-control window (a stall)', async () => {
    const { results, ms } = await run(await startH2Target([], { initialWindowSize: 0 }), { cases: ['1.1.2', '2.1'] });
    assert.equal(results.length, 2);
    for (const r of results) {
      assert.equal(r.behavior, 'FAILED', r.id);
      assert.deepEqual(r.received, []);
    }
    assert.ok(ms < CASE_LIMIT_MS + 4000, `${ms} ms`);
  });

  it('after a GOAWAY that cuts a connection, gives the cut cases verdicts and runs the rest on new connections', async () => {
    const server = await startH2Target([], { goawayAfter: { streams: 3, code: http2.constants.NGHTTP2_INTERNAL_ERROR } });
    const ids = selectCases(allCases, { cases: ['1.1.*', '1.2.*'], exclude: [] }).map((c) => c.id);
    let seen = 0;
    const { results } = await run({ ...server, close: async () => ((seen = server.connections()), server.close()) }, { cases: ['1.1.*', '1.2.*'], streams: 4 });
    assert.deepEqual(
      results.map((r) => r.id),
      ids,
    );
    // Every connection goes away after its third stream: each case that was cut is played again on
    // a connection of its own, where it passes (the first stream of a connection is never cut).
    assert.deepEqual(
      verdicts(results).filter((v) => !v.endsWith('OK/OK')),
      [],
    );
    assert.ok(seen > ids.length / 3, `${seen} connections`);
  });

  it('honours the server’s MAX_CONCURRENT_STREAMS', async () => {
    const server = await startH2Target([], { maxConcurrentStreams: 1 });
    let seen = 0;
    const { results } = await run({ ...server, close: async () => ((seen = server.connections()), server.close()) }, { streams: 16 });
    // One stream per connection: the cases that ran at once had a connection each (the probe's and the monitor's besides).
    assert.ok(seen >= 4, `${seen} connections`);
    assert.deepEqual(
      verdicts(results),
      SLICE.map((id) => `${id} OK/OK`),
    );
  });
});
