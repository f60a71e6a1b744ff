/** The programmatic API returns the same results the CLI would write. */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { gate, testClient, testServer } from '../../runner/app/api.js';
import { evaluateGate, makePolicy, summaryText } from '../../reports/gate.js';
import { startBadUpgradeServer } from '../support/bad-upgrade-server.js';
import { startBrokenServer } from '../support/broken-server.js';

describe('programmatic API', function () {
  this.timeout(60_000);

  it('testServer() tests the built-in echo server when no URL is given', async () => {
    const run = await testServer({ cases: '1.1.*' });
    assert.equal(run.results.length, 8);
    assert.ok(run.results.every((r) => r.behavior === 'OK'));
    assert.equal(gate(run).exitCode, 0);
  });

  it('testServer() results fail the gate for a broken server', async () => {
    const server = await startBrokenServer({ noPong: true });
    try {
      const run = await testServer({ url: server.url, cases: ['2.1', '2.2'] });
      assert.equal(gate(run).exitCode, 1);
      assert.equal(gate(run, { failOn: ['UNCLEAN'] }).exitCode, 0);
    } finally {
      await server.close();
    }
  });

  it('testServer() runs every case against a server whose opening handshake is broken, each failing in it', async () => {
    const server = await startBadUpgradeServer('status-403');
    try {
      const run = await testServer({ url: server.url, cases: ['1.1.*', '7.1.6'] });
      assert.equal(run.results.length, 9);
      assert.ok(run.results.every((r) => r.handshakeFault === 'status 403 Forbidden instead of 101'));
      assert.deepEqual(
        run.meta.agents.map((a) => ({ name: a.name, url: a.url })),
        [{ name: 'bad-upgrade', url: server.url }],
      );
      assert.equal(run.meta.agents[0]?.pace?.monitored, false, 'no monitor gets a WebSocket connection from it');
      assert.equal(gate(run).exitCode, 1);
    } finally {
      await server.close();
    }
  });

  it('testServer() rejects a target that gives no HTTP answer', async () => {
    const server = await startBadUpgradeServer('not-http');
    try {
      await assert.rejects(testServer({ url: server.url, cases: '1.1.1' }), /answered the WebSocket handshake with something that is not HTTP/);
    } finally {
      await server.close();
    }
  });

  it('testClient() runs a client command against the fuzzing server', async () => {
    const client = fileURLToPath(new URL('../fixtures/ws-autobahn-client.mjs', import.meta.url));
    const run = await testClient({ command: `node ${client} {url} {agent}`, agent: 'api-client', cases: '5.*' });
    assert.equal(run.results.length, 20);
    assert.deepEqual(
      run.meta.agents.map((a) => a.name),
      ['api-client'],
    );
    assert.equal(gate(run).exitCode, 0);
  });

  it('testClient() runs the command again for the timer verdicts it got beside other cases, and the summary says so', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    // A client that spends 400 ms on each close frame, one at a time, and runs every case at once.
    const command = `cd '${root}' && node --import tsx test/fixtures/queued-close-client.ts {url} {agent} --close-cost 400`;
    const run = await testClient({ command, agent: 'queued', cases: '7.1.1,7.3.1,7.3.3,7.7.1' });
    assert.deepEqual(
      run.results.map((r) => `${r.id} ${r.behavior} / ${r.behaviorClose}`),
      ['7.1.1 OK / OK', '7.3.1 OK / OK', '7.3.3 OK / OK', '7.7.1 OK / OK'],
    );
    const again = run.results.filter((r) => r.confirmedAlone).length;
    assert.ok(again >= 1);
    assert.deepEqual(run.meta.agents, [{ name: 'queued', pace: { confirmed: again, changed: again, clientReplay: { kept: 0 } } }]);
    const summary = summaryText(run, evaluateGate(run, makePolicy({})));
    assert.match(summary, new RegExp(`Second look, queued: ${again} timer verdict\\(s\\) reached beside other cases played again, the client command run with only those cases, ${again} changed`));
    assert.doesNotMatch(summary, /Pacing|load monitor/);
  });
});
