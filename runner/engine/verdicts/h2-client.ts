/**
 * The verdict on an h2.client.* case (cases/own/h2-client.ts): a pure function of what reached the
 * case's own listener. When the client ran the case, its played verdict (judge.ts) is the starting
 * point; what the HTTP/2 connections showed then decides: a request sent while the server's SETTINGS
 * were held back, `:protocol` sent where the setting was never advertised, a sec-websocket-key.
 */
import type { CaseDef } from '../../../cases/types.js';
import { buildCaseResult, emptyObservation } from '../case-result.js';
import { Behavior, CloseBehavior, type CaseResult, type Verdict } from '../results.js';

/** One HTTP/2 connection to the case's listener (the fuzzing server's H2ConnectionSeen). */
export interface H2ConnectionAttempt {
  from: string;
  protocol: 'h2' | 'h2c';
  requestsBeforeSettings: number;
  requestsSeen: number | null;
  streams: number;
}

export interface H2ClientCaseSeen {
  connections: readonly H2ConnectionAttempt[];
  /** The case's result when a client ran it (runCase, over either protocol), else null. */
  played: CaseResult | null;
  startedAt: number;
  durationMs: number;
}

const done = (behavior: Verdict['behavior'], result: string, behaviorClose: Verdict['behaviorClose'], resultClose: string): Verdict => ({ behavior, behaviorClose, result, resultClose });

const lower = (s: string): string => `${s[0]!.toLowerCase()}${s.slice(1)}`;

function verdictOf(def: CaseDef, s: H2ClientCaseSeen): Verdict | null {
  const spec = def.h2Client;
  if (!spec) throw new TypeError(`${def.id} is not an h2.client.* case`);
  const played = s.played;
  const base: Verdict | null = played ? { behavior: played.behavior, behaviorClose: played.behaviorClose, result: played.result, resultClose: played.resultClose } : null;
  if (spec.settings === 'delayed') {
    const early = s.connections.reduce((n, c) => n + c.requestsBeforeSettings, 0);
    if (early > 0)
      return done(
        Behavior.FAILED,
        `The client sent ${early} extended CONNECT request(s) (HEADERS) before the server's SETTINGS had been sent: it used :protocol without knowing that the server allows it.`,
        base?.behaviorClose ?? CloseBehavior.INFORMATIONAL,
        base?.resultClose ?? 'The WebSocket was never opened.',
      );
  }
  if (spec.settings === 'absent') {
    const refused = s.connections.reduce((n, c) => n + Math.max(0, (c.requestsSeen ?? 0) - c.streams), 0);
    if (refused > 0)
      return done(
        Behavior.FAILED,
        `The client sent :protocol on an HTTP/2 connection whose SETTINGS never enabled it: the HTTP/2 layer refused ${refused} request(s) as malformed.`,
        CloseBehavior.INFORMATIONAL,
        'No WebSocket opened over HTTP/2.',
      );
    if (base && played?.protocol === 'http/1.1') return { ...base, result: `The client fell back to an HTTP/1.1 upgrade; ${lower(base.result)}` };
    if (!played && s.connections.length > 0)
      return done(Behavior.OK, 'The client saw no SETTINGS_ENABLE_CONNECT_PROTOCOL and gave up without sending :protocol, as RFC 8441 §3 allows.', CloseBehavior.OK, 'No WebSocket was opened.');
    return base;
  }
  if (!played || !base) return null;
  if (played.protocol === 'http/1.1')
    return done(Behavior.INFORMATIONAL, 'The client ran the case over an HTTP/1.1 upgrade, not HTTP/2: nothing of RFC 8441 to judge.', CloseBehavior.INFORMATIONAL, 'Not judged over HTTP/1.1.');
  if (spec.check === 'no-key') {
    if (/^sec-websocket-key:/im.test(played.httpRequest))
      return { ...base, behavior: Behavior.INFORMATIONAL, result: 'The client sent sec-websocket-key, which RFC 8441 §5 says is not processed over HTTP/2 (harmless, and no requirement forbids it).' };
    return { ...base, result: `The client sent no sec-websocket-key; ${lower(base.result)}` };
  }
  if (spec.settings === 'delayed') return { ...base, result: `The client waited for the server's SETTINGS; ${lower(base.result)}` };
  return base;
}

/** The stored result of an h2.client.* case for `run.agent`, whatever reached its listener. */
export function h2ClientCaseResult(def: CaseDef, run: { agent: string; caseIndex: number }, s: H2ClientCaseSeen): CaseResult {
  const v =
    verdictOf(def, s) ??
    done(Behavior.INFORMATIONAL, "The client never opened a WebSocket on the case's listener, so what it does over HTTP/2 is not known.", CloseBehavior.INFORMATIONAL, 'No WebSocket was opened.');
  const notes = s.connections.map(
    (c) =>
      `${c.protocol} connection from ${c.from}: ${c.streams} stream(s)${c.requestsBeforeSettings > 0 ? `, ${c.requestsBeforeSettings} request(s) before the server's SETTINGS` : ''}${c.requestsSeen !== null && c.requestsSeen > c.streams ? `, ${c.requestsSeen - c.streams} refused as malformed` : ''}`,
  );
  if (s.played) return { ...s.played, caseIndex: run.caseIndex, ...v, notes: [...(s.played.notes ?? []), ...notes] };
  const r = buildCaseResult(def, run, { ...emptyObservation({ role: 'server', startedAt: s.startedAt, durationMs: s.durationMs }), ...v });
  if (notes.length > 0) r.notes = notes;
  return r;
}
