/**
 * test-browser --http2: the page and the fuzzing server on one HTTP/2 origin advertising extended
 * CONNECT (RFC 8441). Chromium and Firefox ESR then open their Autobahn WebSockets as streams (every
 * result says h2); WebKitGTK's choice is recorded whatever it is (2.50 falls back to HTTP/1.1); the
 * api.* cases stay on their HTTP/1.1 servers, and the run says so.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun } from '../../reports/jsonl.js';
import type { RunResults } from '../../runner/engine/results.js';
import { cli, skipBecause, tmp } from './support.js';

const AUTOBAHN = ['1.1.1', '1.1.2', '1.2.1', '2.1', '2.2', '7.1.1'];
const API = 'api.close.code.1000';

type Run = { code: number; stdout: string; stderr: string; run: RunResults; html: string };

async function runHttp2(ctx: Mocha.Context, engine: string): Promise<Run> {
  const dir = tmp();
  const r = await cli(['test-browser', engine, '--http2', '--cases', [...AUTOBAHN, API].join(','), '--outdir', dir]);
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

    it('runs the api.* cases on their own servers over HTTP/1.1, and says so', () => {
      const api = h2.run.results.find((r) => r.id === API)!;
      assert.equal(api.behavior, 'OK');
      assert.equal(api.protocol, undefined);
      assert.match(h2.stdout, /Over HTTP\/2: the page and the fuzzing server on one origin advertising extended CONNECT \(RFC 8441\); api\.\* cases over HTTP\/1\.1 \(wss:\/\/\)/);
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
  it('refuses a selection with no Autobahn case (only api.* cases, which run over HTTP/1.1)', async () => {
    const r = await cli(['test-browser', 'chromium', '--http2', '--cases', API, '--outdir', tmp()]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--http2 runs the Autobahn catalogue over HTTP\/2, and no case of it is selected/);
  });

  it('implies --tls: --cert is taken as for --tls (and refused alone, without --key)', async () => {
    const r = await cli(['test-browser', 'chromium', '--http2', '--cert', '/nonexistent.pem', '--cases', '1.1.1', '--outdir', tmp()]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--cert and --key go together/);
  });
});
