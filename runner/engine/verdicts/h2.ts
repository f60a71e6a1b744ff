/**
 * The verdict on an h2.* case (cases/own/h2.ts): a pure function of what the case's HTTP/2 connection
 * showed (H2Seen, recorded by runner/fuzzing-client/h2-cases/). A stream plays the part of a TCP
 * connection (RFC 8441 §5): `behavior` judges the answers (SETTINGS, :status, fields, echoes, close
 * frames), `behaviorClose` how the streams and the connection ended (END_STREAM is a clean end,
 * RST_STREAM an abrupt one, GOAWAY the end of every stream of the connection).
 */
import type { CaseDef, H2Check } from '../../../cases/types.js';
import { buildCaseResult, emptyObservation } from '../case-result.js';
import { Behavior, CloseBehavior, type CaseResult, type Verdict } from '../results.js';

/** RFC 9113 §7 error codes the verdicts name. */
export const H2Error = { NO_ERROR: 0, PROTOCOL_ERROR: 1, CANCEL: 8 } as const;

/** One stream of the case's connection, as the harness saw it. */
export interface H2StreamSeen {
  /** What the stream was for: 'ws' (the case's WebSocket), 'bad' / 'other' (isolation), 'probe' / 'follow-up' (refusals). */
  label: string;
  /** The request fields as sent (pseudo-headers first). */
  request: Array<[name: string, value: string]>;
  /** The response's :status, null when none came. */
  status: number | null;
  /** The response fields (lowercase names, pseudo-headers left out). */
  headers: Array<[name: string, value: string]>;
  /** WebSocket messages the server sent on the stream (text as text, binary by length). */
  messages: Array<{ binary: boolean; text: string | null; length: number }>;
  /** The server's close frame: its code (null: none in the frame); undefined when none came. */
  closeCode?: number | null;
  /** A WebSocket rule the server's frames broke (the harness's reader found it). */
  violation?: string;
  /** The server ended its side with END_STREAM. */
  endStream: boolean;
  /** The server reset the stream with this RFC 9113 error code. */
  rstCode: number | null;
  /** The harness stopped waiting for the stream (the case time limit). */
  timedOut: boolean;
  /** An error node:http2 reported on the stream other than a reset (a malformed response…). */
  error: string | null;
}

/** The answer to a hand-made HEADERS frame (raw-headers probes). */
export type RawAnswer =
  | { kind: 'response'; status: number | null; endStream: boolean; rstCode: number | null }
  | { kind: 'reset'; code: number }
  | { kind: 'goaway'; code: number }
  | { kind: 'closed' }
  | { kind: 'timeout' };

/** Everything an h2.* case's connection showed. */
export interface H2Seen {
  /** The server's SETTINGS: null when none arrived (in time). */
  settings: { enableConnectProtocol: boolean } | null;
  /** The HTTP/2 connection could not be made or broke: why. */
  sessionError: string | null;
  goaway: { code: number } | null;
  /** The server ended the TCP connection while the case ran (a GOAWAY before it or not). */
  connectionClosed?: boolean;
  streams: H2StreamSeen[];
  /** Flow control: the octets of the message sent, how many came back, and whether they are the same octets. */
  flow?: { sent: number; echoed: number; equal: boolean; sendWindow: number | null };
  /** raw-headers: the answer to the hand-made request, and to the correct one that followed it. */
  raw?: { answer: RawAnswer; followUp: RawAnswer | null };
  timeoutMs: number;
  startedAt: number;
  durationMs: number;
  notes: string[];
}

const v = (behavior: Verdict['behavior'], result: string, behaviorClose: Verdict['behaviorClose'], resultClose: string): Verdict => ({ behavior, behaviorClose, result, resultClose });
const errorName = (code: number): string =>
  ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'CONNECT_ERROR'][code] ?? `error ${code}`;
const is2xx = (s: number | null): boolean => s !== null && s >= 200 && s < 300;
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const header = (s: H2StreamSeen, name: string): string | undefined => s.headers.find(([n]) => n === name)?.[1];

