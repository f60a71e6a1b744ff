/**
 * Verdicts for the browser: a pure judge for the browser-API cases (what the page observed and
 * what crossed the wire, against the case's expectation), and the result a case gets when the
 * browser never finished it. Autobahn's two axes are kept: `behavior` judges what the page saw,
 * `behaviorClose` what the server received (close frames, messages, connections).
 */
import type { ApiCloseFrameExpectation, ApiHeaderExpectation, ApiWireExpectation, BrowserApiCheck } from '../../../cases/browser-api-types.js';
import type { CaseDef } from '../../../cases/types.js';
import { buildCaseResult, emptyObservation } from '../case-result.js';
import { Behavior, CloseBehavior, type BrowserApiWireRow, type CaseResult, type Verdict, type WireEntry, type WireProtocol } from '../results.js';

/** The part of the wire record the judge reads. */
/** What the server saw of one case, over all its connections. */
export interface ApiWireRecord {
  /** Opening requests received. */
  connections: number;
  /** The first opening request and the server's answer, as text. */
  httpRequest: string;
  httpResponse: string;
  /** Header values of the first opening request, names in lower case. */
  requestHeaders: Record<string, string>;
  /** The Cookie header of each opening request, in order (null: none). */
  cookies: Array<string | null>;
  /** Data messages from the browser, in order: `text "a"`, `text (200000 bytes)`, `binary 0a0b0c`, `binary (10000 bytes)`. */
  messages: string[];
  /** Data messages that arrived after the browser's close frame. */
  messagesAfterClose: number;
  /** Close frames from the browser. */
  closeFrames: Array<{ code: number | null; reason: string; problem?: string }>;
  /** The server's own first close frame, when it sent one. */
  serverClose: { code: number | null; reason: string } | null;
  /** Who sent the first close frame. */
  firstCloseBy: 'browser' | 'server' | null;
  /** Who closed TCP first. */
  tcpClosedBy: 'browser' | 'server' | null;
  /** The server's flood (ApiServerAction `flood`): its bytes on the wire, and how many of them the browser had taken in when measured (null: not yet). */
  flood?: { bytes: number; accepted: number | null };
  wirelog: WireEntry[];
  startedAt: number;
  /** Set when the server offered h2 (test-browser --http2): what the engine's first opening request came over. */
  protocol?: WireProtocol;
}

export type ApiWire = Pick<ApiWireRecord, 'connections' | 'requestHeaders' | 'messages' | 'messagesAfterClose' | 'closeFrames' | 'flood'> & Partial<Pick<ApiWireRecord, 'cookies'>>;

const arrow = (lines: readonly string[]): string => (lines.length === 0 ? '(nothing)' : lines.join(' → '));

/** `close frame 1000 "reason"` (a long reason cut at 40 characters; an empty one left out). */
const closeFrameText = (code: number, reason: string | undefined): string => `close frame ${code}${reason ? ` ${JSON.stringify(reason.length > 40 ? `${reason.slice(0, 40)}…` : reason)}` : ''}`;

function describeClose(f: { code: number | null; reason: string; problem?: string }): string {
  if (f.code === null) return f.problem === 'one-byte-payload' ? 'a close frame with a 1-byte body' : 'a close frame without a status code';
  return closeFrameText(f.code, f.reason);
}

function describeExpectedClose(e: ApiCloseFrameExpectation): string {
  if (e === 'any') return 'a close frame';
  if (e === 'none') return 'no close frame';
  if ('oneOf' in e) return `a close frame ${e.oneOf.map((c) => (c === null ? 'without a status code' : String(c))).join(' or ')}${e.orNone ? ', or none' : ''}`;
  return e.code === null ? 'a close frame without a status code' : closeFrameText(e.code, e.reason);
}

function headerMatches(e: ApiHeaderExpectation, got: string | undefined): boolean {
  if (e === null) return got === undefined;
  if (typeof e === 'string') return got?.trim() === e;
  if (got === undefined) return e.orAbsent === true;
  return new RegExp(e.match).test(got.trim());
}

/** The first opening request whose Cookie header is not as expected, in words; null when all are. */
function cookieProblem(e: ApiHeaderExpectation[] | undefined, got: ReadonlyArray<string | null>): string | null {
  if (!e) return null;
  const i = e.findIndex((want, k) => !headerMatches(want, got[k] ?? undefined));
  if (i < 0) return got.length < e.length ? `The browser made ${got.length} opening request(s); the Cookie header of ${e.length} is checked.` : null;
  const seen = got[i];
  return `Opening request ${i + 1} had ${seen === undefined ? 'not been made' : `Cookie: ${seen === null ? '(absent)' : JSON.stringify(seen)}`}; expected ${describeHeader(e[i]!)}.`;
}

