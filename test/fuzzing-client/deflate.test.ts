/**
 * permessage-deflate over real connections: ws (server and client) passes in both roles and in
 * both context-takeover modes, a target without the extension is UNIMPLEMENTED, and each broken target
 * earns its non-OK verdict.
 */
import assert from 'node:assert/strict';
import { WebSocketServer, type PerMessageDeflateOptions } from 'ws';
import { caseById } from '../../cases/index.js';
import type { CaseDef } from '../../cases/types.js';
import { caseResult } from '../../runner/engine/case-result.js';
import { runCaseAgainstServer } from '../../runner/fuzzing-client/run.js';
import { defaultSessionOptions, type SessionOptions } from '../../runner/engine/defaults.js';
import type { Transcript } from '../../runner/engine/transcript.js';
import { startDeflateTarget, type DeflateFlaws } from '../support/deflate-peers.js';
import { startTestServer } from '../support/fuzzing-server.js';
import { runAutobahnClient, runCase } from '../fixtures/ws-autobahn-client.mjs';

const def = (id: string): CaseDef => {
  const d = caseById(id);
  assert.ok(d, `case ${id} exists`);
  return d;
};

async function runAgainst(url: string, id: string, session: Partial<SessionOptions> = {}): Promise<{ t: Transcript; behavior: string; behaviorClose: string; result: string }> {
  const d = def(id);
  const t = await runCaseAgainstServer(new URL(url), d, { session: { ...defaultSessionOptions, caseTimeoutMs: 60_000, ...session }, openHandshakeTimeoutMs: 2000 });
  const r = caseResult(d, t, 'test', 1);
  return { t, behavior: r.behavior, behaviorClose: r.behaviorClose, result: r.result };
}