/** Why a WebSocket stream did not open, or null when it answered 2xx. */
function notOpened(s: H2StreamSeen | undefined, seen: H2Seen): string | null {
  if (!s) return 'the harness never opened the stream';
  if (s.status === 101) return 'the server answered :status 101, which HTTP/2 does not have (RFC 9113 §8.6)';
  if (is2xx(s.status)) return null;
  if (s.status !== null) return `the server refused a correct extended CONNECT with :status ${s.status}`;
  // node:http2 resets a stream with PROTOCOL_ERROR itself on a malformed response (a :status 101 is one) and reports both alike.
  if (s.rstCode === H2Error.PROTOCOL_ERROR) return 'the stream was reset (PROTOCOL_ERROR) before a valid answer came: by the server, or by the client on a malformed answer (a :status 101 is one)';
  if (s.rstCode !== null) return `the server reset the stream (${errorName(s.rstCode)}) instead of answering`;
  if (seen.goaway) return `the server ended the connection (GOAWAY ${errorName(seen.goaway.code)}) instead of answering`;
  if (s.error) return `the stream failed: ${s.error}`;
  return s.timedOut ? `no answer within ${seen.timeoutMs} ms` : 'no answer';
}

/** A reason the case could not be played at all, as a verdict. */
function precondition(check: H2Check, seen: H2Seen): Verdict | null {
  if (seen.settings === null) {
    const why = seen.sessionError ?? `no SETTINGS frame within ${seen.timeoutMs} ms`;
    return v(Behavior.FAILED, `The HTTP/2 connection did not start: ${why}.`, CloseBehavior.FAILED, 'No stream was opened.');
  }
  const settingCase = check.probe === 'settings' || (check.probe === 'raw-headers' && check.when === 'setting-absent');
  if (!seen.settings.enableConnectProtocol && !settingCase)
    return v(
      Behavior.UNIMPLEMENTED,
      'The server does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, so no WebSocket can be opened over HTTP/2 (h2.settings-enable-connect).',
      CloseBehavior.UNIMPLEMENTED,
      'No WebSocket was opened.',
    );
  return null;
}

/**
 * How a WebSocket stream ended after its close frames. Only h2.close-end-stream (`strict`) requires the
 * server's END_STREAM; elsewhere, as a server that leaves TCP open after the closing handshake does in
 * Autobahn, the exchanged close frames suffice and the missing end is only said.
 */
function streamEnd(s: H2StreamSeen, seen: H2Seen, o: { strict?: boolean } = {}): Pick<Verdict, 'behaviorClose' | 'resultClose'> {
  if (s.endStream) return { behaviorClose: CloseBehavior.OK, resultClose: 'The server ended the stream with END_STREAM.' };
  if (!o.strict && s.closeCode !== undefined && s.rstCode === null && !seen.goaway)
    return { behaviorClose: CloseBehavior.OK, resultClose: 'Close frames went both ways; the server did not end the stream in time (h2.close-end-stream checks that), so the harness did.' };
  if (s.rstCode !== null) return { behaviorClose: CloseBehavior.UNCLEAN, resultClose: `The server reset the stream (RST_STREAM ${errorName(s.rstCode)}) instead of ending it with END_STREAM.` };
  if (seen.goaway) return { behaviorClose: CloseBehavior.UNCLEAN, resultClose: `The server ended the whole connection (GOAWAY ${errorName(seen.goaway.code)}) instead of the stream.` };
  return { behaviorClose: CloseBehavior.FAILED, resultClose: `The server did not end the stream${o.strict ? ` within ${seen.timeoutMs} ms of the closing handshake` : ''}; the harness ended it.` };
}

