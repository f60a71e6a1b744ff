/** Running the client under test as a command: substitution, output tails, exit codes, killing the whole group. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expandCommand, runClientCommand, shellQuote, spawnClient } from '../../runner/fuzzing-server/client-command.js';
import { casesById, startTestServer, waitFor } from '../support/fuzzing-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const vars = { url: 'ws://127.0.0.1:9001', agent: 'my client', port: 9001 };

/** A process that still runs (a zombie nobody reaped does not count: PID 1 in a container may not reap). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

describe('client command', function () {
  this.timeout(10_000);

  it('substitutes {url}, {agent} and {port}, quoting only values that need it', () => {
    assert.equal(expandCommand('node c.js {url} {agent} --port={port} {other}', vars), "node c.js ws://127.0.0.1:9001 'my client' --port=9001 {other}");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote(''), "''");
  });

  it('reports the exit code, the last 4 KiB of stderr and stdout, and passes the values in the environment too', async () => {
    const c = spawnClient(`node -e "process.stderr.write('x'.repeat(10000) + 'END'); console.log(process.env.WSCONFORM_AGENT + '@' + process.env.WSCONFORM_URL); process.exit(3)"`, vars, {
      timeoutMs: 5000,
    });
    const r = await c.done;
    assert.equal(r.code, 3);
    assert.equal(r.timedOut, false);
    assert.equal(r.stderrTail.length, 4096);
    assert.ok(r.stderrTail.endsWith('xEND'));
    assert.equal(r.stdoutTail, 'my client@ws://127.0.0.1:9001\n');
  });

  it('kills the whole process group when the time limit is reached', async () => {
    const t0 = Date.now();
    // The shell starts a grandchild; killing only the shell would leave it running.
    const c = spawnClient('sleep 30 & echo $!; wait', vars, { timeoutMs: 300 });
    const r = await c.done;
    assert.equal(r.timedOut, true);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    const grandchild = Number(r.stdoutTail.trim());
    assert.ok(grandchild > 0, r.stdoutTail);
    await waitFor(() => !alive(grandchild), 1000).catch(() => assert.fail('the grandchild is still running'));
  });

  it('kill() ends a command that ignores SIGTERM, with SIGKILL after the grace period', async () => {
    let ready = false;
    const c = spawnClient(`node -e "process.on('SIGTERM', () => {}); console.log(process.pid); setInterval(() => {}, 1000)"`, vars, {
      timeoutMs: 10_000,
      killGraceMs: 200,
      onOutput: () => (ready = true),
    });
    // Only once the handler is installed does SIGTERM go unheeded.
    await waitFor(() => ready, 5000);
    const t0 = Date.now();
    c.kill();
    const r = await c.done;
    assert.equal(r.killed, true);
    assert.equal(r.timedOut, false);
    assert.ok(Date.now() - t0 >= 150, 'SIGTERM alone did not end it');
    const node = Number(r.stdoutTail.trim());
    assert.ok(node > 0, r.stdoutTail);
    // The pipes close a moment before the process is fully gone.
    await waitFor(() => !alive(node), 1000).catch(() => assert.fail('node is still running'));
  });

  it('ends a client that lingers after the run completed, and one that goes idle', async () => {
    const ts = await startTestServer(casesById(['1.1.1']));
    try {
      const lingering = await runClientCommand(ts.server, 'node test/fixtures/ws-autobahn-client.mjs {url} {agent} && sleep 30', { agent: 'slow-exit', timeoutMs: 10_000, graceMs: 200, cwd: root });
      assert.equal(lingering.endedBecause, 'run-complete');
      assert.equal(ts.server.results().length, 1);
    } finally {
      await ts.server.close();
    }
    // A fresh server: no run has completed there.
    const ts2 = await startTestServer(casesById(['1.1.1']));
    try {
      const idle = await runClientCommand(ts2.server, 'sleep 30', { agent: 'idle', timeoutMs: 10_000, idleTimeoutMs: 300 });
      assert.equal(idle.endedBecause, 'idle');
      const slow = await runClientCommand(ts2.server, 'sleep 30', { agent: 'slow', timeoutMs: 300 });
      assert.equal(slow.endedBecause, 'timeout');
      assert.equal(slow.timedOut, true);
    } finally {
      await ts2.server.close();
    }
  });
});
