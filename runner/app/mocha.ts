/**
 * Conformance as mocha tests: `describeConformance` declares one `it` per selected case, runs every
 * case once (concurrently) in a `before` hook, and lets each `it` report its own case against the
 * gate policy. The case list is known when the file loads, so `--grep` and reporters see real
 * tests; the URL is read only when the suite runs, so a server started in `before()` works.
 *
 * mocha is not imported: its globals (`describe`, `it`, `before`) exist while mocha loads a spec
 * file, and this module must load without mocha installed.
 */
import { AssertionError } from 'node:assert';
import { judgeCase, makePolicy, type PolicyOptions } from '../../reports/gate.js';
import { selectedCases, testServer, type ClientTlsOptions, type TestServerOptions } from './api.js';
import { casesForRole, runTimeBoundMs } from '../engine/plan.js';
import type { CaseResult } from '../engine/results.js';
import { http11Only } from '../fuzzing-client/run.js';
import { caseTimeoutOptions, DEFAULT_CONCURRENCY, DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS } from '../engine/defaults.js';

export type { PolicyOptions } from '../../reports/gate.js';

export interface ConformanceOptions {
  /** ws:// or wss:// URL of the server under test, or a function called when the suite runs. */
  url: string | (() => string);
  /** Case patterns as on the command line ("1.*", "6.4.*"); default: all. */
  cases?: string | string[];
  exclude?: string | string[];
  /** Which verdicts fail an `it`; the CLI's gate options (strict, failOn, allow, baseline, expectedFailures). */
  policy?: PolicyOptions;
  /** Cases run at once; default 32. */
  concurrency?: number;
  /** Hard limit for one case, in seconds (as `--timeout`); default 60, or a case's own longer timer (9.x, 12.x, 13.x). */
  timeout?: number;
  /** Name in the reports; default: the server's `Server` header. */
  agent?: string;
  /** Also write results.jsonl, index.json and the HTML report here. */
  outdir?: string;
  /** For a wss:// URL: certificates to trust (`ca`, PEM text), no verification (`insecure`), the SNI name (`servername`), as testServer's. */
  tls?: ClientTlsOptions;
  /** Over HTTP/2 (RFC 8441), as testServer's `http2`: the handshake.* cases get no `it`. */
  http2?: boolean;
}

function mochaGlobals(): { describe: Mocha.SuiteFunction; it: Mocha.TestFunction; before: Mocha.HookFunction } {
  const g = globalThis as Partial<{ describe: Mocha.SuiteFunction; it: Mocha.TestFunction; before: Mocha.HookFunction }>;
  if (typeof g.describe !== 'function' || typeof g.it !== 'function' || typeof g.before !== 'function') {
    throw new Error('describeConformance must be called while mocha loads a spec file (the describe, it and before globals are missing)');
  }
  return { describe: g.describe, it: g.it, before: g.before };
}

/** What the target got, then why the policy fails it (the gate's words, with the judge's explanation). */
function failureMessage(r: CaseResult, reason: string): string {
  return `${r.id} ${r.title}: behavior ${r.behavior}, behaviorClose ${r.behaviorClose}\nfails the policy: ${reason}`;
}

/** A failure about the target, not about this code: mocha prints no stack trace into wsconform. */
function caseFailure(message: string): AssertionError {
  const e = new AssertionError({ message });
  e.stack = `${e.name}: ${message}`;
  return e;
}

/**
 * Declares a mocha suite `title` with one test per selected case (those that apply to servers).
 * Throws at once, while the spec file loads, on a bad policy or a selection that matches no case.
 */
export function describeConformance(title: string, o: ConformanceOptions): void {
  const { describe, it, before } = mochaGlobals();
  const policy = makePolicy(o.policy ?? {});
  const cases = casesForRole(selectedCases(o), 'client').filter((c) => !(o.http2 && http11Only(c)));
  if (cases.length === 0) throw new Error(`describeConformance(${JSON.stringify(title)}): no case selected; check cases and exclude`);
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  const results = new Map<string, CaseResult>();

  describe(title, function () {
    before(async function () {
      // Every play of a case is bounded by its own limit, so the run is bounded by its plays (runTimeBoundMs).
      this.timeout(runTimeBoundMs(cases, concurrency, { ...caseTimeoutOptions(o.timeout), openHandshakeTimeoutMs: DEFAULT_OPEN_HANDSHAKE_TIMEOUT_MS }) + 30_000);
      const run: TestServerOptions = {
        url: typeof o.url === 'function' ? o.url() : o.url,
        cases: cases.map((c) => c.id),
        concurrency,
      };
      // Given, the limit is exact; left out, 12.x/13.x keep their own longer timers, as on the CLI.
      if (o.timeout !== undefined) run.timeout = o.timeout;
      if (o.agent !== undefined) run.agent = o.agent;
      if (o.outdir !== undefined) run.outdir = o.outdir;
      if (o.tls !== undefined) run.tls = o.tls;
      if (o.http2) run.http2 = true;
      for (const r of (await testServer(run)).results) results.set(r.id, r);
    });

    for (const def of cases) {
      it(`${def.id} ${def.title}`, function () {
        const r = results.get(def.id);
        if (!r) throw caseFailure(`${def.id} ${def.title}: no result (the run ended before this case)`);
        const outcome = judgeCase(r, policy);
        if (outcome.status === 'fail') throw caseFailure(failureMessage(r, outcome.reason));
      });
    }
  });
}
