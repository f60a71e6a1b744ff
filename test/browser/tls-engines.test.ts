/**
 * Real browsers over TLS (test-browser --tls): one run per engine of a slice of Autobahn's
 * catalogue and of the api.* cases over https:// and wss://, with the engine trusting the run's
 * throw-away CA and nothing else, and the api.tls.* cases with each engine's verdicts. Two broken
 * cases give the FAILED paths a real failure: one expects a refusal of the certificate the engine
 * does trust, one expects mixed content to be blocked where the page dials wss:// (which also shows
 * that the test host name reaches this machine where the engine resolves it).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserServer } from 'playwright-core';
import { allCases, browserApiCases, caseById } from '../../cases/index.js';
import type { CaseDef } from '../../cases/types.js';
import { browserRunTls } from '../../runner/app/commands/browser-tls.js';
import { findExecutable, knownPaths } from '../../runner/browser/executables.js';
import { runBrowsers, type BrowserRunOutcome, type EngineName } from '../../runner/browser/index.js';
import { casesForRole, selectCases } from '../../runner/engine/plan.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { readRun } from '../../reports/jsonl.js';
import { cli, skipBecause, tmp } from './support.js';

const AUTOBAHN = ['1.1.1', '1.2.2', '2.1', '5.1', '7.1.1'];
const API = ['api.close.code.999', 'api.close.code.1000', 'api.close.no-code', 'api.handshake.status-403', 'api.binary-type.arraybuffer'];
const TLS_ONLY = ['api.tls.untrusted-certificate', 'api.tls.mixed-content', 'api.tls.mixed-content-loopback', 'api.tls.https-scheme'];

/** A copy of case `id` under another ID with its TLS part replaced: a case that is broken on purpose. */
function broken(id: string, newId: string, tls: object): CaseDef {
  const def = caseById(id)!;
  if (def.expect.kind !== 'browser-api') throw new TypeError(id);
  return { ...def, id: newId, expect: { kind: 'browser-api', check: { ...def.expect.check, tls } } };
}
/** Expects a refusal, but its server presents the certificate the engine trusts. */
const refusesTrusted = broken('api.tls.untrusted-certificate', 'api.tls.broken.refuses-trusted', {});
/** Expects mixed content to be blocked, but its server is wss:// at the test host name: not mixed content. */
const blocksSecure = broken('api.tls.mixed-content', 'api.tls.broken.blocks-wss', { testHostName: true });

const cases = casesForRole(selectCases(allCases, { cases: AUTOBAHN, exclude: [] }), 'server');
const apiCases = [...browserApiCases.filter((c) => API.includes(c.id) || TLS_ONLY.includes(c.id)), refusesTrusted, blocksSecure];

async function runOverTls(engine: EngineName, extra: { browserEndpoint?: string } = {}): Promise<{ outcome: BrowserRunOutcome; v: Record<string, string>; r: Record<string, CaseResult> }> {
  const results: CaseResult[] = [];
  const { tls } = browserRunTls({ publicHost: '127.0.0.1', outdir: tmp() });
  const [outcome] = await runBrowsers({ engines: [engine], cases, apiCases, session: defaultSessionOptions, concurrency: 4, tls, onResult: (x) => results.push(x), ...extra });
  return {
    outcome: outcome!,
    v: Object.fromEntries(results.map((x) => [x.id, x.behavior === x.behaviorClose || x.behaviorClose === 'OK' ? x.behavior : `${x.behavior}/${x.behaviorClose}`])),
    r: Object.fromEntries(results.map((x) => [x.id, x])),
  };
}

/** What every engine must show over TLS for the slice: the same verdicts as over plain ws:// (all OK here). */
function assertSliceOk(v: Record<string, string>): void {
  for (const id of [...AUTOBAHN, ...API]) assert.equal(v[id], 'OK', `${id}: ${v[id]}`);
}

const expected: Record<EngineName, Record<string, string>> = {
  chromium: {
    'api.tls.untrusted-certificate': 'OK',
    'api.tls.mixed-content': 'NON-STRICT',
    'api.tls.mixed-content-loopback': 'OK',
    'api.tls.https-scheme': 'OK',
    'api.tls.broken.refuses-trusted': 'FAILED',
    'api.tls.broken.blocks-wss': 'FAILED',
  },
  firefox: {
    // Firefox closes with 1015 (RFC 6455 §7.4.1) where the close event must say 1006.
    'api.tls.untrusted-certificate': 'NON-STRICT',
    'api.tls.mixed-content': 'NON-STRICT',
    'api.tls.mixed-content-loopback': 'OK',
    'api.tls.https-scheme': 'OK',
    'api.tls.broken.refuses-trusted': 'FAILED',
    'api.tls.broken.blocks-wss': 'FAILED',
  },
  webkit: {
    'api.tls.untrusted-certificate': 'OK',
    // WebKitGTK cannot be told to resolve the test host name; it blocks ws:// to 127.0.0.1 too (error, no close).
    'api.tls.mixed-content': 'UNIMPLEMENTED',
    'api.tls.mixed-content-loopback': 'FAILED',
    'api.tls.https-scheme': 'OK',
    'api.tls.broken.refuses-trusted': 'FAILED',
    'api.tls.broken.blocks-wss': 'UNIMPLEMENTED',
  },
};

