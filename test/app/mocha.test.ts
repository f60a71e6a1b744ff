/**
 * wsconform/mocha as a library's test suite uses it: one `it` per case against a server started in
 * `before()`, and a failing case shown as a failing `it` that says why.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Mocha from 'mocha';
import { describeConformance } from '../../runner/app/mocha.js';
import { selectedCases } from '../../runner/app/api.js';
import { casesForRole } from '../../runner/engine/plan.js';
import { startEchoServer } from '../../runner/targets/echo-server.js';
import { startBadUpgradeServer } from '../support/bad-upgrade-server.js';
import { startBrokenServer } from '../support/broken-server.js';

const selection = { cases: ['1.1.*', '2.*', '5.*', '7.1.*'], exclude: ['5.19', '5.20'] };

describe('describeConformance against the ws echo server', function () {
  let server: Awaited<ReturnType<typeof startEchoServer>> | undefined;
  before(async () => {
    server = await startEchoServer();
  });
  after(() => server?.close());

  // The URL is read when the suite runs, after the before() above has started the server.
  describeConformance('ws', { url: () => `ws://127.0.0.1:${server!.port}`, ...selection, concurrency: 16 });

  const generated = this.suites.at(-1)!;
  it('declares one test per selected case that applies to servers, titled by ID and title', () => {
    const expected = casesForRole(selectedCases(selection), 'client');
    assert.equal(generated.tests.length, expected.length);
    assert.equal(generated.tests[0]!.title, `${expected[0]!.id} ${expected[0]!.title}`);
  });
});

/** Runs a spec file in a separate Mocha instance and collects what its reporter saw. */
async function runSpec(file: string): Promise<{ passed: string[]; failed: Array<{ title: string; message: string }> }> {
  const passed: string[] = [];
  const failed: Array<{ title: string; message: string }> = [];
  function Collector(runner: Mocha.Runner): void {
    runner.on('pass', (t) => passed.push(t.title));
    runner.on('fail', (t, err: Error) => failed.push({ title: t.title, message: err.message }));
  }
  // The inner Mocha sets the bdd globals for its own files; the outer run's must come back after.
  const names = ['describe', 'context', 'it', 'specify', 'before', 'after', 'beforeEach', 'afterEach', 'xdescribe', 'xcontext', 'xit', 'xspecify', 'run'] as const;
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = names.map((n) => [n, g[n]] as const);
  const mocha = new Mocha({ reporter: Collector as unknown as typeof Mocha.reporters.Base, timeout: 60_000 });
  mocha.addFile(file);
  try {
    await mocha.loadFilesAsync();
    await new Promise<void>((resolve) => mocha.run(() => resolve()));
  } finally {
    for (const [n, v] of saved) g[n] = v;
    mocha.dispose();
  }
  return { passed, failed };
}

const specDirs: string[] = [];

/** Writes a spec file that calls describeConformance with these options (a JS object literal). */
function writeSpec(options: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsconform-mocha-'));
  specDirs.push(dir);
  const spec = join(dir, 'conformance.spec.mjs');
  const module = pathToFileURL(join(import.meta.dirname, '../../runner/app/mocha.ts')).href;
  writeFileSync(spec, `import { describeConformance } from ${JSON.stringify(module)};\ndescribeConformance('target', ${options});\n`);
  return spec;
}

describe('describeConformance in a mocha run', function () {
  this.timeout(60_000);
  after(() => {
    for (const dir of specDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('reports a failing case as a failing test, with the verdicts and the reason', async () => {
    const server = await startBrokenServer({ noPong: true });
    try {
      const { passed, failed } = await runSpec(writeSpec(`{ url: ${JSON.stringify(server.url)}, cases: ['1.1.1', '2.1'] }`));
      assert.equal(passed.length, 1);
      assert.match(passed[0]!, /^1\.1\.1 /);
      assert.equal(failed.length, 1, JSON.stringify(failed));
      assert.match(failed[0]!.title, /^2\.1 /);
      assert.match(failed[0]!.message, /^2\.1 .+: behavior FAILED, behaviorClose OK\nfails the policy: behavior FAILED: \S/);
    } finally {
      await server.close();
    }
  });

  it('passes a known failure listed in policy.expectedFailures', async () => {
    const server = await startBrokenServer({ noPong: true });
    try {
      const options = `{ url: ${JSON.stringify(server.url)}, cases: '2.1', policy: { expectedFailures: { '2.1': 'no pongs yet' } } }`;
      const { passed, failed } = await runSpec(writeSpec(options));
      assert.deepEqual(failed, []);
      assert.equal(passed.length, 1);
    } finally {
      await server.close();
    }
  });

  it('fails the before hook, not each test, when the server cannot be reached', async () => {
    const { passed, failed } = await runSpec(writeSpec(`{ url: 'ws://127.0.0.1:1', cases: '1.1.*' }`));
    assert.deepEqual(passed, []);
    assert.equal(failed.length, 1);
    assert.match(failed[0]!.title, /before all/);
    assert.match(failed[0]!.message, /ws:\/\/127\.0\.0\.1:1/);
  });

  it('fails each test, with the reason, when the server answers the upgrade wrongly: that is a finding, not an unreachable server', async () => {
    const server = await startBadUpgradeServer('wrong-accept');
    try {
      const { passed, failed } = await runSpec(writeSpec(`{ url: ${JSON.stringify(server.url)}, cases: '1.1.*' }`));
      assert.deepEqual(passed, []);
      assert.equal(failed.length, 8, JSON.stringify(failed));
      for (const f of failed) assert.match(f.message, /behavior FAILED, behaviorClose FAILED\nfails the policy: .*The opening handshake failed: handshake: Sec-WebSocket-Accept is "A+="/);
    } finally {
      await server.close();
    }
  });

  it('refuses a bad policy or an empty selection while the spec file loads', () => {
    assert.throws(() => describeConformance('x', { url: 'ws://127.0.0.1:1', policy: { failOn: ['NOPE'] } }), /unknown verdict "NOPE"/);
    assert.throws(() => describeConformance('x', { url: 'ws://127.0.0.1:1', cases: 'no.such.case' }), /no case selected/);
  });

  it('says so when called outside mocha', () => {
    const g = globalThis as unknown as Record<string, unknown>;
    const saved = g.describe;
    g.describe = undefined;
    try {
      assert.throws(() => describeConformance('x', { url: 'ws://127.0.0.1:1' }), /while mocha loads a spec file/);
    } finally {
      g.describe = saved;
    }
  });
});
