/**
 * The Python-style JSON writer: the text CPython's `json.dumps(value, sort_keys=True, indent=3)`
 * writes, byte for byte. Each expected string below was printed by CPython 3.11 for the same value.
 */
import assert from 'node:assert/strict';
import { compareCodePoints, pyJson, pyNumber, pyString } from '../../reports/pyjson.js';

describe('reports/pyjson', () => {
  describe('pyJson (json.dumps, sort_keys=True, indent=3)', () => {
    it('escapes like ensure_ascii, with lowercase hex and surrogate pairs', () => {
      const value = { d: [1.5e-7, 0.0001, 1e-5, 123.456, 1.5e16 * 1.1, -0.5, 1e100, true, null], c: {}, b: [], a: 'é\u2028\u0000\u007f"\\ \t😀' };
      const python =
        '{\n   "a": "\\u00e9\\u2028\\u0000\\u007f\\"\\\\ \\t\\ud83d\\ude00",\n   "b": [],\n   "c": {},\n   "d": [\n      1.5e-07,\n      0.0001,\n      1e-05,\n      123.456,\n      1.6500000000000002e+16,\n      -0.5,\n      1e+100,\n      true,\n      null\n   ]\n}';
      assert.equal(pyJson(value), python);
    });

    it('indents nested containers by three spaces a level, with "," and ": " between items, and writes empty ones as {} and []', () => {
      const value = { z: { b: [1, { y: [], x: {} }], a: 'A' }, m: [[1, 2], []], a: null };
      const python =
        '{\n   "a": null,\n   "m": [\n      [\n         1,\n         2\n      ],\n      []\n   ],\n   "z": {\n      "a": "A",\n      "b": [\n         1,\n         {\n            "x": {},\n            "y": []\n         }\n      ]\n   }\n}';
      assert.equal(pyJson(value), python);
    });

    it('takes another indent when asked', () => {
      assert.equal(pyJson({ b: [1], a: { c: true } }, 2), '{\n  "a": {\n    "c": true\n  },\n  "b": [\n    1\n  ]\n}');
    });

    it('writes HTML-like text as Python does: "</script>", "&", "<", ">", "\'" and "/" unescaped', () => {
      // Python escapes none of these; a page that embeds this text must escape it itself.
      const value = { html: "</script><script>alert('x')</script>", amp: "a & b <c> 'd'", slash: 'a/b' };
      assert.equal(pyJson(value), '{\n   "amp": "a & b <c> \'d\'",\n   "html": "</script><script>alert(\'x\')</script>",\n   "slash": "a/b"\n}');
    });

    it('writes scalars at the top level without a trailing newline', () => {
      assert.deepEqual([pyJson(null), pyJson(true), pyJson(false), pyJson(7), pyJson('x'), pyJson([]), pyJson({})], ['null', 'true', 'false', '7', '"x"', '[]', '{}']);
    });

    it('drops object members whose value is undefined and writes undefined in a list as null, as JSON.stringify does', () => {
      assert.equal(pyJson({ a: undefined, b: 1 }), '{\n   "b": 1\n}');
      assert.equal(pyJson({ a: undefined }), '{}');
      assert.equal(pyJson([undefined]), '[\n   null\n]');
    });

    it('refuses what JSON cannot hold', () => {
      assert.throws(() => pyJson({ f: () => 1 }), TypeError);
      assert.throws(() => pyJson([1n]), TypeError);
    });
  });

  describe('pyString (ensure_ascii)', () => {
    it('keeps printable ASCII, names the short escapes, and writes every other code unit as \\uXXXX in lowercase hex', () => {
      const s = '\x00\x01\x1f\x7f\x80\u00ff\u0100\u2028\u2029\ufeff\uffff\b\f\n\r\t"\\/';
      assert.equal(pyString(s), '"\\u0000\\u0001\\u001f\\u007f\\u0080\\u00ff\\u0100\\u2028\\u2029\\ufeff\\uffff\\b\\f\\n\\r\\t\\"\\\\/"');
    });

    it('writes an astral code point as its surrogate pair, and a lone surrogate as itself', () => {
      assert.equal(pyString('\u{1F600}\u{10000}\u{10FFFF}'), '"\\ud83d\\ude00\\ud800\\udc00\\udbff\\udfff"');
      assert.equal(pyString('\ud800x\udfff'), '"\\ud800x\\udfff"');
    });

    it('escapes keys the same way', () => {
      assert.equal(pyJson({ 'é"': 1 }), '{\n   "\\u00e9\\"": 1\n}');
    });
  });

  describe('key order (sort_keys=True)', () => {
    it('sorts keys by code point, as Python does (not by UTF-16 unit)', () => {
      const keys = Object.keys(JSON.parse(pyJson({ '\uffff': 1, '😀': 2, a: 3, '\ue000': 4 })) as object);
      assert.deepEqual(keys, ['a', '\ue000', '\uffff', '😀']);
    });

    it("agrees with Python's sorted() on prefixes, case and the surrogate range", () => {
      const keys = ['B', 'a', '\uffff', '\u{1F600}', '\ue000', '\ud7ff', 'aa', 'a\u{1F600}', 'a\uffff', ''];
      assert.deepEqual([...keys].sort(compareCodePoints), ['', 'B', 'a', 'aa', 'a\uffff', 'a\u{1F600}', '\ud7ff', '\ue000', '\uffff', '\u{1F600}']);
    });
  });

  describe('pyNumber (repr)', () => {
    it('prints numbers as Python repr does', () => {
      assert.deepEqual([0, 42, -7, 0.1, 2.5, 1e-4, 1e-5, NaN, Infinity].map(pyNumber), ['0', '42', '-7', '0.1', '2.5', '0.0001', '1e-05', 'NaN', 'Infinity']);
    });

    it('prints floats with the shortest round-trip digits, in exponent form below 1e-4 and from 1e16', () => {
      const rows: Array<[number, string]> = [
        [1.5e16, '1.5e+16'],
        [1e16, '1e+16'],
        [1e22, '1e+22'],
        [1e15 + 0.5, '1000000000000000.5'],
        [123456789012345.6, '123456789012345.6'],
        [0.1 + 0.2, '0.30000000000000004'],
        [1 / 3, '0.3333333333333333'],
        [0.001, '0.001'],
        [12345678.9, '12345678.9'],
        [-1e-7, '-1e-07'],
        [-2.5e-5, '-2.5e-05'],
        [5e-324, '5e-324'],
        [1.7976931348623157e308, '1.7976931348623157e+308'],
        [-Infinity, '-Infinity'],
      ];
      assert.deepEqual(
        rows.map(([n]) => pyNumber(n)),
        rows.map(([, text]) => text),
      );
    });

    it('prints integral values below 1e16 as Python ints: JavaScript cannot tell 100.0 from 100', () => {
      // Python would write the float 100.0 as "100.0" and 2.0**53 as "9007199254740992.0".
      assert.deepEqual([100, 2 ** 53, -(10 ** 15)].map(pyNumber), ['100', '9007199254740992', '-1000000000000000']);
    });
  });
});
