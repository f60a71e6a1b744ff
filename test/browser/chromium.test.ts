/**
 * Real Chromium (Debian's, installed by .ci/run) through the CLI: a short selection of Autobahn
 * cases and the whole api.* catalogue, with results in the same results.jsonl and index.json as
 * any other client run.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { valueFamilyCases, windowApiCases } from '../../cases/browser-api/index.js';
import { readRun } from '../../reports/jsonl.js';
import type { CaseResult, RunResults } from '../../runner/engine/results.js';
import { cli, skipBecause, tmp } from './support.js';
import { assertPinned, assertStreamPinned } from './api-pins.js';

const AUTOBAHN = '1.1.1,1.1.2,1.2.3,2.1,2.10,3.1,5.1,6.1.1,7.1.1,9.1.1';

describe('test-browser chromium (real Chromium)', function () {
  this.timeout(60_000);
  let dir: string;
  let r: { code: number; stdout: string; stderr: string };
  let run: RunResults;
  const byId = (id: string): CaseResult => run.results.find((x) => x.id === id)!;

  before(async function () {
    dir = tmp();
    // The document's cases only: their worker variants are api-contexts.test.ts's.
    r = await cli(['test-browser', 'chromium', '--cases', `${AUTOBAHN},api.*`, '--exclude', 'api.*@*', '--outdir', dir, '--quiet']);
    if (r.code === 2 && /chromium: not available: (.*)/.test(r.stderr)) skipBecause(this, r.stderr.trim());
    run = readRun(dir);
  });

  it('runs every selected case once, under the agent chromium-<version>', () => {
    const agents = new Set(run.results.map((x) => x.agent));
    assert.equal(agents.size, 1, r.stderr);
    const agent = [...agents][0]!;
    assert.match(agent, /^chromium-\d+\.\d+/);
    // Without --tls, the api.tls.* cases are not selected (test/browser/tls-engines.test.ts runs them).
    assert.equal(run.results.length, AUTOBAHN.split(',').length + windowApiCases.filter((c) => !c.id.startsWith('api.tls.')).length, r.stderr);
    assert.deepEqual(run.meta.agents.find((a) => a.name === agent)?.engine, 'chromium');
  });

  it('writes index.json with the same agent and every case', () => {
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Record<string, Record<string, { behavior: string }>>;
    const [agent] = Object.keys(index);
    assert.match(agent!, /^chromium-/);
    assert.ok(index[agent!]!['1.1.1'] && index[agent!]!['api.close.code.999']);
  });

  it('exits 1 exactly when a case fails the gate', () => {
    const failing = run.results.some((x) => x.behavior === 'FAILED' || ['FAILED', 'WRONG CODE', 'UNCLEAN'].includes(x.behaviorClose));
    assert.equal(r.code, failing ? 1 : 0, r.stdout);
  });

  it('echoes the Autobahn cases through the page', () => {
    for (const id of ['1.1.1', '1.1.2', '1.2.3', '2.10', '5.1', '6.1.1', '7.1.1', '9.1.1']) assert.equal(byId(id).behavior, 'OK', `${id}: ${byId(id).result}`);
  });

  it('spreads the Autobahn cases over several loopback addresses (a browser connects to one address at a time)', () => {
    const hosts = new Set(run.results.filter((x) => !x.id.startsWith('api.')).map((x) => /\r\nHost: ([^\r]+)\r\n/i.exec(x.httpRequest)?.[1]));
    assert.ok(hosts.size >= 4, `Host headers: ${[...hosts].join(' ')}`);
    for (const h of hosts) assert.match(String(h), /^127\.0\.0\.\d+:\d+$/);
  });

  it('never needed a timeout verdict', () => {
    assert.deepEqual(
      run.results.filter((x) => x.timedOutWaitingFor).map((x) => x.id),
      [],
    );
  });

  it('judges close() argument checks, handshake failures and attributes that Chromium implements as the standard says', () => {
    const ids = windowApiCases
      .filter((c) => !valueFamilyCases.includes(c))
      .map((c) => c.id)
      .filter((id) => /^api\.(close\.code|close\.reason|handshake|protocol|binary-type|constructor|ready-state|send\.closing)\b/.test(id));
    const notOk = ids.filter((id) => byId(id).behavior !== 'OK' || byId(id).behaviorClose !== 'OK').map((id) => `${id}: ${byId(id).result} ${byId(id).resultClose}`);
    assert.deepEqual(notOk, []);
  });

  it('fails exactly the pinned cases of the value families (api-pins.ts)', () => assertPinned('chromium', run.results));

  it('judges the WebSocketStream cases as pinned (api-pins.ts)', () => assertStreamPinned('chromium', run.results));

  it('records what the page saw and what crossed the wire', () => {
    const c = byId('api.close.twice');
    assert.equal(c.remoteCloseCode, 1000);
    assert.equal(c.remoteCloseReason, 'a');
    assert.deepEqual(c.browserApi?.observedPage.slice(0, 2), ['open', 'close(1000, "a") → ok'], JSON.stringify(c.browserApi));
    assert.ok(c.wirelog.some((e) => e.kind === 'frame' && e.dir === 'rx' && e.opcode === 8));
    assert.match(c.httpRequest, /^GET \/api\.close\.twice HTTP\/1\.1/);
  });

  it('finds a deviation where Chromium has one: no error event when the server drops TCP', function () {
    // RFC 6455 §7.2.1 fails the connection when it is lost; Chromium 156 fires only close.
    const c = byId('api.server-drop');
    if (c.behavior === 'OK') this.skip();
    assert.match(c.result, /expected "error"/);
  });
});
