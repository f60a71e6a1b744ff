/**
 * The fuzzing server's listener over TLS (wss://): node:tls accepts and handshakes, and what comes
 * out is a TLSSocket, a duplex byte stream like the plain socket, so that intake, the cases and the
 * control channels run over it unchanged. What happened in each TLS handshake is kept (bounded):
 * the tls.* cases are judged on it (a client that refused the certificate never gets as far as a
 * request), and the reports show the transport each agent used.
 */
import net, { type Socket } from 'node:net';
import tls from 'node:tls';

/** The server's certificate and key (PEM), and how long a handshake may take. */
export interface TlsServing {
  cert: string | Buffer;
  key: string | Buffer;
}

/** One connection to a TLS listener, as far as the TLS layer goes. */
export type TlsConnection =
  | { outcome: 'secure'; at: number; from: string; protocol: string; cipher: string; servername: string | null }
  /** The TLS handshake did not complete: the client refused the certificate (alert), closed, or stalled. */
  | { outcome: 'failed'; at: number; from: string; reason: string; alert: boolean }
  /** Not TLS at all: plain HTTP (or other plain bytes) on the TLS port. */
  | { outcome: 'plain'; at: number; from: string; reason: string };

/** What the agents' connections negotiated: for RunMeta.agents[] and the reports. */
export type { TlsTransport } from '../engine/results.js';

const KEPT = 200;

export class TlsLog {
  readonly connections: TlsConnection[] = [];
  private dropped = 0;

  add(c: TlsConnection): void {
    if (this.connections.length < KEPT) this.connections.push(c);
    else this.dropped++;
  }

  get count(): number {
    return this.connections.length + this.dropped;
  }
}

/** The peer's address, as the logs write it. */
export function peer(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}

/** What a handshake error means, in words: a client's alert, plain text on the TLS port, a stall, or a lost connection. */
export function describeTlsError(e: NodeJS.ErrnoException, handshakeTimeoutMs: number): { kind: 'plain' | 'failed'; reason: string; alert: boolean } {
  const code = e.code ?? '';
  if (code === 'ERR_SSL_HTTP_REQUEST') return { kind: 'plain', reason: 'sent plain HTTP to the TLS port (a ws:// client on a wss:// server?)', alert: false };
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_UNKNOWN_PROTOCOL' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG')
    return { kind: 'plain', reason: `sent bytes that are not TLS to the TLS port (${code})`, alert: false };
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return { kind: 'failed', reason: `did not complete the TLS handshake within ${handshakeTimeoutMs} ms`, alert: false };
  const m = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(code);
  if (m) return { kind: 'failed', reason: `refused the TLS handshake with the alert "${m[1]!.toLowerCase().replace(/_/g, ' ')}"`, alert: true };
  if (code === 'ECONNRESET' || /disconnected before secure TLS/.test(e.message)) return { kind: 'failed', reason: 'closed the connection during the TLS handshake, without an alert', alert: false };
  return { kind: 'failed', reason: `TLS handshake failed: ${code || e.message}`, alert: false };
}

/**
 * A server for `serving` whose secure connections go to `onSecure`. Every failed handshake is logged
 * in words and recorded in `log`; a plain-text client gets its line too and no hang (OpenSSL ends
 * such a connection at once), and a handshake that has not completed `handshakeTimeoutMs` after the
 * TCP accept is ended. The TLS socket is made here over the accepted TCP socket (as tls.Server does
 * inside) rather than by tls.Server, whose own timer only starts at the ClientHello: a client that
 * connects and sends nothing would be kept forever, and the TCP socket alone cannot be closed once
 * TLS owns it.
 */
export function createTlsListener(
  serving: TlsServing,
  o: { handshakeTimeoutMs: number; log: (line: string) => void; record: TlsLog; onConnect: () => void; alpn?: string[] },
  onSecure: (socket: tls.TLSSocket) => void,
): net.Server {
  const secureContext = tls.createSecureContext({ cert: serving.cert, key: serving.key });
  return net.createServer((raw) => {
    o.onConnect();
    raw.on('error', () => undefined);
    const from = peer(raw);
    const socket = new tls.TLSSocket(raw, { isServer: true, secureContext, ...(o.alpn ? { ALPNProtocols: o.alpn } : {}) });
    let settled = false;
    const fail = (d: { kind: 'plain' | 'failed'; reason: string; alert: boolean }, sentNothing = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (d.kind === 'plain') o.record.add({ outcome: 'plain', at: Date.now(), from, reason: d.reason });
      else o.record.add({ outcome: 'failed', at: Date.now(), from, reason: d.reason, alert: d.alert });
      o.log(`${from}: ${d.reason}${sentNothing ? ' (it sent nothing)' : ''}: connection closed`);
      socket.destroy();
    };
    const timer = setTimeout(() => fail({ kind: 'failed', reason: `did not complete the TLS handshake within ${o.handshakeTimeoutMs} ms`, alert: false }, raw.bytesRead === 0), o.handshakeTimeoutMs);
    socket.on('error', (e: NodeJS.ErrnoException) => fail(describeTlsError(e, o.handshakeTimeoutMs)));
    socket.once('close', () => fail({ kind: 'failed', reason: 'closed the connection during the TLS handshake, without an alert', alert: false }));
    socket.once('secure', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const name = (socket as tls.TLSSocket & { servername?: string | false }).servername;
      o.record.add({ outcome: 'secure', at: Date.now(), from, protocol: socket.getProtocol() ?? '?', cipher: socket.getCipher().name, servername: name ? name : null });
      onSecure(socket);
    });
  });
}
