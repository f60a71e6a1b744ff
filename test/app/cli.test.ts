/**
 * The command line as users script it: exit codes, files written, errors that name what is wrong,
 * and no result lost when a run is interrupted. Runs the built CLI (npm test builds first).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import { startBrokenServer } from '../support/broken-server.js';
import { bin, runCli } from '../support/cli-run.js';

const run = runCli;

const tmp = (): string => mkdtempSync(join(tmpdir(), 'wsconform-cli-'));

describe('wsconform CLI', function () {
  this.timeout(60_000);

  it('tests the built-in echo server and writes Autobahn-shaped index.json', async () => {
    const dir = tmp();
    const r = await run(['test-server', '--cases', '1.1.*,2.*,7.1.*'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /built-in echo server/);
    const index = JSON.parse(readFileSync(join(dir, 'reports/servers/index.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    const agent = Object.keys(index)[0]!;
    assert.equal(Object.keys(index[agent]!).length, 25);
    assert.deepEqual(Object.keys(index[agent]!['1.1.1']!).sort(), ['behavior', 'behaviorClose', 'duration', 'remoteCloseCode', 'reportfile']);
    assert.ok(existsSync(join(dir, 'reports/servers', index[agent]!['1.1.1']!.reportfile as string)));
    assert.ok(existsSync(join(dir, 'reports/servers/index.html')));
    assert.equal(readFileSync(join(dir, 'reports/servers/results.jsonl'), 'utf8').trim().split('\n').length, 25);
  });

  it('exits 1 when a case fails, and writes a JUnit file', async () => {
    const server = await startBrokenServer({ noPong: true });
    try {
      const dir = tmp();
      const r = await run(['test-server', server.url, '--cases', '2.1,2.2,1.1.1', '--junit', 'junit.xml', '--outdir', 'out'], dir);
      assert.equal(r.code, 1, r.stderr + r.stdout);
      assert.match(r.stdout, /2\.1/);
      const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
      assert.match(junit, /<testsuite /);
      assert.equal((junit.match(/<failure /g) ?? []).length, 2);
    } finally {
      await server.close();
    }
  });

  it('passes the same failures with --expect-failures, and fails again with --strict on NON-STRICT', async () => {
    const server = await startBrokenServer({ noPong: true, utf8AtEnd: true });
    try {
      const dir = tmp();
      writeFileSync(join(dir, 'known.json'), JSON.stringify({ '2.1': 'no pongs yet' }));
      const forgiven = await run(['test-server', server.url, '--cases', '2.1,6.4.1', '--expect-failures', 'known.json'], dir);
      assert.equal(forgiven.code, 0, forgiven.stdout);
      const strict = await run(['test-server', server.url, '--cases', '6.4.1', '--strict'], dir);
      assert.equal(strict.code, 1, strict.stdout);
    } finally {
      await server.close();
    }
  });

  it('exits 2 and names the URL when the target is unreachable', async () => {
    const r = await run(['test-server', 'ws://127.0.0.1:1', '--cases', '1.1.1'], tmp());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ws:\/\/127\.0\.0\.1:1.*ECONNREFUSED/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('exits 2 on unknown options, bad values, bad URLs and empty selections', async () => {
    const dir = tmp();
    for (const args of [['test-server', '--bogus'], ['test-server', '--concurrency', '0'], ['test-server', 'http://x'], ['test-server', '--cases', 'nope.*'], ['nonsense']]) {
      const r = await run(args, dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.trim().length > 0, args.join(' '));
    }
  });

  it('reads a wstest fuzzingclient.json and honours exclude-agent-cases', async () => {
    const server = await startBrokenServer({});
    try {
      const dir = tmp();
      writeFileSync(
        join(dir, 'spec.json'),
        JSON.stringify({
          outdir: './out',
          servers: [{ agent: 'Broken/1.0', url: server.url, options: { failByDrop: false } }],
          cases: ['1.1.*', '2.1'],
          'exclude-cases': ['1.1.8'],
          'exclude-agent-cases': { 'Broken*': ['1.1.7'] },
        }),
      );
      const r = await run(['-m', 'fuzzingclient', '-s', 'spec.json'], dir);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const index = JSON.parse(readFileSync(join(dir, 'out/index.json'), 'utf8')) as Record<string, Record<string, unknown>>;
      assert.deepEqual(Object.keys(index['Broken/1.0']!).sort(), ['1.1.1', '1.1.2', '1.1.3', '1.1.4', '1.1.5', '1.1.6', '2.1']);
    } finally {
      await server.close();
    }
  });

  it('names the file and the field of a bad spec', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ servers: [{ agent: 'x', url: 'http://nope' }] }));
    const r = await run(['--mode', 'fuzzingclient', '--spec', 'spec.json'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /spec\.json.*servers\[0\]\.url/);
    writeFileSync(join(dir, 'broken.json'), '{ "servers": [');
    const r2 = await run(['-m', 'fuzzingclient', '-s', 'broken.json'], dir);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /broken\.json: not valid JSON/);
  });

  for (const [signal, exitCode] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`stops on ${signal} within 2 s: the case in progress is interrupted, what finished is kept, the reports are written`, async () => {
      // Echoes text at once and swallows binary: 9.2.1 then waits for an echo that never comes.
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      wss.on('connection', (ws) => ws.on('message', (m, binary) => (binary ? undefined : ws.send(m, { binary: false }))));
      await new Promise((r) => wss.once('listening', r));
      const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
      try {
        const dir = tmp();
        const child = spawn(process.execPath, [bin, 'test-server', url, '--cases', '1.1.1,1.1.2,9.2.1'], { cwd: dir, env: { ...process.env, CI: 'true' } });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d));
        const jsonl = join(dir, 'reports/servers/results.jsonl');
        const lines = (): number => (existsSync(jsonl) ? readFileSync(jsonl, 'utf8').trim().split('\n').filter(Boolean).length : 0);
        for (let i = 0; i < 200 && lines() < 2; i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal(lines(), 2, 'the two short cases finished');
        const closed = new Promise<number | null>((r) => child.on('close', r));
        child.kill(signal);
        const code = await Promise.race([closed, new Promise<'late'>((r) => setTimeout(() => r('late'), 2000))]);
        assert.equal(code, exitCode, out);
        assert.equal(lines(), 2);
        const meta = JSON.parse(readFileSync(join(dir, 'reports/servers/run.json'), 'utf8')) as { interruptedCases?: Array<{ id: string; why: string }> };
        assert.deepEqual(
          meta.interruptedCases?.map((c) => c.id),
          ['9.2.1'],
        );
        assert.match(meta.interruptedCases![0]!.why, new RegExp(`^${signal} while waiting for echo 1 of 1`));
        assert.match(out, /Interrupted, no verdict \(1\): 9\.2\.1/);
        assert.ok(existsSync(join(dir, 'reports/servers/index.html')));
      } finally {
        await new Promise((r) => wss.close(r));
      }
    });
  }

  it('exits at once on a second signal', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    try {
      const child = spawn(process.execPath, [bin, 'test-server', `ws://127.0.0.1:${(wss.address() as { port: number }).port}`, '--cases', '9.2.1'], {
        cwd: tmp(),
        env: { ...process.env, CI: 'true' },
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d));
      for (let i = 0; i < 200 && wss.clients.size < 2; i++) await new Promise((r) => setTimeout(r, 50));
      const closed = new Promise<number | null>((r) => child.on('close', r));
      child.kill('SIGTERM');
      child.kill('SIGTERM');
      assert.equal(await closed, 143, err);
    } finally {
      await new Promise((r) => wss.close(r));
    }
  });

  it('rebuilds the reports from results.jsonl after kill -9', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, [bin, 'test-server', '--cases', '5.19,5.20,6.4.*,1.*', '--concurrency', '2'], { cwd: dir, env: { ...process.env, CI: 'true' } });
    const jsonl = join(dir, 'reports/servers/results.jsonl');
    // Kill as soon as some, but not all, results are on disk.
    for (let i = 0; i < 100 && !(existsSync(jsonl) && readFileSync(jsonl, 'utf8').length > 0); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    assert.ok(!existsSync(join(dir, 'reports/servers/index.json')), 'no reports yet');
    const n = readFileSync(join(dir, 'reports/servers/results.jsonl'), 'utf8').trim().split('\n').length;
    const r = await run(['report', 'reports/servers'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const index = JSON.parse(readFileSync(join(dir, 'reports/servers/index.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.equal(Object.keys(Object.values(index)[0]!).length, n);
  });

  it('finishes the run and writes the reports when its output is closed early (| head)', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, [bin, 'test-server', '--cases', '1.*,2.*'], { cwd: dir, env: { ...process.env, CI: 'true' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    // Read the first line, then go away as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|internal error/);
    const index = JSON.parse(readFileSync(join(dir, 'reports/servers/index.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.equal(Object.keys(Object.values(index)[0]!).length, 27);
  });

  it('prints help with defaults and exits 0', () => {
    const r = spawnSync(process.execPath, [bin, 'test-server', '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--concurrency <n>[^]*?\(default: 32\)/);
  });
});

describe('wsconform shards and merge', function () {
  this.timeout(120_000);

  it('gives the same verdicts from three merged shards as from one run', async () => {
    const server = await startBrokenServer({ utf8AtEnd: true, noPong: true });
    try {
      const dir = tmp();
      const sel = ['--cases', '1.*,2.*,4.*,6.4.*,7.*'];
      const whole = await run(['test-server', server.url, ...sel, '--outdir', 'whole', '--agent', 'b'], dir);
      assert.equal(whole.code, 1, whole.stderr);
      for (const i of [1, 2, 3]) {
        const r = await run(['test-server', server.url, ...sel, '--shard', `${i}/3`, '--outdir', `shard${i}`, '--agent', 'b'], dir);
        assert.ok(r.code === 0 || r.code === 1, r.stderr);
      }
      const merged = await run(['merge', 'merged', 'shard1', 'shard2', 'shard3'], dir);
      assert.equal(merged.code, 1, merged.stderr);
      const verdicts = (d: string): Record<string, string> => {
        const index = JSON.parse(readFileSync(join(dir, d, 'index.json'), 'utf8')) as Record<string, Record<string, { behavior: string; behaviorClose: string }>>;
        return Object.fromEntries(Object.entries(index.b!).map(([id, v]) => [id, `${v.behavior}/${v.behaviorClose}`]));
      };
      assert.deepEqual(verdicts('merged'), verdicts('whole'));
    } finally {
      await server.close();
    }
  });

  it('refuses to merge runs made with different options (exit 2)', async () => {
    const dir = tmp();
    assert.equal((await run(['test-server', '--cases', '1.1.1', '--outdir', 'a'], dir)).code, 0);
    assert.equal((await run(['test-server', '--cases', '1.1.1', '--outdir', 'b', '--timeout', '5'], dir)).code, 0);
    const r = await run(['merge', 'out', 'a', 'b'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /merge refused: .*different options/);
  });
});

describe('wsconform test-client', function () {
  this.timeout(60_000);
  const client = fileURLToPath(new URL('../fixtures/ws-autobahn-client.mjs', import.meta.url));

  it('runs the client command against the fuzzing server and gates its verdicts', async () => {
    const dir = tmp();
    const r = await run(['test-client', '--port', '0', '--cases', '1.1.*,2.*,7.7.*', '--command', `node ${client} {url} {agent}`, '--agent', 'ws-client'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const index = JSON.parse(readFileSync(join(dir, 'reports/clients/index.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.equal(Object.keys(index['ws-client']!).length, 8 + 11 + 13);
  });

  it('runs the client command again for the timer verdicts it got beside other cases, and records both runs', async () => {
    const dir = tmp();
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const queued = `cd '${root}' && node --import tsx test/fixtures/queued-close-client.ts {url} {agent} --close-cost 400`;
    const r = await run(['test-client', '--port', '0', '--cases', '7.1.1,7.3.1,7.3.3,7.7.1', '--command', queued, '--agent', 'queued'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Second look, queued: \d timer verdict\(s\) reached beside other cases played again, the client command run with only those cases, \d changed/);
    const meta = JSON.parse(readFileSync(join(dir, 'reports/clients/run.json'), 'utf8')) as { options: Record<string, { exitCode: number; stderrTail: string }> };
    assert.equal(meta.options.clientCommand?.stderrTail, 'ran 4 cases as queued');
    assert.match(meta.options.clientCommandAgain?.stderrTail ?? '', /^ran [12] cases as queued$/);
  });

  it('exits 2 when the client command never runs a case, and shows its stderr', async () => {
    const r = await run(['test-client', '--port', '0', '--cases', '1.1.1', '--command', 'node -e "console.error(\'boom: no such client\'); process.exit(3)"'], tmp());
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /no client ran a case[^]*boom: no such client/);
  });

  it('reads a wstest fuzzingserver.json', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'fuzzingserver.json'), JSON.stringify({ url: 'ws://127.0.0.1:0', outdir: './clients', cases: ['2.*'], 'exclude-cases': ['2.11'], webport: 8080 }));
    const child = spawn(process.execPath, [bin, '-m', 'fuzzingserver', '-s', 'fuzzingserver.json'], { cwd: dir, env: { ...process.env, CI: 'true' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    for (let i = 0; i < 100 && !/ws:\/\/127\.0\.0\.1:\d+/.test(out); i++) await new Promise((res) => setTimeout(res, 50));
    const url = /(ws:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    const c = spawn(process.execPath, [client, url, 'spec-agent']);
    await new Promise((res) => c.on('close', res));
    // As wstest's, this fuzzing server serves until it is stopped.
    new WebSocket(`${url}/stopServer`).on('error', () => undefined);
    const code = await new Promise<number | null>((res) => child.on('close', res));
    assert.equal(code, 0, out);
    const index = JSON.parse(readFileSync(join(dir, 'clients/index.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.equal(Object.keys(index['spec-agent']!).length, 10);
  });
});
