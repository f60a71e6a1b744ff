/**
 * Stand-ins for Autobahn's five compression data sets (sections 12 and 13), generated here from a
 * seeded PRNG with integer arithmetic only, so they are the same bytes on every platform and no
 * data files ship. Each has the size and the character of its original: a JSON document, an 8-bit
 * grayscale 512×512 BMP, English-like prose, an HTML page and a PDF-like file that mixes
 * compressible objects with incompressible streams. Built on first use.
 */
import type { CorpusSlice } from '../../runner/wire/deflate/stream.js';
import { mulberry32 } from '../../runner/wire/mulberry32.js';

export interface DataSet {
  /** Short name used in cache keys and titles. */
  name: string;
  /** Autobahn's name for the data set it stands in for. */
  autobahnName: string;
  /** Sent as binary messages (sliced by bytes) or as text (sliced by code points). */
  binary: boolean;
  /** Approximate size, for descriptions. */
  nominalBytes: number;
  /** About what the harness's deflate makes of it (compressed / original), for cost estimates. */
  ratio: number;
  bytes(): Buffer;
}

/** mulberry32, mapped to integers by `% bound`: the pinned data sets depend on this mapping. */
function prng(seed: number): { int: (bound: number) => number; pick: <T>(items: readonly T[]) => T; chance: (percent: number) => boolean } {
  const next = mulberry32(seed);
  const int = (bound: number): number => next() % bound;
  return { int, pick: (items) => items[int(items.length)]!, chance: (percent) => int(100) < percent };
}

type Rng = ReturnType<typeof prng>;

// Common English words, most frequent first; picks lean towards the front (a rough Zipf curve).
const WORDS = (
  'the of and to a in that is was he for it with as his on be at by i this had not are but from or have an they which one you were her all she there would ' +
  'their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do ' +
  'first any my now such like our over man me even most made after also did many before must through back years where much your way well down should ' +
  'because each just those people how too little state good very make world still own see men work long get here between both life being under never ' +
  'day same another know while last might us great old year off come since against go came right used take three himself few house use during without ' +
  'again place around however home small found thought went say part once general high upon school every does got united left number course war until ' +
  'always away something fact though water less public put think almost hand enough far took head yet government system better set told nothing night ' +
  'end why called eyes find going look asked later point knew city next program business give group toward young days let room president side social ' +
  'given present several order national possible rather second face per among form important often things looked early white case john become large big ' +
  'need four within felt along children saw best church ever least power development light thing seemed family interest want members mind country area ' +
  'spirit earth heaven devil scholar doctor student wisdom soul heart fire shadow dream morning evening forest mountain river garden window book wine ' +
  'song voice love death youth gold truth nature magic learned ancient wander whisper tremble glorious eternal restless hollow bitter tender'
).split(' ');

const NAMES = ['Anna', 'Ben', 'Clara', 'David', 'Emma', 'Felix', 'Greta', 'Hugo', 'Ida', 'Jonas', 'Karl', 'Lena', 'Max', 'Nora', 'Otto', 'Paula', 'José', 'Zoë', 'Björn', 'Łukasz', 'Søren', 'Renée', 'Chloé', 'Ōta', 'Ümit', 'Märta'];
const SURNAMES = ['Smith', 'Miller', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Dvořák', 'Müller', 'Gómez', 'Łęcka', 'Nuñez', 'Jørgensen', 'Håkansson'];
const EXTRAS = ['naïve café', 'crème brûlée', 'São Paulo', 'Zürich', '東京', 'Ελλάδα', 'Москва', '€ 12,50', '✓ done', '— note —', '→ next', '½ price', '“quoted”'];

function word(r: Rng): string {
  // Squaring a uniform index favours the common words.
  const u = r.int(1000) / 1000;
  return WORDS[Math.floor(u * u * WORDS.length)]!;
}

function sentence(r: Rng, o: { extras?: boolean } = {}): string {
  const n = 4 + r.int(15);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let w = o.extras && r.chance(3) ? r.pick(EXTRAS) : word(r);
    if (i === 0) w = w.charAt(0).toUpperCase() + w.slice(1);
    if (i < n - 1 && r.chance(8)) w += r.pick([',', ',', ';', ':']);
    out.push(w);
  }
  return out.join(' ') + r.pick(['.', '.', '.', '.', '!', '?']);
}