function judgeAccept(check: Extract<H2Check, { probe: 'accept' }>, seen: H2Seen): Verdict {
  const s = seen.streams.find((x) => x.label === 'ws');
  const failed = notOpened(s, seen);
  if (failed || !s) return v(Behavior.FAILED, `${cap(failed ?? 'no stream')}.`, CloseBehavior.FAILED, 'No WebSocket was opened.');
  const end = streamEnd(s, seen);
  const chosen = header(s, 'sec-websocket-protocol');
  if (chosen !== undefined && !(check.protocols ?? []).includes(chosen))
    return {
      ...end,
      behavior: Behavior.FAILED,
      result: `The server chose the subprotocol ${JSON.stringify(chosen)}, which was not offered${check.protocols ? ` (${check.protocols.join(', ')})` : ''}.`,
    };
  if (s.violation) return { ...end, behavior: Behavior.FAILED, result: `The server's frames break RFC 6455: ${s.violation}.` };
  const echo = s.messages[0];
  if (!echo || echo.binary || echo.text !== check.echo)
    return {
      ...end,
      behavior: Behavior.FAILED,
      result: `The server did not echo ${JSON.stringify(check.echo)}${echo ? ` (it sent ${echo.binary ? `${echo.length} binary octets` : JSON.stringify(echo.text?.slice(0, 60))})` : ''}.`,
    };
  const odd: string[] = [];
  if (s.status !== 200) odd.push(`:status ${s.status} instead of 200`);
  if (header(s, 'sec-websocket-accept') !== undefined) odd.push('a sec-websocket-accept field, which RFC 8441 §5 leaves out');
  const got = `:status ${s.status}${chosen !== undefined ? `, subprotocol ${chosen}` : ''}, "${check.echo}" echoed`;
  if (odd.length > 0) return { ...end, behavior: Behavior.NON_STRICT, result: `The WebSocket works (${got}), but the answer has ${odd.join(' and ')}.` };
  return { ...end, behavior: Behavior.OK, result: `The server answered ${got}.` };
}

function judgeRefuse(check: Extract<H2Check, { probe: 'refuse' }>, seen: H2Seen): Verdict {
  const p = seen.streams.find((x) => x.label === 'probe');
  const f = seen.streams.find((x) => x.label === 'follow-up');
  const followFailed = notOpened(f, seen);
  const after: Pick<Verdict, 'behaviorClose' | 'resultClose'> = followFailed
    ? { behaviorClose: CloseBehavior.FAILED, resultClose: `The connection did not stay usable: on the correct CONNECT that followed, ${followFailed}.` }
    : { behaviorClose: CloseBehavior.OK, resultClose: 'The connection stayed usable: a correct CONNECT that followed on it opened a WebSocket.' };
  if (!p) return { ...after, behavior: Behavior.FAILED, result: 'The harness never opened the stream.' };
  if (p.status === 101 || is2xx(p.status)) return { ...after, behavior: Behavior.FAILED, result: `The server accepted a CONNECT it must refuse (:status ${p.status}).` };
  if (p.status !== null) {
    for (const [name, token] of check.headers ?? []) {
      const tokens = (header(p, name) ?? '').split(',').map((t) => t.trim().toLowerCase());
      if (!tokens.includes(token.toLowerCase())) return { ...after, behavior: Behavior.FAILED, result: `The refusal (:status ${p.status}) lacks a ${name} field listing ${token}.` };
    }
    if (check.statuses.includes(p.status)) return { ...after, behavior: Behavior.OK, result: `The server refused the request with :status ${p.status} on its stream.` };
    return { ...after, behavior: Behavior.NON_STRICT, result: `The server refused the request, but with :status ${p.status}; ${check.statuses.join(' or ')} is expected.` };
  }
  if ((seen.goaway || seen.connectionClosed) && p.rstCode === null)
    return {
      ...after,
      behavior: Behavior.FAILED,
      result: `The server failed the whole connection (${seen.goaway ? `GOAWAY ${errorName(seen.goaway.code)}` : 'TCP closed'}) on a request it only had to refuse.`,
    };
  if (p.rstCode !== null) return { ...after, behavior: Behavior.NON_STRICT, result: `The server reset the stream (${errorName(p.rstCode)}) without an HTTP answer; a 4xx is expected.` };
  return { ...after, behavior: Behavior.FAILED, result: `The server never answered the request (${p.error ?? (p.timedOut ? `nothing within ${seen.timeoutMs} ms` : 'no answer')}).` };
}

