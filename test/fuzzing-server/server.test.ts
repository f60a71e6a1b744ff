/**
 * The fuzzing server against real clients over 127.0.0.1: the `ws` client (in-process and through
 * --command) and undici's WHATWG WebSocket, compared with their published Autobahn results; then the
 * URL protocol itself (case count and info, status waits, agents, reruns, exclusions, stopping).
 */
import assert from 'node:assert/strict';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { fileURLToPath } from 'node:url';
import { allCases } from '../../cases/index.js';
import { runClientCommand } from '../../runner/fuzzing-server/client-command.js';
import { caseInfoDescription } from '../../runner/fuzzing-server/server.js';
import { Opcode } from '../../runner/wire/frame.js';
import net from 'node:net';
import { FrameDecoder } from '../../runner/wire/decoder.js';
import { parseHttpHead } from '../../runner/wire/handshake.js';
import { echoClient, RawConnection, rawSession, upgradeRequest } from '../fixtures/raw-client.js';
import { fetchMessages, getCaseCount, runAutobahnClient, runCase, updateReports } from '../fixtures/ws-autobahn-client.mjs';
import { runAutobahnClient as runUndiciClient } from '../fixtures/undici-autobahn-client.mjs';
import { casesById, mismatches, representativeClientCases, publishedVerdict, sleep, startTestServer, waitFor } from '../support/fuzzing-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('fuzzing server: real clients', function () {
  this.timeout(30_000);

  it('judges the ws client as its published report: OK, 6.4.x NON-STRICT, 7.1.6/7.13.x INFORMATIONAL', async () => {
    const { server } = await startTestServer(casesById(representativeClientCases));
    try {
      assert.equal(await runAutobahnClient({ url: server.url, agent: 'ws', concurrency: 4 }), representativeClientCases.length);
      const results = server.results();
      assert.deepEqual(
        results.map((r) => r.id),
        representativeClientCases,
      );
      assert.deepEqual(mismatches(results, publishedVerdict), []);
    } finally {
      await server.close();
    }
  });

  it("judges undici's WebSocket as its published report: OK but NON-STRICT 6.4.1-6.4.4, INFORMATIONAL 7.1.6, 7.13.1, 7.13.2", async () => {
    const { server } = await startTestServer(casesById(representativeClientCases));
    try {
      await runUndiciClient({ url: server.url, agent: 'undici', concurrency: 4 });
      await server.allAgentsDone();
      assert.equal(server.results().length, representativeClientCases.length);
      assert.deepEqual(mismatches(server.results(), publishedVerdict), []);
    } finally {
      await server.close();
    }
  });

  it('runs a client given as a command, substitutes {url} and {agent}, and keeps its stderr tail', async () => {
    const ids = ['1.1.2', '1.2.3', '2.4', '5.3', '6.2.1', '7.7.4', '10.1.1'];
    const { server } = await startTestServer(casesById(ids));
    try {
      const out = await runClientCommand(server, 'node test/fixtures/ws-autobahn-client.mjs {url} {agent}', { agent: 'ws via command', timeoutMs: 20_000, cwd: root });
      assert.equal(out.code, 0, out.stderrTail);
      assert.equal(out.endedBecause, 'exited');
      assert.match(out.command, /ws:\/\/127\.0\.0\.1:\d+ 'ws via command'$/);
      assert.match(out.stderrTail, /ran 7 cases as ws via command/);
      assert.deepEqual(server.agents(), ['ws via command']);
      assert.deepEqual(mismatches(server.results(), publishedVerdict), []);
    } finally {
      await server.close();
    }
  });

  it('runs all 301 cases of sections 1-7, 9 and 10 against the ws client', async function () {
    // About 5 s on an idle machine; the limit leaves room for a loaded CI runner.
    this.timeout(60_000);
    const selected = allCases.filter((c) => /^(?:[1-7]|9|10)\./.test(c.id));
    assert.equal(selected.length, 301);
    // Autobahn's 1 s closing-handshake wait is tight for a 4 MiB echo on a busy 2-core runner; a
    // longer wait changes no verdict for a healthy client, it only keeps the test from flaking.
    const { server } = await startTestServer(selected, { session: { ...defaultSessionOptions, caseTimeoutMs: 15_000, closeHandshakeTimeoutMs: 5000, serverDropTimeoutMs: 5000 } });
    try {
      await runAutobahnClient({ url: server.url, agent: 'ws', concurrency: 8 });
      assert.equal(server.results().length, 301);
      assert.deepEqual(mismatches(server.results(), publishedVerdict), []);
    } finally {
      await server.close();
    }
  });
});

