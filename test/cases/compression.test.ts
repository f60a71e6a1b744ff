/**
 * Sections 12 and 13 as data: Autobahn's IDs, rows, offers and accept rules, the data set
 * stand-ins and how messages are cut from them; and the whole numeric catalogue in Autobahn's order.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { autobahnCases, caseById } from '../../cases/index.js';
import { compressionCases } from '../../cases/autobahn/compression.js';
import { dataSets, slice, unitCount, type DataSet } from '../../cases/autobahn/compression-data.js';
import type { CaseDef, EchoRounds } from '../../cases/types.js';
import { clientOffers } from '../../runner/wire/deflate/per-case.js';
import { estimateMs, memoryCost } from '../../runner/engine/plan.js';

/** Autobahn's groups and their sizes; a bare section number means IDs with two parts (2.1 … 2.11). */
const GROUPS =
  '1.1:8 1.2:8 2:11 3:7 4.1:5 4.2:5 5:20 6.1:3 6.2:4 6.3:2 6.4:4 6.5:5 6.6:11 6.7:4 6.8:2 6.9:4 6.10:3 6.11:5 6.12:8 6.13:5 6.14:10 6.15:1 6.16:3 ' +
  '6.17:5 6.18:5 6.19:5 6.20:7 6.21:8 6.22:34 6.23:7 7.1:6 7.3:6 7.5:1 7.7:13 7.9:9 7.13:2 9.1:6 9.2:6 9.3:9 9.4:9 9.5:6 9.6:6 9.7:6 9.8:6 10.1:1 ' +
  '12.1:18 12.2:18 12.3:18 12.4:18 12.5:18 13.1:18 13.2:18 13.3:18 13.4:18 13.5:18 13.6:18 13.7:18';

function expectedIds(): string[] {
  return GROUPS.split(' ').flatMap((g) => {
    const [prefix, n] = g.split(':') as [string, string];
    return Array.from({ length: Number(n) }, (_, i) => `${prefix}.${i + 1}`);
  });
}

const rounds = (def: CaseDef): EchoRounds => {
  const step = def.steps[0];
  assert.ok(step && step.do === 'echo', `${def.id} is one echo step`);
  return step.rounds;
};

const ROWS: Array<[number, number, number]> = [
  [16, 60, 0],
  [64, 60, 0],
  [256, 120, 0],
  [1024, 240, 0],
  [4096, 480, 0],
  [8192, 480, 0],
  [16384, 480, 0],
  [32768, 480, 0],
  [65536, 480, 0],
  [131072, 480, 0],
  [8192, 480, 256],
  [16384, 480, 256],
  [32768, 480, 256],
  [65536, 480, 256],
  [131072, 480, 256],
  [131072, 480, 1024],
  [131072, 480, 4096],
  [131072, 480, 32768],
];

describe('the catalogue', () => {
  it('holds exactly Autobahn’s 517 numeric IDs, in Autobahn’s order', () => {
    const ids = autobahnCases.map((c) => c.id);
    assert.equal(ids.length, 517);
    assert.deepEqual(ids, expectedIds());
  });

  it('matches the reference TSV when it is at hand', function () {
    const tsv = new URL('../../../shared/reference/autobahn-cases.tsv', import.meta.url);
    if (!existsSync(tsv)) this.skip();
    const ids = readFileSync(tsv, 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.trim())
      .map((l) => l.split('\t')[0]);
    assert.deepEqual(
      autobahnCases.map((c) => c.id),
      ids,
    );
  });
});

