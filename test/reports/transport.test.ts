/** The transport of each agent (TLS for wss://) in the summary and the HTML index: pure functions of the run. */
import assert from 'node:assert/strict';
import { evaluateGate, summaryText } from '../../reports/gate.js';
import { renderCaseHtml, renderIndexHtml } from '../../reports/html.js';
import { agentTransport, protocolText, runTransport, transportLines, transportText } from '../../reports/transport.js';
import type { RunResults, TlsTransport } from '../../runner/engine/results.js';
import { HOSTILE_AGENT, makeMeta, makeResult } from './fixtures.js';

const verified: TlsTransport = {
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  servername: 'localhost',
  certificate: { subject: 'CN=localhost', issuer: 'CN=test CA', validFrom: '2026-01-01T00:00:00.000Z', validTo: '2026-02-01T00:00:00.000Z', fingerprint256: 'AB:CD' },
  verified: true,
};
const unverified: TlsTransport = { ...verified, verified: false, unverifiedBecause: 'CERT_HAS_EXPIRED' };
const run = (tls: TlsTransport | undefined, name = 'ws'): RunResults => ({
  meta: makeMeta({ agents: [{ name, url: 'wss://127.0.0.1:9001', ...(tls ? { tls } : {}) }] }),
  results: [makeResult({ agent: name })],
});

describe('transport in the reports', () => {
  it('says version, cipher, SNI and the certificate in one line', () => {
    assert.equal(transportText(verified), 'TLSv1.3 TLS_AES_256_GCM_SHA384, SNI localhost, certificate CN=localhost issued by CN=test CA (valid 2026-01-01 to 2026-02-01)');
  });

  it('says when verification was off, and what it would have refused', () => {
    assert.match(transportText(unverified), /; verification off \(verification would have refused it: CERT_HAS_EXPIRED\)$/);
  });

  it('the summary has a line per agent reached over TLS, after the first line', () => {
    const lines = summaryText(run(unverified), evaluateGate(run(unverified))).split('\n');
    assert.match(lines[1]!, /^ {2}ws over TLS: TLSv1\.3 .*verification off/);
    assert.equal(summaryText(run(undefined), evaluateGate(run(undefined))).split('\n')[1], '');
  });

  it('the HTML header and agents table say it; without TLS there is no transport column', () => {
    const html = renderIndexHtml(run(unverified));
    assert.match(html, /<p class="sub">.* · <b>over TLS, certificate verification off<\/b><\/p>/);
    assert.match(html, /<th>transport<\/th>/);
    assert.match(html, /<td class="warn">TLSv1\.3 TLS_AES_256_GCM_SHA384, SNI localhost, certificate CN&#x3D;localhost/);
    assert.match(renderIndexHtml(run(verified)), /<b>over TLS<\/b><\/p>/);
    const plain = renderIndexHtml(run(undefined));
    assert.doesNotMatch(plain, /transport|over TLS/);
  });

  it('certificate names come from the target: escaped in HTML, one line in the summary', () => {
    const hostile: TlsTransport = { ...verified, certificate: { ...verified.certificate!, subject: `CN=${HOSTILE_AGENT}\nX` } };
    assert.doesNotMatch(renderIndexHtml(run(hostile)), /<script>alert/);
    assert.doesNotMatch(summaryText(run(hostile), evaluateGate(run(hostile))).split('\n')[1]!, /\n/);
    assert.match(summaryText(run(hostile), evaluateGate(run(hostile))).split('\n')[1]!, /CN=<script>alert\(1\)<\/script> X/);
  });

  it('says which agents ran over HTTP/2 (RFC 8441), over TLS (h2) or cleartext (h2c), and nothing for HTTP/1.1', () => {
    const agents = [
      { name: 'a', protocol: 'h2' as const, tls: verified },
      { name: 'b', protocol: 'h2c' as const },
      { name: 'c', protocol: 'http/1.1' as const },
    ];
    assert.deepEqual(transportLines({ meta: makeMeta({ agents }), results: [] }), [`  a over HTTP/2 (h2), TLS: ${transportText(verified)}`, '  b over HTTP/2 (h2c)']);
    assert.equal(agentTransport(agents[0]!).transport, `HTTP/2 (h2): ${transportText(verified)}`);
    assert.equal(agentTransport(agents[1]!).transport, 'HTTP/2 (h2c)');
    assert.equal(agentTransport(agents[2]!).transport, '');
    assert.equal(runTransport([agents[1]!]), 'over HTTP/2 (RFC 8441)');
    assert.equal(runTransport(agents), 'over TLS, over HTTP/2 (RFC 8441)');
    assert.equal(runTransport([agents[2]!]), '');
  });

  it("says which protocol carried an agent's WebSockets under --http2: one word, or the cases per protocol", () => {
    const mixed = [makeResult({ id: '1.1.1', agent: 'b', protocol: 'h2' }), makeResult({ id: '1.1.2', agent: 'b', protocol: 'h2' }), makeResult({ id: '1.1.3', agent: 'b', protocol: 'http/1.1' })];
    assert.equal(protocolText('b', mixed.slice(0, 2)), 'h2');
    assert.equal(protocolText('b', mixed), 'h2 (2 cases), http/1.1 (1 case)');
    assert.equal(protocolText('b', [makeResult({ agent: 'b' })]), '');
    const r: RunResults = { meta: makeMeta({ agents: [{ name: 'b', protocol: 'h2', tls: verified }] }), results: mixed };
    assert.match(summaryText(r, evaluateGate(r)), /^ {2}b over h2 \(2 cases\), http\/1\.1 \(1 case\), TLS: TLSv1\.3/m);
    const html = renderIndexHtml(r);
    assert.match(html, /over TLS, over HTTP\/2 \(RFC 8441\)/);
    assert.match(html, /<td>h2 \(2 cases\), http\/1\.1 \(1 case\): TLSv1\.3 TLS_AES_256_GCM_SHA384/);
    // Without --http2 nothing is said.
    assert.doesNotMatch(renderIndexHtml(run(undefined)), /RFC 8441/);
  });

  it('says on a case page which protocol its WebSocket came over, and nothing without one', () => {
    const sub = (html: string): string => /<p class="sub">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
    assert.match(sub(renderCaseHtml(makeResult({ protocol: 'h2' }))), / · over HTTP\/2 \(h2\) · started /);
    assert.match(sub(renderCaseHtml(makeResult({ protocol: 'h2c' }))), / · over HTTP\/2 \(h2c\) · /);
    assert.match(sub(renderCaseHtml(makeResult({ protocol: 'http/1.1' }))), / · over HTTP\/1\.1 · /);
    assert.doesNotMatch(sub(renderCaseHtml(makeResult())), /over HTTP/);
  });
});
