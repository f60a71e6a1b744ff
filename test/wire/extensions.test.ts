/**
 * The Sec-WebSocket-Extensions grammar (RFC 6455 §9.1): what parses, into what, and what does not.
 */
import assert from 'node:assert/strict';
import { parseExtensionList } from '../../runner/wire/extensions.js';

describe('Sec-WebSocket-Extensions grammar (RFC 6455 §9.1)', () => {
  const ok: Array<[string | string[], Array<[string, Array<[string, string | null]>]>]> = [
    ['permessage-deflate', [['permessage-deflate', []]]],
    ['Permessage-Deflate', [['permessage-deflate', []]]],
    ['permessage-deflate; client_max_window_bits', [['permessage-deflate', [['client_max_window_bits', null]]]]],
    [
      'permessage-deflate;server_max_window_bits=10 ; client_no_context_takeover',
      [
        [
          'permessage-deflate',
          [
            ['server_max_window_bits', '10'],
            ['client_no_context_takeover', null],
          ],
        ],
      ],
    ],
    ['permessage-deflate; server_max_window_bits="10"', [['permessage-deflate', [['server_max_window_bits', '10']]]]],
    ['permessage-deflate; x="a\\b"', [['permessage-deflate', [['x', 'ab']]]]],
    [
      'foo, permessage-deflate; a, permessage-deflate',
      [
        ['foo', []],
        ['permessage-deflate', [['a', null]]],
        ['permessage-deflate', []],
      ],
    ],
    [
      ['foo; bar=1', 'permessage-deflate'],
      [
        ['foo', [['bar', '1']]],
        ['permessage-deflate', []],
      ],
    ],
    [' , ,permessage-deflate,', [['permessage-deflate', []]]],
    ['', []],
  ];
  for (const [input, want] of ok) {
    it(`parses ${JSON.stringify(input)}`, () => {
      const r = parseExtensionList(input);
      assert.ok(r.ok, r.ok ? '' : r.error);
      assert.deepEqual(
        r.value.map((e) => [e.name, e.params.map((p) => [p.name, p.value])]),
        want,
      );
    });
  }
  for (const bad of [
    'permessage-deflate;',
    '; foo',
    'permessage-deflate foo',
    'permessage-deflate; a=',
    'permessage-deflate; a="10',
    'permessage-deflate; a="1 0"',
    'permessage-deflate; a=@',
    '"quoted"',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseExtensionList(bad).ok, false));
  }
});

describe('an extension element as written', () => {
  it('keeps the text of each element, without the whitespace and commas around it', () => {
    const r = parseExtensionList([' permessage-deflate;client_max_window_bits=10 ,, X-Foo ; a="b" ', 'y; p=1']);
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.deepEqual(
      r.value.map((e) => e.text),
      ['permessage-deflate;client_max_window_bits=10', 'X-Foo ; a="b"', 'y; p=1'],
    );
  });

  it('keeps the case of the name in the text, and lowercases it in the name', () => {
    const r = parseExtensionList('X-Foo\t');
    assert.ok(r.ok);
    assert.deepEqual(r.value, [{ name: 'x-foo', params: [], text: 'X-Foo' }]);
  });
});