const describeHeader = (e: ApiHeaderExpectation): string =>
  e === null ? 'no such header' : typeof e === 'string' ? JSON.stringify(e) : `a value matching /${e.match}/${e.orAbsent ? ', or no such header' : ''}`;

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
/** What the browser took in of the server's flood, as the report says it. */
const describeFlood = (f: ApiWire['flood']): string =>
  f === undefined ? 'no flood (the server never got that far)' : f.accepted === null ? `${mib(f.bytes)} flooded, not measured` : `${mib(f.accepted)} of ${mib(f.bytes)} taken in`;

/** What the page observed against what it must observe. */
export function judgePage(expected: readonly string[], observed: readonly string[]): Pick<Verdict, 'behavior' | 'result'> {
  if (expected.length === observed.length && expected.every((line, i) => observed[i] === line)) {
    return { behavior: Behavior.OK, result: `The page observed what the standard requires: ${arrow(observed)}.` };
  }
  let i = 0;
  while (i < expected.length && observed[i] === expected[i]) i++;
  const at = i < expected.length ? `expected "${expected[i]}"` : 'expected nothing more';
  const got = i < observed.length ? `saw "${observed[i]}"` : 'saw nothing more';
  return { behavior: Behavior.FAILED, result: `At step ${i + 1} the page ${got}, ${at}. Expected: ${arrow(expected)}. Observed: ${arrow(observed)}.` };
}

/** What the server received against what must cross the wire. */
export function judgeWire(e: ApiWireExpectation | undefined, w: ApiWire): Pick<Verdict, 'behaviorClose' | 'resultClose'> {
  const fail = (behaviorClose: CloseBehavior, resultClose: string): Pick<Verdict, 'behaviorClose' | 'resultClose'> => ({ behaviorClose, resultClose });
  if (w.messagesAfterClose > 0) return fail(CloseBehavior.FAILED, `The browser sent ${w.messagesAfterClose} message(s) after its close frame (RFC 6455 §5.5.1 forbids it).`);
  if (!e) return fail(CloseBehavior.OK, 'Nothing is required on the wire for this case.');
  if (e.connections !== undefined && w.connections !== e.connections) {
    return fail(CloseBehavior.FAILED, `The browser made ${w.connections} opening request(s); expected ${e.connections}.`);
  }
  for (const [name, value] of Object.entries(e.requestHeaders ?? {})) {
    const got = w.requestHeaders[name];
    if (!headerMatches(value, got)) return fail(CloseBehavior.FAILED, `The opening request had ${name}: ${got === undefined ? '(absent)' : JSON.stringify(got)}; expected ${describeHeader(value)}.`);
  }
  const cookie = cookieProblem(e.cookies, w.cookies ?? []);
  if (cookie) return fail(CloseBehavior.FAILED, cookie);
  if (e.flood !== undefined && !(w.flood?.accepted != null && w.flood.accepted <= e.flood.atMostBytes)) {
    return fail(
      CloseBehavior.FAILED,
      `Of the server's flood, while the page read nothing: ${describeFlood(w.flood)}; a stream nobody reads must make the engine stop reading (at most ${mib(e.flood.atMostBytes)} expected).`,
    );
  }
  if (e.messages && (e.messages.length !== w.messages.length || e.messages.some((m, i) => w.messages[i] !== m))) {
    return fail(CloseBehavior.FAILED, `Before its close frame the server received ${arrow(w.messages)}; expected ${arrow(e.messages)}.`);
  }
  if (e.maxCloseFrames !== undefined && w.closeFrames.length > e.maxCloseFrames) {
    return fail(CloseBehavior.FAILED, `The browser sent ${w.closeFrames.length} close frames; at most ${e.maxCloseFrames} expected.`);
  }
  const first = w.closeFrames[0];
  const c = e.close;
  if (c !== undefined) {
    const want = describeExpectedClose(c);
    if (c === 'none') {
      if (first) return fail(CloseBehavior.FAILED, `The browser sent ${describeClose(first)}; expected ${want}.`);
    } else if (!first) {
      if (!(typeof c === 'object' && 'oneOf' in c && c.orNone)) return fail(CloseBehavior.UNCLEAN, `The browser sent no close frame; expected ${want}.`);
    } else if (typeof c === 'object' && 'oneOf' in c) {
      if (!c.oneOf.includes(first.code)) return fail(CloseBehavior.WRONG_CODE, `The browser sent ${describeClose(first)}; expected ${want}.`);
    } else if (typeof c === 'object') {
      if (first.code !== c.code) return fail(CloseBehavior.WRONG_CODE, `The browser sent ${describeClose(first)}; expected ${want}.`);
      if (c.reason !== undefined && first.reason !== c.reason) return fail(CloseBehavior.FAILED, `The browser sent ${describeClose(first)}; expected ${want}.`);
    }
  }
  const saw = first ? describeClose(first) : 'no close frame';
  return fail(CloseBehavior.OK, `The wire shows what the standard requires (${w.connections} connection(s); messages: ${arrow(w.messages)}; ${saw}).`);
}

