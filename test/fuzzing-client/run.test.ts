/**
 * The fuzzing client against targets whose opening handshake is broken. A target that answered
 * HTTP and got the upgrade wrong is a finding: every case runs and fails in its own handshake, with
 * Autobahn's verdicts. A target that never answered HTTP cannot be judged, and the run refuses it.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { allCases } from '../../cases/index.js';
import { probeServer, runAgainstServer, UnreachableTargetError } from '../../runner/fuzzing-client/run.js';
import { casesForRole, selectCases } from '../../runner/engine/plan.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { startBadUpgradeServer, type BadUpgrade } from '../support/bad-upgrade-server.js';
import { startBrokenServer } from '../support/broken-server.js';

async function probe(how: BadUpgrade, timeoutMs = 2000): Promise<Awaited<ReturnType<typeof probeServer>> | UnreachableTargetError> {
  const server = await startBadUpgradeServer(how);
  try {
    return await probeServer(server.url, timeoutMs);
  } catch (e) {
    if (e instanceof UnreachableTargetError) return e;
    throw e;
  } finally {
    await server.close();
  }
}

function run(url: string, cases: string[]): ReturnType<typeof runAgainstServer> {
  const defs = casesForRole(selectCases(allCases, { cases, exclude: [] }), 'client');
  return runAgainstServer({
    url,
    cases: defs,
    caseIndex: (d) => defs.indexOf(d) + 1,
    concurrency: 8,
    memoryBudget: 64 * 1024 * 1024,
    session: { ...defaultSessionOptions, caseTimeoutMs: 5000 },
    openHandshakeTimeoutMs: 2000,
  });
}

describe('probeServer', function () {
  this.timeout(20_000);

  const findings: Array<[BadUpgrade, string]> = [
    ['wrong-accept', 'wrong Sec-WebSocket-Accept'],
    ['missing-accept', 'no Sec-WebSocket-Accept'],
    ['no-upgrade', 'no "Upgrade: websocket"'],
    ['status-200', 'status 200 OK instead of 101'],
    ['status-403', 'status 403 Forbidden instead of 101'],
    ['status-302', 'status 302 Found instead of 101'],
    ['malformed-head', 'a malformed HTTP response head'],
  ];
  for (const [how, fault] of findings) {
    it(`returns the fault of a target that answers HTTP wrongly (${how}): ${fault}`, async () => {
      const p = await probe(how);
      assert.ok(!(p instanceof Error), String(p));
      assert.equal(p.handshakeFault, fault);
      if (how !== 'malformed-head') assert.equal(p.serverHeader, 'bad-upgrade');
    });
  }

  const unreachable: Array<[BadUpgrade, RegExp]> = [
    ['silent', /no HTTP answer to the WebSocket handshake from ws:\/\/127\.0\.0\.1:\d+: no complete handshake response within 300 ms$/],
    ['closes', /no HTTP answer to the WebSocket handshake from ws:\/\/127\.0\.0\.1:\d+: the server closed the connection/],
    ['not-http', /ws:\/\/127\.0\.0\.1:\d+ answered the WebSocket handshake with something that is not HTTP: "SSH-2\.0-OpenSSH_9\.2/],
  ];
  for (const [how, message] of unreachable) {
    it(`refuses a target that gives no HTTP answer (${how}), naming the URL and why`, async () => {
      const p = await probe(how, 300);
      assert.ok(p instanceof UnreachableTargetError, JSON.stringify(p));
      assert.match(p.message, message);
    });
  }

  it('refuses a port nobody listens on', async () => {
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const { port } = free.address() as net.AddressInfo;
    await new Promise<void>((r) => free.close(() => r()));
    await assert.rejects(probeServer(`ws://127.0.0.1:${port}`, 1000), (e: unknown) => e instanceof UnreachableTargetError && /cannot connect to .*ECONNREFUSED/.test(e.message));
  });
});

describe('runAgainstServer against a broken opening handshake', function () {
  this.timeout(30_000);

  it('runs every case; each fails in its own handshake with the reason, 7.1.6 and 7.13.x stay INFORMATIONAL (as Autobahn)', async () => {
    const server = await startBadUpgradeServer('wrong-accept');
    try {
      const { agent, results, handshakeFault } = await run(server.url, ['1.1.1', '2.*', '7.1.6', '7.13.*', '12.1.1']);
      assert.equal(agent, 'bad-upgrade');
      assert.equal(handshakeFault, 'wrong Sec-WebSocket-Accept');
      assert.equal(results.length, 1 + 11 + 1 + 2 + 1);
      for (const r of results) {
        const informational = r.id === '7.1.6' || r.id.startsWith('7.13.');
        assert.deepEqual([r.behavior, r.behaviorClose], informational ? ['INFORMATIONAL', 'INFORMATIONAL'] : ['FAILED', 'FAILED'], r.id);
        assert.equal(r.handshakeFault, 'wrong Sec-WebSocket-Accept', r.id);
        assert.match(r.result, /^The opening handshake failed: handshake: Sec-WebSocket-Accept is "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", expected "[A-Za-z0-9+/]{27}="/, r.id);
        assert.match(r.wasNotCleanReason ?? '', /^Sec-WebSocket-Accept is /, r.id);
        assert.equal(r.droppedByMe, true, r.id);
        assert.match(r.httpResponse, /^HTTP\/1\.1 101 /, r.id);
      }
    } finally {
      await server.close();
    }
  });

  it('judges the handshake.* cases on their own requests: a refusal where one is due passes, a refusal of a valid request fails with the fault', async () => {
    const server = await startBadUpgradeServer('status-403');
    try {
      const { results } = await run(server.url, ['handshake.*', '1.1.1']);
      const byId = new Map(results.map((r) => [r.id, r]));
      // The RFC asks for 400 here; another refusal is NON-STRICT, and a refusal is all this target does.
      const missingKey = byId.get('handshake.key-missing')!;
      assert.deepEqual([missingKey.behavior, missingKey.behaviorClose, missingKey.handshakeFault], ['NON-STRICT', 'OK', undefined]);
      const valid = byId.get('handshake.response-valid')!;
      assert.deepEqual([valid.behavior, valid.behaviorClose, valid.handshakeFault], ['FAILED', 'FAILED', 'status 403 Forbidden instead of 101']);
      assert.equal(byId.get('1.1.1')!.handshakeFault, 'status 403 Forbidden instead of 101');
    } finally {
      await server.close();
    }
  });
});

describe('the first probe of the target, when the run is stopped', function () {
  this.timeout(10_000);

  it('gives up at once, and the run plays no case, against a target that accepts TCP and never answers', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    try {
      const stop = new AbortController();
      setTimeout(() => stop.abort('SIGINT'), 100);
      const startedAt = Date.now();
      const p = await probeServer(url, 5000, stop.signal);
      assert.ok(Date.now() - startedAt < 200, `settled after ${Date.now() - startedAt} ms`);
      assert.deepEqual(p, { interrupted: 'SIGINT while checking the target' });

      const again = new AbortController();
      setTimeout(() => again.abort('SIGTERM'), 100);
      const defs = casesForRole(selectCases(allCases, { cases: ['1.1.1'], exclude: [] }), 'client');
      const runStartedAt = Date.now();
      const r = await runAgainstServer({
        url,
        cases: defs,
        caseIndex: () => 1,
        concurrency: 8,
        memoryBudget: 1 << 26,
        session: { ...defaultSessionOptions, interrupt: again.signal },
        openHandshakeTimeoutMs: 5000,
      });
      assert.ok(Date.now() - runStartedAt < 200, `settled after ${Date.now() - runStartedAt} ms`);
      assert.deepEqual(r.results, []);
    } finally {
      silent.close();
    }
  });
});

describe('runAgainstServer against a target that never answers a ping', function () {
  this.timeout(60_000);

  it('plays its timer verdicts once more at a quarter of the width, and that verdict stands (no minutes of one-at-a-time replays)', async () => {
    const server = await startBrokenServer({ stall: true });
    try {
      const ids = ['1.1.1', '1.1.2', '1.1.3', '1.1.4', '1.2.1', '1.2.2', '1.2.3', '1.2.4', '2.1', '2.2', '2.3', '2.4'];
      const { results } = await run(`ws://127.0.0.1:${server.port}`, ids);
      assert.equal(results.length, ids.length);
      for (const r of results) {
        assert.equal(r.behavior, 'FAILED', `${r.id}: ${r.result}`);
        assert.ok(r.confirmedAlone, `${r.id} was looked at again`);
        assert.equal(r.confirmedAlone.firstTargetLagMs, null, 'the monitor could not tell');
        assert.ok(
          r.notes?.some((n) => n.includes('a quarter as many cases at once')),
          `${r.id}: ${r.notes?.join(' | ')}`,
        );
      }
    } finally {
      await server.close();
    }
  });
});
