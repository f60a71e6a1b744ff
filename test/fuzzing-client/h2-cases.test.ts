/**
 * The h2.* cases (WebSocket over HTTP/2, RFC 8441) played against servers: a correct node:http2 target
 * passes them all, each broken one fails the case that looks for its flaw, and Hypercorn (a real
 * implementation nobody here wrote) gets the verdicts pinned below, over h2c and over TLS.
 */
import assert from 'node:assert/strict';
import { h2Cases } from '../../cases/own/h2.js';
import { allCases } from '../../cases/index.js';
import { casesForRole, leftOutOverHttp1 } from '../../runner/engine/plan.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { runH2Cases } from '../../runner/fuzzing-client/h2-cases/index.js';
import { startH2Target, type H2Flaw } from '../support/h2-servers.js';
import { startRawH2, type RawH2Options } from '../support/h2-servers.js';
import { hypercornMissing, startHypercorn } from '../support/hypercorn.js';
import { cli, skipBecause } from '../browser/support.js';

const TIMEOUT_MS = 1500;
const verdict = (r: CaseResult | undefined): string => (r ? `${r.behavior} / ${r.behaviorClose}` : 'not run');

/** `caseLimits`: each case's own time limit (a real server on a busy machine), else a short one (our own targets). */
async function play(url: string, ids: string[] | null = null, o: { ca?: string; caseLimits?: boolean } = {}): Promise<Map<string, CaseResult>> {
  const cases = ids ? h2Cases.filter((c) => ids.includes(c.id)) : h2Cases;
  const results = await runH2Cases({ url, agent: 'test', cases, caseIndex: () => 0, ...(o.caseLimits ? {} : { timeoutMs: TIMEOUT_MS }), ...(o.ca ? { tls: { ca: [o.ca] } } : {}) });
  return new Map(results.map((r) => [r.id, r]));
}

async function withTarget<T>(flaws: H2Flaw[], f: (url: string) => Promise<T>): Promise<T> {
  const t = await startH2Target(flaws);
  try {
    return await f(t.url);
  } finally {
    await t.close();
  }
}

async function withRaw<T>(o: RawH2Options, f: (url: string) => Promise<T>): Promise<T> {
  const t = await startRawH2(o);
  try {
    return await f(t.url);
  } finally {
    await t.close();
  }
}