describe('sections 12 and 13', () => {
  it('are 216 echo cases of 1000 compressed messages compared by content', () => {
    assert.equal(compressionCases.length, 216);
    for (const def of compressionCases) {
      const r = rounds(def);
      assert.equal(r.count, 1000, def.id);
      assert.equal(r.compare, 'content', def.id);
      assert.equal(r.deflate, true, def.id);
      assert.ok(def.handshake?.deflate, def.id);
      assert.equal(def.expect.kind, 'echo');
      assert.deepEqual(def.expect.close, { closedByMe: true, codes: [1000], requireClean: true });
      assert.equal(def.reportTime, true);
    }
  });

  it('follow Autobahn’s 18 rows: size, timeout, auto-fragment size', () => {
    for (const def of compressionCases) {
      const row = Number(def.id.split('.')[2]);
      const [size, timeoutS, fragment] = ROWS[row - 1]!;
      const r = rounds(def);
      assert.equal(r.timeoutMs, timeoutS * 1000, def.id);
      assert.equal(r.fragmentSize, fragment, def.id);
      const set = def.id.startsWith('12.') ? [dataSets.json, dataSets.bmp, dataSets.prose, dataSets.html, dataSets.pdf][Number(def.id.split('.')[1]) - 1]! : dataSets.json;
      const m = r.message(0);
      assert.equal(m.binary, set.binary, def.id);
      assert.equal(set.binary ? m.payload.length : [...m.payload.toString('utf8')].length, size, def.id);
    }
  });

  it('send binary for the BMP, prose and PDF sets, text for JSON and HTML', () => {
    const binary = (id: string): boolean => rounds(caseById(id)!).message(0).binary;
    assert.deepEqual(['12.1.1', '12.2.1', '12.3.1', '12.4.1', '12.5.1', '13.4.7'].map(binary), [false, true, true, false, true, false]);
  });

  it('offer what Autobahn offers, and accept by Autobahn’s rules', () => {
    const d = 'permessage-deflate; client_no_context_takeover; client_max_window_bits';
    const expected: Record<string, [string[], string]> = {
      '12.3.5': [[d], 'first'],
      '13.1.1': [[d], 'first'],
      '13.2.1': [[`${d}; server_no_context_takeover`], 'no-context-takeover'],
      '13.3.1': [[`${d}; server_max_window_bits=9`], 'max-window-bits-9'],
      '13.4.1': [[`${d}; server_max_window_bits=15`], 'max-window-bits-15'],
      '13.5.1': [[`${d}; server_no_context_takeover; server_max_window_bits=9`], 'both-9'],
      '13.6.1': [[`${d}; server_no_context_takeover; server_max_window_bits=15`], 'both-15'],
      '13.7.18': [[`${d}; server_no_context_takeover; server_max_window_bits=9`, `${d}; server_no_context_takeover`, d], 'fallback'],
    };
    for (const [id, [offers, accept]] of Object.entries(expected)) {
      const def = caseById(id)!;
      assert.deepEqual(clientOffers(def), offers, id);
      assert.equal(def.handshake?.deflate?.accept, accept, id);
    }
  });

  it('never ask the scheduler for so much memory that fewer than eight can run at once (96 MB budget)', () => {
    for (const def of compressionCases) assert.ok(memoryCost(def) <= 12 * 1024 * 1024, `${def.id}: ${memoryCost(def)}`);
  });

  it('start the heaviest first: big messages in many small frames, then big messages, small ones last', () => {
    const rank = new Map([...compressionCases].sort((a, b) => estimateMs(b) - estimateMs(a)).map((c, i) => [c.id, i]));
    const at = (id: string): number => rank.get(id)!;
    assert.equal([...rank].find(([, i]) => i === 0)![0], '12.5.15', 'the PDF (least compressible) in 256-byte frames');
    assert.ok(at('12.5.15') < at('12.2.15') && at('12.2.15') < at('12.1.15'));
    assert.ok(at('12.1.15') < at('12.1.14') && at('12.1.14') < at('12.1.10') && at('12.1.10') < at('12.1.5') && at('12.1.5') < at('12.1.1'));
  });
});

