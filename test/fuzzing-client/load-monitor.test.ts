/** The load monitor and the pace: how a run tells a busy target from a prompt one, and adapts. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import { dial } from '../../runner/fuzzing-client/dial.js';
import { BUSY_MS, LoadMonitor, PROMPT_MS } from '../../runner/fuzzing-client/load-monitor.js';
import { MonitorPace } from '../../runner/fuzzing-client/pace.js';
import { testServer } from '../../runner/app/api.js';
import { caseById } from '../../cases/index.js';
import { startLoadSensitiveServer } from '../support/load-sensitive-server.js';
import { runCaseAgainstServer } from '../../runner/fuzzing-client/run.js';
import { caseResult } from '../../runner/engine/case-result.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('load monitor', function () {
  this.timeout(60_000);

  it('sees a prompt target as prompt, and the same target busy once it has many connections', async () => {
    const server = await startLoadSensitiveServer((2 * BUSY_MS) / 10);
    const extra: Array<{ destroy(): void }> = [];
    try {
      const m = (await LoadMonitor.open(new URL(server.url), 2000))!;
      await sleep(600);
      assert.ok(m.answered && m.watching);
      assert.ok(m.responsiveFor(500), `lag ${m.maxLagMs(500)} ms`);
      assert.equal(m.busy(), false);
      // Nine more connections: every pong now waits 10 x BUSY_MS / 5 = 2 x BUSY_MS.
      for (let i = 0; i < 9; i++) {
        const r = await dial({ url: new URL(server.url), openHandshakeTimeoutMs: 2000 });
        assert.ok(r.ok);
        extra.push(r.socket);
      }
      await sleep(4 * BUSY_MS);
      assert.equal(m.busy(), true);
      assert.ok(m.maxLagMs(4 * BUSY_MS) >= 2 * BUSY_MS - 50, `lag ${m.maxLagMs(4 * BUSY_MS)} ms`);
      assert.equal(m.responsiveFor(1000), false);
      m.close();
      assert.equal(m.maxLagMs(100), Infinity, 'a closed monitor cannot tell');
    } finally {
      for (const s of extra) s.destroy();
      await server.close();
    }
  });

  it('gives up on a target that never answers its pings, and then never calls it busy', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
    await new Promise((r) => wss.once('listening', r));
    try {
      const m = (await LoadMonitor.open(new URL(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`), 300))!;
      await sleep(500);
      assert.equal(m.answered, false);
      assert.equal(m.busy(), false);
      assert.equal(m.maxLagMs(100), Infinity);
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    }
  });

  it('gives up opening at once when the run is stopped, against a target that accepts TCP and never answers', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const stop = new AbortController();
      setTimeout(() => stop.abort('SIGINT'), 100);
      const startedAt = Date.now();
      const m = await LoadMonitor.open(new URL(`ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}`), 5000, stop.signal);
      assert.ok(Date.now() - startedAt < 200, `settled after ${Date.now() - startedAt} ms`);
      assert.equal(m, null);
    } finally {
      silent.close();
    }
  });

  it('paces: halves the concurrency while the target is busy, and keeps bulk and short cases apart from then on', async () => {
    let busy = false;
    const fake = { busy: () => busy, maxLagMs: () => (busy ? 5000 : 0) } as unknown as LoadMonitor;
    const pace = new MonitorPace(fake, 32);
    assert.equal(pace.concurrency(), 32);
    const bulk = caseById('9.1.6')!;
    const short = caseById('1.1.1')!;
    assert.ok(pace.mayStart(short, new Set([bulk])), 'a prompt target runs them side by side');
    busy = true;
    assert.equal(pace.concurrency(), 16);
    assert.equal(pace.concurrency(), 16, 'at most twice a second');
    assert.ok(!pace.mayStart(short, new Set([bulk])));
    assert.ok(!pace.mayStart(bulk, new Set([short])));
    assert.ok(pace.mayStart(bulk, new Set([caseById('9.2.1')!])));
    assert.equal(pace.lowest, 16);
    assert.ok(PROMPT_MS < BUSY_MS);
  });
});

describe('verdicts under load, against a server that slows down with its connections', function () {
  this.timeout(120_000);

  it('gives at 32 cases at once the verdicts it gets alone: timer verdicts reached under lag are played again', async () => {
    // 250 ms a connection: alone (the case and the monitor) within the 1 s timers, already late at the
    // paced run's start of 4 cases at once (SLOW_START), so that the second look has something to do.
    const server = await startLoadSensitiveServer(250);
    try {
      const cases = ['1.1.*', '1.2.*', '2.*'];
      const alone = await testServer({ url: server.url, cases, concurrency: 1 });
      const loaded = await testServer({ url: server.url, cases, concurrency: 32 });
      const v = (run: typeof alone): string[] => run.results.map((r) => `${r.id} ${r.behavior}/${r.behaviorClose}`);
      assert.deepEqual(v(loaded), v(alone));
      assert.ok(alone.results.every((r) => r.confirmedAlone === undefined));
      const played = loaded.results.filter((r) => r.confirmedAlone);
      assert.ok(played.length > 0, 'some verdicts came from timers under load');
      assert.ok(played.some((r) => !r.confirmedAlone!.same && r.confirmedAlone!.first.behavior !== 'OK'));
      const pace = loaded.meta.agents[0]?.pace;
      assert.equal(pace?.monitored, true);
      assert.ok((pace?.confirmed ?? 0) >= played.length);
      assert.ok((pace?.lowestConcurrency ?? 32) < 32);
    } finally {
      await server.close();
    }
  });
});

describe('a bulk echo that makes no progress', function () {
  this.timeout(30_000);

  async function swallowing(run: (url: URL) => Promise<void>): Promise<void> {
    // Reads everything, echoes nothing binary: the echo of 9.2.1 never comes.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', (ws) => ws.on('error', () => undefined));
    await new Promise((r) => wss.once('listening', r));
    try {
      await run(new URL(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`));
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    }
  }
  const def = caseById('9.2.1')!;

  it('ends as by its own timer once the target has been silent while answering promptly elsewhere', () =>
    swallowing(async (url) => {
      const session = { ...defaultSessionOptions, silenceMs: 400, pulse: { responsiveFor: () => true } };
      const t = await runCaseAgainstServer(url, def, { session, openHandshakeTimeoutMs: 2000 });
      assert.deepEqual(t.timersFired, ['silence']);
      assert.equal(caseResult(def, t, 'x', 1).behavior, 'FAILED');
      assert.equal(t.localCloseCode, null, 'the close the echo timer sends');
    }));

  it('keeps waiting while the target answers late elsewhere (busy, not stalled), up to the case limit', () =>
    swallowing(async (url) => {
      const session = { ...defaultSessionOptions, caseTimeoutMs: 1500, stretchCaseTimeout: false, silenceMs: 400, pulse: { responsiveFor: () => false } };
      const t = await runCaseAgainstServer(url, def, { session, openHandshakeTimeoutMs: 2000 });
      assert.deepEqual(t.timersFired, ['case-limit']);
    }));
});
