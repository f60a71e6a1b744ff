/**
 * Remote browsers (issue 11): a Playwright browser server and a WebKitWebDriver endpoint, both on
 * loopback here, give the same verdicts as a browser wsconform launches itself.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chromium, type BrowserServer } from 'playwright-core';
import { allCases, browserApiCases } from '../../cases/index.js';
import { displayProvider } from '../../runner/browser/display.js';
import { findExecutable, knownPaths } from '../../runner/browser/executables.js';
import { runBrowsers, type EngineName } from '../../runner/browser/index.js';
import { laneReach, listenOnLane, LOOPBACK, reachFromPublicUrl } from '../../runner/browser/reach.js';
import { casesForRole, selectCases } from '../../runner/engine/plan.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { skipBecause } from './support.js';

const cases = casesForRole(selectCases(allCases, { cases: ['1.1.1', '1.2.2', '2.1', '5.1', '7.1.1'], exclude: [] }), 'server');
const apiCases = browserApiCases.filter((c) =>
  ['api.close.code.999', 'api.close.no-code', 'api.handshake.status-403', 'api.handshake.redirect', 'api.server-drop', 'api.navigate.going-away'].includes(c.id),
);

async function verdicts(
  engine: EngineName,
  remote: { browserEndpoint?: string; webdriverUrl?: string; publicUrl?: string },
): Promise<{ map: Record<string, string>; agent: string | null; unavailable?: string }> {
  const results: CaseResult[] = [];
  const [o] = await runBrowsers({ engines: [engine], cases, apiCases, session: defaultSessionOptions, concurrency: 4, onResult: (r) => results.push(r), ...remote });
  return { map: Object.fromEntries(results.map((r) => [r.id, `${r.behavior}/${r.behaviorClose}`])), agent: o!.agent, ...(o!.unavailable !== undefined ? { unavailable: o!.unavailable } : {}) };
}

describe('test-browser with remote browsers (on loopback)', function () {
  this.timeout(60_000);

  it('reads --public-url: loopback hosts are listened on, others mean every interface', () => {
    assert.deepEqual(reachFromPublicUrl('http://127.0.0.1'), { listenHost: '127.0.0.1', publicHost: '127.0.0.1' });
    assert.deepEqual(reachFromPublicUrl('http://192.0.2.10:8080/'), { listenHost: '0.0.0.0', publicHost: '192.0.2.10' });
    assert.deepEqual(reachFromPublicUrl('http://[2001:db8::1]'), { listenHost: '::', publicHost: '2001:db8::1' });
    assert.throws(() => reachFromPublicUrl('not a url'), /--public-url "not a url" is not a URL/);
  });

  it('gives each lane its own loopback address on 127.0.0.1, and only other ports elsewhere', () => {
    assert.deepEqual(
      [0, 1, 7, 15, 16, 17].map((k) => laneReach(LOOPBACK, k).publicHost),
      ['127.0.0.1', '127.0.0.2', '127.0.0.8', '127.0.0.16', '127.0.0.1', '127.0.0.2'],
    );
    assert.deepEqual(laneReach(LOOPBACK, 3), { listenHost: '127.0.0.4', publicHost: '127.0.0.4' });
    const remote = reachFromPublicUrl('http://192.0.2.10');
    assert.deepEqual(laneReach(remote, 3), remote);
    assert.deepEqual(laneReach(reachFromPublicUrl('http://[::1]'), 3), { listenHost: '::1', publicHost: '::1' });
  });

  it("listens on a lane's own address, or on the run's host where that one cannot be bound", async () => {
    const tried: string[] = [];
    const listen = async (at: { listenHost: string }): Promise<string> => {
      tried.push(at.listenHost);
      if (at.listenHost !== '127.0.0.1') throw Object.assign(new Error('cannot bind'), { code: 'EADDRNOTAVAIL' });
      return at.listenHost;
    };
    assert.equal(await listenOnLane(LOOPBACK, 4, listen), '127.0.0.1');
    assert.deepEqual(tried, ['127.0.0.5', '127.0.0.1']);
    tried.length = 0;
    assert.equal(await listenOnLane(LOOPBACK, 16, listen), '127.0.0.1');
    assert.deepEqual(tried, ['127.0.0.1'], "the run's own host is tried once");
    await assert.rejects(
      listenOnLane(LOOPBACK, 0, async () => Promise.reject(new Error('EMFILE'))),
      /EMFILE/,
    );
  });

  it('a Playwright browser server gives the same verdicts as a launched Chromium', async function () {
    const path = findExecutable(knownPaths.chromium);
    if (!path) skipBecause(this, 'chromium: not available: no Chromium installed');
    let server: BrowserServer | null = null;
    try {
      server = await chromium.launchServer({ executablePath: path });
      const remote = await verdicts('chromium', { browserEndpoint: server.wsEndpoint(), publicUrl: 'http://127.0.0.1' });
      const local = await verdicts('chromium', {});
      assert.equal(remote.agent, local.agent);
      assert.equal(Object.keys(remote.map).length, cases.length + apiCases.length);
      assert.deepEqual(remote.map, local.map);
    } finally {
      await server?.close();
    }
  });

  it('a WebKitWebDriver endpoint gives the same verdicts as a launched WebKitGTK', async function () {
    const driver = findExecutable([...knownPaths.webkitDriver]);
    if (!driver || !findExecutable(knownPaths.miniBrowser)) skipBecause(this, 'webkit: not available: WebKitWebDriver or MiniBrowser is not installed');
    const display = displayProvider();
    let child: ChildProcess | null = null;
    try {
      const port = 20000 + Math.floor(Math.random() * 20000);
      child = spawn(driver!, [`--port=${port}`, '--host=127.0.0.1'], { env: { ...process.env, DISPLAY: await display.get() }, stdio: 'ignore', detached: true });
      for (let i = 0; i < 100; i++) {
        if (
          await fetch(`http://127.0.0.1:${port}/status`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const remote = await verdicts('webkit', { webdriverUrl: `http://127.0.0.1:${port}` });
      const local = await verdicts('webkit', {});
      assert.equal(remote.agent, local.agent);
      assert.deepEqual(remote.map, local.map);
    } finally {
      if (child?.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      await display.stop();
    }
  });
});