function judgeFlow(seen: H2Seen): Verdict {
  const s = seen.streams.find((x) => x.label === 'ws');
  const failed = notOpened(s, seen);
  if (failed || !s) return v(Behavior.FAILED, `${cap(failed ?? 'no stream')}.`, CloseBehavior.FAILED, 'No WebSocket was opened.');
  const flow = seen.flow ?? { sent: 0, echoed: 0, equal: false, sendWindow: null };
  const end = streamEnd(s, seen);
  const mib = (n: number): string => `${(n / 1048576).toFixed(2)} MiB`;
  if (flow.echoed === flow.sent && flow.equal) return { ...end, behavior: Behavior.OK, result: `The ${mib(flow.sent)} message came back whole through the default windows.` };
  if (flow.echoed === flow.sent) return { ...end, behavior: Behavior.FAILED, result: `The echo of the ${mib(flow.sent)} message has the right length but other octets.` };
  const stalled = flow.sendWindow === 0 ? '; the send window stood at 0: the server stopped sending WINDOW_UPDATE' : '';
  const why =
    s.violation ??
    s.error ??
    (s.rstCode !== null
      ? `the server reset the stream (${errorName(s.rstCode)})`
      : seen.goaway
        ? `the server sent GOAWAY ${errorName(seen.goaway.code)}`
        : `the transfer stalled for ${seen.timeoutMs} ms`);
  return { ...end, behavior: Behavior.FAILED, result: `Only ${mib(flow.echoed)} of the ${mib(flow.sent)} message came back: ${why}${stalled}.` };
}

function judgeIsolation(seen: H2Seen): Verdict {
  const bad = seen.streams.find((x) => x.label === 'bad');
  const other = seen.streams.find((x) => x.label === 'other');
  const failed = notOpened(bad, seen) ?? notOpened(other, seen);
  if (failed || !bad || !other) return v(Behavior.FAILED, `The two WebSockets did not both open: ${failed ?? 'no stream'}.`, CloseBehavior.FAILED, 'The case could not be played.');
  const echoed = other.messages.some((m) => !m.binary && m.text === 'Hello, other stream');
  const failedBad = bad.closeCode !== undefined || bad.rstCode !== null || bad.endStream;
  const badEnd = bad.closeCode === undefined || bad.closeCode === 1002 || bad.closeCode === null;
  let close: Pick<Verdict, 'behaviorClose' | 'resultClose'>;
  // A GOAWAY or a closed connection counts only when it cut the other WebSocket off: after both closed, a server may end an idle connection.
  if (!echoed && (seen.goaway || seen.connectionClosed))
    close = {
      behaviorClose: CloseBehavior.FAILED,
      resultClose: `The server failed the whole HTTP/2 connection (${seen.goaway ? `GOAWAY ${errorName(seen.goaway.code)}` : 'TCP closed'}), the other WebSocket with it.`,
    };
  else if (!failedBad) close = { behaviorClose: CloseBehavior.FAILED, resultClose: 'The stream of the bad frame stayed open until the harness reset it.' };
  else if (!badEnd) close = { behaviorClose: CloseBehavior.WRONG_CODE, resultClose: `The server failed the bad stream with close code ${bad.closeCode} instead of 1002.` };
  else
    close = {
      behaviorClose: CloseBehavior.OK,
      resultClose: `The server failed that stream only (${bad.closeCode !== undefined ? `close ${bad.closeCode ?? 'without a code'}, ` : ''}${bad.rstCode !== null ? `RST_STREAM ${errorName(bad.rstCode)}` : bad.endStream ? 'END_STREAM' : 'the stream left to the harness to end'}).`,
    };
  if (!failedBad) return { ...close, behavior: Behavior.FAILED, result: 'The server did not fail the WebSocket on which the bad frame came (no close frame, no end of stream).' };
  if (!echoed)
    return {
      ...close,
      behavior: Behavior.FAILED,
      result: `The other WebSocket of the connection stopped working: ${other.error ?? (seen.goaway ? 'the connection ended' : 'no echo of "Hello, other stream"')}.`,
    };
  return { ...close, behavior: Behavior.OK, result: 'The server failed the WebSocket with the bad frame, and the other WebSocket of the connection still echoed its message.' };
}

