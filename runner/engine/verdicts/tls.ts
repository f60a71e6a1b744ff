/**
 * The verdict on a tls.* case (cases/own/tls.ts): a pure function of what reached the case's own
 * TLS listener. A client that refuses the certificate never sends a request, so most of what is
 * judged is the TLS layer: which handshakes completed, which failed and why, and whether plain text
 * arrived on the wss:// port. When a WebSocket did open, the case was played and judged as usual
 * (judge.ts), and that verdict is the starting point.
 */
import type { CaseDef } from '../../../cases/types.js';
import { buildCaseResult, emptyObservation } from '../case-result.js';
import { Behavior, CloseBehavior, type CaseResult, type Verdict } from '../results.js';

/** One connection to the case's listener, as far as TLS went (the fuzzing server's TlsConnection). */
export type TlsAttempt =
  | { outcome: 'secure'; from: string; protocol: string; cipher: string; servername: string | null }
  | { outcome: 'failed'; from: string; reason: string }
  | { outcome: 'plain'; from: string; reason: string };

export interface TlsCaseSeen {
  attempts: readonly TlsAttempt[];
  /** WebSocket opening handshakes the listener answered with 101 (any path of the URL protocol). */
  upgrades: number;
  /** The case's result when a client ran it (runCase), else null. */
  played: CaseResult | null;
  /** The host the case's URL named (what SNI must say). */
  urlHost: string;
  startedAt: number;
  durationMs: number;
}

const done = (behavior: Verdict['behavior'], result: string, behaviorClose: Verdict['behaviorClose'], resultClose: string): Verdict => ({ behavior, behaviorClose, result, resultClose });

function attemptNote(a: TlsAttempt): string {
  if (a.outcome === 'secure') return `TLS from ${a.from}: ${a.protocol} ${a.cipher}, SNI ${a.servername === null ? 'none' : JSON.stringify(a.servername)}`;
  return `${a.outcome === 'plain' ? 'plain text' : 'TLS failed'} from ${a.from}: ${a.reason}`;
}

function verdictOf(def: CaseDef, s: TlsCaseSeen): Verdict | null {
  if (def.expect.kind !== 'tls') throw new TypeError(`${def.id} is not a tls.* case`);
  const exp = def.expect;
  const plain = s.attempts.find((a) => a.outcome === 'plain');
  if (exp.noPlainFallback && plain)
    return done(Behavior.FAILED, `The client fell back to plain TCP on the wss:// port: ${plain.reason}.`, CloseBehavior.FAILED, 'A wss:// URL must never be tried without TLS.');
  const secure = s.attempts.filter((a) => a.outcome === 'secure');
  const failed = s.attempts.find((a) => a.outcome === 'failed');
  if (exp.mustRefuse) {
    if (s.upgrades > 0 || s.played)
      return done(
        Behavior.FAILED,
        'The client opened a WebSocket over a certificate it must refuse: it does not verify the server certificate.',
        CloseBehavior.FAILED,
        'The WebSocket should never have been opened.',
      );
    if (failed) return done(Behavior.OK, `The client refused the certificate: it ${failed.reason}.`, CloseBehavior.OK, 'No WebSocket was opened.');
    if (secure.length > 0)
      return done(
        Behavior.OK,
        'The client completed the TLS handshake but then closed without a WebSocket request (it checked the certificate after the handshake).',
        CloseBehavior.OK,
        'No WebSocket was opened.',
      );
    return null;
  }
  if (!s.played) {
    if (failed) return done(Behavior.FAILED, `The client refused a certificate signed by the CA it was told to trust: it ${failed.reason}.`, CloseBehavior.FAILED, 'The WebSocket was never opened.');
    if (secure.length === 0) return null;
  }
  const base: Verdict = s.played
    ? { behavior: s.played.behavior, behaviorClose: s.played.behaviorClose, result: s.played.result, resultClose: s.played.resultClose }
    : done(Behavior.FAILED, 'The client completed TLS but never ran the case.', CloseBehavior.FAILED, 'The WebSocket was never opened.');
  if (exp.requireSni) {
    const names = secure.map((a) => a.servername);
    if (!names.includes(s.urlHost)) {
      const got = names.find((n) => n !== null);
      return {
        ...base,
        behavior: Behavior.FAILED,
        result: got ? `The client sent SNI ${JSON.stringify(got)} instead of ${JSON.stringify(s.urlHost)}.` : `The client sent no SNI (server_name) for the host name ${s.urlHost}.`,
      };
    }
    if (base.behavior === Behavior.OK) return { ...base, result: `The client sent SNI ${JSON.stringify(s.urlHost)}; ${base.result[0]!.toLowerCase()}${base.result.slice(1)}` };
  }
  return base;
}

/** The stored result of a tls.* case for `run.agent`, whatever reached its listener. */
export function tlsCaseResult(def: CaseDef, run: { agent: string; caseIndex: number }, s: TlsCaseSeen): CaseResult {
  const v =
    verdictOf(def, s) ??
    done(Behavior.INFORMATIONAL, "The client never connected to the case's listener, so whether it checks the certificate is not known.", CloseBehavior.INFORMATIONAL, 'No connection was made.');
  const notes = s.attempts.map(attemptNote);
  if (s.played) return { ...s.played, caseIndex: run.caseIndex, ...v, notes: [...(s.played.notes ?? []), ...notes] };
  const r = buildCaseResult(def, run, { ...emptyObservation({ role: 'server', startedAt: s.startedAt, durationMs: s.durationMs }), ...v });
  if (notes.length > 0) r.notes = notes;
  return r;
}
