/** The API's and wsconform/mocha's `tls` option: wss:// targets with a test CA, and the cause when a certificate is refused. */
import assert from 'node:assert/strict';
import { testServer } from '../../runner/app/api.js';
import { describeConformance } from '../../runner/app/mocha.js';
import { UnreachableTargetError } from '../../runner/fuzzing-client/run.js';
import { makeTestCerts } from '../support/tls-certs.js';
import { startWssEcho, type WssEcho } from '../support/tls-servers.js';

describe('the tls option of testServer and describeConformance', function () {
  this.timeout(20_000);
  // Made while the file loads: describeConformance takes its options when it declares the suite.
  const certs = makeTestCerts();
  const ca = certs.read(certs.ca);
  let good: WssEcho | undefined;
  let expired: WssEcho | undefined;
  before(async () => {
    good = await startWssEcho(certs.good);
    expired = await startWssEcho(certs.expired);
  });
  after(async () => {
    await good?.close();
    await expired?.close();
    certs.remove();
  });

  it('testServer: trusts the CA given, every case over TLS, the transport in the run metadata', async () => {
    const run = await testServer({ url: good!.url, cases: ['1.1.1', '2.1'], tls: { ca: [ca], servername: 'localhost' } });
    assert.deepEqual(
      run.results.map((r) => r.behavior),
      ['OK', 'OK'],
    );
    assert.equal(run.meta.agents[0]?.tls?.verified, true);
    assert.equal(run.meta.agents[0]?.tls?.servername, 'localhost');
    assert.deepEqual(new Set(good!.servernames), new Set(['localhost']));
  });

  it('testServer: rejects with the cause when the certificate is refused', async () => {
    await assert.rejects(
      testServer({ url: expired!.url, cases: ['1.1.1'], tls: { ca: [ca] } }),
      (e: unknown) => e instanceof UnreachableTargetError && e.certificate && /has expired \(CERT_HAS_EXPIRED\)/.test(e.message),
    );
  });

  describeConformance('ws over wss:// with the test CA', { url: () => good!.url, cases: ['1.1.*'], tls: { ca: [ca] } });
});
