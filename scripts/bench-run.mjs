// One end-to-end benchmark scenario in its own process, so that its peak RSS is its own.
// Prints one JSON line: wall ms, harness CPU ms, target CPU ms, peak RSS MB, verdict counts.
//
//   node scripts/bench-run.mjs CASES [CONCURRENCY] [DEFLATE]   test-server against the ws echo server
//   node scripts/bench-run.mjs client CASES [CLIENT_CONCURRENCY]   test-client against the ws client fixture
//   node scripts/bench-run.mjs fuzz COUNT [SEED] [CONCURRENCY]     test-server --fuzz against the ws echo server
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testClient, testServer } from '../dist/runner/api.js';
import { spawnEchoServer } from '../dist/runner/targets/echo-server.js';
import { fuzzCases, fuzzServer } from '../dist/runner/fuzz/index.js';
import { defaultSessionOptions } from '../dist/runner/session.js';

const counts = (results) => {
  const c = {};
  for (const r of results) c[r.behavior] = (c[r.behavior] ?? 0) + 1;
  return c;
};
/**
 * Peak RSS of this process. Linux: VmHWM, which belongs to this program's own address space;
 * getrusage's maxRSS survives exec and so starts at whatever the parent (the bench) held at fork.
 */
const peakRssMb = () => {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch {
    // not Linux
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
};
const cpuMs = (u) => Math.round((u.user + u.system) / 1000);

/**
 * CPU time (ms) of this process's children that have ended and been waited for (Linux: cutime +
 * cstime of /proc/self/stat); null where that is not available. A client command runs under a
 * shell that waits for it, so once the command has ended its CPU is counted here.
 */
function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after "(comm)": state is fields[0], so cutime (field 16) and cstime (17) are [13] and [14].
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

const [mode, ...args] = process.argv.slice(2);

if (mode === 'client') {
  // wsconform is the fuzzing server; the ws client fixture runs as the --command.
  const [cases = '*', clientConcurrency = '8'] = args;
  const fixture = fileURLToPath(new URL('../test/fixtures/ws-autobahn-client.mjs', import.meta.url));
  const command = `'${process.execPath}' '${fixture}' {url} {agent} ${Number(clientConcurrency)}`;
  const children0 = childrenCpuMs();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const run = await testClient({ command, agent: 'ws', cases: cases.split(','), deadline: 600 });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const children1 = childrenCpuMs();
  console.log(JSON.stringify({
    cases: run.results.length,
    wallMs: Math.round(wallMs),
    harnessCpuMs: cpuMs(cpu),
    targetCpuMs: children0 === null || children1 === null ? null : Math.round(children1 - children0),
    peakRssMb: peakRssMb(),
    counts: counts(run.results),
  }));
} else if (mode === 'fuzz') {
  // As `wsconform test-server --fuzz COUNT --seed SEED` does it (runner/cli.ts), without the catalogue.
  const [count = '10000', seed = '1', concurrency = '32'] = args;
  const target = await spawnEchoServer();
  const outdir = mkdtempSync(join(tmpdir(), 'wsconform-bench-fuzz-'));
  let stopped = false;
  try {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const defs = fuzzCases(Number(seed), Number(count));
    const generateMs = performance.now() - t0;
    const f = await fuzzServer({
      url: target.url,
      agent: 'ws',
      defs,
      outdir,
      concurrency: Number(concurrency),
      session: { ...defaultSessionOptions, caseTimeoutMs: 60_000, stretchCaseTimeout: true },
      openHandshakeTimeoutMs: 5000,
    });
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const { cpuMs: targetCpuMs } = await target.stop();
    stopped = true;
    console.log(JSON.stringify({
      cases: f.results.length,
      wallMs: Math.round(wallMs),
      generateMs: Math.round(generateMs),
      harnessCpuMs: cpuMs(cpu),
      targetCpuMs: Math.round(targetCpuMs),
      peakRssMb: peakRssMb(),
      reproducers: f.reproducers.length,
      counts: counts(f.results),
    }));
  } finally {
    if (!stopped) await target.stop();
    rmSync(outdir, { recursive: true, force: true });
  }
} else {
  // test-server against the ws echo server (the first argument is the case list).
  const [cases = '*', concurrency = '32', deflate = 'false'] = mode === undefined ? [] : [mode, ...args];
  const target = await spawnEchoServer({ perMessageDeflate: deflate === 'true' });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const run = await testServer({ url: target.url, cases: cases.split(','), concurrency: Number(concurrency), agent: 'ws' });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const { cpuMs: targetCpuMs } = await target.stop();
  console.log(JSON.stringify({
    cases: run.results.length,
    wallMs: Math.round(wallMs),
    harnessCpuMs: cpuMs(cpu),
    targetCpuMs: Math.round(targetCpuMs),
    peakRssMb: peakRssMb(),
    counts: counts(run.results),
  }));
}