function judgeClose(seen: H2Seen): Verdict {
  const s = seen.streams.find((x) => x.label === 'ws');
  const failed = notOpened(s, seen);
  if (failed || !s) return v(Behavior.FAILED, `${cap(failed ?? 'no stream')}.`, CloseBehavior.FAILED, 'No WebSocket was opened.');
  const end = streamEnd(s, seen, { strict: true });
  if (s.closeCode === undefined) return { ...end, behavior: Behavior.FAILED, result: 'The server sent no close frame in answer to close 1000.' };
  if (s.closeCode !== 1000 && s.closeCode !== null)
    return {
      behavior: Behavior.OK,
      result: `The server answered the close, with code ${s.closeCode}.`,
      behaviorClose: CloseBehavior.WRONG_CODE,
      resultClose: `Close code ${s.closeCode} instead of 1000; ${end.resultClose}`,
    };
  return { ...end, behavior: Behavior.OK, result: `The server answered with a close frame (${s.closeCode ?? 'no code'}).` };
}

function judgeCloseOthers(seen: H2Seen): Verdict {
  const first = seen.streams.find((x) => x.label === 'closed');
  const other = seen.streams.find((x) => x.label === 'other');
  const failed = notOpened(first, seen) ?? notOpened(other, seen);
  if (failed || !first || !other) return v(Behavior.FAILED, `The two WebSockets did not both open: ${failed ?? 'no stream'}.`, CloseBehavior.FAILED, 'The case could not be played.');
  if (other.messages.some((m) => !m.binary && m.text === 'Hello, other stream'))
    return v(Behavior.OK, 'After the first WebSocket closed, the other one on the connection still echoed its message.', CloseBehavior.OK, 'Closing one stream left the connection open.');
  const how = seen.goaway ? `GOAWAY ${errorName(seen.goaway.code)}` : seen.connectionClosed ? 'the TCP connection closed without a GOAWAY' : (other.error ?? 'no echo');
  const cut = seen.goaway !== null || seen.connectionClosed === true;
  return v(
    Behavior.FAILED,
    `Once the first WebSocket closed, the other one on the connection stopped working (${how}).`,
    cut ? CloseBehavior.FAILED : CloseBehavior.OK,
    cut ? 'The server ended the whole HTTP/2 connection when one WebSocket stream ended.' : 'The connection stayed open.',
  );
}

function rawText(a: RawAnswer): string {
  if (a.kind === 'response') return `:status ${a.status ?? '(not readable)'}${a.rstCode !== null ? `, then RST_STREAM ${errorName(a.rstCode)}` : ''}`;
  if (a.kind === 'reset') return `RST_STREAM ${errorName(a.code)}`;
  if (a.kind === 'goaway') return `GOAWAY ${errorName(a.code)}`;
  return a.kind === 'closed' ? 'the connection closed' : 'no answer';
}

function judgeRaw(check: Extract<H2Check, { probe: 'raw-headers' }>, seen: H2Seen): Verdict {
  if (check.when === 'setting-absent' && seen.settings?.enableConnectProtocol)
    return v(
      Behavior.INFORMATIONAL,
      'Not applicable: the server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, so a :protocol request is not malformed for it.',
      CloseBehavior.INFORMATIONAL,
      'Nothing was sent.',
    );
  const raw = seen.raw;
  if (!raw) return v(Behavior.FAILED, `The hand-made request could not be sent: ${seen.sessionError ?? 'no connection'}.`, CloseBehavior.FAILED, 'No stream was opened.');
  const a = raw.answer;
  const said = rawText(a);
  let behavior: Verdict['behavior'];
  let result: string;
  if (a.kind === 'timeout') [behavior, result] = [Behavior.FAILED, `The server never answered the malformed request (nothing within ${seen.timeoutMs} ms).`];
  else if (a.kind === 'response' && (a.status === 101 || is2xx(a.status))) [behavior, result] = [Behavior.FAILED, `The server accepted a malformed request (${said}).`];
  else if (a.kind === 'reset' && a.code === H2Error.PROTOCOL_ERROR) [behavior, result] = [Behavior.OK, 'The server answered with a stream error (RST_STREAM PROTOCOL_ERROR).'];
  else if (a.kind === 'response' && a.status !== null && a.status >= 400 && a.status < 500) [behavior, result] = [Behavior.OK, `The server refused the malformed request on its stream (${said}).`];
  else if (a.kind === 'goaway' || a.kind === 'closed')
    [behavior, result] = [Behavior.NON_STRICT, `The server ended the whole connection (${said}); RFC 9113 §5.4 allows it, but a stream error is what RFC 8441 §3 and RFC 9113 §8.1.1 describe.`];
  else [behavior, result] = [Behavior.NON_STRICT, `The server refused the malformed request, but with ${said}; RST_STREAM PROTOCOL_ERROR or a 4xx is expected.`];
  if (a.kind === 'goaway' || a.kind === 'closed' || a.kind === 'timeout')
    return { behavior, result, behaviorClose: a.kind === 'timeout' ? CloseBehavior.FAILED : CloseBehavior.OK, resultClose: `The connection ended (${said}).` };
  if (check.when === 'setting-absent') return { behavior, result, behaviorClose: CloseBehavior.OK, resultClose: 'The refusal stayed on its stream.' };
  const f = raw.followUp;
  if (f?.kind === 'response' && f.status === 200)
    return { behavior, result, behaviorClose: CloseBehavior.OK, resultClose: 'The connection stayed usable: a correct CONNECT that followed on it was answered :status 200.' };
  return { behavior, result, behaviorClose: CloseBehavior.FAILED, resultClose: `The connection did not stay usable: the correct CONNECT that followed got ${f ? rawText(f) : 'no chance to run'}.` };
}