describe('fuzzing server: the URL protocol', function () {
  this.timeout(10_000);

  it('answers getCaseCount and getCaseInfo (description cut at the first "<", whitespace collapsed)', async () => {
    const cases = casesById(['1.1.1', '6.4.1']);
    const { server } = await startTestServer(cases);
    try {
      assert.equal(await getCaseCount(server.url), 2);
      const [info] = await fetchMessages(server.url, '/getCaseInfo?case=2');
      assert.deepEqual(JSON.parse(String(info)), { id: '6.4.1', description: caseInfoDescription(cases[1]!) });
      assert.equal(caseInfoDescription({ ...cases[0]!, description: ' Send  a\n text <b>frame</b>' }), 'Send a text');
    } finally {
      await server.close();
    }
  });

  it("records a case for the agent of the URL, with N, the raw handshake, Autobahn's timing and masked client frames", async () => {
    const { server, byId } = await startTestServer(casesById(['1.1.1', '1.1.2']));
    try {
      const before = Date.now();
      assert.equal(await runCase(server.url, 2, 'my agent/1.0'), 1000);
      const r = await byId('1.1.2', 'my agent/1.0');
      assert.equal(r.caseIndex, 2);
      assert.equal(r.role, 'server');
      assert.match(r.httpRequest, /^GET \/runCase\?case=2&agent=my%20agent%2F1\.0 HTTP\/1\.1\r\n[^]*\r\n\r\n$/);
      assert.match(r.httpResponse, /^HTTP\/1\.1 101 Switching Protocols\r\n[^]*Sec-WebSocket-Accept: [^]*\r\n\r\n$/);
      assert.ok(Date.parse(r.started) >= before - 5 && Date.parse(r.started) <= Date.now());
      assert.ok(r.durationMs >= 0 && r.durationMs < 1000, `duration ${r.durationMs}`);
      const frames = r.wirelog.filter((e) => e.kind === 'frame');
      assert.ok(
        frames.some((e) => e.dir === 'tx' && e.opcode === Opcode.text && !e.masked),
        'the server sends unmasked frames',
      );
      assert.ok(
        frames.some((e) => e.dir === 'rx' && e.opcode === Opcode.text && e.masked),
        "the client's echo is masked",
      );
      assert.deepEqual([r.behavior, r.behaviorClose], ['OK', 'OK']);
    } finally {
      await server.close();
    }
  });

  it('serves the same cases on every address it listens on, says when each case starts, and closes them all', async () => {
    const starts: string[] = [];
    const { server, byId } = await startTestServer(casesById(['1.1.1', '1.1.2']), { onCaseStart: (agent, n) => starts.push(`${agent}:${n}`) });
    let other: { host: string; port: number } | undefined;
    try {
      other = await server.listenAlso('127.0.0.1');
      assert.notEqual(other.port, server.port);
      assert.equal(await runCase(server.url, 1, 'a'), 1000);
      assert.equal(await runCase(`ws://127.0.0.1:${other.port}`, 2, 'a'), 1000);
      assert.deepEqual([(await byId('1.1.1', 'a')).caseIndex, (await byId('1.1.2', 'a')).caseIndex], [1, 2]);
      assert.deepEqual(
        server.results().map((r) => r.id),
        ['1.1.1', '1.1.2'],
      );
      assert.deepEqual(starts, ['a:1', 'a:2']);
    } finally {
      await server.close();
    }
    // Refused: the client never opens (1006), and no result or start appears.
    assert.equal(await runCase(`ws://127.0.0.1:${other.port}`, 1, 'b'), 1006);
    assert.deepEqual(starts, ['a:1', 'a:2']);
    await assert.rejects(server.listenAlso('127.0.0.1'), /closed/);
  });

  it('runs a case named by casetuple', async () => {
    const { server, byId } = await startTestServer(casesById(['1.1.1', '2.1', '7.3.3']));
    try {
      await fetchMessages(server.url, '/runCase?casetuple=7.3.3&agent=t');
      assert.equal((await byId('7.3.3')).caseIndex, 3);
    } finally {
      await server.close();
    }
  });

  it('getCaseStatus waits until the case has a result, then sends its behavior', async () => {
    const { server } = await startTestServer(casesById(['1.1.1', '2.2']));
    try {
      let answered = false;
      const status = fetchMessages(server.url, '/getCaseStatus?case=2&agent=late').then((m) => {
        answered = true;
        return m;
      });
      await sleep(150);
      assert.equal(answered, false, 'no result yet, so no answer yet');
      await runCase(server.url, 2, 'late', { autoPong: false });
      assert.deepEqual(
        (await status).map((m) => JSON.parse(String(m))),
        [{ behavior: 'FAILED' }],
      );
      // Once known, the answer is immediate.
      assert.deepEqual(await fetchMessages(server.url, '/getCaseStatus?case=2&agent=late'), ['{"behavior":"FAILED"}']);
    } finally {
      await server.close();
    }
  });

  it('keeps the latest run of an (agent, case) pair and reports every run', async () => {
    const { server, seen, byId } = await startTestServer(casesById(['1.1.1']));
    try {
      await rawSession(server.port, '/runCase?case=1&agent=a', echoClient({ onClose: 'drop' }));
      assert.equal((await byId('1.1.1')).behaviorClose, 'UNCLEAN');
      await runCase(server.url, 1, 'a');
      await waitFor(() => seen.length === 2, 2000);
      assert.equal(server.results().length, 1);
      assert.equal((await byId('1.1.1')).behaviorClose, 'OK');
      assert.deepEqual(
        seen.map((r) => r.behaviorClose),
        ['UNCLEAN', 'OK'],
      );
    } finally {
      await server.close();
    }
  });

  it('closes an excluded case at once and stores nothing for it (exclude-agent-cases)', async () => {
    const { server, logs } = await startTestServer(casesById(['1.1.1', '1.1.2']), { skip: (agent, id) => agent === 'picky' && id === '1.1.2' });
    try {
      assert.equal(await runCase(server.url, 2, 'picky'), 1005);
      await runCase(server.url, 1, 'picky');
      await runCase(server.url, 2, 'other');
      await waitFor(() => server.results().length === 2, 2000);
      assert.deepEqual(
        server.results().map((r) => `${r.agent}:${r.id}`),
        ['picky:1.1.1', 'other:1.1.2'],
      );
      assert.ok(
        logs.some((l) => /1\.1\.2 is excluded for agent "picky"/.test(l)),
        logs.join('\n'),
      );
    } finally {
      await server.close();
    }
  });

  it('calls onUpdateReports per agent, and allAgentsDone only once every agent that ran a case has updated', async () => {
    const updated: string[] = [];
    const { server } = await startTestServer(casesById(['1.1.1']), {
      onUpdateReports: async (agent) => {
        await sleep(20);
        updated.push(agent);
      },
    });
    try {
      let done = false;
      void server.allAgentsDone().then(() => (done = true));
      await runCase(server.url, 1, 'A');
      await runCase(server.url, 1, 'B');
      await updateReports(server.url, 'A');
      // The update connection closes only after onUpdateReports settled.
      assert.deepEqual(updated, ['A']);
      await sleep(50);
      assert.equal(done, false, 'B has not updated yet');
      await updateReports(server.url, 'B');
      await server.allAgentsDone();
      assert.deepEqual(updated, ['A', 'B']);
      assert.deepEqual(server.agents(), ['A', 'B']);
      assert.equal(server.stopReason(), null);
    } finally {
      await server.close();
    }
  });

  it('resolves agentsReported(n) once n distinct agents have updated, and stopped() only on a stop request', async () => {
    const { server } = await startTestServer(casesById(['1.1.1']));
    try {
      let two = false;
      let stopped = false;
      void server.agentsReported(2).then(() => (two = true));
      void server.stopped().then(() => (stopped = true));
      await runAutobahnClient({ url: server.url, agent: 'A' });
      await updateReports(server.url, 'A');
      await sleep(50);
      assert.equal(two, false, 'one agent, twice');
      // An agent that ran every case and reported: the default rule would end here, this one serves on.
      await server.allAgentsDone();
      await runAutobahnClient({ url: server.url, agent: 'B' });
      await server.agentsReported(2);
      assert.equal(two, true);
      await sleep(50);
      assert.equal(stopped, false, 'reports alone never stop it');
      await fetchMessages(server.url, '/stopServer');
      await server.stopped();
      assert.equal(server.stopReason(), 'stopServer');
      assert.deepEqual(server.agents(), ['A', 'B']);
    } finally {
      await server.close();
    }
  });

  it('reports a stop request: updateReports with shutdownOnComplete, and stopServer', async () => {
    for (const [path, reason] of [
      ['/updateReports?agent=x&shutdownOnComplete=yes', 'shutdownOnComplete'],
      ['/stopServer', 'stopServer'],
    ] as const) {
      const { server } = await startTestServer(casesById(['1.1.1']));
      try {
        await fetchMessages(server.url, path);
        await server.allAgentsDone();
        assert.equal(server.stopReason(), reason);
      } finally {
        await server.close();
      }
    }
  });

  it('keeps the result of a case the harness had ended when close() came, while the client still held TCP open', async () => {
    const { server, seen } = await startTestServer(casesById(['1.1.1']));
    // A client that answers everything but never ends TCP (websocket-client leaves that to its garbage collector).
    const socket = net.connect({ host: '127.0.0.1', port: server.port, allowHalfOpen: true });
    socket.on('error', () => undefined);
    try {
      const closeSeen = new Promise<void>((resolve) => {
        const decoder = new FrameDecoder({ maxPayload: 1 << 20 });
        let buf = Buffer.alloc(0);
        let open = false;
        const conn = new RawConnection(socket, true);
        socket.on('data', (d: Buffer) => {
          if (!open) {
            buf = Buffer.concat([buf, d]);
            const parsed = parseHttpHead(buf);
            if (parsed.state !== 'complete') return;
            open = true;
            d = parsed.rest;
          }
          for (const f of decoder.push(d)) {
            if (f.opcode === Opcode.text) conn.send(Opcode.text, f.payload);
            if (f.opcode === Opcode.close) {
              conn.send(Opcode.close, f.payload.subarray(0, 2));
              resolve();
            }
          }
        });
      });
      socket.write(upgradeRequest(server.port, '/runCase?case=1&agent=holds-tcp'));
      await closeSeen;
      await sleep(100);
      await server.close();
      assert.deepEqual(
        seen.map((r) => `${r.id} ${r.behavior}/${r.behaviorClose}`),
        ['1.1.1 OK/OK'],
      );
    } finally {
      socket.destroy();
    }
  });

  it('leaves no result for a case cut short by close()', async () => {
    const { server, seen } = await startTestServer(casesById(['1.1.1']));
    const stalled = rawSession(server.port, '/runCase?case=1&agent=s', echoClient({ stall: true }));
    await sleep(100);
    await server.close();
    await stalled;
    assert.equal(seen.length, 0);
    assert.deepEqual(server.results(), []);
  });
});

