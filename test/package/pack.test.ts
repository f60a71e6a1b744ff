/**
 * The npm package as a user gets it: `npm pack` holds only what runs, and the tarball installed in
 * an empty folder gives a working `npx wsconform` and typed imports of 'wsconform' and
 * 'wsconform/mocha' (which must load without mocha installed).
 *
 * Packs the built dist/ (npm test builds first). Installs offline: the folder gets a lockfile with
 * this repository's locked versions of the runtime dependencies, which `npm ci` put in the npm cache.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** npm's per-script variables would point the inner npm at this repository; everything else stays (cache, registry, CA). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
  for (const k of Object.keys(env)) if (/^npm_(package_|lifecycle_|config_local_prefix$)/i.test(k) || k === 'INIT_CWD') delete env[k];
  return env;
}

function run(cmd: string, args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const show = (r: Ran): string => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;

/** Where the registry serves a package's tarball (what `npm ci` fetched, and what the cache holds). */
function tarballUrl(registry: string, name: string, version: string): string {
  const base = name.startsWith('@') ? name.split('/')[1]! : name;
  return `${registry.replace(/\/?$/, '/')}${name}/-/${base}-${version}.tgz`;
}

interface LockEntry {
  version: string;
  resolved?: string;
  dev?: boolean;
  [k: string]: unknown;
}

/** A lockfile for a project depending only on the tarball, with this repository's locked runtime dependencies. */
function appLockfile(tgz: string, registry: string): object {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { wsconform: `file:${tgz}` } },
    'node_modules/wsconform': { version: pkg.version, resolved: `file:${tgz}`, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev || !path.startsWith('node_modules/')) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[path] = { ...entry, resolved: entry.resolved ?? tarballUrl(registry, name, entry.version) };
  }
  return { name: 'app', lockfileVersion: 3, requires: true, packages };
}

describe('npm package', function () {
  this.timeout(120_000);
  let dir = '';
  let app = '';
  let files: string[] = [];

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'wsconform-pack-'));
    app = join(dir, 'app');
    assert.ok(existsSync(join(root, 'dist/runner/app/api.js')) && existsSync(join(root, 'dist/runner/app/mocha.js')), 'dist/ is missing: run npm run build first');
    // --ignore-scripts: pack the dist/ that npm test just built instead of building it again.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root);
    assert.equal(packed.code, 0, show(packed));
    const info = (JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
    files = info.files.map((f) => f.path);
    const registry = (await run('npm', ['config', 'get', 'registry'], dir)).stdout.trim() || 'https://registry.npmjs.org/';
    mkdirSync(app);
    const tgz = `../${info.filename}`;
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { wsconform: `file:${tgz}` } }));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(appLockfile(tgz, registry), null, 2));
    const installed = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], app);
    assert.equal(installed.code, 0, `offline install from the npm cache failed (run npm ci in the repository first)\n${show(installed)}`);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('contains only compiled JS, declarations, templates, the bin, README and LICENSE', () => {
    const allowed = [
      /^package\.json$/,
      /^README\.md$/,
      /^LICENSE$/,
      /^bin\/wsconform\.js$/,
      /^dist\/.+\.(js|d\.ts)$/,
      /^dist\/reports\/templates\//,
      /^dist\/cases\/data\//,
      /^dist\/runner\/browser\/page\//,
    ];
    const stray = files.filter((f) => !allowed.some((re) => re.test(f)));
    assert.deepEqual(stray, []);
    for (const f of ['bin/wsconform.js', 'dist/runner/app/cli.js', 'dist/runner/app/api.d.ts', 'dist/runner/app/mocha.js', 'dist/runner/app/mocha.d.ts', 'LICENSE', 'README.md'])
      assert.ok(files.includes(f), f);
    assert.ok(
      files.some((f) => f.startsWith('dist/reports/templates/')),
      'the HTML templates',
    );
    assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('dist/test/') || /(?<!\.d)\.ts$/.test(f)), 'no tests, no TypeScript sources');
  });

  it('runs npx wsconform --help', async () => {
    const r = await run('npx', ['wsconform', '--help'], app);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /test-server/);
  });

  it('runs npx wsconform test-server against the built-in echo server and writes the reports', async () => {
    const r = await run('npx', ['wsconform', 'test-server', '--cases', '1.1.1'], app);
    assert.equal(r.code, 0, show(r));
    const index = JSON.parse(readFileSync(join(app, 'reports/servers/index.json'), 'utf8')) as Record<string, Record<string, { behavior: string }>>;
    assert.equal(Object.values(index)[0]?.['1.1.1']?.behavior, 'OK');
    assert.ok(existsSync(join(app, 'reports/servers/index.html')));
  });

  it("imports 'wsconform' and 'wsconform/mocha' at run time, without mocha installed", async () => {
    const script = [
      "import { testServer, gate } from 'wsconform';",
      "import { describeConformance } from 'wsconform/mocha';",
      "const run = await testServer({ cases: '1.1.1' });",
      'console.log(JSON.stringify({ results: run.results.length, behavior: run.results[0].behavior, exit: gate(run).exitCode, mocha: typeof describeConformance }));',
    ].join('\n');
    writeFileSync(join(app, 'use.mjs'), script);
    const r = await run(process.execPath, ['use.mjs'], app);
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(JSON.parse(r.stdout), { results: 1, behavior: 'OK', exit: 0, mocha: 'function' });
    assert.ok(!existsSync(join(app, 'node_modules/mocha')));
  });

  it('type-checks a consumer of the typed API (no @types/mocha, no @types/ws needed)', async () => {
    const source = [
      "import { testServer, gate, renderReports, type RunResults, type CaseResult } from 'wsconform';",
      "import { describeConformance, type ConformanceOptions } from 'wsconform/mocha';",
      "const run: RunResults = await testServer({ url: 'ws://127.0.0.1:9001', cases: ['1.*'], exclude: '1.2.*', concurrency: 8 });",
      'const first: CaseResult | undefined = run.results[0];',
      'const code: 0 | 1 = gate(run, { strict: true }).exitCode;',
      "renderReports(run, 'out', { junit: 'junit.xml' });",
      "const o: ConformanceOptions = { url: () => 'ws://127.0.0.1:9001', policy: { expectedFailures: { '2.1': 'why' } } };",
      "describeConformance('server', o);",
      '// @ts-expect-error url is required',
      'const bad: ConformanceOptions = {};',
      'export { first, code, bad };',
    ].join('\n');
    writeFileSync(join(app, 'consumer.ts'), source);
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const args = [
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--types',
      'node',
      '--typeRoots',
      join(root, 'node_modules/@types'),
      'consumer.ts',
    ];
    const r = await run(process.execPath, [tsc, ...args], app);
    assert.equal(r.code, 0, show(r));
  });
});