export function judgeH2(def: CaseDef, seen: H2Seen): Verdict {
  if (def.expect.kind !== 'h2') throw new TypeError(`${def.id} is not an h2.* case`);
  const check = def.expect.check;
  const pre = precondition(check, seen);
  if (pre) return pre;
  switch (check.probe) {
    case 'settings':
      return seen.settings?.enableConnectProtocol
        ? v(Behavior.OK, 'The server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.', CloseBehavior.OK, 'The harness closed the connection.')
        : v(
            Behavior.FAILED,
            "The server's SETTINGS lack SETTINGS_ENABLE_CONNECT_PROTOCOL = 1: no client may open a WebSocket over this HTTP/2 connection.",
            CloseBehavior.OK,
            'The harness closed the connection.',
          );
    case 'accept':
      return judgeAccept(check, seen);
    case 'refuse':
      return judgeRefuse(check, seen);
    case 'flow-control':
      return judgeFlow(seen);
    case 'isolation':
      return judgeIsolation(seen);
    case 'close':
      return judgeClose(seen);
    case 'close-others':
      return judgeCloseOthers(seen);
    case 'raw-headers':
      return judgeRaw(check, seen);
  }
}

const fields = (list: Array<[string, string]>): string => list.map(([n, x]) => `${n}: ${x}`).join('\n');

/** The stored result of an h2.* case: the verdict, the requests and answers of its streams, and notes. */
export function h2CaseResult(def: CaseDef, run: { agent: string; caseIndex: number }, seen: H2Seen): CaseResult {
  const verdict = judgeH2(def, seen);
  const r = buildCaseResult(def, run, {
    ...emptyObservation({ role: 'client', startedAt: seen.startedAt, durationMs: seen.durationMs }),
    ...verdict,
    httpRequest: seen.streams.map((s) => `[stream ${s.label}]\n${fields(s.request)}`).join('\n\n'),
    httpResponse: seen.streams.map((s) => `[stream ${s.label}]\n${s.status === null ? '(no response)' : fields([[':status', String(s.status)], ...s.headers])}`).join('\n\n'),
    received: seen.streams.flatMap((s) => s.messages.map((m): ['message', string, boolean] => ['message', m.text ?? `(${m.length} octets)`, m.binary])),
    closedByMe: true,
    remoteCloseCode: seen.streams.find((s) => s.closeCode !== undefined)?.closeCode ?? null,
  });
  const notes = [...seen.notes];
  if (seen.goaway) notes.push(`GOAWAY ${errorName(seen.goaway.code)} from the server`);
  if (seen.connectionClosed) notes.push(`the server closed the TCP connection${seen.goaway ? '' : ' without a GOAWAY'}`);
  for (const s of seen.streams) if (s.rstCode !== null) notes.push(`stream ${s.label}: reset (RST_STREAM ${errorName(s.rstCode)})`);
  if (seen.raw) notes.push(`hand-made request answered with ${rawText(seen.raw.answer)}${seen.raw.followUp ? `; the correct one after it with ${rawText(seen.raw.followUp)}` : ''}`);
  if (notes.length > 0) r.notes = notes;
  return r;
}