describe('fuzzing server: deviating handshake responses', function () {
  this.timeout(30_000);

  it('sends each handshake.client.* bend through the URL protocol and passes the ws client', async () => {
    const { clientHandshakeCases } = await import('../../cases/index.js');
    const { testClient } = await import('../../runner/app/api.js');
    const { fileURLToPath } = await import('node:url');
    const client = fileURLToPath(new URL('../fixtures/ws-autobahn-client.mjs', import.meta.url));
    const run = await testClient({ command: `node ${client} {url} {agent}`, agent: 'ws', cases: 'handshake.client.*' });
    assert.equal(run.results.length, clientHandshakeCases.length);
    for (const r of run.results) assert.equal(r.behavior, 'OK', `${r.id}: ${r.result}`);
    // The deviating response is what went on the wire.
    const wrong = run.results.find((r) => r.id === 'handshake.client.status-403')!;
    assert.match(wrong.httpResponse, /^HTTP\/1\.1 403/);
  });

  it('after a non-101 answer, passes a client that keeps the connection idle (HTTP allows it) and fails one that acts as if it were open', async () => {
    const { server, byId } = await startTestServer(casesById(['handshake.client.status-200']));
    try {
      // Keeps TCP open and sends nothing: the harness closes it after its 1 s timer.
      assert.equal((await rawSession(server.port, '/runCase?case=1&agent=idle', echoClient({ stall: true }))).status, 200);
      const idle = await byId('handshake.client.status-200', 'idle');
      assert.deepEqual([idle.behavior, idle.behaviorClose], ['OK', 'OK'], `${idle.result} ${idle.resultClose}`);
      // Reads the frame behind the 200 and echoes it.
      await rawSession(server.port, '/runCase?case=1&agent=open', echoClient());
      const open = await byId('handshake.client.status-200', 'open');
      assert.equal(open.behavior, 'FAILED', open.result);
    } finally {
      await server.close();
    }
  });
});