/** Lines of at most `width` characters. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line.length > 0 && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line.length > 0 ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/** Cuts or pads (with `pad` characters, a single byte each) to exactly `size` bytes, never inside a code point. */
function fit(text: string, size: number, pad: string): Buffer {
  let b = Buffer.from(text, 'utf8');
  if (b.length > size) {
    let end = size;
    while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
    b = b.subarray(0, end);
  }
  return b.length === size ? b : Buffer.concat([b, Buffer.from(pad.repeat(Math.ceil((size - b.length) / pad.length)).slice(0, size - b.length), 'latin1')]);
}

function makeJson(): Buffer {
  const r = prng(0x4a534f4e);
  const size = 194056;
  const records: string[] = [];
  let length = 2;
  for (let id = 0; length < size; id++) {
    const first = r.pick(NAMES);
    const last = r.pick(SURNAMES);
    const rec = {
      id,
      guid: Array.from({ length: 4 }, () => r.int(0x10000).toString(16).padStart(4, '0')).join('-'),
      isActive: r.chance(50),
      balance: `$${1 + r.int(3)},${String(r.int(1000)).padStart(3, '0')}.${String(r.int(100)).padStart(2, '0')}`,
      age: 18 + r.int(60),
      name: `${first} ${last}`,
      email: `${first.toLowerCase().replace(/[^a-z]/g, '') || 'user'}.${id}@example.org`,
      phone: `+1 (${800 + r.int(199)}) ${100 + r.int(899)}-${1000 + r.int(8999)}`,
      address: `${1 + r.int(999)} ${word(r)} street, ${r.pick(['Springfield', 'Riverside', 'Zürich', 'Malmö', 'Kraków', 'Fairview'])}`,
      about: sentence(r, { extras: true }) + ' ' + sentence(r, { extras: true }),
      registered: `20${10 + r.int(15)}-${String(1 + r.int(12)).padStart(2, '0')}-${String(1 + r.int(28)).padStart(2, '0')}T${String(r.int(24)).padStart(2, '0')}:${String(r.int(60)).padStart(2, '0')}:00Z`,
      latitude: (r.int(180_000_000) - 90_000_000) / 1_000_000,
      longitude: (r.int(360_000_000) - 180_000_000) / 1_000_000,
      tags: Array.from({ length: 2 + r.int(5) }, () => word(r)),
      friends: Array.from({ length: 1 + r.int(3) }, (_, k) => ({ id: k, name: `${r.pick(NAMES)} ${r.pick(SURNAMES)}` })),
      greeting: `Hello, ${first}! You have ${r.int(20)} unread messages.`,
    };
    const s = JSON.stringify(rec, null, 2).replace(/^/gm, '  ');
    records.push(s);
    length += Buffer.byteLength(s) + 2;
  }
  // Whitespace before the closing bracket keeps the document valid JSON at the exact size.
  const body = '[\n' + records.join(',\n');
  const cut = body.slice(0, body.lastIndexOf(',\n  {'));
  const closing = Buffer.from('\n]\n');
  return Buffer.concat([fit(cut, size - closing.length, ' '), closing]);
}

