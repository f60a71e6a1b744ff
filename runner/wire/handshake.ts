/**
 * The opening handshake (RFC 6455 §4), both ways, as pure functions over bytes. The drivers own the
 * sockets; these build requests and responses by hand so that cases can bend any header.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseExtensionList } from './extensions.js';

export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKeyFor(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}

export function newClientKey(): string {
  return randomBytes(16).toString('base64');
}

/** Header names keep their original spelling; lookups are case-insensitive. */
export type HeaderList = Array<[name: string, value: string]>;

export interface HttpHead {
  /** "GET /path HTTP/1.1" or "HTTP/1.1 101 Switching Protocols". */
  startLine: string;
  headers: HeaderList;
  /** The raw head text, for reports. */
  raw: string;
}

export type HeadParse = { state: 'incomplete' } | { state: 'complete'; head: HttpHead; rest: Buffer } | { state: 'error'; message: string };

/**
 * Parses an HTTP/1.1 head from the start of `buf`. `maxBytes` bounds the head, blank line included,
 * so the verdict is the same however the bytes were chunked.
 */
export function parseHttpHead(buf: Buffer, maxBytes = 16384): HeadParse {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) {
    // The blank line, wherever it comes, would end past `buf`, so the head is already too long.
    if (buf.length >= maxBytes) return { state: 'error', message: `no end of HTTP head within ${maxBytes} bytes` };
    return { state: 'incomplete' };
  }
  if (end + 4 > maxBytes) return { state: 'error', message: `HTTP head longer than ${maxBytes} bytes` };
  const raw = buf.subarray(0, end).toString('latin1');
  const lines = raw.split('\r\n');
  const startLine = lines.shift() ?? '';
  const headers: HeaderList = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { state: 'error', message: `malformed header line: ${JSON.stringify(line.slice(0, 80))}` };
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { state: 'complete', head: { startLine, headers, raw: raw + '\r\n\r\n' }, rest: buf.subarray(end + 4) };
}

