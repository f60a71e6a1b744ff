/**
 * TLS for dialing wss:// servers: the options of a run (certificates to trust, verification off, an
 * SNI name), the connect options every connection of the run shares, the cause of a failed TLS
 * handshake in words (from Node's error codes), and what the handshake negotiated, for the report.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { TlsTransport } from '../engine/results.js';

export interface ClientTlsOptions {
  /** PEM certificates to trust besides Node's bundled CAs: a CA, or a self-signed server certificate. */
  ca?: ReadonlyArray<string | Buffer>;
  /** Accept any certificate: no verification at all (the report says so). */
  insecure?: boolean;
  /** The SNI name, and the name the certificate must be for (instead of the URL's host, e.g. an IP address). */
  servername?: string;
}

/** One secure context per options object: building one parses every trusted certificate. */
const contexts = new WeakMap<ClientTlsOptions, tls.SecureContext>();

function secureContext(o: ClientTlsOptions): tls.SecureContext {
  let c = contexts.get(o);
  if (!c) {
    c = tls.createSecureContext({ ca: [...tls.rootCertificates, ...(o.ca ?? []).map((x) => (typeof x === 'string' ? x : x.toString('latin1')))] });
    contexts.set(o, c);
  }
  return c;
}

/** The SNI name a connection to `host` sends: the given one, else the host unless it is an IP address (RFC 6066 §3). */
export function serverName(host: string, o: ClientTlsOptions = {}): string | undefined {
  return o.servername ?? (net.isIP(host) ? undefined : host);
}

export function tlsConnectOptions(host: string, port: number, o: ClientTlsOptions = {}): tls.ConnectionOptions {
  const servername = serverName(host, o);
  return {
    host,
    port,
    ...(servername !== undefined ? { servername } : {}),
    rejectUnauthorized: !(o.insecure ?? false),
    ...(o.ca && o.ca.length > 0 ? { secureContext: secureContext(o) } : {}),
  };
}

export interface TlsProblem {
  /** Node's code, e.g. CERT_HAS_EXPIRED. */
  code: string;
  /** The cause in words, e.g. "the server's certificate has expired". */
  cause: string;
  /** A certificate the client cannot accept (trusting its CA or turning verification off would help), not a broken TLS peer. */
  certificate: boolean;
}

const CERTIFICATE_CAUSES: Record<string, string> = {
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  CERT_NOT_YET_VALID: "the server's certificate is not valid yet",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed and not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate chain ends in a self-signed CA that is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate was issued by an unknown CA (unknown issuer)",
  UNABLE_TO_GET_ISSUER_CERT: "the server's certificate was issued by an unknown CA (unknown issuer)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server's certificate was issued by an unknown CA (unknown issuer)",
  CERT_SIGNATURE_FAILURE: "the server's certificate has a bad signature",
  CERT_REVOKED: "the server's certificate was revoked",
  CERT_UNTRUSTED: "the server's certificate is not trusted",
  CERT_REJECTED: "the server's certificate is rejected for this purpose",
  INVALID_CA: "a CA in the server's chain is not a valid CA",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate is not for this host name (name mismatch)",
};

/** checkServerIdentity's error carries the name checked and the certificate (Node's `host` and `cert` fields). */
function nameMismatch(e: NodeJS.ErrnoException & { host?: unknown; cert?: { subjectaltname?: unknown; subject?: { CN?: unknown } } }): string {
  const names = typeof e.cert?.subjectaltname === 'string' ? e.cert.subjectaltname : typeof e.cert?.subject?.CN === 'string' ? `CN=${e.cert.subject.CN}` : 'other names';
  return `the server's certificate is for ${names}, not for ${typeof e.host === 'string' ? e.host : 'this host'} (name mismatch)`;
}

/** What OpenSSL says when the first bytes from the server are not a TLS record. */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_UNKNOWN_PROTOCOL', 'ERR_SSL_RECORD_LAYER_FAILURE']);

/** The cause of a failed TLS handshake, or null when `e` is not about TLS. `tcpConnected`: a reset then came mid-handshake. */
export function tlsProblem(e: NodeJS.ErrnoException, tcpConnected: boolean): TlsProblem | null {
  const code = e.code ?? '';
  const certificate = CERTIFICATE_CAUSES[code];
  if (certificate !== undefined) {
    return { code, cause: code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? nameMismatch(e) : certificate, certificate: true };
  }
  if (NOT_TLS.has(code)) return { code, cause: 'the server did not answer in TLS (plain HTTP or plain WebSocket on a wss:// URL?)', certificate: false };
  const alert = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(\w+)$/.exec(code);
  if (alert) return { code, cause: `the server refused the TLS handshake with the alert "${alert[1]!.toLowerCase().replace(/_/g, ' ')}"`, certificate: false };
  if (code.startsWith('ERR_SSL_')) return { code, cause: `the TLS handshake failed: ${e.message}`, certificate: false };
  if (tcpConnected && (code === 'ECONNRESET' || code === 'EPIPE')) return { code, cause: 'the server closed the connection during the TLS handshake', certificate: false };
  return null;
}

const dn = (names: tls.Certificate | undefined): string =>
  Object.entries(names ?? {})
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
    .join(', ');

const isoDate = (s: string): string => {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toISOString();
};

/** What a completed TLS handshake negotiated, and the certificate it presented. */
export function tlsTransport(socket: tls.TLSSocket, o: ClientTlsOptions = {}, host?: string): TlsTransport {
  const t: TlsTransport = { protocol: socket.getProtocol() ?? '?', cipher: socket.getCipher()?.name ?? '?', verified: !(o.insecure ?? false) };
  const servername = host === undefined ? o.servername : serverName(host, o);
  if (servername !== undefined) t.servername = servername;
  const cert = socket.getPeerCertificate();
  if (cert && Object.keys(cert).length > 0) {
    t.certificate = { subject: dn(cert.subject), issuer: dn(cert.issuer), validFrom: isoDate(cert.valid_from), validTo: isoDate(cert.valid_to), fingerprint256: cert.fingerprint256 };
  }
  // Node sets it to the verification error's code, a string, whatever its typings say.
  const why = socket.authorizationError as unknown as string | Error | undefined | null;
  if (!socket.authorized && why) t.unverifiedBecause = typeof why === 'string' ? why : ((why as NodeJS.ErrnoException).code ?? why.message);
  return t;
}
