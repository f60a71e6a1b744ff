// One end-to-end benchmark scenario in its own process, so that its peak RSS is its own.
// Prints one JSON line: wall ms, harness CPU ms, target CPU ms, peak RSS MB, verdict counts.
//
//   node scripts/bench-run.mjs CASES [CONCURRENCY] [DEFLATE]   test-server against the ws echo server
//   node scripts/bench-run.mjs client CASES [CLIENT_CONCURRENCY]   test-client against the ws client fixture
//   node scripts/bench-run.mjs fuzz COUNT [SEED] [CONCURRENCY]     test-server --fuzz against the ws echo server
//   node scripts/bench-run.mjs real tornado|websocketd|flood CASES [CONCURRENCY]
//       test-server against Tornado's echo server, websocketd + cat (Debian packages) or a server
//       that floods 64 KiB binary messages, each in a child process
//   node scripts/bench-run.mjs wstest tornado|websocketd CASES      the same target under wstest
//       (WSTEST=path/to/wstest; its fuzzingclient mode; no per-case limit, so websocketd hangs it)
//   node scripts/bench-run.mjs h2 CASES CONCURRENCY http1|http2 [STREAMS]   test-server against the
//       built-in HTTP/2 target (Hypercorn, h2c) over HTTP/1.1 upgrades or over HTTP/2 extended
//       CONNECT, STREAMS per connection (default 16)
//   node scripts/bench-run.mjs tls CASES [CONCURRENCY]   test-server against the ws echo server over
//       ws:// and then over wss:// (https.createServer, a test CA made with openssl), the same code
//       in a child process each time
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testClient, testServer } from '../dist/runner/app/api.js';
import { spawnEchoServer } from '../dist/runner/targets/echo-server.js';
import { spawnHypercorn } from '../dist/runner/targets/hypercorn.js';
import { fuzzCases, fuzzServer } from '../dist/runner/fuzz/index.js';
import { defaultSessionOptions } from '../dist/runner/engine/defaults.js';

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

/** CPU ms a live process has used so far (Linux /proc/PID/stat utime + stime). */
function processCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function listening(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) =>
      net
        .connect({ host: '127.0.0.1', port })
        .once('connect', function () {
          this.destroy();
          r(true);
        })
        .once('error', () => r(false)),
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

const FLOOD = `const { WebSocketServer } = require('ws'); const chunk = Buffer.alloc(65536, 7);
new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[1]) }).on('connection', (ws) => {
  ws.on('error', () => {});
  const pump = () => { while (ws.readyState === 1 && ws.bufferedAmount < 1 << 20) ws.send(chunk); if (ws.readyState === 1) setImmediate(pump); };
  pump();
});`;

// The built-in echo server's settings (runner/targets/echo-server.ts) on http or https.createServer.
const ECHO = `const { WebSocketServer } = require('ws'); const fs = require('node:fs');
const [port, key, cert] = process.argv.slice(1);
const server = key ? require('node:https').createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }) : require('node:http').createServer();
server.on('tlsClientError', () => {});
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxFragments: 0, maxPayload: 64 * 1024 * 1024 });
wss.on('connection', (ws) => { ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary })); ws.on('error', () => {}); });
server.listen(Number(port), '127.0.0.1');`;

/** A CA and a leaf for 127.0.0.1 signed by it (EC P-256), made with the openssl command in `dir`. */
function testCertificates(dir) {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const openssl = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=bench CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  ]);
  openssl(['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '1', '-extfile', 'leaf.ext']);
  return { ca: join(dir, 'ca.pem'), key: join(dir, 'leaf.key'), cert: join(dir, 'leaf.pem') };
}

/** Starts a real target in a child process: its URL, pid and a stop function. */
async function startReal(name) {
  const port = await freePort();
  const child =
    name === 'tornado'
      ? spawn('/usr/bin/python3', [fileURLToPath(new URL('../test/fixtures/tornado-echo.py', import.meta.url))], { stdio: ['pipe', 'pipe', 'ignore'] })
      : name === 'websocketd'
        ? spawn('websocketd', ['--address=127.0.0.1', `--port=${port}`, 'cat'], { stdio: 'ignore' })
        : spawn(process.execPath, ['-e', FLOOD, String(port)], { stdio: ['ignore', 'ignore', 'inherit'], cwd: fileURLToPath(new URL('..', import.meta.url)) });
  let url = `ws://127.0.0.1:${port}`;
  if (name === 'tornado') {
    url = await new Promise((resolve) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /port (\d+)/.exec(out);
        if (m) resolve(`ws://127.0.0.1:${m[1]}`);
      });
    });
  } else {
    await listening(port);
  }
  return { url, pid: child.pid, stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM')))) };
}

