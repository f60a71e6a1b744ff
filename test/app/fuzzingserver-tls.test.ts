/**
 * wstest's `-m fuzzingserver` over TLS, end to end: a spec file with a wss:// url and wstest's
 * key/cert fields serves the URL protocol over TLS, the ws client (trusting the CA) runs the cases,
 * and run.json records the TLS connection; a client that does not trust the certificate gets no case.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { RunMeta } from '../../runner/engine/results.js';
import { bin } from '../support/cli-run.js';
import { makeTestCerts, type TestCerts } from '../support/tls-certs.js';

const client = fileURLToPath(new URL('../fixtures/ws-autobahn-client.mjs', import.meta.url));

function runNode(args: string[]): Promise<{ code: number | null; out: string }> {
  const c = spawn(process.execPath, args);
  let out = '';
  c.stdout.on('data', (d: Buffer) => (out += d));
  c.stderr.on('data', (d: Buffer) => (out += d));
  return new Promise((resolve) => c.on('close', (code) => resolve({ code, out })));
}

describe('-m fuzzingserver over wss:// (spec key/cert)', function () {
  this.timeout(60_000);
  let certs: TestCerts;
  before(() => (certs = makeTestCerts()));
  after(() => certs.remove());

  it('serves the URL protocol over TLS: the ws client trusting the CA runs the cases, one that does not gets none, run.json has the TLS connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsconform-fs-tls-'));
    writeFileSync(join(dir, 'fuzzingserver.json'), JSON.stringify({ url: 'wss://127.0.0.1:0', key: certs.good.key, cert: certs.good.cert, outdir: './clients', cases: ['1.1.1', '2.1', '2.2'] }));
    const server = spawn(process.execPath, [bin, '-m', 'fuzzingserver', '-s', 'fuzzingserver.json'], { cwd: dir, env: { ...process.env, CI: 'true' } });
    let out = '';
    server.stdout.on('data', (d: Buffer) => (out += d));
    server.stderr.on('data', (d: Buffer) => (out += d));
    try {
      for (let i = 0; i < 200 && !/wss:\/\/127\.0\.0\.1:\d+/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      const url = /(wss:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      assert.ok(url, out);
      // Without the CA the TLS handshake fails: no case is played.
      const refused = await runNode([client, url, 'untrusting']);
      assert.notEqual(refused.code, 0, refused.out);
      assert.match(refused.out, /self[- ]signed|unable to verify|unable to get local issuer/i);
      const ok = await runNode([client, url, 'trusting', '2', '--ca', certs.ca]);
      assert.equal(ok.code, 0, ok.out);
      const stop = new WebSocket(`${url}/stopServer`, { ca: readFileSync(certs.ca) });
      stop.on('error', () => undefined);
      const code = await new Promise<number | null>((r) => server.on('close', r));
      assert.equal(code, 0, out);
    } finally {
      server.kill();
    }
    const index = JSON.parse(readFileSync(join(dir, 'clients/index.json'), 'utf8')) as Record<string, Record<string, { behavior: string }>>;
    assert.deepEqual(Object.keys(index), ['trusting']);
    assert.deepEqual(
      Object.entries(index['trusting']!).map(([id, r]) => `${id} ${r.behavior}`),
      ['1.1.1 OK', '2.1 OK', '2.2 OK'],
    );
    const meta = JSON.parse(readFileSync(join(dir, 'clients/run.json'), 'utf8')) as RunMeta;
    const tls = meta.agents.find((a) => a.name === 'trusting')?.tls;
    assert.ok(tls, JSON.stringify(meta.agents));
    assert.match(tls.protocol, /^TLSv1\.[23]$/);
  });
});