describe('h2.* cases against servers', function () {
  this.timeout(60_000);

  it('are left out of a plain run, with a reason, and selected in an HTTP/2 run', () => {
    const plain = casesForRole(allCases, 'client');
    assert.equal(
      plain.some((c) => c.id.startsWith('h2.')),
      false,
    );
    assert.equal(casesForRole(allCases, 'client', { http2: true }).filter((c) => c.id.startsWith('h2.')).length, h2Cases.length);
    assert.match(leftOutOverHttp1(h2Cases[0]!) ?? '', /--http2/);
    assert.equal(
      casesForRole(allCases, 'server', { http2: true }).some((c) => c.id.startsWith('h2.')),
      false,
    );
  });

  it('test-server without --http2 refuses a selection of only h2.* cases with the reason (exit 2)', async () => {
    const r = await cli(['test-server', '--quiet', '--cases', 'h2.*', 'ws://127.0.0.1:9/']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no case to run: h2\.\* cases run only over HTTP\/2 \(test-server --http2\)/);
  });

  it('a correct node:http2 target passes every case (h2.protocol-without-setting does not apply to it)', async () => {
    const got = await withTarget([], (url) => play(url));
    for (const c of h2Cases) {
      const want = c.id === 'h2.protocol-without-setting' ? 'INFORMATIONAL / INFORMATIONAL' : 'OK / OK';
      assert.equal(verdict(got.get(c.id)), want, `${c.id}: ${got.get(c.id)?.result} | ${got.get(c.id)?.resultClose}`);
    }
  });

  const broken: Array<[H2Flaw, string, string, RegExp]> = [
    ['no-window-update', 'h2.flow-control-16mib', 'FAILED', /Only .* of the 16\.00 MiB message came back/],
    ['goaway-on-stream-error', 'h2.stream-error-unmasked', 'FAILED / FAILED', /other WebSocket/],
    ['goaway-on-stream-error', 'h2.stream-error-opcode', 'FAILED / FAILED', /other WebSocket/],
    ['requires-key', 'h2.connect-status-200', 'FAILED / FAILED', /refused a correct extended CONNECT with :status 400/],
    ['sends-accept', 'h2.connect-status-200', 'NON-STRICT / OK', /sec-websocket-accept/],
    ['unoffered-subprotocol', 'h2.subprotocol-from-offer', 'FAILED', /wsconform\.unoffered/],
    ['no-end-stream', 'h2.close-end-stream', 'OK / FAILED', /close frame/],
    ['accepts-anything', 'h2.protocol-not-websocket', 'FAILED / OK', /accepted a CONNECT it must refuse \(:status 200\)/],
    ['accepts-anything', 'h2.version-99', 'FAILED / OK', /accepted/],
    ['drops-connection-on-stream-end', 'h2.close-leaves-others', 'FAILED / FAILED', /TCP connection closed without a GOAWAY/],
  ];
  for (const [flaw, id, want, why] of broken) {
    it(`a target with the flaw "${flaw}" fails ${id} (${want})`, async () => {
      const r = (await withTarget([flaw], (url) => play(url, [id]))).get(id);
      assert.ok(verdict(r).startsWith(want), `${verdict(r)}: ${r?.result} | ${r?.resultClose}`);
      assert.match(r!.result, why);
    });
  }

  it('a target that does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL fails h2.settings-enable-connect; the cases that need it are UNIMPLEMENTED; its stream error on :protocol is what RFC 8441 §3 says', async () => {
    const got = await withTarget(['no-setting'], (url) => play(url));
    assert.equal(verdict(got.get('h2.settings-enable-connect')), 'FAILED / OK');
    assert.equal(verdict(got.get('h2.connect-status-200')), 'UNIMPLEMENTED / UNIMPLEMENTED');
    const r = got.get('h2.protocol-without-setting');
    assert.equal(verdict(r), 'OK / OK', r?.result);
    assert.match(r!.result, /RST_STREAM PROTOCOL_ERROR/);
  });

  it('a server that answers :protocol with 200 without having enabled it fails h2.protocol-without-setting', async () => {
    const r = (await withRaw({ status: 200, enableConnect: false }, (url) => play(url, ['h2.protocol-without-setting']))).get('h2.protocol-without-setting');
    assert.equal(verdict(r), 'FAILED / OK', r?.result);
    assert.match(r!.result, /accepted a malformed request \(:status 200\)/);
  });

  it('a server that accepts a CONNECT without :path fails h2.connect-without-path', async () => {
    const r = (await withRaw({ status: 200 }, (url) => play(url, ['h2.connect-without-path']))).get('h2.connect-without-path');
    assert.equal(verdict(r), 'FAILED / OK', r?.result);
  });

  it('a server that answers :status 101 fails h2.connect-status-200 (node:http2 will not send 101, so the server is hand-made)', async () => {
    const r = (await withRaw({ status: 101 }, (url) => play(url, ['h2.connect-status-200']))).get('h2.connect-status-200');
    assert.equal(verdict(r), 'FAILED / FAILED', r?.result);
  });

  it('a server that never sends SETTINGS fails every case within the time limit, no hang', async () => {
    const started = Date.now();
    const got = await withRaw({ silent: true }, (url) => play(url, ['h2.settings-enable-connect', 'h2.connect-without-path']));
    assert.equal(verdict(got.get('h2.settings-enable-connect')), 'FAILED / FAILED');
    assert.match(got.get('h2.settings-enable-connect')!.result, /no SETTINGS frame within/);
    assert.equal(verdict(got.get('h2.connect-without-path')), 'FAILED / FAILED');
    assert.ok(Date.now() - started < 4 * TIMEOUT_MS);
  });

  describe('Hypercorn (python3-hypercorn) with an ASGI echo app', function () {
    // The cases' own limits: the ones that wait for an end Hypercorn never sends take 5 s each.
    this.timeout(180_000);
    before(function () {
      const why = hypercornMissing();
      if (why === null) return;
      if (process.env.CI === 'true') throw new Error(`${why}: .ci/run installs it`);
      skipBecause(this, why);
    });

    /** Hypercorn 0.13's verdicts, findings about a real implementation (see the results' texts). */
    const HYPERCORN: Record<string, string> = {
      'h2.settings-enable-connect': 'OK / OK',
      'h2.connect-status-200': 'OK / OK',
      'h2.version-missing': 'OK / OK',
      // Its 400 lacks sec-websocket-version: 13 (RFC 6455 §4.4), as over HTTP/1.1.
      'h2.version-99': 'FAILED / OK',
      // It opens a WebSocket for any :protocol.
      'h2.protocol-not-websocket': 'FAILED / OK',
      'h2.subprotocol-from-offer': 'OK / OK',
      'h2.flow-control-16mib': 'OK / OK',
      // Over HTTP/2 it neither answers nor ends the stream of an unmasked frame or a reserved opcode.
      'h2.stream-error-unmasked': 'FAILED / FAILED',
      'h2.stream-error-opcode': 'FAILED / FAILED',
      // It answers the close frame but never sends END_STREAM.
      'h2.close-end-stream': 'OK / FAILED',
      // Once the client ends one WebSocket's stream, it closes the TCP connection (no GOAWAY), every other WebSocket with it.
      'h2.close-leaves-others': 'FAILED / FAILED',
      'h2.protocol-without-setting': 'INFORMATIONAL / INFORMATIONAL',
      // A malformed request ends the whole connection (GOAWAY PROTOCOL_ERROR): allowed, not the stream error described.
      'h2.connect-without-path': 'NON-STRICT / OK',
      'h2.connect-without-scheme': 'NON-STRICT / OK',
      'h2.connect-with-upgrade-header': 'NON-STRICT / OK',
    };

    // Over TLS the cases that need no wait for an END_STREAM Hypercorn never sends (the others take
    // 5 s each and are the same over h2c): ALPN, the setting, refusals and flow control through TLS.
    const overTls = ['h2.settings-enable-connect', 'h2.connect-status-200', 'h2.version-missing', 'h2.version-99', 'h2.subprotocol-from-offer', 'h2.flow-control-16mib'];
    for (const tls of [false, true]) {
      it(`over ${tls ? 'TLS (ALPN h2), the cases that end at once' : 'h2c (prior knowledge)'}: the pinned verdicts`, async () => {
        const server = await startHypercorn({ tls });
        try {
          const ids = tls ? overTls : null;
          const got = await play(server.url, ids, { caseLimits: true, ...(server.ca ? { ca: server.ca } : {}) });
          const seen = Object.fromEntries(h2Cases.filter((c) => !ids || ids.includes(c.id)).map((c) => [c.id, verdict(got.get(c.id))]));
          const want = Object.fromEntries(Object.entries(HYPERCORN).filter(([id]) => !ids || ids.includes(id)));
          assert.deepEqual(seen, want, JSON.stringify([...got.values()].map((r) => [r.id, r.result, r.resultClose])));
        } finally {
          await server.stop();
        }
      });
    }
  });
});
