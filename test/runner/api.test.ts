/** The programmatic API returns the same results the CLI would write. */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { gate, testClient, testServer } from '../../runner/api.js';
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

  it('testClient() runs a client command against the fuzzing server', async () => {
    const client = fileURLToPath(new URL('../fixtures/ws-autobahn-client.mjs', import.meta.url));
    const run = await testClient({ command: `node ${client} {url} {agent}`, agent: 'api-client', cases: '5.*' });
    assert.equal(run.results.length, 20);
    assert.deepEqual(run.meta.agents.map((a) => a.name), ['api-client']);
    assert.equal(gate(run).exitCode, 0);
  });
});
