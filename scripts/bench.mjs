// `npm run bench`: the figures the issues ask for, printed as tables. Measures, never asserts.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { FrameDecoder } from '../dist/runner/wire/decoder.js';
import { MessageReader } from '../dist/runner/wire/reader.js';
import { encodeFrame } from '../dist/runner/wire/frame.js';

const require = createRequire(import.meta.url);
const { Receiver } = require('ws');
// Selectors: `npm run bench -- codec|e2e|tls|h2|client|fuzz|load|browser|browser-tls|full|all`; none runs all but `full`.
const only = process.argv[2];
const SELECTORS = ['codec', 'e2e', 'tls', 'h2', 'client', 'fuzz', 'load', 'browser', 'browser-tls', 'full', 'all'];
if (only !== undefined && !SELECTORS.includes(only)) {
  console.error(`bench: unknown selector ${JSON.stringify(only)}; use one of ${SELECTORS.join(', ')}`);
  process.exit(2);
}

function table(title, rows) {
  console.log(`\n${title}`);
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  console.log(cols.map((c, i) => c.padEnd(width[i])).join('  '));
  for (const r of rows) console.log(cols.map((c, i) => String(r[c]).padEnd(width[i])).join('  '));
}

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);

// ---- codec: parse + unmask, the same buffers through both decoders -----------------------------
function codecBench() {
  const rows = [];
  for (const [label, size, count] of [
    ['125 B frames', 125, 40000],
    ['16 KiB frames', 16384, 2000],
    ['1 MiB frames', 1 << 20, 64],
  ]) {
    const frames = [];
    for (let i = 0; i < count; i++) frames.push(encodeFrame({ opcode: 2, payload: randomBytes(size), mask: randomBytes(4) }));
    const stream = Buffer.concat(frames);
    // Deliver in 64 KiB chunks, as a socket would.
    const chunks = [];
    for (let at = 0; at < stream.length; at += 65536) chunks.push(stream.subarray(at, at + 65536));
    const mb = stream.length / 1e6;
    // Best of 25, the same for both decoders: steady state, once the JIT has compiled both (with 5,
    // the first runs' warm-up decided the 125-byte figure).
    const time = (fn) => {
      let best = Infinity;
      for (let rep = 0; rep < 25; rep++) {
        const copy = chunks.map((c) => Buffer.from(c));
        const t0 = performance.now();
        fn(copy);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const ours = time((copy) => {
      const d = new FrameDecoder({ maxPayload: 1 << 30 });
      const r = new MessageReader({ expectMasked: true, maxMessageSize: 1 << 30 });
      let n = 0;
      for (const c of copy) for (const f of d.push(c)) n += r.push(f).length;
      if (n !== count) throw new Error(`wsconform decoded ${n} of ${count}`);
    });
    const theirs = time((copy) => {
      const r = new Receiver({ isServer: true, maxPayload: 1 << 30 });
      let n = 0;
      r.on('message', () => n++);
      for (const c of copy) r.write(c);
      if (n !== count) throw new Error(`ws decoded ${n} of ${count}`);
    });
    rows.push({ input: label, MB: mb.toFixed(1), 'wsconform MB/s': (mb / (ours / 1000)).toFixed(0), 'ws Receiver MB/s': (mb / (theirs / 1000)).toFixed(0), ratio: (theirs / ours).toFixed(2) });
  }
  table('Codec: parse + unmask (+ message assembly), masked binary frames in 64 KiB chunks (goal: ratio ≥ 1.0)', rows);
}

// Each end-to-end scenario runs in its own process (scripts/bench-run.mjs), so its peak RSS is its own.
function benchRun(args) {
  const out = execFileSync(process.execPath, [new URL('./bench-run.mjs', import.meta.url).pathname, ...args.map(String)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop());
}

function scenario(cases, concurrency = 32, deflate = false) {
  return benchRun([cases, concurrency, deflate]);
}

const SECTIONS_1_10 = '1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*';
const OWN = 'handshake.*,closecode.*,frame.*';
const SECTIONS_12_13 = '12.*,13.*';
const AUTOBAHN = `${SECTIONS_1_10},${SECTIONS_12_13}`;
const verdicts = (counts) => JSON.stringify(counts);
const seconds = (ms) => (ms === null || ms === undefined ? '-' : (ms / 1000).toFixed(2));
const row = (name, r, goal, extra = {}) => ({
  scenario: name,
  cases: r.cases,
  'wall s': seconds(r.wallMs),
  'harness CPU s': seconds(r.harnessCpuMs),
  'target CPU s': seconds(r.targetCpuMs),
  'wall/target CPU': r.targetCpuMs ? (r.wallMs / r.targetCpuMs).toFixed(2) : '-',
  'peak RSS MB': r.peakRssMb,
  ...extra,
  goal,
});

/** Sections 1-10 against the ws echo server in server mode: run once, shown by e2e and by client. */
let serverSections1to10;
const sections1to10 = () => (serverSections1to10 ??= scenario(SECTIONS_1_10));

function e2e() {
  const rows = [
    ['sections 1-10 vs ws echo', sections1to10(), 'wall ≤ 3 s, RSS ≤ 200 MB'],
    ['own cases (handshake, closecode, frame) vs ws echo', scenario(OWN), 'wall ≤ 2 s'],
    ['sections 12-13 vs ws echo without deflate (all UNIMPLEMENTED)', scenario(SECTIONS_12_13), 'wall ≤ 2 s'],
  ].map(([name, r, goal]) => row(name, r, goal, { verdicts: verdicts(r.counts) }));
  table('End to end against a local ws echo server (child process)', rows);
  const scale = [1, 2, 4, 8, 32].map((c) => {
    const r = c === 32 ? sections1to10() : scenario(SECTIONS_1_10, c);
    return { concurrency: c, 'wall s': seconds(r.wallMs), 'peak RSS MB': r.peakRssMb, verdicts: verdicts(r.counts) };
  });
  const same = new Set(scale.map((s) => s.verdicts)).size === 1;
  table(`Scaling: sections 1-10 at several concurrency levels (goal: verdicts do not change — ${same ? 'they did not' : 'THEY CHANGED'})`, scale);
}

// ---- TLS: sections 1-10 against the ws echo server over ws:// and over wss://, one after the other -
function tlsBench() {
  const r = benchRun(['tls', SECTIONS_1_10, 32]);
  const t = r.secure.tls;
  // ws itself races in a few cases (its echo of a frame against its failure on the next, test/fuzzing-client/real-servers.test.ts).
  const differ = Object.keys(r.plain.verdicts).filter((id) => r.plain.verdicts[id] !== r.secure.verdicts[id]);
  table(`TLS: sections 1-10 vs the ws echo server, ws:// then wss:// (${t ? `${t.protocol} ${t.cipher}` : 'no TLS?'}), in one bench run (goal: wss:// wall ≤ 1.5 × ws://)`, [
    row('over ws://', r.plain, '-', { verdicts: verdicts(r.plain.counts) }),
    row('over wss://', r.secure, `ratio ${r.ratio.toFixed(2)} (≤ 1.5)`, { verdicts: verdicts(r.secure.counts) }),
  ]);
  console.log(`verdicts that differ between ws:// and wss://: ${differ.length === 0 ? 'none' : differ.map((id) => `${id} (${r.plain.verdicts[id]} → ${r.secure.verdicts[id]})`).join(', ')}`);
}

// ---- HTTP/2: sections 1-10 against Hypercorn over HTTP/1.1 and over HTTP/2 (h2c), one process each -
function h2Bench() {
  const h1 = benchRun(['h2', SECTIONS_1_10, 32, 'http1']);
  const h2 = benchRun(['h2', SECTIONS_1_10, 32, 'http2']);
  const perCase = (r) => r.harnessCpuMs / r.cases;
  const cpuGrowth = perCase(h2) / perCase(h1) - 1;
  const differ = Object.keys(h1.verdicts).filter((id) => h1.verdicts[id] !== h2.verdicts[id]);
  table('HTTP/2 (RFC 8441): sections 1-10 vs Hypercorn (the built-in HTTP/2 target), over HTTP/1.1 then over h2c, in one bench run', [
    row('over HTTP/1.1', h1, '-', { 'harness CPU ms/case': perCase(h1).toFixed(1), verdicts: verdicts(h1.counts) }),
    row(
      `over HTTP/2 (${h2.protocol})`,
      h2,
      `wall ratio ${(h2.wallMs / h1.wallMs).toFixed(2)} (≤ 1.5), CPU/case ${cpuGrowth >= 0 ? '+' : ''}${(cpuGrowth * 100).toFixed(0)} % (≤ +30 %), RSS ≤ 200 MB`,
      {
        'harness CPU ms/case': perCase(h2).toFixed(1),
        verdicts: verdicts(h2.counts),
      },
    ),
  ]);
  console.log(`behavior verdicts that differ between HTTP/1.1 and HTTP/2: ${differ.length === 0 ? 'none' : differ.map((id) => `${id} (${h1.verdicts[id]} → ${h2.verdicts[id]})`).join(', ')}`);
}

// ---- the whole Autobahn catalogue with permessage-deflate on (about 10 minutes on 2 cores) ------
function full() {
  const r = scenario(AUTOBAHN, 32, true);
  table('Full Autobahn catalogue (sections 1-7, 9, 10, 12, 13) vs ws echo WITH permessage-deflate', [
    row('all Autobahn cases, deflate on', r, 'wall ≤ 3 min, wall/target CPU ≤ 1.0, RSS ≤ 200 MB', { verdicts: verdicts(r.counts) }),
  ]);
}

// ---- client mode: wsconform is the fuzzing server, the ws client fixture runs as --command -----
function client() {
  const server = sections1to10();
  const c = benchRun(['client', SECTIONS_1_10, 8]);
  table("Client mode: sections 1-10, test-client --command against the ws client (fixture, 8 cases at once); target CPU = the command's", [
    row('test-client vs ws client', c, 'wall ≤ 5 s', { verdicts: verdicts(c.counts) }),
    row('test-server vs ws echo (for comparison)', server, 'wall ≤ 3 s', { verdicts: verdicts(server.counts) }),
  ]);
}

// ---- fuzzing: test-server --fuzz N --seed S against the ws echo server, without the catalogue ---
function fuzz() {
  const n = 5000;
  const r = benchRun(['fuzz', n, 1, 32]);
  table(`Fuzzing: ${n} generated sequences (seed 1, concurrency 32) vs ws echo, wall including generation and shrinking`, [
    {
      sequences: r.cases,
      'wall s': seconds(r.wallMs),
      'of which generation s': seconds(r.generateMs),
      'harness CPU s': seconds(r.harnessCpuMs),
      'target CPU s': seconds(r.targetCpuMs),
      'peak RSS MB': r.peakRssMb,
      'sequences/s': Math.round(r.cases / (r.wallMs / 1000)),
      reproducers: r.reproducers,
      verdicts: verdicts(r.counts),
      goal: '≥ 2,000 sequences/s',
    },
  ]);
}

// ---- browsers: the page is the client (test-browser through the built CLI) --------------------
const BROWSER_SELECTION = '1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*,api.*';

function browserRun(engine, cases, extra = []) {
  const { mkdtempSync, readFileSync } = require('node:fs');
  const { join } = require('node:path');
  const tmp = require('node:os').tmpdir();
  const bin = new URL('../bin/wsconform.js', import.meta.url).pathname;
  const outdir = mkdtempSync(join(tmp, 'wsconform-bench-browser-'));
  const t0 = performance.now();
  let stderr = '';
  try {
    execFileSync(process.execPath, [bin, 'test-browser', engine, '--cases', cases, ...extra, '--outdir', outdir, '--quiet'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 24,
    });
  } catch (e) {
    stderr = String(e.stderr ?? ''); // exit 1 (a case failed) is the normal outcome for a browser
  }
  const wallMs = performance.now() - t0;
  const wallS = (wallMs / 1000).toFixed(1);
  const meta = JSON.parse(readFileSync(join(outdir, 'run.json'), 'utf8'));
  const results = readFileSync(join(outdir, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const count = (filter) => {
    const c = {};
    for (const r of results.filter(filter)) c[r.behavior] = (c[r.behavior] ?? 0) + 1;
    return JSON.stringify(c);
  };
  const agents = meta.agents.map((a) => (a.unavailable ? `${a.name}: not available (${a.unavailable.slice(0, 60)})` : a.name)).join(', ');
  return {
    engine: agents || engine + (stderr ? `: ${stderr.trim().split('\n')[0]}` : ''),
    cases: results.length,
    'wall s': wallS,
    'Autobahn behavior': count((r) => !r.id.startsWith('api.')),
    'api.* behavior': count((r) => r.id.startsWith('api.')),
    wallMs,
    tls: meta.agents.find((a) => a.tls)?.tls,
  };
}

function browserBench() {
  const selection = BROWSER_SELECTION;
  const run = (engine, cases) => {
    const { wallMs: _wallMs, tls: _tls, ...row } = browserRun(engine, cases);
    return row;
  };
  table(
    'Browsers: sections 1-10 + api.*, wall including launch (goal: Chromium ≤ 15 s, every engine ≤ 60 s in all)',
    ['chromium', 'firefox', 'webkit'].map((e) => run(e, selection)),
  );
  // Issue 19's figure: every api.* case in the document and both workers, the three engines one
  // after another in one process, as a compatibility audit runs them.
  table('Browsers: api.* in every context, test-browser all, wall including the launches (goal ≤ 60 s)', [run('all', 'api.*')]);
  // Every engine negotiates permessage-deflate: the whole catalogue compresses gigabytes through
  // the page (about 15 minutes per engine here), so it belongs to `full`, not to every bench run.
  if (only === 'full' || only === 'all')
    table(
      'Browsers: the whole catalogue per engine, 12.x/13.x compressed (no goal yet)',
      ['chromium', 'firefox', 'webkit'].map((e) => run(e, '*')),
    );
  else console.log('\nBrowsers, the whole catalogue per engine: skipped (about 15 minutes per engine); `npm run bench -- all` runs it.');
}

// ---- browsers over TLS: the same slice over ws:// and over wss:// (https:// page), per engine ---
// BENCH_ENGINES (default chromium,firefox,webkit) and BENCH_BROWSER_CASES (default sections 1-10
// and api.*) pick the runs; plain and TLS alternate, twice, and the better wall time of each counts
// (the machine is shared). The TLS run leaves out api.tls.*, so that both run the same cases.
function browserTlsBench() {
  const engines = (process.env.BENCH_ENGINES ?? 'chromium,firefox,webkit').split(',');
  const cases = process.env.BENCH_BROWSER_CASES ?? BROWSER_SELECTION;
  const rows = engines.map((engine) => {
    const plain = [];
    const tls = [];
    for (let round = 0; round < 2; round++) {
      plain.push(browserRun(engine, cases));
      tls.push(browserRun(engine, cases, ['--tls', '--exclude', 'api.tls.*']));
    }
    const best = (runs) => runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
    const p = best(plain);
    const t = best(tls);
    return {
      engine: p.engine,
      cases: `${p.cases} / ${t.cases}`,
      'plain wall s': (p.wallMs / 1000).toFixed(1),
      'TLS wall s': (t.wallMs / 1000).toFixed(1),
      ratio: (t.wallMs / p.wallMs).toFixed(2),
      'same verdicts':
        p['Autobahn behavior'] === t['Autobahn behavior'] && p['api.* behavior'] === t['api.* behavior']
          ? 'yes'
          : `no: plain ${p['Autobahn behavior']} ${p['api.* behavior']}, TLS ${t['Autobahn behavior']} ${t['api.* behavior']}`,
      'trusted by': t.tls?.trust ?? '-',
    };
  });
  table(`Browsers over TLS: ${cases}, best of 2 each, wall including launch (goal: TLS ≤ 1.5 × plain, per engine)`, rows);
}

// ---- slow and hostile real targets: verdicts under load, stalls, memory --------------------------
function load() {
  const same = (a, b) => {
    const ids = Object.keys(a.verdicts);
    const d = ids.filter((id) => a.verdicts[id] !== b.verdicts[id]);
    return `${ids.length - d.length}/${ids.length}${d.length ? ` (differ: ${d.slice(0, 6).join(' ')}${d.length > 6 ? ' …' : ''})` : ''}`;
  };
  const paceText = (p) => (p ? `lowest ${p.lowestConcurrency}${p.bulkApart ? ', bulk apart' : ''}, ${p.confirmed} replayed (${p.changed} changed)` : '-');
  const tornado1 = benchRun(['real', 'tornado', SECTIONS_1_10, 1]);
  const tornado32 = benchRun(['real', 'tornado', SECTIONS_1_10, 32]);
  const websocketd32 = benchRun(['real', 'websocketd', SECTIONS_1_10, 32]);
  const rows = [
    row('Tornado 6.2 echo, --concurrency 1', tornado1, '-', { pace: paceText(tornado1.pace), 'same as at 1': '-' }),
    row('Tornado 6.2 echo, default (32)', tornado32, 'verdicts as at 1; wall ≤ 0.5 × wstest', { pace: paceText(tornado32.pace), 'same as at 1': same(tornado32, tornado1) }),
    row('websocketd 0.4.1 + cat, default (32)', websocketd32, 'ends; wall ≤ 0.5 × wstest (570 s)', { pace: paceText(websocketd32.pace), 'same as at 1': '-' }),
  ];
  if (process.env.WSTEST) {
    const w = benchRun(['wstest', 'tornado', SECTIONS_1_10]);
    rows.push({ ...row('Tornado 6.2 echo under wstest', w, '-'), pace: '-', 'same as at 1': same(w, tornado1) });
  } else {
    console.log('\n(set WSTEST=path/to/wstest to time the real Autobahn|Testsuite against Tornado beside these)');
  }
  table('Slow real targets, sections 1-10 (Debian python3-tornado, websocketd)', rows);
  // Without 9.x: its 16 MiB messages to a server that never reads them exhaust the flooding server itself.
  const flood = benchRun(['real', 'flood', '1.*,2.*,3.*,4.*,5.*,6.*,7.*,10.*', 32]);
  table('A server that floods 64 KiB binary messages as fast as loopback takes them, sections 1-7 and 10', [
    row('flooding server, default (32)', flood, 'ends, RSS ≤ 200 MB', { verdicts: verdicts(flood.counts) }),
  ]);
}

const selected = (name) => only === name || only === 'all' || (only === undefined && name !== 'full');
if (selected('codec')) codecBench();
if (selected('e2e')) e2e();
if (selected('tls')) tlsBench();
if (selected('h2')) h2Bench();
if (selected('client')) client();
if (selected('fuzz')) fuzz();
if (selected('load')) load();
if (selected('full')) full();
else if (only === undefined)
  console.log('\nFull Autobahn catalogue with permessage-deflate skipped (about 10 minutes): run it with `npm run bench -- full` (or everything with `npm run bench -- all`).');
if (selected('browser')) browserBench();
// Twelve browser runs (plain and TLS, twice, per engine): only when asked for.
if (only === 'browser-tls' || only === 'all') browserTlsBench();
else if (only === undefined) console.log('\nBrowsers over TLS against plain: skipped (twelve browser runs); `npm run bench -- browser-tls` runs them.');