for (const engine of ['chromium', 'firefox', 'webkit'] as const) {
  describe(`test-browser ${engine} --tls (real ${engine})`, function () {
    this.timeout(150_000);
    let run: Awaited<ReturnType<typeof runOverTls>>;

    before(async function () {
      run = await runOverTls(engine);
      if (run.outcome.unavailable !== undefined) skipBecause(this, `${engine}: not available: ${run.outcome.unavailable}`);
    });

    it('trusts the run CA by a store of its own, not by accepting any certificate, and negotiates TLS 1.2 or 1.3 for the page', () => {
      const t = run.outcome.tls!;
      assert.equal(t.trust.acceptsAnyCertificate, false, t.trust.how);
      assert.match(t.trust.how, engine === 'webkit' ? /webkitgtk:browserOptions\.certificates/ : engine === 'firefox' ? /cert9\.db/ : /NSS database/);
      assert.match(t.protocol ?? '', /^TLSv1\.[23]$/);
    });

    it('runs the Autobahn and api.* slice over wss:// with the verdicts of plain ws://', () => {
      assert.equal(Object.keys(run.v).length, cases.length + apiCases.length);
      assertSliceOk(run.v);
      assert.equal(run.r['1.1.1']!.httpRequest.includes('Upgrade: websocket'), true);
    });

    it('gives the api.tls.* cases, and the broken ones, their verdicts for this engine', () => {
      const got = Object.fromEntries(Object.keys(expected[engine]).map((id) => [id, run.v[id]?.split('/')[0]]));
      assert.deepEqual(got, expected[engine], JSON.stringify(Object.fromEntries(Object.keys(expected[engine]).map((id) => [id, run.r[id]?.result])), null, 1));
      // A refused certificate never gets as far as an opening request; the trusted one does.
      assert.equal(run.r['api.tls.broken.refuses-trusted']!.behaviorClose, 'FAILED');
      assert.match(run.r['api.tls.broken.refuses-trusted']!.result, /saw "open"/);
      if (engine !== 'webkit') assert.match(run.r['api.tls.broken.blocks-wss']!.result, /saw "open"/, 'the test host name reaches this machine');
      else assert.match(run.r['api.tls.mixed-content']!.result, /cannot be told to resolve the test host name/);
    });
  });
}

describe('test-browser --tls with a browser that accepts any certificate (a Playwright browser server)', function () {
  this.timeout(60_000);

  it('does not judge api.tls.untrusted-certificate, and says why, and judges the rest', async function () {
    const path = findExecutable(knownPaths.chromium);
    if (!path) skipBecause(this, 'chromium: not available: no Chromium installed');
    let server: BrowserServer | null = null;
    try {
      server = await chromium.launchServer({ executablePath: path });
      const { outcome, v, r } = await runOverTls('chromium', { browserEndpoint: server.wsEndpoint() });
      assert.equal(outcome.tls?.trust.acceptsAnyCertificate, true);
      assert.equal(v['api.tls.untrusted-certificate'], 'UNIMPLEMENTED');
      assert.match(r['api.tls.untrusted-certificate']!.result, /this engine was launched accepting any certificate/);
      assert.equal(v['api.tls.mixed-content'], 'UNIMPLEMENTED');
      assert.equal(v['api.tls.https-scheme'], 'OK');
      assertSliceOk(v);
    } finally {
      await server?.close();
    }
  });
});

describe('test-browser --tls (the command, real Chromium)', function () {
  this.timeout(60_000);

  it('writes the CA certificate, no key, and the transport with how the engine trusted it', async function () {
    const dir = tmp();
    const r = await cli(['test-browser', 'chromium', '--tls', '--cases', '1.1.1,api.tls.*', '--outdir', dir, '--quiet']);
    if (r.code === 2 && /chromium: not available/.test(r.stderr)) skipBecause(this, r.stderr.trim());
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const files = readdirSync(dir);
    assert.ok(files.includes('ca.pem'));
    for (const f of files.filter((x) => !x.endsWith('.html'))) assert.doesNotMatch(readFileSync(join(dir, f), 'utf8'), /PRIVATE KEY/, f);
    const run = readRun(dir);
    assert.equal(run.results.length, 1 + TLS_ONLY.length);
    const tls = run.meta.agents[0]?.tls;
    assert.match(tls?.trust ?? '', /NSS database/);
    assert.match(tls?.certificate?.issuer ?? '', /wsconform throw-away CA/);
    assert.match(r.stdout, /over TLS: TLSv1\.[23] .*trusted by the run's CA/);
  });

  it('refuses api.tls.* without --tls, and --cert without --tls', async () => {
    const a = await cli(['test-browser', 'chromium', '--cases', 'api.tls.*', '--outdir', tmp()]);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /the api\.tls\.\* cases run only with --tls/);
    const b = await cli(['test-browser', 'chromium', '--cert', 'c.pem', '--key', 'k.pem', '--outdir', tmp()]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--cert and --key are for --tls/);
  });
});
