/**
 * handshake.* against servers: sends a deviating opening request (`handshake.request`) over a raw
 * socket and records what came back: the response head, whether the server switched protocols,
 * and, when the case expects a working connection, the session that follows. The judge decides
 * from the transcript alone (runner/engine/verdicts/refusal.ts for refusals, the usual rules otherwise).
 */
import { randomBytes } from 'node:crypto';
import type { CaseDef } from '../../cases/types.js';
import { Session } from '../engine/session.js';
import { type SessionOptions } from '../engine/defaults.js';
import { emptyTranscript, type Transcript } from '../engine/transcript.js';
import { closePayload, encodeFrame, Opcode } from '../wire/frame.js';
import { buildClientRequest, checkServerResponse, newClientKey } from '../wire/handshake.js';
import { readResponseHead, type HeadFailure } from './dial.js';
import type { ClientTlsOptions } from './tls.js';

export interface HandshakeCheckOptions {
  session: SessionOptions;
  openHandshakeTimeoutMs: number;
  /** The run's TLS options (wss://). */
  tls?: ClientTlsOptions;
}

/** The bytes the harness writes for the case's deviating request: the request and, with it, any pipelined frame. */
export function caseHandshakeRequest(def: CaseDef, url: URL, key: string): { request: string; writes: Buffer[] } {
  const deviation = def.handshake?.request ?? {};
  const request = buildClientRequest({
    host: url.host,
    path: deviation.path ?? (url.pathname || '/') + url.search,
    key,
    protocols: deviation.protocols ?? [],
    extensions: deviation.extensions ?? [],
    headers: deviation.headers ?? [],
    ...(deviation.method !== undefined ? { method: deviation.method } : {}),
    ...(deviation.httpVersion !== undefined ? { httpVersion: deviation.httpVersion } : {}),
  });
  const head = Buffer.from(request, 'latin1');
  const chop = deviation.writeChop && deviation.writeChop > 0 ? deviation.writeChop : head.length;
  const writes: Buffer[] = [];
  for (let at = 0; at < head.length; at += chop) writes.push(head.subarray(at, at + chop));
  const f = deviation.pipelinedFrame;
  if (f) {
    const frame = encodeFrame({ ...f, mask: (f.masked ?? true) ? randomBytes(4) : null });
    writes[writes.length - 1] = Buffer.concat([writes[writes.length - 1]!, frame]);
  }
  return { request, writes };
}

export async function runHandshakeCase(url: URL, def: CaseDef, o: HandshakeCheckOptions): Promise<Transcript> {
  const t = emptyTranscript('client', Date.now());
  const key = newClientKey();
  const { request, writes } = caseHandshakeRequest(def, url, key);
  const deviation = def.handshake?.request ?? {};
  t.httpRequest = request + (deviation.pipelinedFrame ? `[+ a ${deviation.pipelinedFrame.payload?.length ?? 0}-byte frame in the same write]` : '');
  const kill = def.steps.find((s) => s.do === 'killAfter');
  const refusal = def.expect.kind === 'handshake';
  const timeoutMs = refusal && kill?.do === 'killAfter' ? Math.min(kill.ms, o.openHandshakeTimeoutMs) : o.openHandshakeTimeoutMs;
  const signal = o.session.interrupt;
  const outcome = await readResponseHead({ url, writes, timeoutMs, ...(o.tls ? { tls: o.tls } : {}), ...(signal ? { signal } : {}) });
  if (!outcome.ok && signal?.aborted) t.interrupted = `${String(signal.reason)} during the opening handshake`;
  if (!outcome.ok) {
    t.httpResponse = outcome.received.length > 0 ? outcome.received.subarray(0, 2048).toString('latin1') : '?';
    t.handshakeError = outcome.tls ? `connect: TLS: ${outcome.tls.cause} (${outcome.tls.code})` : handshakeFailure(outcome.failure, timeoutMs);
    t.wasOpenHandshakeTimeout = outcome.failure.reason === 'timeout';
    t.tcpEnd = t.wasOpenHandshakeTimeout ? 'harness' : 'peer-fin';
    t.endedAtMs = Date.now() - t.startedAt;
    return t;
  }
  const { socket } = outcome;
  t.httpResponse = outcome.head.raw;
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(outcome.head.startLine)?.[1] ?? 0);
  if (refusal || status !== 101) {
    if (status === 101) {
      // The server switched protocols although it must not: leave politely, the judge says FAILED.
      t.openedAtMs = Date.now() - t.startedAt;
      socket.end(encodeFrame({ opcode: Opcode.close, payload: closePayload(1000), mask: randomBytes(4) }));
      setTimeout(() => socket.destroy(), 200).unref();
    } else {
      t.handshakeError = `handshake: status ${status || '?'} instead of 101`;
      // A refusal is what a refusal case asks for; elsewhere it is the fault.
      if (!refusal && status !== 0) answeredWrongly(t, checkServerResponse(outcome.head, key).fault ?? `status ${status} instead of 101`, t.handshakeError.slice('handshake: '.length));
      socket.destroy();
    }
    t.tcpEnd = 'harness';
    t.endedAtMs = Date.now() - t.startedAt;
    return t;
  }
  const check = checkServerResponse(outcome.head, key, { protocols: deviation.protocols ?? [], extensions: deviation.extensions ?? [] });
  if (!check.ok) {
    socket.destroy();
    t.handshakeError = `handshake: ${check.problems.join('; ')}`;
    answeredWrongly(t, check.fault ?? 'an invalid 101', check.problems.join('; '));
    t.endedAtMs = Date.now() - t.startedAt;
    return t;
  }
  t.openedAtMs = Date.now() - t.startedAt;
  return new Session(socket, def, t, o.session).run(outcome.rest);
}

/**
 * Records that the target answered the opening handshake with HTTP, but not with a 101 the client
 * may accept: `fault` in a few stable words, `detail` with this connection's particulars (Autobahn
 * keeps the latter as wasNotCleanReason). The harness drops TCP then, as RFC 6455 §4.1 says.
 */
export function answeredWrongly(t: Transcript, fault: string, detail: string): void {
  t.handshakeFault = fault;
  t.wasNotCleanReason = detail;
  t.droppedByMe = true;
  t.tcpEnd = 'harness';
}

function handshakeFailure(f: HeadFailure, timeoutMs: number): string {
  switch (f.reason) {
    case 'timeout':
      return `handshake: no complete response within ${timeoutMs} ms`;
    case 'malformed':
      return `handshake: ${f.message}`;
    case 'error':
    case 'closed': {
      const why = f.reason === 'error' ? ` (${f.error.code ?? f.error.message})` : '';
      return `handshake: the server closed the connection without a complete response${why}`;
    }
  }
}
