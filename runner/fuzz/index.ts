/**
 * The fuzzer as the CLI uses it: run the generated cases against a server (batched, see run.ts),
 * shrink each failure against the same server and save it as a reproducer, and replay a
 * reproducer file. Failures are data (results and files); only a bad file or an unreachable
 * target is an error.
 */
import type { CaseDef } from '../../cases/types.js';
import { caseResult } from '../engine/case-result.js';
import { runCaseAgainstServer } from '../fuzzing-client/run.js';
import { judge } from '../engine/verdicts/judge.js';
import type { CaseResult } from '../engine/results.js';
import type { SessionOptions } from '../engine/defaults.js';
import type { ClientTlsOptions } from '../fuzzing-client/tls.js';
import { H2Pool } from '../fuzzing-client/h2-session.js';
import { DEFAULT_FUZZ_TIMEOUT_MS, encodeSequence, fuzzCaseFromWrites, generateSequence, parseFuzzId, type FuzzSequence } from './generate.js';
import { fuzzVerdict, type FuzzFailure } from '../engine/verdicts/fuzz-oracle.js';
import { makeReproducer, readReproducer, reproducerCase, writeReproducer } from './repro.js';
import { runFuzzCases } from './run.js';
import { shrinkSequence } from './shrink.js';

export { fuzzCases, fuzzCase, generateSequence, DEFAULT_FUZZ_TIMEOUT_MS } from './generate.js';
export { ReproducerError, readReproducer } from './repro.js';

export interface FuzzServerOptions {
  url: string;
  agent: string;
  defs: readonly CaseDef[];
  /** Where reproducer files go. */
  outdir: string;
  concurrency: number;
  session: SessionOptions;
  openHandshakeTimeoutMs: number;
  /** The run's TLS options (wss://): the fuzz connections and the shrinking ones use them. */
  tls?: ClientTlsOptions;
  /** Over HTTP/2 (test-server --http2): every sequence, shrinking ones too, on extended CONNECT streams. */
  http2?: { streamsPerConnection: number };
  caseIndex?: (def: CaseDef) => number;
  onResult?: (r: CaseResult) => void;
  shouldStop?: () => boolean;
  log?: (line: string) => void;
  /** Failures shrunk at most (the others are reported, not shrunk). */
  maxShrinks?: number;
  batchSize?: number;
}

export async function fuzzServer(o: FuzzServerOptions): Promise<{ results: CaseResult[]; reproducers: string[] }> {
  const url = new URL(o.url);
  const h2 = o.http2 ? h2Pool(url, o.openHandshakeTimeoutMs, o.http2.streamsPerConnection, o.tls) : undefined;
  try {
    return await fuzzWith(o, url, h2);
  } finally {
    h2?.close();
  }
}

/** The HTTP/2 connections of a fuzz run or a replay. */
function h2Pool(url: URL, timeoutMs: number, streamsPerConnection: number, tls: ClientTlsOptions | undefined): H2Pool {
  return new H2Pool({ url, timeoutMs, streamsPerConnection, ...(tls ? { tls } : {}) });
}

async function fuzzWith(o: FuzzServerOptions, url: URL, h2: H2Pool | undefined): Promise<{ results: CaseResult[]; reproducers: string[] }> {
  const results: CaseResult[] = [];
  const failures: Array<{ def: CaseDef; failure: FuzzFailure; result: string }> = [];
  await runFuzzCases(o.defs, {
    url,
    ...(o.tls ? { tls: o.tls } : {}),
    ...(h2 ? { h2 } : {}),
    concurrency: o.concurrency,
    ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
    openHandshakeTimeoutMs: o.openHandshakeTimeoutMs,
    closeHandshakeTimeoutMs: o.session.closeHandshakeTimeoutMs,
    caseTimeoutMs: o.session.caseTimeoutMs,
    maxMessageSize: o.session.maxMessageSize,
    onResult: (def, t) => {
      const r = caseResult(def, t, o.agent, o.caseIndex?.(def) ?? 0);
      results.push(r);
      o.onResult?.(r);
      if (def.expect.kind === 'fuzz' && t.openedAtMs !== null) {
        const v = fuzzVerdict(def.expect.model, t);
        if (v.failure) failures.push({ def, failure: v.failure, result: v.result });
      }
    },
    ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
  });
  const order = new Map(o.defs.map((d, i) => [d.id, i]));
  results.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  failures.sort((a, b) => (order.get(a.def.id) ?? 0) - (order.get(b.def.id) ?? 0));
  // The first few failures of each kind are shrunk (they usually share a cause), two at a time.
  const perKind = new Map<FuzzFailure, number>();
  const todo = failures
    .filter((f) => {
      const n = perKind.get(f.failure) ?? 0;
      perKind.set(f.failure, n + 1);
      return n < 3;
    })
    .slice(0, o.maxShrinks ?? 10);
  if (todo.length < failures.length) o.log?.(`fuzz: ${failures.length} failure(s); shrinking ${todo.length} (the first of each kind), the others are in the report`);
  const found: Array<string | null> = new Array<string | null>(todo.length).fill(null);
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < todo.length && !o.shouldStop?.()) {
        const k = next++;
        const f = todo[k]!;
        found[k] = await shrinkAndSave({ ...o, url, def: f.def, failure: f.failure, result: f.result, ...(h2 ? { h2 } : {}) });
        if (found[k]) o.log?.(`fuzz: ${f.def.id} failed (${f.failure}); reproducer: ${found[k]}`);
      }
    }),
  );
  return { results, reproducers: found.filter((p): p is string => p !== null) };
}

