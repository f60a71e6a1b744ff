/**
 * test-server and the wstest spec path against targets whose opening handshake is broken. A target
 * that answered HTTP wrongly is a conformance finding: every case runs, the reports are written, the
 * summary says it once, exit 1. One that gave no HTTP answer is unreachable: exit 2. Runs the built
 * CLI (npm test builds first).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBadUpgradeServer, type BadUpgrade } from '../support/bad-upgrade-server.js';
import { startBrokenServer } from '../support/broken-server.js';
import { runCli } from '../support/cli-run.js';

const refusingServer = fileURLToPath(new URL('../fixtures/websockets-refusing-server.py', import.meta.url));

const run = runCli;

const tmp = (): string => mkdtempSync(join(tmpdir(), 'wsconform-handshake-'));
type Index = Record<string, Record<string, { behavior: string; behaviorClose: string }>>;
const readIndex = (dir: string): Index => JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Index;

async function withTarget<T>(how: BadUpgrade, body: (url: string) => Promise<T>): Promise<T> {
  const server = await startBadUpgradeServer(how);
  try {
    return await body(server.url);
  } finally {
    await server.close();
  }
}

describe('test-server against a broken opening handshake', function () {
  this.timeout(60_000);
  const selection = ['--cases', '1.*,2.*,7.1.*,handshake.*'];

  it('runs every case, writes every report and says in one line that each failed in the handshake, exit 1', async () => {
    const dir = tmp();
    const r = await withTarget('wrong-accept', (url) => run(['test-server', url, ...selection, '--junit', 'junit.xml'], dir));
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /\n {2}bad-upgrade {2}every case failed in the opening handshake: wrong Sec-WebSocket-Accept \(\d+ failures\)\n/);
    // The own handshake.* cases still show, judged on their own; no line per Autobahn case.
    assert.doesNotMatch(r.stdout, /\n {2}bad-upgrade {2}1\.1\.1 /);
    assert.ok(r.stdout.split('\n').length < 40, r.stdout);
    const cases = readIndex(join(dir, 'reports/servers'))['bad-upgrade']!;
    assert.equal(cases['1.1.1']!.behavior, 'FAILED');
    assert.deepEqual(cases['7.1.6'], { ...cases['7.1.6'], behavior: 'INFORMATIONAL', behaviorClose: 'INFORMATIONAL' });
    assert.equal(cases['handshake.http-1.0']!.behavior, 'FAILED');
    for (const f of ['index.html', 'results.jsonl', 'bad_upgrade_case_1_1_1.json', 'bad_upgrade_case_1_1_1.html']) assert.ok(existsSync(join(dir, 'reports/servers', f)), f);
    assert.match(readFileSync(join(dir, 'junit.xml'), 'utf8'), /<testcase [^>]*name="1\.1\.1/);
  });

  for (const how of ['missing-accept', 'no-upgrade', 'status-200', 'status-403', 'status-302'] as const) {
    it(`treats a target that answers ${how} as a finding: exit 1`, async () => {
      const r = await withTarget(how, (url) => run(['test-server', url, '--cases', '1.1.1,2.1,7.1.6', '--outdir', 'out'], tmp()));
      assert.equal(r.code, 1, r.stderr + r.stdout);
      assert.match(r.stdout, /every case failed in the opening handshake: /);
    });
  }

  it('treats a real server that refuses every upgrade (Python websockets, 403) as a finding', async () => {
    const py = spawn('/usr/bin/python3', [refusingServer], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let out = '';
        py.stdout.on('data', (d: Buffer) => {
          out += String(d);
          const m = /listening (\d+)\n/.exec(out);
          if (m) resolve(m[1]!);
        });
        py.once('exit', (code) => reject(new Error(`the Python server exited with ${code}`)));
      });
      const dir = tmp();
      const r = await run(['test-server', `ws://127.0.0.1:${port}`, ...selection], dir);
      assert.equal(r.code, 1, r.stderr + r.stdout);
      assert.match(r.stdout, /\n {2}Python\/3\.11 websockets\/… {2}every case failed in the opening handshake: status 403 Forbidden instead of 101 \(\d+ failures\)\n/);
      // A refusal is what the handshake.* refusal cases ask for: judged on their own, they pass here.
      assert.equal(readIndex(join(dir, 'reports/servers'))['Python/3.11 websockets/10.4']!['handshake.key-missing']!.behavior, 'NON-STRICT');
    } finally {
      py.stdin.end();
    }
  });

  it('treats a plain HTTP server (Node.js http, 200 to everything) as a finding', async () => {
    const server = http.createServer((_req, res) => res.end('hello\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as net.AddressInfo;
      const r = await run(['test-server', `ws://127.0.0.1:${port}`, '--cases', '1.1.*', '--outdir', 'out'], tmp());
      assert.equal(r.code, 1, r.stderr + r.stdout);
      assert.match(r.stdout, /\n {2}UnknownServer {2}every case failed in the opening handshake: status 200 OK instead of 101 \(8 failures\)\n/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  const unreachable: Array<[BadUpgrade, RegExp]> = [
    ['closes', /wsconform: no HTTP answer to the WebSocket handshake from ws:\/\/127\.0\.0\.1:\d+: the server closed the connection/],
    ['not-http', /wsconform: ws:\/\/127\.0\.0\.1:\d+ answered the WebSocket handshake with something that is not HTTP: "SSH-2\.0/],
  ];
  for (const [how, message] of unreachable) {
    it(`exits 2 when the target gives no HTTP answer (${how}), and writes no report`, async () => {
      const dir = tmp();
      const r = await withTarget(how, (url) => run(['test-server', url, '--cases', '1.1.1'], dir));
      assert.equal(r.code, 2, r.stderr + r.stdout);
      assert.match(r.stderr, message);
      assert.ok(!existsSync(join(dir, 'reports/servers/index.json')));
    });
  }

  it('in a wstest spec, runs a broken server as a finding and goes on past an unreachable one to the next', async () => {
    const broken = await startBadUpgradeServer('wrong-accept');
    const good = await startBrokenServer({});
    try {
      const dir = tmp();
      writeFileSync(
        join(dir, 'spec.json'),
        JSON.stringify({
          outdir: './out',
          servers: [
            { agent: 'broken', url: broken.url },
            { agent: 'nobody', url: 'ws://127.0.0.1:1' },
            { agent: 'good', url: good.url },
          ],
          cases: ['1.1.*', '7.1.6'],
        }),
      );
      const r = await run(['-m', 'fuzzingclient', '-s', 'spec.json'], dir);
      assert.equal(r.code, 1, r.stderr + r.stdout);
      assert.match(r.stderr, /cannot connect to ws:\/\/127\.0\.0\.1:1/);
      assert.match(r.stdout, /\n {2}broken {2}every case failed in the opening handshake: wrong Sec-WebSocket-Accept \(8 failures\)\n/);
      const index = readIndex(join(dir, 'out'));
      assert.deepEqual(Object.keys(index).sort(), ['broken', 'good']);
      assert.ok(Object.values(index.broken!).every((c) => c.behavior !== 'OK'));
      assert.ok(Object.values(index.good!).every((c) => c.behavior === 'OK' || c.behavior === 'INFORMATIONAL'));
    } finally {
      await broken.close();
      await good.close();
    }
  });
});
