/**
 * Verdicts for cases where the target must refuse an opening handshake (`kind: 'handshake'`),
 * from the transcript alone: the raw response head the driver recorded, and whether it upgraded.
 *
 * - `behavior`: FAILED when the target answered 101 (it switched protocols on a request it must
 *   refuse, RFC 6455 §4.2.2) or never answered; FAILED when a refusal lacks a header it must carry
 *   (§4.4: Sec-WebSocket-Version); OK for a status the case lists; NON-STRICT for any other
 *   refusal, including closing TCP without a response (§10.7 allows dropping the connection, §4.2.2
 *   asks for an HTTP error).
 * - `behaviorClose`: OK when the exchange ended without a WebSocket (a response arrived, or the
 *   target closed TCP); FAILED when the connection was upgraded or the target never answered.
 *   Keeping an HTTP connection open after an error response is ordinary HTTP keep-alive, not a fault.
 */
import type { HandshakeRefusal } from '../../../cases/types.js';
import { Behavior, CloseBehavior, type Verdict } from '../results.js';
import type { Transcript } from '../transcript.js';
import { headerTokens, parseHttpHead } from '../../wire/handshake.js';

export function judgeRefusal(refuse: HandshakeRefusal, t: Transcript): Verdict {
  const parsed = t.httpResponse && t.httpResponse !== '?' ? parseHttpHead(Buffer.from(t.httpResponse, 'latin1')) : null;
  const head = parsed?.state === 'complete' ? parsed.head : null;
  const status = head ? Number(/^HTTP\/\d\.\d (\d{3})/.exec(head.startLine)?.[1] ?? 0) : null;
  if (t.openedAtMs !== null || status === 101) {
    return {
      behavior: Behavior.FAILED,
      behaviorClose: CloseBehavior.FAILED,
      result: 'The target switched protocols (101) on a request it must refuse.',
      resultClose: 'The connection was upgraded to a WebSocket; the harness closed it.',
    };
  }
  if (!head) {
    if (t.wasOpenHandshakeTimeout) {
      return {
        behavior: Behavior.FAILED,
        behaviorClose: CloseBehavior.FAILED,
        result: `The target never answered the request: ${t.handshakeError ?? 'no response in time'}.`,
        resultClose: 'The harness had to give up on the connection.',
      };
    }
    return {
      behavior: Behavior.NON_STRICT,
      behaviorClose: CloseBehavior.OK,
      result: `The target closed the connection without an HTTP response${t.httpResponse && t.httpResponse !== '?' ? ` (it sent ${JSON.stringify(t.httpResponse.slice(0, 40))})` : ''}; an error status such as 400 is expected.`,
      resultClose: 'The target closed the connection.',
    };
  }
  const resultClose = `The target refused with ${head.startLine.slice(0, 80)}.`;
  for (const [name, token] of refuse.headers ?? []) {
    if (!headerTokens(head.headers, name).includes(token.toLowerCase())) {
      return { behavior: Behavior.FAILED, behaviorClose: CloseBehavior.OK, result: `The refusal (status ${status}) lacks a ${name} header listing ${token}.`, resultClose };
    }
  }
  if (status !== null && refuse.statuses.includes(status)) {
    return { behavior: Behavior.OK, behaviorClose: CloseBehavior.OK, result: `The target refused the request with ${status}.`, resultClose };
  }
  return {
    behavior: Behavior.NON_STRICT,
    behaviorClose: CloseBehavior.OK,
    result: `The target refused the request, but with status ${status}; ${refuse.statuses.join(' or ')} is expected.`,
    resultClose,
  };
}