/**
 * The wire of a case as rows for the report: each aspect the case checks (judged alone by
 * judgeWire, so the rows and the verdict cannot disagree), and what the server saw of the others.
 */
export function wireRows(e: ApiWireExpectation | undefined, w: ApiWire): BrowserApiWireRow[] {
  const clean: ApiWire = { ...w, messagesAfterClose: 0 };
  const passes = (part: ApiWireExpectation): boolean => judgeWire(part, clean).behaviorClose === CloseBehavior.OK;
  const notChecked = '(not checked)';
  const requests = (n: number): string => `${n} opening request${n === 1 ? '' : 's'}`;
  const messages = (list: readonly string[]): string => (list.length === 0 ? 'no messages' : arrow(list));
  const closeFrames = (n: number): string => `${n} close frame${n === 1 ? '' : 's'}`;
  const header = (name: string, value: string | undefined): string => `${name}: ${value === undefined ? '(absent)' : JSON.stringify(value)}`;
  const rows: BrowserApiWireRow[] = [];
  rows.push({
    what: 'opening requests',
    expected: e?.connections === undefined ? notChecked : requests(e.connections),
    observed: requests(w.connections),
    ok: e?.connections === undefined ? null : passes({ connections: e.connections }),
  });
  for (const [name, value] of Object.entries(e?.requestHeaders ?? {})) {
    rows.push({ what: 'request header', expected: `${name}: ${describeHeader(value)}`, observed: header(name, w.requestHeaders[name]), ok: passes({ requestHeaders: { [name]: value } }) });
  }
  for (const [i, want] of (e?.cookies ?? []).entries()) {
    const got = w.cookies?.[i];
    rows.push({
      what: `Cookie of opening request ${i + 1}`,
      expected: describeHeader(want),
      observed: got === undefined ? '(no such request)' : got === null ? '(absent)' : JSON.stringify(got),
      ok: headerMatches(want, got ?? undefined),
    });
  }
  if (e?.flood !== undefined || w.flood !== undefined) {
    rows.push({
      what: 'flood taken in while unread',
      expected: e?.flood === undefined ? notChecked : `at most ${mib(e.flood.atMostBytes)}`,
      observed: describeFlood(w.flood),
      ok: e?.flood === undefined ? null : passes({ flood: e.flood }),
    });
  }
  rows.push({
    what: 'messages before the close frame',
    expected: e?.messages === undefined ? notChecked : messages(e.messages),
    observed: messages(w.messages),
    ok: e?.messages === undefined ? null : passes({ messages: e.messages }),
  });
  const first = w.closeFrames[0];
  rows.push({
    what: 'first close frame',
    expected: e?.close === undefined ? notChecked : describeExpectedClose(e.close),
    observed: first ? describeClose(first) : 'no close frame',
    ok: e?.close === undefined ? null : passes({ close: e.close }),
  });
  if (e?.maxCloseFrames !== undefined || w.closeFrames.length > 1) {
    rows.push({
      what: 'close frames sent',
      expected: e?.maxCloseFrames === undefined ? notChecked : `at most ${closeFrames(e.maxCloseFrames)}`,
      observed: closeFrames(w.closeFrames.length),
      ok: e?.maxCloseFrames === undefined ? null : passes({ maxCloseFrames: e.maxCloseFrames }),
    });
  }
  if (w.messagesAfterClose > 0) {
    rows.push({ what: 'messages after the close frame', expected: 'none (RFC 6455 §5.5.1)', observed: `${w.messagesAfterClose} message(s) after the close frame`, ok: false });
  }
  return rows;
}

/**
 * The page's only line when the case cannot run in this engine at all (a worker variant where the
 * engine has no SharedWorker, a worker that did not start): `(not available: <why>)`.
 */
const NOT_AVAILABLE = /^\(not available: (.*)\)$/s;

export function judgeApi(check: BrowserApiCheck, observed: readonly string[], wire: ApiWire): Verdict {
  const unavailable = observed.length === 1 ? NOT_AVAILABLE.exec(observed[0]!) : null;
  if (unavailable) {
    const why = unavailable[1]!;
    return { behavior: Behavior.UNIMPLEMENTED, behaviorClose: CloseBehavior.UNIMPLEMENTED, result: `Not available in this engine: ${why}.`, resultClose: `Not run: ${why}.` };
  }
  const page = judgePage(check.expectPage, observed);
  // A tolerated second choice, stated in the case: NON-STRICT, with why.
  const second = page.behavior === Behavior.FAILED ? check.nonStrictPage?.find((alt) => judgePage(alt.lines, observed).behavior === Behavior.OK) : undefined;
  const judged = second ? { behavior: Behavior.NON_STRICT, result: `The page observed ${arrow(observed)}: ${second.why}. The standard requires: ${arrow(check.expectPage)}.` } : page;
  return { ...judged, ...judgeWire(check.expectWire, wire) };
}

