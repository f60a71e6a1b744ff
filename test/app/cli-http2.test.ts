/**
 * test-server --http2 through the built CLI, the API and the wstest spec file: the built-in HTTP/2
 * target (Hypercorn), the handshake.* cases left out with the reason, the protocol in the reports
 * (index.json keeps Autobahn's shape), and exit 2 with one line for what cannot run over HTTP/2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testServer } from '../../runner/app/api.js';
import type { RunMeta } from '../../runner/engine/results.js';
import { startEchoServer } from '../../runner/targets/echo-server.js';
import { hypercornMissing } from '../../runner/targets/hypercorn.js';
import { runCli } from '../support/cli-run.js';
import { startH2Target } from '../support/h2-servers.js';

const metaIn = (outdir: string): RunMeta => JSON.parse(readFileSync(join(outdir, 'run.json'), 'utf8')) as RunMeta;
const tmp = (): string => mkdtempSync(join(tmpdir(), 'wsconform-h2-'));

describe('test-server --http2 (CLI, API, spec file)', function () {
  this.timeout(60_000);

  it('without a URL tests the built-in HTTP/2 target (Hypercorn over h2c), leaving out the handshake.* cases with the reason', async function () {
    if (hypercornMissing()) return this.skip();
    const dir = tmp();
    const r = await runCli(['test-server', '--http2', '--cases', '1.1.1,2.1,handshake.http-1.0', '--outdir', join(dir, 'out')], dir);
    assert.match(r.stdout, /No URL given: testing the built-in HTTP\/2 target \(Hypercorn, h2c\) at ws:\/\/127\.0\.0\.1:\d+\//);
    assert.match(r.stdout, /Over HTTP\/2: 1 handshake\.\* case\(s\) left out: they send HTTP\/1\.1 requests of their own/);
    assert.match(r.stdout, /hypercorn-builtin-h2 over HTTP\/2 \(h2c\)/);
    const meta = metaIn(join(dir, 'out'));
    assert.deepEqual(
      meta.agents.map((a) => [a.name, a.protocol]),
      [['hypercorn-builtin-h2', 'h2c']],
    );
    const index = JSON.parse(readFileSync(join(dir, 'out', 'index.json'), 'utf8')) as Record<string, Record<string, { behavior: string }>>;
    assert.deepEqual(Object.keys(index), ['hypercorn-builtin-h2']);
    assert.deepEqual(Object.keys(index['hypercorn-builtin-h2']!).sort(), ['1.1.1', '2.1']);
    assert.equal(index['hypercorn-builtin-h2']!['1.1.1']!.behavior, 'OK');
  });

  it('plays the h2.* cases after the catalogue: a correct target passes them (exit 0), one that opens a WebSocket for any :protocol fails (exit 1)', async () => {
    for (const [flaws, code] of [
      [[], 0],
      [['accepts-anything'], 1],
    ] as const) {
      const t = await startH2Target(flaws);
      try {
        const dir = tmp();
        const r = await runCli(['test-server', t.url, '--http2', '--cases', '1.1.1,h2.settings-enable-connect,h2.protocol-not-websocket', '--outdir', join(dir, 'out')], dir);
        assert.equal(r.code, code, r.stdout + r.stderr);
        const lines = readFileSync(join(dir, 'out', 'results.jsonl'), 'utf8')
          .trim()
          .split('\n');
        const byId = new Map(lines.map((l) => JSON.parse(l) as { id: string; behavior: string }).map((x) => [x.id, x.behavior]));
        assert.deepEqual([...byId.keys()].sort(), ['1.1.1', 'h2.protocol-not-websocket', 'h2.settings-enable-connect']);
        assert.equal(byId.get('h2.settings-enable-connect'), 'OK');
        assert.equal(byId.get('h2.protocol-not-websocket'), code === 0 ? 'OK' : 'FAILED');
      } finally {
        await t.close();
      }
    }
  });

  it('exits 2 with one line against a server that speaks no HTTP/2 (the ws package: HTTP/1.1 only)', async () => {
    const ws = await startEchoServer();
    try {
      const dir = tmp();
      const r = await runCli(['test-server', `ws://127.0.0.1:${ws.port}/`, '--http2', '--cases', '1.1.1', '--outdir', join(dir, 'out')], dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^wsconform: no HTTP\/2 from ws:\/\/127\.0\.0\.1:\d+\/: .*HTTP\/1\.1-only server\?\)\n$/);
    } finally {
      await ws.close();
    }
  });

  it('refuses --http2-streams without --http2', async () => {
    const dir = tmp();
    const a = await runCli(['test-server', 'ws://127.0.0.1:9/', '--http2-streams', '4'], dir);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--http2-streams needs --http2/);
  });

  it('runs over HTTP/2 from the API (http2: true) and from a spec file (servers[].http2)', async () => {
    const server = await startH2Target();
    try {
      const api = await testServer({ url: server.url, cases: '1.1.*', http2: true, http2Streams: 2 });
      assert.equal(api.results.length, 8);
      assert.ok(api.results.every((r) => r.behavior === 'OK'));
      assert.equal(api.meta.agents[0]?.protocol, 'h2c');
      const dir = tmp();
      writeFileSync(join(dir, 'fuzzingclient.json'), JSON.stringify({ outdir: './out', servers: [{ url: server.url, agent: 'h2echo', http2: true }], cases: ['1.1.1', 'handshake.http-1.0'] }));
      const r = await runCli(['-m', 'fuzzingclient', '-s', 'fuzzingclient.json'], dir);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(
        metaIn(join(dir, 'out')).agents.map((a) => [a.name, a.protocol]),
        [['h2echo', 'h2c']],
      );
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ servers: [{ url: server.url, http2: 'yes' }] }));
      const bad = await runCli(['-m', 'fuzzingclient', '-s', 'bad.json'], dir);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /"servers\[0\]\.http2" must be true or false/);
    } finally {
      await server.close();
    }
  });
});