export function headerValues(headers: HeaderList, name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

export function headerValue(headers: HeaderList, name: string): string | undefined {
  const values = headerValues(headers, name);
  return values.length === 0 ? undefined : values.join(', ');
}

/** Comma-separated tokens of a header, lowercased (Connection, Upgrade). */
export function headerTokens(headers: HeaderList, name: string): string[] {
  return listItems(headerValues(headers, name)).map((t) => t.toLowerCase());
}

/** The items of comma-separated header values, trimmed, empty ones dropped, case kept. */
function listItems(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

export interface ClientRequestOptions {
  host: string;
  path: string;
  key: string;
  protocols?: string[];
  extensions?: string[];
  origin?: string;
  /** Extra or replacement headers; a null value removes a default header. */
  headers?: Array<[string, string | null]>;
  method?: string;
  httpVersion?: string;
}

export function buildClientRequest(o: ClientRequestOptions): string {
  const base: Array<[string, string | null]> = [
    ['Host', o.host],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', o.key],
    ['Sec-WebSocket-Version', '13'],
  ];
  if (o.origin) base.push(['Origin', o.origin]);
  if (o.protocols && o.protocols.length > 0) base.push(['Sec-WebSocket-Protocol', o.protocols.join(', ')]);
  if (o.extensions && o.extensions.length > 0) base.push(['Sec-WebSocket-Extensions', o.extensions.join(', ')]);
  base.push(['User-Agent', 'wsconform']);
  for (const [name, value] of o.headers ?? []) {
    const i = base.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
    if (i >= 0) base[i] = [name, value];
    else base.push([name, value]);
  }
  const lines = [`${o.method ?? 'GET'} ${o.path} ${o.httpVersion ?? 'HTTP/1.1'}`];
  for (const [n, v] of base) if (v !== null) lines.push(`${n}: ${v}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

export interface ServerResponseCheck {
  ok: boolean;
  status: number;
  problems: string[];
  /**
   * The first problem in a few stable words ("wrong Sec-WebSocket-Accept", "status 403 instead of
   * 101"), without the per-connection details, so that the same fault reads the same in every case.
   */
  fault?: string;
  protocol?: string;
  extensions: string[];
}

/** Checks a server's response the way RFC 6455 §4.1 tells a client to (items 1-6 of the list). */
export function checkServerResponse(head: HttpHead, key: string, offered: { protocols?: string[]; extensions?: string[] } = {}): ServerResponseCheck {
  const problems: string[] = [];
  let fault: string | undefined;
  const problem = (detail: string, short: string): void => {
    problems.push(detail);
    fault ??= short;
  };
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(head.startLine);
  const status = m ? Number(m[1]) : 0;
  if (!m) problem(`malformed status line ${JSON.stringify(head.startLine.slice(0, 80))}`, 'a malformed status line');
  else if (status !== 101) problem(`status ${status}, expected 101`, `status ${`${status} ${m[2] ?? ''}`.trim().slice(0, 60)} instead of 101`);
  if (!headerTokens(head.headers, 'Upgrade').includes('websocket')) problem('Upgrade header does not contain "websocket"', 'no "Upgrade: websocket"');
  if (!headerTokens(head.headers, 'Connection').includes('upgrade')) problem('Connection header does not contain "Upgrade"', 'no "Connection: Upgrade"');
  const accept = headerValue(head.headers, 'Sec-WebSocket-Accept');
  if (accept === undefined) problem('Sec-WebSocket-Accept header is missing', 'no Sec-WebSocket-Accept');
  else if (accept !== acceptKeyFor(key)) problem(`Sec-WebSocket-Accept is ${JSON.stringify(accept)}, expected ${JSON.stringify(acceptKeyFor(key))}`, 'wrong Sec-WebSocket-Accept');
  const { protocol, extensions } = checkNegotiated(head.headers, offered, problem);
  const out: ServerResponseCheck = { ok: problems.length === 0, status, problems, extensions };
  if (fault !== undefined) out.fault = fault;
  if (protocol !== undefined) out.protocol = protocol;
  return out;
}

/**
 * What a server's answer negotiated, and whether the client offered it (RFC 6455 §4.1, items 5-6):
 * a subprotocol and extensions from the offer only. The same rule over HTTP/1.1 (a 101) and over
 * HTTP/2 (an extended CONNECT's 2xx, extended-connect.ts); header names compare case-insensitively.
 */
export function checkNegotiated(
  headers: HeaderList,
  offered: { protocols?: readonly string[]; extensions?: readonly string[] },
  problem: (detail: string, short: string) => void,
): { protocol?: string; extensions: string[] } {
  const protocol = headerValue(headers, 'Sec-WebSocket-Protocol');
  if (protocol !== undefined && !(offered.protocols ?? []).includes(protocol))
    problem(`server selected subprotocol ${JSON.stringify(protocol)}, which was not offered`, 'a subprotocol that was not offered');
  const extensions = extensionsListed(headerValues(headers, 'Sec-WebSocket-Extensions'));
  const offeredNames = new Set(extensionsListed(offered.extensions ?? []).map((e) => e.name));
  for (const { name } of extensions) {
    if (!offeredNames.has(name)) problem(`server accepted extension ${JSON.stringify(name)}, which was not offered`, 'an extension that was not offered');
  }
  return { ...(protocol !== undefined ? { protocol } : {}), extensions: extensions.map((e) => e.text) };
}

/**
 * The extensions that Sec-WebSocket-Extensions values list: each one's lowercased name and its text
 * as written, read by the header's grammar (extensions.ts). A list the grammar rejects is not a
 * fault here: it is split at commas and each item named by what precedes its first ";", so that its
 * verdict is the one the names give (a malformed list whose names were all offered passes). Failing
 * the handshake on a malformed list instead would change verdicts, and is a decision of its own.
 */
export function extensionsListed(values: readonly string[]): Array<{ name: string; text: string }> {
  const list = parseExtensionList(values);
  if (list.ok) return list.value;
  return listItems(values).map((text) => ({ name: (text.split(';')[0] ?? '').trim().toLowerCase(), text }));
}

export interface ParsedClientRequest {
  method: string;
  path: string;
  httpVersion: string;
  key?: string;
  version?: string;
  protocols: string[];
  extensions: string[];
  problems: string[];
}

/** Reads a client's opening handshake (RFC 6455 §4.2.1) and lists what is wrong with it. */
export function parseClientRequest(head: HttpHead): ParsedClientRequest {
  const problems: string[] = [];
  const [method = '', path = '', httpVersion = ''] = head.startLine.split(' ');
  if (method !== 'GET') problems.push(`method ${JSON.stringify(method)}, expected GET`);
  if (httpVersion !== 'HTTP/1.1') problems.push(`${JSON.stringify(httpVersion)}, expected HTTP/1.1`);
  if (headerValue(head.headers, 'Host') === undefined) problems.push('Host header is missing');
  if (!headerTokens(head.headers, 'Upgrade').includes('websocket')) problems.push('Upgrade header does not contain "websocket"');
  if (!headerTokens(head.headers, 'Connection').includes('upgrade')) problems.push('Connection header does not contain "Upgrade"');
  const key = headerValue(head.headers, 'Sec-WebSocket-Key');
  if (key === undefined) problems.push('Sec-WebSocket-Key header is missing');
  else if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) problems.push('Sec-WebSocket-Key is not 16 bytes in base64');
  const version = headerValue(head.headers, 'Sec-WebSocket-Version');
  if (version !== '13') problems.push(`Sec-WebSocket-Version is ${JSON.stringify(version ?? null)}, expected 13`);
  // Subprotocol names are compared exactly (a server must echo one as offered), so keep their case.
  const protocols = listItems(headerValues(head.headers, 'Sec-WebSocket-Protocol'));
  const extensions = extensionsListed(headerValues(head.headers, 'Sec-WebSocket-Extensions')).map((e) => e.text);
  const out: ParsedClientRequest = { method, path, httpVersion, protocols, extensions, problems };
  if (key !== undefined) out.key = key;
  if (version !== undefined) out.version = version;
  return out;
}

export interface ServerResponseOptions {
  key: string;
  protocol?: string;
  extensions?: string[];
  headers?: Array<[string, string | null]>;
  status?: string;
}

export function buildServerResponse(o: ServerResponseOptions): string {
  const base: Array<[string, string | null]> = [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Accept', acceptKeyFor(o.key)],
  ];
  if (o.protocol) base.push(['Sec-WebSocket-Protocol', o.protocol]);
  if (o.extensions && o.extensions.length > 0) base.push(['Sec-WebSocket-Extensions', o.extensions.join(', ')]);
  base.push(['Server', 'wsconform']);
  for (const [name, value] of o.headers ?? []) {
    const i = base.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
    if (i >= 0) base[i] = [name, value];
    else base.push([name, value]);
  }
  const lines = [`HTTP/1.1 ${o.status ?? '101 Switching Protocols'}`];
  for (const [n, v] of base) if (v !== null) lines.push(`${n}: ${v}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

export function buildHttpError(status: number, reason: string, body: string, extraHeaders: Array<[string, string]> = []): string {
  const lines = [`HTTP/1.1 ${status} ${reason}`, 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
  for (const [n, v] of extraHeaders) lines.push(`${n}: ${v}`);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}