function makeBmp(): Buffer {
  const r = prng(0x424d5030);
  const w = 512;
  const h = 512;
  const header = 14 + 40 + 256 * 4;
  const b = Buffer.alloc(header + w * h);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(header, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(w, 18);
  b.writeInt32LE(h, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(8, 28);
  b.writeUInt32LE(w * h, 34);
  b.writeInt32LE(2835, 38);
  b.writeInt32LE(2835, 42);
  b.writeUInt32LE(256, 46);
  b.writeUInt32LE(256, 50);
  for (let i = 0; i < 256; i++) b.writeUInt32LE(i * 0x010101, 54 + i * 4);
  // Smooth shading, a few discs and bands, plus sensor-like noise: compresses moderately, like a photo.
  const discs = Array.from({ length: 12 }, () => ({ x: r.int(w), y: r.int(h), r2: (20 + r.int(90)) ** 2, d: r.int(81) - 40 }));
  const tri = (v: number, period: number): number => {
    const m = v % period;
    return m < period / 2 ? m : period - m;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 40 + ((x + 2 * y) >> 3) + tri(x * 3 + y * 2, 180) / 3;
      for (const d of discs) if ((x - d.x) ** 2 + (y - d.y) ** 2 < d.r2) v += d.d;
      v += r.int(13) - 6;
      b[header + y * w + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return b;
}

function makeProse(): Buffer {
  const r = prng(0x46415553);
  const size = 222218;
  const speakers = ['FAUST', 'MEPHISTOPHELES', 'WAGNER', 'MARGARET', 'MARTHA', 'CHORUS', 'THE SPIRIT', 'STUDENT'];
  const parts: string[] = ['THE TRAGEDY OF THE SCHOLAR\n\nA play in verse and prose, generated for wsconform.\n\n'];
  let length = parts[0]!.length;
  while (length < size) {
    const p = r.chance(60)
      ? `${r.pick(speakers)}.\n${Array.from({ length: 2 + r.int(8) }, () => wrap(sentence(r), 60 + r.int(12))).join('\n')}\n\n`
      : `${wrap(Array.from({ length: 2 + r.int(5) }, () => sentence(r)).join(' '), 72)}\n\n`;
    parts.push(p);
    length += p.length;
  }
  return fit(parts.join(''), size, '\n');
}

function makeHtml(): Buffer {
  const r = prng(0x48544d4c);
  const size = 263647;
  const out: string[] = [
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Field notes — a generated page</title>\n',
    '<style>\nbody { font-family: Georgia, serif; margin: 0 auto; max-width: 48em; }\n.note { color: #555; font-size: 90%; }\ntable { border-collapse: collapse; }\ntd, th { padding: 2px 6px; border: 1px solid #ccc; }\n</style>\n</head>\n<body>\n',
    '<nav><ul>\n' + Array.from({ length: 30 }, (_, i) => `  <li><a href="/section/${i}" class="nav-link">${word(r)} ${word(r)}</a></li>\n`).join('') + '</ul></nav>\n',
  ];
  let length = out.join('').length;
  for (let s = 1; length < size; s++) {
    const parts = [`<section id="s${s}">\n<h2>${s}. ${sentence(r, { extras: true }).slice(0, -1)}</h2>\n`];
    for (let i = 1 + r.int(4); i > 0; i--) parts.push(`<p>${sentence(r, { extras: true })} ${sentence(r, { extras: true })} <em>${word(r)}</em> ${sentence(r, { extras: true })}</p>\n`);
    if (r.chance(30)) {
      parts.push('<table>\n<tr><th>Item</th><th>Count</th><th>Price</th></tr>\n');
      for (let i = 2 + r.int(8); i > 0; i--) parts.push(`<tr><td>${word(r)}</td><td>${r.int(500)}</td><td>€${r.int(100)}.${String(r.int(100)).padStart(2, '0')}</td></tr>\n`);
      parts.push('</table>\n');
    }
    if (r.chance(15)) parts.push(`<pre><code>for (let i = 0; i &lt; ${r.int(100)}; i++) {\n  ${word(r)}(i);\n}</code></pre>\n`);
    parts.push(`<p class="note">${r.pick(EXTRAS)} · ${sentence(r)}</p>\n</section>\n`);
    const p = parts.join('');
    out.push(p);
    length += Buffer.byteLength(p);
  }
  const closing = '\n</body>\n</html>\n';
  return Buffer.concat([fit(out.join(''), size - closing.length, ' '), Buffer.from(closing)]);
}

function makePdf(): Buffer {
  const r = prng(0x50444630);
  const size = 1042328;
  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = chunks[0]!.length;
  const offsets: number[] = [];
  const obj = (body: string, stream?: Buffer): void => {
    offsets.push(length);
    const head = Buffer.from(`${offsets.length} 0 obj\n${body}\n${stream ? 'stream\n' : ''}`, 'latin1');
    const tailText = Buffer.from(stream ? '\nendstream\nendobj\n' : 'endobj\n', 'latin1');
    const parts = stream ? [head, stream, tailText] : [head, tailText];
    for (const p of parts) {
      chunks.push(p);
      length += p.length;
    }
  };
  while (length < size - 40_000) {
    const kind = r.int(10);
    if (kind < 4) {
      // A page's content stream, uncompressed: text operators, very compressible.
      const lines: string[] = ['BT', `/F${1 + r.int(3)} ${9 + r.int(4)} Tf`];
      for (let y = 740; y > 60; y -= 12 + r.int(3)) lines.push(`72 ${y} Td (${sentence(r).replace(/[()\\]/g, '')}) Tj`);
      lines.push('ET');
      const s = Buffer.from(lines.join('\n'), 'latin1');
      obj(`<< /Length ${s.length} >>`, s);
    } else if (kind < 7) {
      // An already-compressed stream (image or font): random bytes, incompressible.
      const n = 4 * (1024 + r.int(9000));
      const s = Buffer.alloc(n);
      for (let i = 0; i < n; i += 4) s.writeUInt32LE((r.int(0x10000) << 16 | r.int(0x10000)) >>> 0, i);
      obj(`<< /Length ${n} /Filter /FlateDecode${r.chance(50) ? ` /Subtype /Image /Width ${64 + r.int(400)} /Height ${64 + r.int(400)} /BitsPerComponent 8` : ''} >>`, s);
    } else {
      obj(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${offsets.length + 2} 0 R /Resources << /Font << /F1 ${r.int(200)} 0 R /F2 ${r.int(200)} 0 R >> /ProcSet [/PDF /Text /ImageB] >> /Rotate 0 >>`);
    }
  }
  const xref = [`xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  const trailer = `trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`;
  const body = Buffer.concat([...chunks, Buffer.from(xref, 'latin1')]);
  const end = Buffer.from(trailer, 'latin1');
  const room = size - end.length;
  // Comment lines fill the gap before the trailer (a PDF ignores them), or the xref is cut short.
  const filler = room > body.length ? Buffer.from(('%' + ' '.repeat(78) + '\n').repeat(Math.ceil((room - body.length) / 80)).slice(0, room - body.length), 'latin1') : Buffer.alloc(0);
  return Buffer.concat([body.subarray(0, room), filler, end]);
}

function lazy(make: () => Buffer): () => Buffer {
  let b: Buffer | null = null;
  return () => (b ??= make());
}

export const dataSets = {
  json: { name: 'json', autobahnName: 'json_data1', binary: false, nominalBytes: 194056, ratio: 0.27, bytes: lazy(makeJson) },
  bmp: { name: 'bmp', autobahnName: 'lena512', binary: true, nominalBytes: 263222, ratio: 0.82, bytes: lazy(makeBmp) },
  prose: { name: 'prose', autobahnName: 'gutenberg_faust', binary: true, nominalBytes: 222218, ratio: 0.42, bytes: lazy(makeProse) },
  html: { name: 'html', autobahnName: 'html_data1', binary: false, nominalBytes: 263647, ratio: 0.38, bytes: lazy(makeHtml) },
  pdf: { name: 'pdf', autobahnName: 'ooms', binary: true, nominalBytes: 1042328, ratio: 0.9, bytes: lazy(makePdf) },
} as const satisfies Record<string, DataSet>;

/** Byte offsets of every code point of a UTF-8 text, plus its length at the end. */
function codePointOffsets(b: Buffer): Uint32Array {
  let n = 0;
  for (let i = 0; i < b.length; i++) if ((b[i]! & 0xc0) !== 0x80) n++;
  const out = new Uint32Array(n + 1);
  let k = 0;
  for (let i = 0; i < b.length; i++) if ((b[i]! & 0xc0) !== 0x80) out[k++] = i;
  out[n] = b.length;
  return out;
}

const offsetsCache = new Map<string, Uint32Array>();

/** Length of a data set in the units it is sliced by: bytes, or code points for text. */
export function unitCount(set: DataSet): number {
  return set.binary ? set.bytes().length : textOffsets(set).length - 1;
}

function textOffsets(set: DataSet): Uint32Array {
  let o = offsetsCache.get(set.name);
  if (!o) offsetsCache.set(set.name, (o = codePointOffsets(set.bytes())));
  return o;
}

/**
 * Message `i` of a case sending `length`-unit slices one after another, wrapping at the end (as
 * Autobahn does: each case starts at offset 0). Text sets count code points; the bytes are UTF-8.
 */
export function slice(set: DataSet, length: number, i: number): { payload: Buffer; source: CorpusSlice } {
  const data = set.bytes();
  const n = unitCount(set);
  const from = (i * length) % n;
  const to = from + length;
  let ranges: Array<[number, number]>;
  if (set.binary) ranges = to <= n ? [[from, to]] : [[from, n], [0, to - n]];
  else {
    const off = textOffsets(set);
    const at = (k: number): number => off[k]!;
    ranges = to <= n ? [[at(from), at(to)]] : [[at(from), data.length], [0, at(to - n)]];
  }
  const payload = ranges.length === 1 ? data.subarray(ranges[0]![0], ranges[0]![1]) : Buffer.concat(ranges.map(([a, b]) => data.subarray(a, b)));
  return { payload, source: { corpus: set.name, data, ranges } };
}
