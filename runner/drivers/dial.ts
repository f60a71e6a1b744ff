/**
 * Dialing a server and performing the client's opening handshake over a raw socket, so that the
 * harness sees every byte (RFC 6455 §4.1). Frames that arrive in the same packet as the 101 are kept.
 */
import net from 'node:net';
import tls from 'node:tls';
import { buildClientRequest, checkServerResponse, headerValue, newClientKey, parseHttpHead, type HttpHead } from '../wire/handshake.js';

export interface DialOptions {
  url: URL;
  protocols?: string[];
  extensions?: string[];
  /** Extra request headers (a null value removes a default one). */
  headers?: Array<[string, string | null]>;
  openHandshakeTimeoutMs: number;
  /** Verify TLS certificates (wss://). */
  rejectUnauthorized?: boolean;
}

export type DialResult =
  | { ok: true; socket: net.Socket; leftover: Buffer; request: string; response: HttpHead; serverHeader?: string; extensions: string[]; protocol?: string }
  | { ok: false; stage: 'connect' | 'handshake'; error: string; request?: string; response?: string; timedOut: boolean; socket?: net.Socket };

export function dial(o: DialOptions): Promise<DialResult> {
  const { url } = o;
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const key = newClientKey();
  const request = buildClientRequest({
    host: url.host,
    path: (url.pathname || '/') + url.search,
    key,
    protocols: o.protocols ?? [],
    extensions: o.extensions ?? [],
    headers: o.headers ?? [],
  });
  return new Promise((resolve) => {
    let settled = false;
    let connected = false;
    let buf: Buffer = Buffer.alloc(0);
    const socket: net.Socket = secure
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: o.rejectUnauthorized ?? true })
      : net.connect({ host, port });
    const finish = (r: DialResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Hold further bytes until the session listens: a flowing socket without listeners loses them.
      socket.pause();
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      if (!r.ok) socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => {
      finish({ ok: false, stage: connected ? 'handshake' : 'connect', error: connected ? `no complete handshake response within ${o.openHandshakeTimeoutMs} ms` : `could not connect within ${o.openHandshakeTimeoutMs} ms`, request, response: buf.toString('latin1'), timedOut: true });
    }, o.openHandshakeTimeoutMs);
    const onError = (e: NodeJS.ErrnoException): void => {
      finish({ ok: false, stage: connected ? 'handshake' : 'connect', error: e.code ? `${e.code} (${e.message})` : e.message, request, response: buf.toString('latin1'), timedOut: false });
    };
    const onClose = (): void => {
      finish({ ok: false, stage: 'handshake', error: 'the server closed the connection before completing the handshake', request, response: buf.toString('latin1'), timedOut: false });
    };
    const onData = (d: Buffer): void => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      const parsed = parseHttpHead(buf);
      if (parsed.state === 'incomplete') return;
      if (parsed.state === 'error') {
        finish({ ok: false, stage: 'handshake', error: parsed.message, request, response: buf.subarray(0, 2048).toString('latin1'), timedOut: false });
        return;
      }
      const check = checkServerResponse(parsed.head, key, { protocols: o.protocols ?? [], extensions: o.extensions ?? [] });
      if (!check.ok) {
        finish({ ok: false, stage: 'handshake', error: check.problems.join('; '), request, response: parsed.head.raw, timedOut: false });
        return;
      }
      const r: DialResult = { ok: true, socket, leftover: parsed.rest, request, response: parsed.head, extensions: check.extensions };
      const server = headerValue(parsed.head.headers, 'Server');
      if (server !== undefined) r.serverHeader = server;
      if (check.protocol !== undefined) r.protocol = check.protocol;
      finish(r);
    };
    socket.on(secure ? 'secureConnect' : 'connect', () => {
      connected = true;
      socket.setNoDelay(true);
      socket.write(request);
    });
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}
