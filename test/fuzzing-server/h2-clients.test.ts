/**
 * Testing clients over HTTP/2 (`test-client --http2`), end to end through the built CLI: a
 * node:http2 client (test/fixtures/h2-autobahn-client.mjs) runs the catalogue over RFC 8441
 * extended CONNECT streams, over TLS (ALPN h2) and in plain text (h2c), while the ws client and
 * Python websockets keep upgrading over HTTP/1.1 on the same port; every h2.client.* verdict path
 * is taken by that client made wrong in the one way the case looks for.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allCases } from '../../cases/index.js';
import type { CaseResult, RunMeta } from '../../runner/engine/results.js';
import { behaviorById, resultsIn, runCli } from '../support/cli-run.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const h2Client = (flags = ''): string => `node ${join(root, 'test/fixtures/h2-autobahn-client.mjs')} {url} {agent} --concurrency 4 ${flags}`;
const wsClient = `node ${join(root, 'test/fixtures/ws-autobahn-client.mjs')} {url} {agent} 4`;
const tmp = (): string => mkdtempSync(join(tmpdir(), 'wsconform-h2-'));
const h2Ids = allCases.filter((c) => c.h2Client).map((c) => c.id);

const results = (dir: string): CaseResult[] => resultsIn(join(dir, 'out'));

const verdicts = behaviorById;

describe('testing clients over HTTP/2 (test-client --http2)', function () {
  this.timeout(120_000);

  for (const tls of [true, false]) {
    const protocol = tls ? 'h2' : 'h2c';
    it(`a node:http2 client over ${protocol}: sections 1, 2 and 7.1 pass as streams, every h2.client.* case passes, and the reports say ${protocol}`, async () => {
      const dir = tmp();
      const r = await runCli(
        ['test-client', '--http2', ...(tls ? ['--tls'] : []), '--port', '0', '--cases', '1.*,2.1,2.2,7.1.1,h2.client.*', '--outdir', 'out', '--command', h2Client(tls ? '--ca {ca}' : '')],
        dir,
      );
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, new RegExp(`HTTP/2 too, on the same port \\(${tls ? 'ALPN h2' : 'h2c, prior knowledge'}`));
      const rs = results(dir);
      assert.deepEqual(
        rs.filter((x) => x.behavior !== 'OK' || x.behaviorClose !== 'OK').map((x) => `${x.id}: ${x.result} ${x.resultClose}`),
        [],
      );
      assert.deepEqual(
        rs.filter((x) => x.id.startsWith('h2.')).map((x) => x.id),
        h2Ids,
      );
      // The catalogue ran over HTTP/2; without the setting the client fell back to HTTP/1.1, as it may.
      assert.deepEqual([...new Set(rs.filter((x) => !x.id.startsWith('h2.')).map((x) => x.protocol))], [protocol]);
      assert.equal(rs.find((x) => x.id === 'h2.client.setting-absent')!.protocol, 'http/1.1');
      assert.match(rs.find((x) => x.id === 'h2.client.settings-wait')!.result, /^The client waited for the server's SETTINGS/);
      const meta = JSON.parse(readFileSync(join(dir, 'out/run.json'), 'utf8')) as RunMeta;
      assert.equal(meta.agents.find((a) => a.name === 'client')?.protocol, protocol);
      assert.equal(meta.options.http2, true);
      assert.match(r.stdout, new RegExp(`client over ${protocol} \\(\\d+ cases\\), http/1\\.1 \\(1 case\\)`));
      const html = readFileSync(join(dir, 'out/index.html'), 'utf8');
      assert.match(html, /over HTTP\/2 \(RFC 8441\)/);
      assert.match(html, new RegExp(`<td>${protocol} \\(\\d+ cases\\), http/1\\.1 \\(1 case\\)`));
      // Autobahn's index.json is unchanged in shape: agent -> case -> the five fields.
      const index = JSON.parse(readFileSync(join(dir, 'out/index.json'), 'utf8')) as Record<string, Record<string, object>>;
      assert.deepEqual(Object.keys(index['client']!['1.1.1']!).sort(), ['behavior', 'behaviorClose', 'duration', 'remoteCloseCode', 'reportfile']);
    });
  }

  it('the ws client and Python websockets on the same --http2 --tls port still upgrade over HTTP/1.1, recorded as http/1.1', async () => {
    const dir = tmp();
    const ws = await runCli(['test-client', '--http2', '--tls', '--port', '0', '--cases', '1.1.*,2.1,7.1.1', '--outdir', 'out', '--command', `${wsClient} --ca {ca}`], dir);
    assert.equal(ws.code, 0, ws.stderr + ws.stdout);
    assert.deepEqual([...new Set(results(dir).map((x) => `${x.protocol} ${x.behavior}`))], ['http/1.1 OK']);
    const py = await runCli(
      [
        'test-client',
        '--http2',
        '--tls',
        '--port',
        '0',
        '--cases',
        '1.1.*,2.1,7.1.1',
        '--outdir',
        'out',
        '--command',
        `/usr/bin/python3 ${join(root, 'test/fixtures/websockets-tls-client.py')} {url} {agent} {ca}`,
      ],
      dir,
    );
    assert.equal(py.code, 0, py.stderr + py.stdout);
    assert.deepEqual([...new Set(results(dir).map((x) => `${x.protocol} ${x.behavior}`))], ['http/1.1 OK']);
  });

  it('an HTTP/1.1-only client gets INFORMATIONAL for the h2.client.* cases it cannot be judged on, and OK without the setting', async () => {
    const dir = tmp();
    const r = await runCli(['test-client', '--http2', '--port', '0', '--cases', 'h2.client.*', '--outdir', 'out', '--command', wsClient], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const v = verdicts(results(dir));
    assert.deepEqual(v, Object.fromEntries(h2Ids.map((id) => [id, id === 'h2.client.setting-absent' ? 'OK' : 'INFORMATIONAL'])));
    assert.match(results(dir)[0]!.result, /over an HTTP\/1\.1 upgrade, not HTTP\/2/);
  });

  // Each flag breaks the client one way; its case must say so, and the other cases stay as they were.
  const broken: Array<{ flag: string; id: string; behavior: string; result: RegExp }> = [
    { flag: '--early', id: 'h2.client.settings-wait', behavior: 'FAILED', result: /sent 1 extended CONNECT request\(s\) \(HEADERS\) before the server's SETTINGS/ },
    // Not waiting for SETTINGS, it never learns that the setting is absent either.
    { flag: '--early', id: 'h2.client.setting-absent', behavior: 'FAILED', result: /never enabled it/ },
    {
      flag: '--ignore-setting',
      id: 'h2.client.setting-absent',
      behavior: 'FAILED',
      result: /sent :protocol on an HTTP\/2 connection whose SETTINGS never enabled it: the HTTP\/2 layer refused \d+ request\(s\)/,
    },
    { flag: '--key', id: 'h2.client.no-key', behavior: 'INFORMATIONAL', result: /sent sec-websocket-key, which RFC 8441 §5 says is not processed/ },
    { flag: '--any-status', id: 'h2.client.status-403', behavior: 'FAILED', result: /matches no expected outcome/ },
    { flag: '--any-status', id: 'h2.client.status-400', behavior: 'FAILED', result: /matches no expected outcome/ },
    { flag: '--any-extension', id: 'h2.client.extension-unrequested', behavior: 'FAILED', result: /never failed the connection/ },
  ];
  for (const flag of [...new Set(broken.map((b) => b.flag))]) {
    const expected = broken.filter((b) => b.flag === flag);
    it(`a client made wrong with ${flag}: ${expected.map((b) => `${b.id} ${b.behavior}`).join(', ')}; the other h2.client.* cases pass`, async () => {
      const dir = tmp();
      const r = await runCli(['test-client', '--http2', '--port', '0', '--cases', 'h2.client.*', '--outdir', 'out', '--command', h2Client(flag)], dir);
      const rs = results(dir);
      const want = Object.fromEntries(h2Ids.map((id) => [id, expected.find((b) => b.id === id)?.behavior ?? 'OK']));
      assert.deepEqual(verdicts(rs), want, rs.map((x) => `${x.id}: ${x.result}`).join('\n'));
      for (const b of expected) assert.match(rs.find((x) => x.id === b.id)!.result, b.result);
      assert.equal(r.code, expected.some((b) => b.behavior === 'FAILED') ? 1 : 0, r.stderr);
    });
  }

  it('handshake.client.* over HTTP/2: a bent 101 has no HTTP/2 form (INFORMATIONAL), a status or an unrequested subprotocol does (judged)', async () => {
    const dir = tmp();
    const cases = 'handshake.client.accept-wrong,handshake.client.status-200,handshake.client.status-403,handshake.client.subprotocol-unrequested';
    const r = await runCli(['test-client', '--http2', '--port', '0', '--cases', cases, '--outdir', 'out', '--command', h2Client()], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(verdicts(results(dir)), {
      'handshake.client.accept-wrong': 'INFORMATIONAL',
      'handshake.client.status-200': 'INFORMATIONAL',
      'handshake.client.status-403': 'OK',
      'handshake.client.subprotocol-unrequested': 'OK',
    });
    assert.match(results(dir).find((x) => x.id === 'handshake.client.accept-wrong')!.result, /^Not judged over HTTP\/2: it bends the Sec-WebSocket-Accept/);
  });

  it('refuses h2.client.* cases without --http2 and --command as a usage error', async () => {
    const dir = tmp();
    const r = await runCli(['test-client', '--cases', 'h2.client.*', '--command', 'true'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /the h2\.client\.\* cases run only with --http2 and --command/);
  });
});