interface ShrinkJob {
  url: URL;
  def: CaseDef;
  failure: FuzzFailure;
  result: string;
  outdir: string;
  session: SessionOptions;
  openHandshakeTimeoutMs: number;
  tls?: ClientTlsOptions;
  h2?: H2Pool;
  log?: (line: string) => void;
}

/** Runs a sequence alone, on its own connection; resolves with how it failed, or null. */
export function checkSequence(
  url: URL,
  seq: FuzzSequence,
  o: { session: SessionOptions; openHandshakeTimeoutMs: number; timeoutMs: number; tls?: ClientTlsOptions; h2?: H2Pool },
): Promise<FuzzFailure | null> {
  const def = fuzzCaseFromWrites('fuzz.candidate', encodeSequence(seq), 'shrink candidate', { timeoutMs: o.timeoutMs });
  // How the connection closes never changes the kind of failure: do not wait long for it.
  const session = { ...o.session, closeHandshakeTimeoutMs: Math.min(o.session.closeHandshakeTimeoutMs, 100), serverDropTimeoutMs: Math.min(o.session.serverDropTimeoutMs, 100) };
  return runCaseAgainstServer(url, def, { ...o, session }).then((t) => (t.openedAtMs === null || def.expect.kind !== 'fuzz' ? null : fuzzVerdict(def.expect.model, t).failure));
}

async function shrinkAndSave(j: ShrinkJob): Promise<string | null> {
  const ids = parseFuzzId(j.def.id);
  if (!ids) return null;
  const kill = j.def.steps.find((s) => s.do === 'killAfter');
  const timeoutMs = kill?.do === 'killAfter' ? kill.ms : DEFAULT_FUZZ_TIMEOUT_MS;
  const original = generateSequence(ids.seed, ids.index);
  const check =
    (ms: number) =>
    (seq: FuzzSequence): Promise<FuzzFailure | null> =>
      checkSequence(j.url, seq, { session: j.session, openHandshakeTimeoutMs: j.openHandshakeTimeoutMs, timeoutMs: ms, ...(j.tls ? { tls: j.tls } : {}), ...(j.h2 ? { h2: j.h2 } : {}) });
  // A failure seen in a batch may need what came before it on the connection: shrink only what fails alone.
  const alone = (await check(timeoutMs)(original)) === j.failure;
  let shrunk = original;
  let runs = 1;
  if (alone) {
    // Candidates that hang cost their whole time limit, so they get a short one; the result is
    // then confirmed with the case's own limit, and dropped if it does not fail the same way.
    const s = await shrinkSequence(original, j.failure, { check: check(Math.min(timeoutMs, SHRINK_TIMEOUT_MS)), parallel: 16 });
    runs += s.runs + 1;
    if ((await check(timeoutMs)(s.seq)) === j.failure) shrunk = s.seq;
    else j.log?.(`fuzz: the shrunk form of ${j.def.id} did not fail again; saved unshrunk`);
  } else {
    j.log?.(`fuzz: ${j.def.id} did not fail the same way on its own connection; saved unshrunk`);
  }
  const r = makeReproducer({
    id: j.def.id,
    seed: ids.seed,
    index: ids.index,
    target: j.url.href,
    ...(j.h2 ? { http2: true as const } : {}),
    failure: j.failure,
    result: j.result,
    timeoutMs,
    original,
    shrunk,
    runs,
    reproducedAlone: alone,
  });
  return writeReproducer(j.outdir, r);
}

/** Time limit for shrink candidates (a hanging candidate costs all of it). */
const SHRINK_TIMEOUT_MS = 300;

export interface ReplayOutcome {
  /** 0: the target passed (the failure did not reproduce); 1: it failed. */
  exitCode: 0 | 1;
  result: CaseResult;
  lines: string[];
}

/** Replays a reproducer file against `url` (throws ReproducerError for a bad file). */
export async function replay(file: string, url: string, o: { session: SessionOptions; openHandshakeTimeoutMs: number; tls?: ClientTlsOptions; http2?: boolean }): Promise<ReplayOutcome> {
  const r = readReproducer(file);
  const def = reproducerCase(r);
  const u = new URL(url);
  // Over HTTP/2 when asked, or when the failure was found so.
  const h2 = (o.http2 ?? r.http2 === true) ? h2Pool(u, o.openHandshakeTimeoutMs, 1, o.tls) : undefined;
  const t = await runCaseAgainstServer(u, def, { ...o, ...(h2 ? { h2 } : {}) }).finally(() => h2?.close());
  const v = judge(def, t);
  const result = caseResult(def, t, 'replay', 0);
  const failure = def.expect.kind === 'fuzz' && t.openedAtMs !== null ? fuzzVerdict(def.expect.model, t).failure : null;
  const octets = r.writes.reduce((s, w) => s + w.length / 2, 0);
  const lines = [
    `${r.id}: ${octets} octet(s) in ${r.writes.length} write(s), ${r.frames?.length ?? '?'} frame(s); recorded failure: ${r.failure}${h2 ? '; over HTTP/2 (an extended CONNECT stream)' : ''}`,
    ...(r.frames ?? []).map((f) => `  ${f}`),
    `behavior: ${v.behavior}${failure ? ` (${failure}${failure === r.failure ? ', reproduced' : `, recorded as ${r.failure}`})` : ''}`,
    `  ${v.result}`,
    `behaviorClose: ${v.behaviorClose}`,
    `  ${v.resultClose}`,
  ];
  return { exitCode: v.behavior === 'FAILED' ? 1 : 0, result, lines };
}
