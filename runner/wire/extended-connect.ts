/**
 * The opening handshake of a WebSocket over HTTP/2 (RFC 8441 §4-5): the extended CONNECT request's
 * header fields and the client's check of the response. Pure, as handshake.ts is for HTTP/1.1;
 * the stream itself is node:http2's (runner/fuzzing-client/h2-dial.ts).
 *
 * There is no Sec-WebSocket-Key or Sec-WebSocket-Accept over HTTP/2 (RFC 8441 §5: the stream is the
 * proof), and success is a 2xx, not 101; subprotocols and extensions are negotiated as over HTTP/1.1
 * (RFC 6455 §4.1, items 5-6), which is why handshake.ts's checkNegotiated serves both.
 */
import { checkNegotiated, headerValue, type HeaderList, type HttpHead } from './handshake.js';

export interface ExtendedConnectOptions {
  /** "http" or "https" (the URL's ws:// or wss://, RFC 8441 §5). */
  scheme: 'http' | 'https';
  authority: string;
  path: string;
  protocols?: readonly string[];
  extensions?: readonly string[];
  /** Extra header fields (lowercase names, as HTTP/2 requires); a null value removes a default one. */
  headers?: ReadonlyArray<[string, string | null]>;
}

/** The request's header fields, pseudo-header fields first, as node:http2 takes them. */
export function extendedConnectHeaders(o: ExtendedConnectOptions): Record<string, string> {
  const base: Array<[string, string | null]> = [
    [':method', 'CONNECT'],
    [':protocol', 'websocket'],
    [':scheme', o.scheme],
    [':path', o.path],
    [':authority', o.authority],
    ['sec-websocket-version', '13'],
  ];
  if (o.protocols && o.protocols.length > 0) base.push(['sec-websocket-protocol', o.protocols.join(', ')]);
  if (o.extensions && o.extensions.length > 0) base.push(['sec-websocket-extensions', o.extensions.join(', ')]);
  const out = new Map<string, string | null>(base);
  for (const [n, v] of o.headers ?? []) out.set(n.toLowerCase(), v);
  const h: Record<string, string> = {};
  for (const [n, v] of out) if (v !== null) h[n] = v;
  return h;
}

/** Header fields in the order they came, each value on its own (node:http2 joins repeated ones into arrays). */
export function headerList(headers: Record<string, string | string[] | number | undefined>): HeaderList {
  const list: HeaderList = [];
  for (const [n, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) list.push([n, String(x)]);
  }
  return list;
}

/** A request or response as readable text for the transcript: one "name: value" per line, HTTP/2 marked on the first. */
export function h2HeadText(what: string, headers: HeaderList): string {
  return [what, ...headers.map(([n, v]) => `${n}: ${v}`)].join('\r\n') + '\r\n\r\n';
}

/** The response as an HTTP head (status line ":status N"), so that the HTTP/1.1 code paths can read it. */
export function responseHead(streamId: number | undefined, headers: HeaderList): HttpHead {
  const status = headerValue(headers, ':status') ?? '?';
  return { startLine: `:status ${status}`, headers, raw: h2HeadText(`HTTP/2 response on stream ${streamId ?? '?'}`, headers) };
}

export interface ExtendedConnectCheck {
  ok: boolean;
  status: number;
  problems: string[];
  /** The first problem in a few stable words, the same in every case (see ServerResponseCheck.fault). */
  fault?: string;
  protocol?: string;
  extensions: string[];
}

/** Checks a response to an extended CONNECT: a 2xx (RFC 9113 §8.5, RFC 8441 §5), and only offered subprotocols and extensions. */
export function checkExtendedConnectResponse(headers: HeaderList, offered: { protocols?: readonly string[]; extensions?: readonly string[] } = {}): ExtendedConnectCheck {
  const problems: string[] = [];
  let fault: string | undefined;
  const problem = (detail: string, short: string): void => {
    problems.push(detail);
    fault ??= short;
  };
  const raw = headerValue(headers, ':status');
  const status = raw !== undefined && /^\d{3}$/.test(raw) ? Number(raw) : 0;
  if (status === 0) problem(`malformed :status ${JSON.stringify(raw ?? null)}`, 'a malformed :status');
  else if (status < 200 || status > 299) problem(`status ${status}, expected 200`, `status ${status} instead of 200`);
  const { protocol, extensions } = checkNegotiated(headers, offered, problem);
  const out: ExtendedConnectCheck = { ok: problems.length === 0, status, problems, extensions };
  if (fault !== undefined) out.fault = fault;
  if (protocol !== undefined) out.protocol = protocol;
  return out;
}
