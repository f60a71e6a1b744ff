/**
 * The fuzzing server as a service: `-m fuzzingserver` (and `test-client --serve`) serves until it
 * is stopped, so that clients can come one after another, as with wstest; `test-client --agents N`
 * ends once N agents have reported. Real clients: the ws package and Debian's Python
 * websocket-client. Runs the built CLI (npm test builds first).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const bin = fileURLToPath(new URL('../../bin/wsconform.js', import.meta.url));
const wsClient = fileURLToPath(new URL('../fixtures/ws-autobahn-client.mjs', import.meta.url));
const pyClient = fileURLToPath(new URL('../fixtures/websocket-client-shutdown.py', import.meta.url));

const tmp = (): string => mkdtempSync(join(tmpdir(), 'wsconform-serve-'));
type Index = Record<string, Record<string, { behavior: string; behaviorClose: string }>>;
const readIndex = (file: string): Index => JSON.parse(readFileSync(file, 'utf8')) as Index;

interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  out: () => string;
  exit: Promise<number | null>;
}

/** Starts the CLI and waits for the fuzzing server's URL. */
async function serve(args: string[], cwd: string): Promise<Served> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, CI: 'true' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  for (let i = 0; i < 200 && !/Fuzzing server on ws:\/\/127\.0\.0\.1:\d+/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
  const url = /Fuzzing server on (ws:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
  if (!url) {
    child.kill();
    throw new Error(`no fuzzing server URL in: ${out}`);
  }
  return { child, url, out: () => out, exit };
}

/** Runs one client to its end; rejects if it fails. */
function client(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d));
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}: ${err}`))));
  });
}

const wsAgent = (url: string, agent: string): Promise<void> => client(process.execPath, [wsClient, url, agent]);
const pyAgent = (url: string, agent: string): Promise<void> => client('/usr/bin/python3', [pyClient, url, agent]);

function stopServer(url: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url}/stopServer`);
    ws.on('error', () => resolve());
    ws.on('close', () => resolve());
  });
}

/** The process is still there after `ms`: it did not end on its own. */
async function stillServing(s: Served, ms = 500): Promise<boolean> {
  return Promise.race([s.exit.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), ms))]);
}

describe('the fuzzing server serves until stopped', function () {
  this.timeout(120_000);

  it('-m fuzzingserver: two real clients one after another (ws, then Python websocket-client), reports after each, /stopServer ends it with the gate over both', async () => {
    const dir = tmp();
    // websocket-client 1.2.3 echoes the invalid UTF-8 of 6.6.1 instead of failing the connection, in wstest as here.
    writeFileSync(join(dir, 'fuzzingserver.json'), JSON.stringify({ url: 'ws://127.0.0.1:0', outdir: './clients', cases: ['1.1.*', '2.*', '6.6.1'] }));
    const s = await serve(['-m', 'fuzzingserver', '-s', 'fuzzingserver.json'], dir);
    try {
      await wsAgent(s.url, 'ws-client');
      assert.ok(await stillServing(s), s.out());
      assert.deepEqual(Object.keys(readIndex(join(dir, 'clients/index.json'))), ['ws-client'], 'reports written on /updateReports');
      await pyAgent(s.url, 'py-client');
      assert.ok(await stillServing(s), s.out());
      await stopServer(s.url);
      assert.equal(await s.exit, 1, s.out());
    } finally {
      s.child.kill();
    }
    const index = readIndex(join(dir, 'clients/index.json'));
    assert.deepEqual(Object.keys(index).sort(), ['py-client', 'ws-client']);
    assert.equal(Object.keys(index['ws-client']!).length, 20);
    assert.equal(Object.keys(index['py-client']!).length, 20);
    assert.ok(Object.values(index['ws-client']!).every((c) => c.behavior === 'OK'));
    assert.equal(index['py-client']!['6.6.1']!.behavior, 'FAILED');
    assert.match(s.out(), /\n {2}py-client {2}6\.6\.1 /);
    assert.match(s.out(), /\n1 failed, 39 passed: exit 1\n/);
  });

  it('test-client --agents 2 ends by itself once the second agent has called /updateReports, exit 0', async () => {
    const dir = tmp();
    const s = await serve(['test-client', '--port', '0', '--cases', '1.1.*,2.*', '--agents', '2'], dir);
    try {
      await pyAgent(s.url, 'first');
      assert.ok(await stillServing(s), s.out());
      await wsAgent(s.url, 'second');
      assert.equal(await s.exit, 0, s.out());
    } finally {
      s.child.kill();
    }
    assert.match(s.out(), /Serving until 2 agents have called \/updateReports/);
    const index = readIndex(join(dir, 'reports/clients/index.json'));
    assert.deepEqual(Object.keys(index).sort(), ['first', 'second']);
    assert.equal(Object.keys(index.second!).length, 19);
  });

  it('test-client --serve ends on SIGTERM with the reports of what ran (exit 143)', async () => {
    const dir = tmp();
    const s = await serve(['test-client', '--port', '0', '--cases', '1.1.*', '--serve'], dir);
    try {
      await wsAgent(s.url, 'only');
      assert.ok(await stillServing(s), s.out());
      s.child.kill('SIGTERM');
      assert.equal(await s.exit, 143, s.out());
    } finally {
      s.child.kill();
    }
    assert.match(s.out(), /Serving until stopped \(Ctrl-C, SIGTERM or \/stopServer\)/);
    assert.ok(existsSync(join(dir, 'reports/clients/index.html')));
    assert.equal(Object.keys(readIndex(join(dir, 'reports/clients/index.json')).only!).length, 8);
  });

  for (const [args, message] of [
    [['--agents', '2', '--command', 'true'], /--agents is for clients you start yourself/],
    [['--serve', '--command', 'true'], /--serve is for clients you start yourself/],
    [['--agents', '2', '--serve'], /--agents and --serve exclude each other/],
    [['--agents', '0'], /--agents must be an integer from 1/],
  ] as const) {
    it(`refuses test-client ${args.join(' ')} (exit 2)`, async () => {
      const child = spawn(process.execPath, [bin, 'test-client', '--port', '0', ...args], { cwd: tmp() });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d));
      const code = await new Promise<number | null>((r) => child.on('close', r));
      assert.equal(code, 2, err);
      assert.match(err, message);
    });
  }
});
