/**
 * JSON text exactly as Python's `json.dumps(value, sort_keys=True, indent=3)` writes it, which is
 * how Autobahn wrote index.json and the per-case files. Scripts that diff those files byte for
 * byte against an Autobahn run keep working.
 *
 * Python's defaults that matter here: ensure_ascii (everything outside space..'~' becomes \uXXXX
 * with lowercase hex), separators ',' and ': ' when indenting, '{}' / '[]' for empty containers,
 * keys sorted by code point, and floats in repr() form (1e-05, 1.5e+16).
 */

/** Compares by Unicode code point, as Python sorts str keys (UTF-16 order differs above U+D7FF). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (an astral code point) ranks above every BMP code unit from U+E000 up.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy && (sx ? y : x) >= 0xe000) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

export function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c <= 0x7e) out += s[i];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else out += `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/**
 * Python's repr() of a number: integers as digits, other numbers as Python prints a float
 * (shortest round-trip digits; exponent form below 1e-4 and from 1e16). JavaScript cannot tell
 * 1.0 from 1, so integral values below 1e16 print as Python ints.
 */
export function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  const [mantissa = '', expText = '0'] = n.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
  }
  const frac = digits.slice(1);
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${sign}${digits[0] ?? '0'}${frac === '' ? '' : `.${frac}`}e${e}`;
}

function encode(value: unknown, indent: string, level: number): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'number') return pyNumber(value);
  const inner = `\n${indent.repeat(level + 1)}`;
  const outer = `\n${indent.repeat(level)}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${inner}${value.map((v) => encode(v, indent, level + 1)).join(`,${inner}`)}${outer}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    entries.sort(([a], [b]) => compareCodePoints(a, b));
    const items = entries.map(([k, v]) => `${pyString(k)}: ${encode(v, indent, level + 1)}`);
    return `{${inner}${items.join(`,${inner}`)}${outer}}`;
  }
  throw new TypeError(`pyJson: cannot encode a ${typeof value}`);
}

/** `json.dumps(value, sort_keys=True, indent=3)`; no trailing newline, as Autobahn wrote it. */
export function pyJson(value: unknown, indent = 3): string {
  return encode(value, ' '.repeat(indent), 0);
}
