/**
 * tls.*: what a client does with the server's certificate (RFC 6455 §4.1, testing clients over TLS).
 * "If /secure/ is true, the client MUST perform a TLS handshake … the client MUST use the Server Name
 * Indication extension", and "if the TLS handshake fails (e.g., the server certificate could not be
 * verified), then the client MUST _Fail the WebSocket Connection_". A client library that accepts any
 * certificate is a security hole, and no other conformance tool shows it.
 *
 * Each case is served on a listener of its own whose certificate is the case's (`tls.present`): the
 * case a connection belongs to is only known from its request path, after the TLS handshake, and a
 * client that refuses the certificate never sends one. `test-client --tls --command …` runs the
 * client command once per case against that listener's URL (runner/fuzzing-server/tls-cases.ts).
 *
 * Verdicts (runner/engine/verdicts/tls.ts): for a certificate the client must refuse, OK when no
 * WebSocket opening handshake completes on the listener, FAILED when one does; plain text on the
 * wss:// port (a client that retries over TCP) is FAILED in tls.no-plain-fallback.
 */
import type { CaseDef, TlsCaseSpec } from '../types.js';
import { closesNormally, killAfter, send, sendClose, text, textMessage } from '../dsl.js';

const MUST_FAIL = 'RFC 6455 §4.1 (if the TLS handshake fails, the client MUST fail the WebSocket connection)';

const refuses = (id: string, title: string, what: string, tls: TlsCaseSpec, o: { noPlainFallback?: boolean; expectation?: string } = {}): CaseDef => ({
  id,
  title,
  description: `Serve the fuzzing server over TLS with ${what}; if a WebSocket opens, send a text message and close.`,
  expectation: o.expectation ?? 'The client refuses the certificate: the TLS handshake fails and no WebSocket opening handshake ever completes.',
  requirement: { spec: MUST_FAIL, level: 'MUST' },
  applies: 'clients',
  tls,
  steps: [killAfter(2000), send(text('Hello over a certificate you should have refused')), sendClose(1000)],
  expect: { kind: 'tls', mustRefuse: true, ...(o.noPlainFallback ? { noPlainFallback: true } : {}), outcomes: { OK: [] }, close: closesNormally() },
});

export const tlsCases: CaseDef[] = [
  refuses('tls.untrusted-ca', 'certificate from an untrusted CA', 'a certificate for the right host signed by a CA the client was not told to trust', { present: 'untrusted-ca' }),
  refuses('tls.wrong-host', 'certificate for another host name', 'a certificate signed by the trusted CA but issued for another host name (wrong-host.wsconform.invalid)', { present: 'wrong-host' }),
  refuses('tls.expired', 'expired certificate', 'a certificate for the right host, signed by the trusted CA, that expired ten days ago', { present: 'expired' }),
  refuses('tls.self-signed', 'self-signed leaf certificate', 'a self-signed certificate for the right host (no CA at all)', { present: 'self-signed' }),
  {
    id: 'tls.sni',
    title: 'SNI for a host-name URL',
    description: 'Serve over TLS at a wss://localhost URL with a trusted certificate; once the WebSocket is open, send a text message; close once it is echoed.',
    expectation: 'The client sends the Server Name Indication extension naming localhost, opens the WebSocket, echoes "Hello, SNI" and the connection closes normally.',
    requirement: { spec: 'RFC 6455 §4.1 (the client MUST use the Server Name Indication extension)', level: 'MUST' },
    applies: 'clients',
    tls: { present: 'trusted', urlHost: 'localhost' },
    steps: [killAfter(2000), send(text('Hello, SNI'))],
    expect: { kind: 'tls', mustRefuse: false, requireSni: true, outcomes: { OK: [textMessage('Hello, SNI')] }, close: closesNormally() },
  },
  refuses(
    'tls.no-plain-fallback',
    'no fallback to plain TCP',
    'a certificate from an untrusted CA, and watch the port for plain text',
    { present: 'untrusted-ca' },
    { noPlainFallback: true, expectation: 'The client refuses the certificate and never retries the wss:// URL over plain TCP (no plain HTTP or WebSocket request reaches the port).' },
  ),
];
