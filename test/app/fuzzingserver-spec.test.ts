/** fuzzingserver.json: what is read, what is defaulted, and errors that name the file and the field. */
import assert from 'node:assert/strict';
import { SpecError } from '../../runner/app/fuzzingclient-spec.js';
import { agentCaseSkipper, applySpecOptions, DEFAULT_SERVER_SPEC, parseFuzzingServerSpec } from '../../runner/app/fuzzingserver-spec.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';

describe('fuzzingserver.json', () => {
  it('reads the fields wstest reads, and accepts webport', () => {
    const spec = parseFuzzingServerSpec(
      JSON.stringify({
        url: 'ws://127.0.0.1:9002',
        outdir: './out',
        cases: ['1.*', '7.7.1'],
        'exclude-cases': ['1.1.8'],
        'exclude-agent-cases': { 'ws*': ['6.4.*'] },
        options: { failByDrop: true, openHandshakeTimeout: 2.5, closeHandshakeTimeout: 0.5, maxMessagePayloadSize: 1000, tcpNoDelay: true, frobnicate: 1 },
        webport: 8080,
      }),
      'spec.json',
    );
    assert.deepEqual(
      { ...spec },
      {
        url: 'ws://127.0.0.1:9002',
        host: '127.0.0.1',
        port: 9002,
        outdir: './out',
        cases: ['1.*', '7.7.1'],
        excludeCases: ['1.1.8'],
        excludeAgentCases: { 'ws*': ['6.4.*'] },
        options: { failByDrop: true, openHandshakeTimeout: 2.5, closeHandshakeTimeout: 0.5, maxMessagePayloadSize: 1000 },
        ignoredOptions: ['tcpNoDelay', 'frobnicate (unknown)'],
        protocols: [],
        webport: 8080,
      },
    );
    const session = applySpecOptions(defaultSessionOptions, spec.options);
    assert.equal(session.failByDrop, true);
    assert.equal(session.closeHandshakeTimeoutMs, 500);
    assert.equal(session.maxMessageSize, 1000);
  });

  it("defaults what Autobahn's template holds: every case, ./reports/clients, ws://127.0.0.1:9001", () => {
    const spec = parseFuzzingServerSpec(DEFAULT_SERVER_SPEC, 'f.json');
    assert.deepEqual(parseFuzzingServerSpec('{}', 'f.json'), spec);
    assert.equal(spec.url, 'ws://127.0.0.1:9001');
    assert.equal(spec.port, 9001);
    assert.equal(spec.outdir, './reports/clients');
    assert.deepEqual(spec.cases, ['*']);
    assert.deepEqual(spec.excludeCases, []);
  });

  it("takes a wss:// url with wstest's key and cert fields (the default port is 443)", () => {
    const spec = parseFuzzingServerSpec({ url: 'wss://127.0.0.1', key: 'server.key', cert: 'server.crt' }, 'f.json');
    assert.deepEqual(spec.tls, { key: 'server.key', cert: 'server.crt' });
    assert.equal(spec.port, 443);
    assert.equal(parseFuzzingServerSpec({ url: 'ws://127.0.0.1:9001' }, 'f.json').tls, undefined);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['{"cases": "1.*"}', 'a string instead of a list', /^my\.json: "cases" must be a list of strings$/],
    ['{"exclude-cases": [1]}', 'a number in a list', /^my\.json: "exclude-cases" must be a list of strings$/],
    ['{"exclude-agent-cases": {"a": "1.1.1"}}', 'an agent rule that is not a list', /^my\.json: "exclude-agent-cases\.a" must be a list/],
    ['{"exclude-agent-cases": []}', 'exclude-agent-cases as a list', /^my\.json: "exclude-agent-cases" must be an object/],
    ['{"url": "wss://127.0.0.1:9001"}', 'a wss:// URL without key and cert', /^my\.json: "key" must name the PEM file of the server key: a wss:\/\/ url needs key and cert$/],
    ['{"url": "wss://127.0.0.1:9001", "key": "k.pem"}', 'a wss:// URL without cert', /^my\.json: "cert" must name the PEM file/],
    ['{"url": "http://x:1"}', 'an http:// URL', /^my\.json: "url" must be a ws:\/\/ or wss:\/\/ URL/],
    ['{"url": "not a url"}', 'something that is not a URL', /^my\.json: "url" is not a URL/],
    ['{"key": "server.key"}', 'a TLS key with a ws:// URL', /^my\.json: "key" is for a wss:\/\/ url: the server serves TLS with it$/],
    ['{"options": {"failByDrop": "no"}}', 'failByDrop as a string', /^my\.json: "options\.failByDrop" must be true or false$/],
    ['{"options": {"openHandshakeTimeout": -1}}', 'a negative timeout', /^my\.json: "options\.openHandshakeTimeout" must be a positive number of seconds$/],
    ['{"webport": "8080"}', 'webport as a string', /^my\.json: "webport" must be a port number$/],
    ['{"outdir": ""}', 'an empty outdir', /^my\.json: "outdir" must be a non-empty string$/],
    ['[1]', 'a list', /^my\.json: must hold a JSON object$/],
    ['{"cases": [', 'broken JSON', /^my\.json: is not valid JSON/],
  ];
  for (const [json, what, message] of bad) {
    it(`refuses ${what}, naming the file and the field`, () => {
      assert.throws(
        () => parseFuzzingServerSpec(json, 'my.json'),
        (e: unknown) => e instanceof SpecError && e.code === 'WSCONFORM_BAD_SPEC' && message.test(e.message),
      );
    });
  }

  it('matches exclude-agent-cases anchored at both ends, as Autobahn does', () => {
    const skip = agentCaseSkipper({ 'ws*': ['6.4.*', '1.1.1'], undici: ['7.*'] });
    assert.equal(skip('ws', '6.4.1'), true);
    assert.equal(skip('ws/8.0', '1.1.1'), true);
    assert.equal(skip('ws', '1.1.10'), false, 'an exact pattern is exact');
    assert.equal(skip('undici', '7.13.1'), true);
    assert.equal(skip('undici2', '7.13.1'), false, 'the agent pattern is anchored at the end');
    assert.equal(skip('xws', '6.4.1'), false, 'and at the start');
  });
});
