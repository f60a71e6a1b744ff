/**
 * What the fuzzing server does with requests it cannot serve: each gets a clear HTTP error and a
 * log line, in bounded time, and the server stays up with its results intact.
 */
import assert from 'node:assert/strict';
import { exchange, upgradeRequest } from '../fixtures/raw-client.js';
import { getCaseCount, runCase } from '../fixtures/ws-autobahn-client.mjs';
import { casesById, startTestServer, waitFor, type TestServer } from '../support/fuzzing-server.js';

describe('fuzzing server: bad requests', function () {
  this.timeout(10_000);
  let ts: TestServer;
  let port: number;

  beforeEach(async () => {
    ts = await startTestServer(casesById(['1.1.1', '1.1.2', '2.1']), { openHandshakeTimeoutMs: 300 });
    port = ts.server.port;
  });
  afterEach(() => ts.server.close());

  const refused: Array<[string, string, number, RegExp]> = [
    ['an unknown path', '/nope', 404, /unknown path "\/nope".*direct command mode is not supported/],
    ['a path Autobahn serves only with an exact match', '/runCase/', 404, /unknown path/],
    ['runCase without an agent', '/runCase?case=1', 500, /needs an agent parameter/],
    ['runCase with an empty agent (a blank value counts as absent, as in parse_qs)', '/runCase?case=1&agent=', 500, /needs an agent/],
    ['runCase without a case', '/runCase?agent=a', 500, /needs a case parameter/],
    ['a case beyond the selection', '/runCase?case=4&agent=a', 500, /case 4 is out of range: the selection has cases 1\.\.3/],
    ['case 0', '/runCase?case=0&agent=a', 500, /out of range/],
    ['a case that is not a number', '/runCase?case=1.1.1&agent=a', 500, /is not a number/],
    ['an unknown casetuple', '/runCase?casetuple=9.9.9&agent=a', 500, /casetuple "9\.9\.9" is not among the 3 selected cases/],
    ['two agents', '/runCase?case=1&agent=a&agent=b', 500, /agent parameter is given 2 times/],
    ['getCaseInfo without a case', '/getCaseInfo', 500, /needs a case/],
    ['getCaseStatus without an agent', '/getCaseStatus?case=1', 500, /needs an agent/],
    ['updateReports without an agent', '/updateReports', 500, /needs an agent/],
    ['getCaseCount with a case out of range (Autobahn checks a given case on every path)', '/getCaseCount?case=7', 500, /out of range/],
  ];
  for (const [what, path, status, body] of refused) {
    it(`refuses ${what} with ${status}, logged`, async () => {
      const r = await exchange(port, upgradeRequest(port, path));
      assert.equal(r.status, status, r.head);
      assert.match(r.body, body);
      assert.ok(
        ts.logs.some((l) => l.includes(`${status} for ${path}`)),
        ts.logs.join('\n'),
      );
    });
  }

  it('refuses a WebSocket handshake without a key (400) and a wrong version (426 with Sec-WebSocket-Version: 13)', async () => {
    const noKey = await exchange(port, upgradeRequest(port, '/getCaseCount', [['Sec-WebSocket-Key', null]]));
    assert.equal(noKey.status, 400);
    assert.match(noKey.body, /Sec-WebSocket-Key header is missing/);
    const v8 = await exchange(port, upgradeRequest(port, '/getCaseCount', [['Sec-WebSocket-Version', '8']]));
    assert.equal(v8.status, 426);
    assert.match(v8.head, /\r\nSec-WebSocket-Version: 13(\r\n|$)/);
  });

  it('serves a short text page for a plain GET /, 426 for a protocol path without upgrade, 404 otherwise', async () => {
    const page = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(page.status, 200);
    assert.match(page.body, /\/runCase\?case=N&agent=NAME/);
    assert.match(page.body, /Cases selected: 3/);
    assert.equal((await exchange(port, 'GET /getCaseCount HTTP/1.1\r\nHost: x\r\n\r\n')).status, 426);
    assert.equal((await exchange(port, 'GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n')).status, 404);
  });

  it('answers garbage with 400 at once', async () => {
    for (const garbage of [Buffer.from([0x00, 0xff, 0x13, 0x37]), Buffer.from('hello there\r\n\r\n'), Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])]) {
      const r = await exchange(port, garbage);
      // 400, not the 408 of the handshake timeout: refused as soon as the bytes were seen.
      assert.equal(r.status, 400, `${garbage.toString('hex')}: ${r.head}`);
    }
    assert.equal(ts.logs.filter((l) => /: 400, connection closed$/.test(l)).length, 3, ts.logs.join('\n'));
  });

  it('answers an endless request line or an oversized head with 400, reading at most 16 KiB', async () => {
    const endless = await exchange(port, 'GET /' + 'a'.repeat(9000));
    assert.equal(endless.status, 400);
    assert.match(endless.body, /request line longer than 8192 bytes/);
    const huge = await exchange(port, `GET /getCaseCount HTTP/1.1\r\nHost: x\r\n${'X-Filler: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n'.repeat(400)}`);
    assert.equal(huge.status, 400);
    assert.match(huge.body, /no end of HTTP head within 16384 bytes/);
  });

  it('closes a connection that never sends anything after the open-handshake timeout (408), logged', async () => {
    const r = await exchange(port, '');
    assert.equal(r.status, 408);
    assert.ok(r.closedAfterMs >= 250 && r.closedAfterMs < 2500, `closed after ${r.closedAfterMs} ms`);
    const partial = await exchange(port, 'GET /getCaseCount HTTP/1.1\r\nHost: x\r\n');
    assert.equal(partial.status, 408);
    assert.ok(
      ts.logs.some((l) => /sent nothing within 300 ms: 408/.test(l)),
      ts.logs.join('\n'),
    );
    assert.ok(
      ts.logs.some((l) => /sent an incomplete HTTP request \(\d+ bytes\) within 300 ms/.test(l)),
      ts.logs.join('\n'),
    );
  });

  it('stays up and keeps its results through 1,000 connections at once, refusing those beyond maxConnections with 503', async function () {
    this.timeout(20_000);
    await runCase(ts.server.url, 1, 'before');
    await waitFor(() => ts.server.results().length === 1, 2000);
    const t0 = Date.now();
    // Half stay silent (each holds a slot until the 300 ms handshake timeout), half ask for the case count.
    const outcomes = await Promise.all(Array.from({ length: 1000 }, (_, i) => exchange(port, i % 2 === 0 ? '' : upgradeRequest(port, '/getCaseCount'))));
    const wall = Date.now() - t0;
    const count = (status: number): number => outcomes.filter((o) => o.status === status).length;
    assert.ok(count(503) > 0, 'some were refused');
    assert.equal(count(101) + count(408) + count(503), 1000, JSON.stringify(outcomes.filter((o) => ![101, 408, 503].includes(o.status)).slice(0, 3)));
    assert.ok(outcomes.filter((o) => o.status === 503).every((o) => /too many connections \(limit 256\)/.test(o.body)));
    assert.ok(wall < 15_000, `took ${wall} ms`);
    assert.ok(
      ts.logs.some((l) => /^refused 1 connection\(s\) with 503: more than 256 open at once$/.test(l)),
      ts.logs.slice(0, 5).join('\n'),
    );
    assert.ok(ts.logs.filter((l) => l.startsWith('refused')).length <= 3, 'one log line per order of magnitude');
    await waitFor(() => ts.server.activity().connections === 0, 3000);
    // Still serving, with the earlier result intact.
    assert.equal(await getCaseCount(ts.server.url), 3);
    await runCase(ts.server.url, 2, 'after');
    await waitFor(() => ts.server.results().length === 2, 2000);
    assert.deepEqual(
      ts.server.results().map((r) => `${r.agent}:${r.id}:${r.behavior}`),
      ['before:1.1.1:OK', 'after:1.1.2:OK'],
    );
  });
});