describe('the data set stand-ins', () => {
  const sets: DataSet[] = Object.values(dataSets);
  const ratio = (set: DataSet): number => zlib.deflateRawSync(set.bytes(), { level: 1 }).length / set.bytes().length;

  it('have the sizes of Autobahn’s files', () => {
    assert.deepEqual(
      sets.map((s) => [s.name, s.bytes().length]),
      [
        ['json', 194056],
        ['bmp', 263222],
        ['prose', 222218],
        ['html', 263647],
        ['pdf', 1042328],
      ],
    );
  });

  it('are the same bytes every time (pinned digests)', () => {
    const digests = Object.fromEntries(sets.map((s) => [s.name, createHash('sha1').update(s.bytes()).digest('hex').slice(0, 16)]));
    assert.deepEqual(digests, PINNED);
  });

  it('are valid UTF-8 with some multi-byte characters when sent as text', () => {
    for (const set of [dataSets.json, dataSets.html]) {
      const b = set.bytes();
      assert.ok(new TextDecoder('utf-8', { fatal: true }).decode(b).length > 0);
      assert.ok(unitCount(set) < b.length, `${set.name} has multi-byte characters`);
      assert.ok(unitCount(set) > b.length * 0.9, `${set.name} is mostly ASCII`);
    }
    JSON.parse(dataSets.json.bytes().toString('utf8'));
  });

  it('look like what they stand for', () => {
    const bmp = dataSets.bmp.bytes();
    assert.equal(bmp.toString('latin1', 0, 2), 'BM');
    assert.deepEqual([bmp.readUInt32LE(2), bmp.readInt32LE(18), bmp.readInt32LE(22), bmp.readUInt16LE(28)], [263222, 512, 512, 8]);
    assert.ok(dataSets.html.bytes().toString('utf8').startsWith('<!DOCTYPE html>'));
    const pdf = dataSets.pdf.bytes().toString('latin1');
    assert.ok(pdf.startsWith('%PDF-1.4') && pdf.trimEnd().endsWith('%%EOF'));
  });

  it('declare about the compression ratio they have (used for cost estimates)', () => {
    for (const set of sets) {
      const b = set.bytes();
      let out = 0;
      for (let i = 0; i < b.length; i += 16384) out += zlib.deflateRawSync(b.subarray(i, i + 16384), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).length;
      assert.ok(Math.abs(out / b.length - set.ratio) < 0.05, `${set.name}: ${out / b.length} vs ${set.ratio}`);
    }
  });

  it('compress like their originals: text well, the image moderately, the PDF hardly', () => {
    assert.ok(ratio(dataSets.json) < 0.35);
    assert.ok(ratio(dataSets.html) < 0.45);
    assert.ok(ratio(dataSets.prose) < 0.5);
    const bmp = ratio(dataSets.bmp);
    assert.ok(bmp > 0.6 && bmp < 0.9, String(bmp));
    assert.ok(ratio(dataSets.pdf) > 0.8);
  });
});

describe('slicing messages', () => {
  it('cuts binary sets by bytes, one slice after another, wrapping at the end', () => {
    const set = dataSets.bmp;
    const b = set.bytes();
    assert.deepEqual(slice(set, 100, 0).payload, b.subarray(0, 100));
    assert.deepEqual(slice(set, 100, 1).payload, b.subarray(100, 200));
    const n = b.length;
    const i = Math.floor(n / 131072);
    const wrapped = slice(set, 131072, i);
    const from = (i * 131072) % n;
    assert.deepEqual(wrapped.payload, Buffer.concat([b.subarray(from), b.subarray(0, 131072 - (n - from))]));
    assert.deepEqual(wrapped.source.ranges, [
      [from, n],
      [0, 131072 - (n - from)],
    ]);
  });

  it('cuts text sets by code points and sends their UTF-8 bytes', () => {
    const set = dataSets.json;
    const chars = [...set.bytes().toString('utf8')];
    const n = chars.length;
    assert.equal(unitCount(set), n);
    for (const [len, i] of [
      [16, 0],
      [16, 5],
      [1024, 190],
      [131072, 1],
      [131072, 2],
      [65536, 999],
    ] as const) {
      const from = (i * len) % n;
      const want = (from + len <= n ? chars.slice(from, from + len) : [...chars.slice(from), ...chars.slice(0, from + len - n)]).join('');
      const got = slice(set, len, i).payload;
      assert.equal(got.toString('utf8'), want, `${len} × ${i}`);
      assert.deepEqual(Buffer.concat(slice(set, len, i).source.ranges.map(([a, b]) => set.bytes().subarray(a, b))), got);
    }
  });
});

const PINNED: Record<string, string> = {
  json: '766aae2ee13f69d8',
  bmp: '26331dd301e2eaa4',
  prose: 'ce1f2ea6a51e7ff3',
  html: '617c49507d1f2a31',
  pdf: 'e15e06bad362fab8',
};
