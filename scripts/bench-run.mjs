// One end-to-end benchmark scenario in its own process, so that its peak RSS is its own.
// Prints one JSON line: wall ms, harness CPU ms, target CPU ms, peak RSS MB, verdict counts.
import { testServer } from '../dist/runner/api.js';
import { spawnEchoServer } from '../dist/runner/targets/echo-server.js';

const [cases = '*', concurrency = '32', deflate = 'false'] = process.argv.slice(2);
const target = await spawnEchoServer({ perMessageDeflate: deflate === 'true' });
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const run = await testServer({ url: target.url, cases: cases.split(','), concurrency: Number(concurrency), agent: 'ws' });
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const { cpuMs: targetCpuMs } = await target.stop();
const counts = {};
for (const r of run.results) counts[r.behavior] = (counts[r.behavior] ?? 0) + 1;
console.log(JSON.stringify({
  cases: run.results.length,
  wallMs: Math.round(wallMs),
  harnessCpuMs: Math.round((cpu.user + cpu.system) / 1000),
  targetCpuMs: Math.round(targetCpuMs),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  counts,
}));
