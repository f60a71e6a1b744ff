/** fuzzingclient.json's TLS fields of a server entry (wsconform's own): "ca", "insecure", "servername". */
import assert from 'node:assert/strict';
import { parseFuzzingClientSpec, SpecError } from '../../runner/app/fuzzingclient-spec.js';
import { makeTestCerts, type TestCerts } from '../support/tls-certs.js';

describe('fuzzingclient.json over TLS', () => {
  let certs: TestCerts;
  before(() => (certs = makeTestCerts()));
  after(() => certs?.remove());
  const spec = (server: Record<string, unknown>) => parseFuzzingClientSpec({ servers: [{ url: 'wss://127.0.0.1:9443', ...server }] }, 'spec.json');

  it('reads "ca" (a file or a list), "insecure" and "servername" of a wss:// entry', () => {
    assert.deepEqual(spec({ ca: certs.ca, servername: 'localhost' }).servers[0]!.tls, { ca: [certs.read(certs.ca)], servername: 'localhost' });
    assert.equal(spec({ ca: [certs.ca, certs.selfSigned.cert] }).servers[0]!.tls?.ca?.length, 2);
    assert.deepEqual(spec({ insecure: true }).servers[0]!.tls, { insecure: true });
    assert.equal(spec({}).servers[0]!.tls, undefined);
  });

  const bad: Array<[string, () => unknown, RegExp]> = [
    ['a TLS field on a ws:// entry', () => parseFuzzingClientSpec({ servers: [{ url: 'ws://127.0.0.1:9001', insecure: true }] }, 'spec.json'), /"servers\[0\]\.insecure" is only for a wss:\/\/ URL/],
    ['a "ca" that is no file name', () => spec({ ca: 7 }), /"servers\[0\]\.ca" must be a PEM file name or a list of them/],
    ['a "ca" file that is missing', () => spec({ ca: '/nonexistent/ca.pem' }), /"servers\[0\]\.ca": \/nonexistent\/ca\.pem: cannot read the CA certificate: ENOENT/],
    ['an "insecure" that is not a boolean', () => spec({ insecure: 'yes' }), /"servers\[0\]\.insecure" must be true or false/],
    ['"insecure" with "ca"', () => spec({ insecure: true, ca: certs.ca }), /"insecure" and "ca" together/],
    ['a "servername" that is no host name', () => spec({ servername: 'a b' }), /"servers\[0\]\.servername" must be a host name/],
  ];
  for (const [what, parse, message] of bad) {
    it(`refuses ${what}, naming the file and the field`, () => {
      assert.throws(parse, (e: unknown) => e instanceof SpecError && e.message.startsWith('spec.json: ') && message.test(e.message));
    });
  }
});
