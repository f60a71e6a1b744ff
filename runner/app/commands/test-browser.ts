/**
 * Testing browsers: `test-browser`. Each engine's page is the client under test for Autobahn's
 * catalogue and runs the browser-API cases (api.*); an engine that cannot run is reported, not
 * fatal (exit 2 only when none could).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { casesForRole } from '../../engine/plan.js';
import { DEFAULT_PAGE_CONCURRENCY } from '../../engine/defaults.js';
import { apiCasesFor, ENGINES, isEngineName, reachFromPublicUrl, runBrowsers, type EngineName } from '../../browser/index.js';
import { LOOPBACK } from '../../browser/reach.js';
import { browserRunTls, browserTransport } from './browser-tls.js';
import { concludeRun, ExitCode, orchestrate, type Io } from '../orchestrate.js';
import { addRunOptions, addTableOption, applyShard, conclusionFrom, policyFrom, selectFrom, selectionOf, sessionFrom, UsageError, type CommonOptions } from './options.js';

interface BrowserOptions extends CommonOptions {
  executablePath?: string;
  headed?: boolean;
  browserEndpoint?: string;
  webdriverUrl?: string;
  publicUrl?: string;
  tls?: boolean;
  http2?: boolean;
  cert?: string;
  key?: string;
}

/** Refuses option combinations that cannot work, before anything starts. */
function checkBrowserOptions(engine: string, o: BrowserOptions): void {
  if (engine !== 'all' && !isEngineName(engine)) throw new UsageError(`unknown engine ${JSON.stringify(engine)}: use ${ENGINES.join(', ')} or all`);
  for (const [flag, value] of [
    ['--executable-path', o.executablePath],
    ['--browser-endpoint', o.browserEndpoint],
    ['--webdriver-url', o.webdriverUrl],
  ] as const) {
    if (engine === 'all' && value !== undefined) throw new UsageError(`${flag} needs one engine (chromium, firefox or webkit), not all`);
  }
  if (o.browserEndpoint !== undefined && o.webdriverUrl !== undefined) throw new UsageError('--browser-endpoint and --webdriver-url exclude each other');
  if (o.browserEndpoint !== undefined && !/^wss?:\/\//.test(o.browserEndpoint)) throw new UsageError(`--browser-endpoint ${JSON.stringify(o.browserEndpoint)} is not a ws:// URL`);
  if (o.webdriverUrl !== undefined && !/^https?:\/\//.test(o.webdriverUrl)) throw new UsageError(`--webdriver-url ${JSON.stringify(o.webdriverUrl)} is not an http:// URL`);
  if (o.publicUrl !== undefined) {
    try {
      reachFromPublicUrl(o.publicUrl);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  if (!o.tls && (o.cert !== undefined || o.key !== undefined)) throw new UsageError('--cert and --key are for --tls: add --tls to serve the page and the servers over TLS');
}

async function runBrowserTargets(engine: string, o: BrowserOptions, io: Io): Promise<number> {
  // HTTP/2 WebSockets need TLS: browsers speak HTTP/2 only over TLS (ALPN h2), never h2c.
  if (o.http2) o.tls = true;
  checkBrowserOptions(engine, o);
  const engines: EngineName[] = engine === 'all' ? [...ENGINES] : [engine as EngineName];
  const selected = applyShard(selectFrom(selectionOf(o), io), o.shard);
  const cases = casesForRole(selected, 'server');
  const apiCases = apiCasesFor(selected, { tls: o.tls === true });
  if (cases.length === 0 && apiCases.length === 0 && apiCasesFor(selected, { tls: true }).length > 0)
    throw new UsageError('the api.tls.* cases run only with --tls: the page and the servers are then served over TLS');
  const policy = policyFrom(o);
  const perEngine = cases.length + apiCases.length;
  const outdir = resolve(o.outdir);
  const publicHost = o.publicUrl !== undefined ? reachFromPublicUrl(o.publicUrl).publicHost : LOOPBACK.publicHost;
  const runTls = o.tls ? browserRunTls({ publicHost, outdir, ...(o.cert !== undefined ? { cert: o.cert } : {}), ...(o.key !== undefined ? { key: o.key } : {}) }) : null;
  if (runTls && !o.quiet) io.out.write(`Over TLS (https:// page, wss:// servers) with ${runTls.source === 'generated' ? `a throw-away CA: ${runTls.caFile}` : 'the given certificate'}\n`);
  if (o.http2 && !o.quiet)
    io.out.write(
      `Over HTTP/2: ${cases.length > 0 ? 'the page and the fuzzing server on one origin' : 'servers'} advertising extended CONNECT (RFC 8441)${apiCases.length > 0 ? '; each api.* server offers h2 beside HTTP/1.1, except where what a case checks has no HTTP/2 form' : ''}\n`,
    );
  const browser = {
    ...(o.executablePath !== undefined ? { executablePath: o.executablePath } : {}),
    ...(o.headed ? { headed: true } : {}),
    ...(o.browserEndpoint !== undefined ? { browserEndpoint: o.browserEndpoint } : {}),
    ...(o.webdriverUrl !== undefined ? { webdriverUrl: o.webdriverUrl } : {}),
    ...(o.publicUrl !== undefined ? { publicUrl: o.publicUrl } : {}),
  };
  let unavailable = 0;
  const withProtocol = new Set<string>();
  // The browsers close while the reports are written.
  let closing: Promise<void> = Promise.resolve();
  const { recorder: rec, stopping } = await orchestrate(
    {
      mode: 'test-browser',
      options: {
        engines,
        cases: o.cases ?? [],
        exclude: o.exclude ?? [],
        concurrency: o.concurrency,
        timeout: o.timeout,
        maxMessageSize: o.maxMessageSize,
        ...(o.shard ? { shard: o.shard } : {}),
        ...(o.executablePath ? { executablePath: o.executablePath } : {}),
        ...(o.headed ? { headed: true } : {}),
        ...(o.browserEndpoint ? { browserEndpoint: o.browserEndpoint } : {}),
        ...(o.webdriverUrl ? { webdriverUrl: o.webdriverUrl } : {}),
        ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}),
        ...(runTls ? { tls: { source: runTls.source, ...(runTls.caFile ? { ca: runTls.caFile } : {}) } } : {}),
        ...(o.http2 ? { http2: true } : {}),
      },
      outdir,
      keeping: 'journal',
      progress: { quiet: o.quiet ?? false, total: perEngine * engines.length, io },
      ...(o.deadline ? { deadlineS: o.deadline } : {}),
      stopSignals: { notice: 'stopping the browsers, then writing reports', io },
    },
    (active) =>
      runBrowsers({
        engines,
        cases,
        apiCases,
        session: sessionFrom(o),
        concurrency: o.concurrency,
        ...browser,
        ...(runTls ? { tls: runTls.tls } : {}),
        ...(o.http2 ? { http2: true } : {}),
        onAgent: (a) => {
          active.recorder.addAgent({ name: a.name, engine: a.engine, version: a.version, url: a.description });
          if (!o.quiet) io.out.write(`${a.name}: ${a.description}\n`);
        },
        onUnavailable: (name, why) => {
          unavailable++;
          active.recorder.endProgress();
          io.err.write(`wsconform: ${name}: not available: ${why}\n`);
          active.recorder.addAgent({ name, engine: name, unavailable: why });
          active.recorder.setTotal(perEngine * (engines.length - unavailable));
        },
        onResult: (r) => {
          // The agent's protocol is that of its first Autobahn case; the reports count them per case.
          if (r.protocol && !withProtocol.has(r.agent)) {
            withProtocol.add(r.agent);
            active.recorder.addAgent({ name: r.agent, protocol: r.protocol });
          }
          active.recorder.record(r);
        },
        onPace: (agent, pace) => active.recorder.addAgent({ name: agent, pace }),
        onOutcome: (outcome) => {
          if (runTls && outcome.agent && outcome.tls) active.recorder.addAgent({ name: outcome.agent, tls: browserTransport(runTls, outcome.tls) });
          if (runTls && outcome.agent && outcome.tls && !o.quiet) io.out.write(`${outcome.agent}: trusts the run's certificate by ${outcome.tls.trust.how}\n`);
        },
        log: (line) => {
          if (!o.quiet) io.err.write(`wsconform: ${line}\n`);
        },
        shouldStop: () => active.stopping() !== null,
        deferClose: (c) => (closing = c),
      }),
  );
  const code = concludeRun(rec.finish(stopping), outdir, conclusionFrom(o, policy), io, stopping);
  await closing;
  return unavailable === engines.length ? ExitCode.usage : code;
}

export function addTestBrowserCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  addRunOptions(
    addTableOption(
      program
        .command('test-browser')
        .argument('[engine]', `${ENGINES.join(', ')} or all`, 'chromium')
        .option('--executable-path <path>', 'the browser binary to use (one engine only; default: the installed one)')
        .option('--headed', 'show the browser window (Xvfb is started when DISPLAY is unset)')
        .option('--browser-endpoint <url>', 'connect to a Playwright browser server (ws://HOST:PORT/…, from launchServer or `playwright run-server`) instead of launching (default: launch locally)')
        .option('--webdriver-url <url>', 'open the browser through this WebDriver endpoint (Selenium Grid, WebKitWebDriver: http://HOST:PORT) instead of launching (default: launch locally)')
        .option('--public-url <url>', 'the address at which the browser reaches wsconform (http://HOST), for a browser on another machine (default: http://127.0.0.1)')
        .option(
          '--tls',
          'serve the page over https:// and every server over wss://, with a throw-away CA (written to <outdir>/ca.pem) that the launched engine trusts, unless --cert and --key are given; also run the api.tls.* cases',
        )
        .option(
          '--http2',
          'serve the page and the fuzzing server from one HTTP/2 origin advertising extended CONNECT (RFC 8441), and the api.* servers with h2 beside HTTP/1.1, so that an engine that supports it opens its WebSockets as streams; implies --tls',
        )
        .option('--cert <file>', 'with --tls: the certificate (PEM) for every host the page names (default: a throw-away one)')
        .option('--key <file>', "with --tls: the private key (PEM) of --cert (default: the throw-away certificate's, kept in memory)"),
    ),
    './reports/browsers',
  )
    .description(
      `test browsers: the page's WebSocket is the client under test (Autobahn's catalogue), and the browser-API cases (api.*) run in the page; --concurrency defaults to ${DEFAULT_PAGE_CONCURRENCY} here`,
    )
    .action(async (engine: string, o: BrowserOptions, cmd: Command) => {
      // A page runs fewer sockets at once than a server takes: Chromium delays new WebSockets exponentially in the pending ones.
      if (cmd.getOptionValueSource('concurrency') === 'default') o.concurrency = DEFAULT_PAGE_CONCURRENCY;
      setExit(await runBrowserTargets(engine, o, io));
    });
}