if (mode === 'h2') {
  const [cases = '*', concurrency = '32', over = 'http2', streams = '16'] = args;
  const target = await spawnHypercorn();
  try {
    const cpuT0 = processCpuMs(target.pid);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const run = await testServer({
      url: target.url,
      cases: cases.split(','),
      concurrency: Number(concurrency),
      agent: 'hypercorn',
      ...(over === 'http2' ? { http2: true, http2Streams: Number(streams) } : {}),
    });
    const wallMs = performance.now() - t0;
    console.log(
      JSON.stringify({
        cases: run.results.length,
        wallMs: Math.round(wallMs),
        harnessCpuMs: cpuMs(process.cpuUsage(cpu0)),
        targetCpuMs: Math.round(processCpuMs(target.pid) - cpuT0),
        peakRssMb: peakRssMb(),
        counts: counts(run.results),
        protocol: run.meta.agents[0]?.protocol ?? null,
        verdicts: Object.fromEntries(run.results.map((r) => [r.id, r.behavior])),
      }),
    );
  } finally {
    await target.stop();
  }
} else if (mode === 'tls') {
  const [cases = '*', concurrency = '32'] = args;
  const dir = mkdtempSync(join(tmpdir(), 'wsconform-bench-tls-'));
  try {
    const certs = testCertificates(dir);
    const ca = readFileSync(certs.ca, 'utf8');
    const once = async (secure) => {
      const port = await freePort();
      const child = spawn(process.execPath, ['-e', ECHO, String(port), ...(secure ? [certs.key, certs.cert] : [])], {
        stdio: ['ignore', 'ignore', 'inherit'],
        cwd: fileURLToPath(new URL('..', import.meta.url)),
      });
      try {
        await listening(port);
        const cpuT0 = processCpuMs(child.pid);
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const run = await testServer({
          url: `${secure ? 'wss' : 'ws'}://127.0.0.1:${port}`,
          cases: cases.split(','),
          concurrency: Number(concurrency),
          agent: 'ws',
          ...(secure ? { tls: { ca: [ca] } } : {}),
        });
        const wallMs = performance.now() - t0;
        return {
          cases: run.results.length,
          wallMs: Math.round(wallMs),
          harnessCpuMs: cpuMs(process.cpuUsage(cpu0)),
          targetCpuMs: Math.round(processCpuMs(child.pid) - cpuT0),
          peakRssMb: peakRssMb(),
          counts: counts(run.results),
          verdicts: Object.fromEntries(run.results.map((r) => [r.id, `${r.behavior}/${r.behaviorClose}`])),
          tls: run.meta.agents[0]?.tls ?? null,
        };
      } finally {
        await new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM'))));
      }
    };
    const plain = await once(false);
    const secure = await once(true);
    console.log(JSON.stringify({ plain, secure, ratio: secure.wallMs / plain.wallMs }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else if (mode === 'real') {
  const [name, cases = '*', concurrency = '32'] = args;
  const target = await startReal(name);
  const cpuT0 = processCpuMs(target.pid);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const run = await testServer({ url: target.url, cases: cases.split(','), concurrency: Number(concurrency), agent: name });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const targetCpuMs = processCpuMs(target.pid) - cpuT0;
  await target.stop();
  const verdicts = Object.fromEntries(run.results.map((r) => [r.id, `${r.behavior}/${r.behaviorClose}`]));
  console.log(
    JSON.stringify({
      cases: run.results.length,
      wallMs: Math.round(wallMs),
      harnessCpuMs: cpuMs(cpu),
      targetCpuMs: Math.round(targetCpuMs),
      peakRssMb: peakRssMb(),
      counts: counts(run.results),
      pace: run.meta.agents[0]?.pace ?? null,
      verdicts,
    }),
  );
} else if (mode === 'wstest') {
  const [name, cases = '*'] = args;
  const target = await startReal(name);
  const dir = mkdtempSync(join(tmpdir(), 'wsconform-bench-wstest-'));
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({ outdir: join(dir, 'out'), servers: [{ agent: name, url: target.url }], cases: cases.split(','), 'exclude-cases': [], 'exclude-agent-cases': {} }));
  const t0 = performance.now();
  spawnSync(process.env.WSTEST, ['-m', 'fuzzingclient', '-s', spec], { stdio: 'ignore', cwd: dir });
  const wallMs = performance.now() - t0;
  await target.stop();
  const index = JSON.parse(readFileSync(join(dir, 'out', 'index.json'), 'utf8'))[name];
  const verdicts = Object.fromEntries(Object.entries(index).map(([id, v]) => [id, `${v.behavior}/${v.behaviorClose}`]));
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ cases: Object.keys(verdicts).length, wallMs: Math.round(wallMs), verdicts }));
} else if (mode === 'client') {
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
  console.log(
    JSON.stringify({
      cases: run.results.length,
      wallMs: Math.round(wallMs),
      harnessCpuMs: cpuMs(cpu),
      targetCpuMs: children0 === null || children1 === null ? null : Math.round(children1 - children0),
      peakRssMb: peakRssMb(),
      counts: counts(run.results),
    }),
  );
} else if (mode === 'fuzz') {
  // As `wsconform test-server --fuzz COUNT --seed SEED` does it (runner/app/commands/test-server.ts), without the catalogue.
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
    console.log(
      JSON.stringify({
        cases: f.results.length,
        wallMs: Math.round(wallMs),
        generateMs: Math.round(generateMs),
        harnessCpuMs: cpuMs(cpu),
        targetCpuMs: Math.round(targetCpuMs),
        peakRssMb: peakRssMb(),
        reproducers: f.reproducers.length,
        counts: counts(f.results),
      }),
    );
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
  console.log(
    JSON.stringify({
      cases: run.results.length,
      wallMs: Math.round(wallMs),
      harnessCpuMs: cpuMs(cpu),
      targetCpuMs: Math.round(targetCpuMs),
      peakRssMb: peakRssMb(),
      counts: counts(run.results),
    }),
  );
}
