import assert from 'node:assert/strict';
import { junitXml, xmlEscape } from '../../reports/junit.js';
import { makePolicy } from '../../reports/gate.js';
import type { RunResults } from '../../runner/engine/results.js';
import { HOSTILE_AGENT, HOSTILE_REASON, makeMeta, makeResult } from './fixtures.js';
import { parseXml, type XmlNode } from './xml-check.js';

const child = (n: XmlNode, name: string): XmlNode | undefined => n.children.find((c) => c.name === name);

function sample(): RunResults {
  return {
    meta: makeMeta({ wallMs: 4321 }),
    results: [
      makeResult({ agent: 'ws', id: '2.1', title: 'ping, empty payload', durationMs: 12 }),
      makeResult({ agent: 'ws', id: '1.1.1', durationMs: 1500 }),
      makeResult({ agent: 'ws', id: '7.3.1', behavior: 'FAILED', behaviorClose: 'WRONG CODE', result: 'no echo', resultClose: 'peer sent 1000' }),
      makeResult({ agent: 'ws', id: '12.1.1', behavior: 'UNIMPLEMENTED', behaviorClose: 'UNIMPLEMENTED', result: 'deflate not negotiated' }),
      makeResult({ agent: 'other', id: '1.1.1', behaviorClose: 'UNCLEAN', resultClose: 'dropped' }),
    ],
  };
}

describe('reports/junit', () => {
  it('writes one testsuite per agent and one testcase per case, with counts and times', () => {
    const root = parseXml(junitXml(sample()));
    assert.equal(root.name, 'testsuites');
    assert.deepEqual(root.attrs, { name: 'wsconform', tests: '5', failures: '2', errors: '0', skipped: '1', time: '4.321' });
    const [ws, other] = root.children;
    assert.deepEqual(ws?.attrs, { name: 'ws', tests: '4', failures: '1', errors: '0', skipped: '1', time: '1.518', timestamp: '2025-11-23T12:00:00' });
    assert.equal(other?.attrs.failures, '1');
    assert.deepEqual(
      ws?.children.map((c) => [c.name, c.attrs.classname, c.attrs.name]),
      [
        ['testcase', '1', '1.1.1 text message, 0 bytes'],
        ['testcase', '2', '2.1 ping, empty payload'],
        ['testcase', '7', '7.3.1 text message, 0 bytes'],
        ['testcase', '12', '12.1.1 text message, 0 bytes'],
      ],
    );
    assert.equal(ws?.children[0]?.attrs.time, '1.500');
    assert.equal(ws?.children[0]?.children.length, 0);
  });

  it('files a policy failure as <failure> with both verdicts and the reasons', () => {
    const ws = parseXml(junitXml(sample())).children[0] as XmlNode;
    const failure = child(ws.children[2] as XmlNode, 'failure');
    assert.deepEqual(failure?.attrs, { message: 'FAILED/WRONG CODE', type: 'FAILED' });
    assert.match(failure?.text ?? '', /^no echo; peer sent 1000\nbehavior FAILED, close WRONG CODE/);
    assert.equal(child(ws.children[2] as XmlNode, 'error'), undefined);
  });

  it('marks UNIMPLEMENTED as skipped and known failures as passing with a note', () => {
    const ws = parseXml(junitXml(sample(), { policy: makePolicy({ expectedFailures: { '7.3.1': 'issue 42' } }) })).children[0] as XmlNode;
    assert.equal(child(ws.children[3] as XmlNode, 'skipped')?.attrs.message, 'UNIMPLEMENTED: deflate not negotiated');
    assert.equal(child(ws.children[2] as XmlNode, 'failure'), undefined);
    assert.match(child(ws.children[2] as XmlNode, 'system-out')?.text ?? '', /expected failure: issue 42/);
    assert.equal(ws.attrs.failures, '0');
  });

  it('escapes hostile text in attributes and content, and drops characters XML cannot hold', () => {
    const nasty = `${HOSTILE_REASON} & "q" 'a' ]]> \u0000\u0001\u0008\u000b\u001f\ufffe\ud800 tab\tnl\ncr\r end`;
    const run: RunResults = {
      meta: makeMeta(),
      results: [makeResult({ agent: HOSTILE_AGENT, title: nasty, behavior: 'FAILED', result: nasty, resultClose: '' })],
    };
    const xml = junitXml(run);
    assert.doesNotMatch(xml, /<script>|<\/td>/);
    const root = parseXml(xml);
    const suite = root.children[0] as XmlNode;
    assert.equal(suite.attrs.name, HOSTILE_AGENT);
    const expected = `</td><script>x</script> & "q" 'a' ]]>  tab\tnl\ncr\r end`;
    assert.equal(suite.children[0]?.attrs.name, `1.1.1 ${expected}`);
    assert.match(child(suite.children[0] as XmlNode, 'failure')?.text ?? '', new RegExp(`^${expected.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}\n`));
  });

  it('xmlEscape keeps astral characters and valid surrogate pairs', () => {
    assert.equal(xmlEscape('😀<', 'text'), '😀&lt;');
    assert.equal(xmlEscape('\udc00x\ud83d', 'attr'), 'x');
  });

  it('writes an empty but valid document for a run without results', () => {
    const root = parseXml(junitXml({ meta: makeMeta({ wallMs: undefined }), results: [] }));
    assert.deepEqual(root.attrs, { name: 'wsconform', tests: '0', failures: '0', errors: '0', skipped: '0', time: '0.000' });
  });

  it('the checker itself rejects broken XML', () => {
    for (const bad of ['<a>', '<a></b>', '<a x="<"/>', '<a>&</a>', '<a>&foo;</a>', '<a>\u0001</a>', '<a/><b/>', '<a x="1" x="2"/>']) {
      assert.throws(() => parseXml(bad), Error, bad);
    }
  });
});