/** The stored result of a browser-API case. */
export function apiCaseResult(def: CaseDef, agent: string, caseIndex: number, observed: readonly string[], wire: ApiWireRecord, startedAt: number, endedAt: number): CaseResult {
  if (def.expect.kind !== 'browser-api') throw new TypeError(`${def.id} is not a browser-API case`);
  const check = def.expect.check;
  const v = judgeApi(check, observed, wire);
  const first = wire.closeFrames[0];
  const expectedCodes = (c: ApiCloseFrameExpectation | undefined): number[] => {
    if (c === undefined || c === 'any' || c === 'none') return [];
    if ('oneOf' in c) return c.oneOf.filter((x): x is number => x !== null);
    return c.code === null ? [] : [c.code];
  };
  const closeWant = check.expectWire?.close;
  const r = buildCaseResult(
    def,
    { agent, caseIndex },
    {
      ...emptyObservation({ role: 'server', startedAt, durationMs: endedAt - startedAt }),
      ...v,
      expectedClose: { closedByMe: (check.server.actions ?? []).some((a) => a.do === 'close'), closeCode: expectedCodes(closeWant), requireClean: false },
      closedByMe: wire.firstCloseBy === 'server',
      wasClean: first !== undefined && wire.serverClose !== null,
      wasNotCleanReason: first === undefined ? 'the browser sent no close frame' : wire.serverClose === null ? 'the server sent no close frame' : null,
      localCloseCode: wire.serverClose?.code ?? null,
      localCloseReason: wire.serverClose ? wire.serverClose.reason : null,
      remoteCloseCode: first?.code ?? null,
      remoteCloseReason: first ? first.reason : null,
      httpRequest: wire.httpRequest,
      httpResponse: wire.httpResponse,
      wirelog: wire.wirelog,
      browserApi: { expectedPage: [...check.expectPage], observedPage: [...observed], wire: wireRows(check.expectWire, wire) },
    },
  );
  if (wire.protocol !== undefined) r.protocol = wire.protocol;
  return r;
}

/**
 * The result of a browser-API case this engine cannot be asked (it was launched accepting any
 * certificate, or cannot resolve the test host name): UNIMPLEMENTED with why, never a verdict.
 */
export function notCheckableResult(def: CaseDef, agent: string, caseIndex: number, why: string, at: number): CaseResult {
  return buildCaseResult(
    def,
    { agent, caseIndex },
    {
      ...emptyObservation({ role: 'server', startedAt: at, durationMs: 0 }),
      behavior: Behavior.UNIMPLEMENTED,
      behaviorClose: CloseBehavior.UNIMPLEMENTED,
      result: `Not checked: ${why}.`,
      resultClose: 'Not checked.',
      notes: [`not checkable in this engine: ${why}`],
    },
  );
}

/** How far a browser-API case got before the browser stopped: the page's lines, what the server saw. */
export interface PartialApiCase {
  log: readonly string[];
  wire: ApiWireRecord | null;
}

/**
 * The result of a case the browser never finished (page hung or crashed, browser exited). A
 * browser-API case keeps what the page and the server had seen by then, for the case page.
 */
export function timeoutResult(def: CaseDef, agent: string, caseIndex: number, why: string, startedAt: number, endedAt: number, partial?: PartialApiCase): CaseResult {
  const check = def.expect.kind === 'browser-api' ? def.expect.check : undefined;
  const wire = partial?.wire ?? null;
  return buildCaseResult(
    def,
    { agent, caseIndex },
    {
      ...emptyObservation({ role: 'server', startedAt, durationMs: endedAt - startedAt }),
      behavior: Behavior.FAILED,
      behaviorClose: CloseBehavior.FAILED,
      result: `No verdict from the browser: ${why}.`,
      resultClose: 'The case never finished, so the connection was not judged.',
      timedOutWaitingFor: 'the browser to finish the case',
      notes: [`timeout: ${why}`],
      ...(check && partial && wire ? { httpRequest: wire.httpRequest, httpResponse: wire.httpResponse, wirelog: wire.wirelog } : {}),
      ...(check && partial ? { browserApi: { expectedPage: [...check.expectPage], observedPage: [...partial.log], wire: wire ? wireRows(check.expectWire, wire) : [] } } : {}),
    },
  );
}
