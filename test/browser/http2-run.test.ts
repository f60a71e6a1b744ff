/**
 * test-browser --http2: the page and the fuzzing server on one HTTP/2 origin advertising extended
 * CONNECT (RFC 8441). Chromium and Firefox ESR then open their Autobahn WebSockets as streams (every
 * result says h2); WebKitGTK's choice is recorded whatever it is (2.50 falls back to HTTP/1.1). Each
 * api.* case's server offers h2 beside HTTP/1.1 (the page fetches its origin first), except where
 * what the case checks has no HTTP/2 form.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun } from '../../reports/jsonl.js';
import type { RunResults } from '../../runner/engine/results.js';
import { cli, skipBecause, tmp } from './support.js';

const AUTOBAHN = ['1.1.1', '1.1.2', '1.2.1', '2.1', '2.2', '7.1.1'];
const API = 'api.close.code.1000';
/** An extended CONNECT has no Upgrade header field: this case's server stays HTTP/1.1. */
const API_H1 = 'api.request.upgrade';

type Run = { code: number; stdout: string; stderr: string; run: RunResults; html: string };

async function runHttp2(ctx: Mocha.Context, engine: string): Promise<Run> {
  const dir = tmp();
  const r = await cli(['test-browser', engine, '--http2', '--cases', [...AUTOBAHN, API, API_H1].join(','), '--outdir', dir]);
  if (r.code === 2 && new RegExp(`${engine}: not available`).test(r.stderr)) skipBecause(ctx, r.stderr.trim());
  return { ...r, run: readRun(dir), html: readFileSync(join(dir, 'index.html'), 'utf8') };
}

/** The Autobahn results in the order of AUTOBAHN (results arrive as the cases end). */
const autobahn = (run: RunResults): RunResults['results'] => AUTOBAHN.flatMap((id) => run.results.filter((r) => r.id === id));

for (const engine of ['chromium', 'firefox'] as const) {
  describe(`test-browser ${engine} --http2 (real ${engine})`, function () {
    this.timeout(60_000);
    let h2: Run;
    before(async function () {
      h2 = await runHttp2(this, engine);
    });

    it('opens every Autobahn WebSocket as an HTTP/2 stream, and run.json, the summary and the HTML say h2', () => {
      assert.equal(h2.code, 0, h2.stdout + h2.stderr);
      assert.deepEqual(
        autobahn(h2.run).map((r) => [r.id, r.protocol, r.behavior]),
        AUTOBAHN.map((id) => [id, 'h2', 'OK']),
      );
      const agent = h2.run.meta.agents.find((a) => !a.unavailable)!;
      assert.equal(agent.protocol, 'h2');
      assert.equal(h2.run.meta.options.http2, true);
      assert.match(h2.stdout, new RegExp(`${agent.name} over HTTP/2 \\(h2\\), TLS: TLSv1\\.3`));
      assert.match(h2.html, /<td>HTTP\/2 \(h2\): TLSv1\.3/);
    });

    it('runs an api.* case over h2 on its own server, one whose check has no HTTP/2 form over HTTP/1.1, and says so', () => {
      const api = h2.run.results.find((r) => r.id === API)!;
      assert.deepEqual([api.protocol, api.behavior, api.behaviorClose], ['h2', 'OK', 'OK']);
      assert.match(api.httpRequest, /^CONNECT \/api\.close\.code\.1000 HTTP\/2\r\n/);
      const h1 = h2.run.results.find((r) => r.id === API_H1)!;
      assert.deepEqual([h1.protocol, h1.behavior, h1.behaviorClose], [undefined, 'OK', 'OK']);
      assert.match(h2.stdout, /Over HTTP\/2: the page and the fuzzing server on one origin advertising extended CONNECT \(RFC 8441\); each api\.\* server offers h2 beside HTTP\/1\.1/);
    });
  });
}

describe('test-browser webkit --http2 (real WebKitGTK)', function () {
  this.timeout(60_000);

  it('records the protocol WebKitGTK chose for its WebSockets, one for every case, and the summary names it', async function () {
    const h2 = await runHttp2(this, 'webkit');
    // The page itself came over HTTP/2: on that port HTTP/1.1 serves only the fuzzing server's help text.
    assert.equal(h2.code, 0, h2.stdout + h2.stderr);
    const protocols = [...new Set(autobahn(h2.run).map((r) => r.protocol))];
    assert.equal(protocols.length, 1, `one protocol for every case: ${protocols.join(', ')}`);
    const [protocol] = protocols;
    assert.ok(protocol === 'h2' || protocol === 'http/1.1', String(protocol));
    assert.equal(h2.run.meta.agents.find((a) => !a.unavailable)?.protocol, protocol);
    assert.match(h2.stdout, protocol === 'h2' ? /webkit-\S+ over HTTP\/2 \(h2\)/ : /webkit-\S+ over HTTP\/1\.1, TLS:/);
    process.stderr.write(`      (WebKitGTK opened its WebSockets over ${protocol})\n`);
  });
});

describe('test-browser --http2 (command line)', () => {
  it('runs a selection of api.* cases alone over HTTP/2: the engine opens them as streams, and the agent says h2', async function () {
    this.timeout(60_000);
    const dir = tmp();
    const r = await cli(['test-browser', 'chromium', '--http2', '--cases', API, '--outdir', dir]);
    if (r.code === 2 && /chromium: not available/.test(r.stderr)) skipBecause(this, r.stderr.trim());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Over HTTP\/2: servers advertising extended CONNECT \(RFC 8441\)/);
    const run = readRun(dir);
    assert.deepEqual(
      run.results.map((x) => [x.id, x.protocol, x.behavior]),
      [[API, 'h2', 'OK']],
    );
    assert.equal(run.meta.agents.find((a) => !a.unavailable)?.protocol, 'h2');
  });

  it('implies --tls: --cert is taken as for --tls (and refused alone, without --key)', async () => {
    const r = await cli(['test-browser', 'chromium', '--http2', '--cert', '/nonexistent.pem', '--cases', '1.1.1', '--outdir', tmp()]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--cert and --key go together/);
  });
});