function startWsServer(perMessageDeflate: PerMessageDeflateOptions | boolean): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate, maxPayload: 64 << 20 });
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
      ws.on('error', () => undefined);
    });
    wss.on('listening', () => {
      const { port } = wss.address() as { port: number };
      resolve({
        url: `ws://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            for (const c of wss.clients) c.terminate();
            wss.close(() => done());
          }),
      });
    });
  });
}

/** One case from every 12.x and 13.x group, mostly small rows (fast), plus 8 KiB in 256-byte frames and 128 KiB. */
const small = ['12.1.1', '12.2.2', '12.3.3', '12.4.4', '12.5.2', '13.1.1', '13.2.2', '13.3.1', '13.4.2', '13.5.3', '13.6.1', '13.7.1'];
const selection = [...small, '12.1.11', '12.4.10', '13.7.12'];

describe('the ws server with permessage-deflate passes sections 12 and 13', function () {
  this.timeout(120_000);
  const configs: Array<[string, PerMessageDeflateOptions | boolean, string[]]> = [
    ['ws defaults (threshold 1024, context takeover)', true, selection],
    ['every message compressed, server context takeover', { threshold: 0 }, small],
    ['server_no_context_takeover', { threshold: 0, serverNoContextTakeover: true }, ['12.1.2', '12.5.3', '13.3.2', '13.7.1']],
    ['client_no_context_takeover required', { threshold: 0, clientNoContextTakeover: true }, ['12.2.1', '12.4.3', '13.6.2']],
    ['a 10-bit server window', { threshold: 0, serverMaxWindowBits: 10 }, ['12.1.2', '12.3.4', '13.1.3', '13.2.3']],
  ];
  for (const [name, options, ids] of configs) {
    it(name, async () => {
      const server = await startWsServer(options);
      try {
        const results = await Promise.all(ids.map((id) => runAgainst(server.url, id)));
        results.forEach((r, i) => assert.deepEqual([ids[i], r.behavior, r.behaviorClose], [ids[i], 'OK', 'OK'], r.result));
        const negotiated = results.map((r) => r.t.deflate ?? '');
        assert.ok(negotiated.every((d) => d.startsWith('permessage-deflate')));
      } finally {
        await server.close();
      }
    });
  }

  it('agrees what each 13.x offer asks', async () => {
    const server = await startWsServer({ threshold: 0 });
    try {
      const r = await Promise.all(['13.2.1', '13.3.1', '13.5.1'].map((id) => runAgainst(server.url, id)));
      assert.match(
        r[0]!.t.deflate ?? '',
        /^permessage-deflate; server_no_context_takeover; client_no_context_takeover \(harness sends without context takeover, window 15 bits; peer sends without context takeover/,
      );
      assert.match(r[1]!.t.deflate ?? '', /^permessage-deflate; server_max_window_bits=9; client_no_context_takeover .*peer sends with context takeover, window 9 bits/);
      assert.match(r[2]!.t.deflate ?? '', /server_no_context_takeover; server_max_window_bits=9/);
      assert.match(r[0]!.t.httpRequest, /Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover\r\n/);
    } finally {
      await server.close();
    }
  });
});

describe('a server without permessage-deflate', () => {
  it('is UNIMPLEMENTED for 12.x and 13.x, with a clean close: a gate passes it', async () => {
    const server = await startWsServer(false);
    try {
      const started = Date.now();
      for (const id of ['12.1.1', '12.5.18', '13.7.18']) {
        const r = await runAgainst(server.url, id);
        assert.deepEqual([id, r.behavior, r.behaviorClose], [id, 'UNIMPLEMENTED', 'OK']);
        assert.equal(r.t.deflate, null);
      }
      assert.ok(Date.now() - started < 2000);
    } finally {
      await server.close();
    }
  });

  it('is offered nothing in cases outside sections 12 and 13', async () => {
    const server = await startWsServer(true);
    try {
      const r = await runAgainst(server.url, '1.1.2');
      assert.deepEqual([r.behavior, r.behaviorClose], ['OK', 'OK']);
      assert.doesNotMatch(r.t.httpRequest, /Sec-WebSocket-Extensions/);
    } finally {
      await server.close();
    }
  });
});

describe('broken deflate peers get a non-OK verdict', function () {
  this.timeout(30_000);
  const rows: Array<{ flaw: string; flaws: DeflateFlaws; id: string; behavior: string; behaviorClose?: string; violation?: string; handshake?: RegExp }> = [
    { flaw: 'a correct peer (control)', flaws: {}, id: '12.1.3', behavior: 'OK', behaviorClose: 'OK' },
    { flaw: 'RSV1 on a continuation frame', flaws: { rsv1OnContinuation: true }, id: '12.1.3', behavior: 'FAILED', violation: 'WS_ERR_UNEXPECTED_RSV' },
    {
      flaw: 'client_max_window_bits without a value in the response',
      flaws: { response: 'permessage-deflate; client_max_window_bits' },
      id: '12.1.1',
      behavior: 'FAILED',
      behaviorClose: 'FAILED',
      handshake: /needs a value/,
    },
    { flaw: 'an unknown parameter in the response', flaws: { response: 'permessage-deflate; foo=1' }, id: '12.2.1', behavior: 'FAILED', behaviorClose: 'FAILED', handshake: /unknown parameter foo/ },
    {
      flaw: 'a server window larger than the client allowed',
      flaws: { response: 'permessage-deflate; server_max_window_bits=15' },
      id: '13.3.1',
      behavior: 'FAILED',
      behaviorClose: 'FAILED',
      handshake: /exceeds the 9 offered/,
    },
    { flaw: 'server_no_context_takeover asked for and dropped', flaws: { response: 'permessage-deflate' }, id: '13.2.1', behavior: 'FAILED', behaviorClose: 'FAILED', handshake: /drops it/ },
    { flaw: 'permessage-deflate accepted where nothing was offered', flaws: { response: 'permessage-deflate' }, id: '1.1.2', behavior: 'FAILED', behaviorClose: 'FAILED', handshake: /not offered/ },
    {
      flaw: 'context kept after promising server_no_context_takeover',
      flaws: { response: 'permessage-deflate; server_no_context_takeover', keepContext: true },
      id: '13.2.4',
      behavior: 'FAILED',
      violation: 'WS_ERR_INFLATE',
    },
    { flaw: 'compressed frames (RSV1) without an agreement', flaws: { response: null, compressAlways: true }, id: '1.1.2', behavior: 'FAILED', violation: 'WS_ERR_UNEXPECTED_RSV' },
    { flaw: 'compressed frames (RSV1) without an agreement, in an echo case', flaws: { response: null, compressAlways: true }, id: '9.7.2', behavior: 'FAILED', violation: 'WS_ERR_UNEXPECTED_RSV' },
  ];
  for (const row of rows) {
    it(`${row.flaw}: ${row.id} → ${row.behavior}`, async () => {
      const peer = await startDeflateTarget(row.flaws);
      try {
        const r = await runAgainst(peer.url, row.id);
        assert.equal(r.behavior, row.behavior, r.result);
        if (row.behaviorClose) assert.equal(r.behaviorClose, row.behaviorClose);
        if (row.violation)
          assert.ok(
            r.t.violations.some((v) => v.code === row.violation),
            JSON.stringify(r.t.violations),
          );
        if (row.handshake) {
          assert.match(r.t.handshakeError ?? '', row.handshake);
          assert.equal(r.t.openedAtMs, null);
        }
      } finally {
        await peer.close();
      }
    });
  }

  it('a deflate bomb (1 MB inflating to 1 GiB) is a 1009 message-too-large violation, not an out-of-memory', async () => {
    const peer = await startDeflateTarget({ bombBytes: 1 << 30 });
    try {
      const before = process.memoryUsage().rss;
      const r = await runAgainst(peer.url, '12.1.1', { maxMessageSize: 16 << 20 });
      assert.equal(r.behavior, 'FAILED');
      assert.ok(
        r.t.violations.some((v) => v.code === 'WS_ERR_MESSAGE_TOO_LARGE'),
        JSON.stringify(r.t.violations),
      );
      assert.equal(r.t.localCloseCode, 1009);
      assert.ok(process.memoryUsage().rss - before < 256 << 20);
    } finally {
      await peer.close();
    }
  });
});

describe('the fuzzing server (test-client) negotiates permessage-deflate with the ws client', function () {
  this.timeout(60_000);

  const rows: Array<[string, PerMessageDeflateOptions | boolean, string]> = [
    // The harness sends with context takeover here: its dictionary-carried context against ws's kept window.
    ['12.1.2', { threshold: 0 }, 'permessage-deflate'],
    ['12.4.7', { threshold: 0 }, 'permessage-deflate'],
    ['12.2.11', true, 'permessage-deflate'],
    ['13.2.3', { threshold: 0 }, 'permessage-deflate; client_no_context_takeover'],
    ['13.3.2', { threshold: 0 }, 'permessage-deflate; client_max_window_bits=9'],
    [
      '13.5.1',
      { threshold: 0, serverNoContextTakeover: true, serverMaxWindowBits: 9 },
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover; client_max_window_bits=9',
    ],
    ['13.7.2', { threshold: 0 }, 'permessage-deflate; client_no_context_takeover; client_max_window_bits=9'],
    ['13.4.1', { threshold: 0, clientMaxWindowBits: 0 }, ''],
  ];
  for (const [id, options, response] of rows) {
    it(`${id} with ${JSON.stringify(options)}: answers “${response || 'no extension'}” and passes`, async () => {
      const ts = await startTestServer([def(id)], { session: { ...defaultSessionOptions, caseTimeoutMs: 60_000 } });
      try {
        // Through the URL protocol, as a client library's own Autobahn script would connect.
        await runCase(ts.server.url, 1, 'ws client', { perMessageDeflate: options });
        const r = await ts.byId(id);
        const m = /^Sec-WebSocket-Extensions: (.*)\r$/im.exec(r.httpResponse);
        assert.equal(m?.[1] ?? '', response);
        assert.deepEqual([r.behavior, r.behaviorClose], response ? ['OK', 'OK'] : ['UNIMPLEMENTED', 'OK'], r.result);
      } finally {
        await ts.server.close();
      }
    });
  }

  it('a whole run of 12.x/13.x rows through the URL protocol: ws with deflate passes, ws without is UNIMPLEMENTED', async () => {
    const ids = ['12.1.1', '12.3.2', '13.1.2', '13.4.1', '13.6.3', '13.7.3'];
    const ts = await startTestServer(ids.map(def), { session: { ...defaultSessionOptions, caseTimeoutMs: 60_000 } });
    try {
      await runAutobahnClient({ url: ts.server.url, agent: 'with', concurrency: 3, options: { perMessageDeflate: { threshold: 0 } } });
      await runAutobahnClient({ url: ts.server.url, agent: 'without', concurrency: 3 });
      for (const id of ids) {
        const w = await ts.byId(id, 'with');
        assert.deepEqual([w.behavior, w.behaviorClose], ['OK', 'OK'], `${id}: ${w.result}`);
        const wo = await ts.byId(id, 'without');
        assert.deepEqual([wo.behavior, wo.behaviorClose], ['UNIMPLEMENTED', 'OK'], `${id}: ${wo.result}`);
      }
    } finally {
      await ts.server.close();
    }
  });
});
