/**
 * handshake.*: deviating requests against servers and deviating responses against clients. Each rule has a
 * target that breaks it and must earn its verdict; the ws server and client show what a real
 * implementation gets.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { clientHandshakeCases, handshakeCases } from '../../cases/own/handshake.js';
import { allCases } from '../../cases/index.js';
import { FrameDecoder } from '../../runner/wire/decoder.js';
import { encodeFrame, Opcode } from '../../runner/wire/frame.js';
import { buildClientRequest, newClientKey, parseHttpHead } from '../../runner/wire/handshake.js';
import type { Flaws } from '../support/broken-server.js';
import { startHostileServer } from '../support/hostile-server.js';
import { startOneCaseServer } from '../support/one-case-server.js';
import { againstBrokenServer, againstClient, againstServer, againstWsServer, ownCase, verdict } from '../support/own-verdicts.js';

describe('handshake.* against servers', function () {
  this.timeout(15_000);

  it('applies to servers only, states section and level, and needs no session for refusals', () => {
    for (const c of handshakeCases) {
      assert.equal(c.applies, 'servers', c.id);
      assert.equal(c.requirement?.level, 'MUST', c.id);
      assert.ok(c.handshake?.request, c.id);
    }
  });

  it('gives the ws server OK everywhere but HTTP/1.0 and a missing Host, which ws upgrades', async () => {
    const results = await againstWsServer(handshakeCases.map((c) => c.id));
    const failed = ['handshake.host-missing', 'handshake.http-1.0'];
    for (const [id, r] of results) assert.equal(verdict(r), failed.includes(id) ? 'FAILED/FAILED' : 'OK/OK', `${id}: ${r.result}`);
  });

  const rows: Array<{ flaw: string; flaws: Flaws; ids: string[]; expected: string }> = [
    {
      flaw: 'accepts any key',
      flaws: { acceptAnyKey: true },
      ids: ['handshake.key-missing', 'handshake.key-empty', 'handshake.key-not-base64', 'handshake.key-wrong-length'],
      expected: 'FAILED/FAILED',
    },
    { flaw: 'accepts any version', flaws: { acceptAnyVersion: true }, ids: ['handshake.version-99'], expected: 'FAILED/FAILED' },
    { flaw: 'refuses a version without saying which it speaks', flaws: { versionRefusalWithoutHeader: true }, ids: ['handshake.version-99'], expected: 'FAILED/OK' },
    { flaw: 'picks a subprotocol nobody offered', flaws: { pickProtocol: 'chat' }, ids: ['handshake.subprotocol-from-offer'], expected: 'FAILED/FAILED' },
    {
      flaw: 'accepts an extension nobody offered',
      flaws: { acceptExtension: 'permessage-deflate' },
      ids: ['handshake.extension-unknown-offer', 'handshake.response-valid'],
      expected: 'FAILED/FAILED',
    },
    { flaw: 'sends a wrong Sec-WebSocket-Accept', flaws: { wrongAccept: true }, ids: ['handshake.response-valid'], expected: 'FAILED/FAILED' },
    { flaw: 'needs the whole request in one chunk', flaws: { requestInOneChunk: true }, ids: ['handshake.request-1-byte-writes'], expected: 'FAILED/FAILED' },
    // Nothing comes back, so the kill timer closes: the close itself is orderly.
    { flaw: 'drops a frame that came with the request', flaws: { dropPipelined: true }, ids: ['handshake.pipelined-frame'], expected: 'FAILED/OK' },
    {
      flaw: 'checks the request line and Host',
      flaws: {},
      ids: ['handshake.http-1.0', 'handshake.host-missing', 'handshake.method-post', 'handshake.version-99', 'handshake.version-missing'],
      expected: 'OK/OK',
    },
  ];
  for (const row of rows) {
    it(`gives ${row.ids.join(', ')} ${row.expected} for a server that ${row.flaw}`, async () => {
      for (const id of row.ids) {
        const r = await againstBrokenServer(row.flaws, id);
        assert.equal(verdict(r), row.expected, `${id}: ${r.result} ${r.resultClose}`);
      }
    });
  }

  it('says NON-STRICT for a server that closes without a response, FAILED for one that never answers', async () => {
    const closer = await startHostileServer((s) => s.once('data', () => s.end()));
    const silent = await startHostileServer((s) => s.resume());
    try {
      assert.equal(verdict(await againstServer(closer.url, 'handshake.key-missing')), 'NON-STRICT/OK');
      const r = await againstServer(silent.url, 'handshake.key-missing');
      assert.equal(verdict(r), 'FAILED/FAILED');
      assert.match(r.result, /never answered/);
    } finally {
      await closer.close();
      await silent.close();
    }
  });
});

/** A client that reads the 101 only from the first chunk and throws away whatever came with it. */
function naiveClient(port: number): void {
  const socket = net.connect({ host: '127.0.0.1', port });
  const decoder = new FrameDecoder({ maxPayload: 65536 });
  let opened = false;
  socket.on('error', () => undefined);
  socket.on('connect', () => socket.write(buildClientRequest({ host: `127.0.0.1:${port}`, path: '/', key: newClientKey() })));
  socket.on('data', (d: Buffer) => {
    if (!opened) {
      if (parseHttpHead(d).state !== 'complete') return void socket.destroy();
      opened = true;
      return;
    }
    for (const f of decoder.push(d)) {
      if (f.opcode === Opcode.close) socket.end(encodeFrame({ opcode: Opcode.close, payload: f.payload.subarray(0, 2), mask: Buffer.alloc(4) }));
      else if (f.opcode === Opcode.text) socket.write(encodeFrame({ opcode: Opcode.text, payload: f.payload, mask: Buffer.alloc(4) }));
    }
  });
}

describe('handshake.* against clients', function () {
  this.timeout(15_000);

  it('are in the catalogue, for clients only, each with a deviating response', () => {
    for (const c of clientHandshakeCases) {
      assert.equal(c.applies, 'clients', c.id);
      assert.ok(c.handshake?.response, c.id);
      assert.ok(allCases.includes(c), c.id);
    }
  });

  it('passes the ws client on every case', async () => {
    for (const c of clientHandshakeCases) {
      const r = await againstClient(c.id, 'ws');
      assert.equal(verdict(r), 'OK/OK', `${c.id}: ${r.result} ${r.resultClose}`);
    }
  });

  it('catches a client that checks nothing in the response: it echoes the message', async () => {
    for (const c of clientHandshakeCases.filter((x) => x.expect.kind !== 'browser-api' && x.expect.close.closedByMe === false)) {
      const r = await againstClient(c.id, { raw: {} });
      // After a status other than 101 the connection may stay open (plain HTTP): only the echo fails it.
      assert.equal(verdict(r), c.expect.kind !== 'browser-api' && c.expect.close.eitherMayClose ? 'FAILED/OK' : 'FAILED/FAILED', c.id);
      assert.equal(r.received.length, 1, `${c.id}: the message came back`);
    }
  });

  it('catches a client that needs the 101 in one chunk, and one that drops the frame that came with it', async () => {
    for (const id of ['handshake.client.response-1-byte-writes', 'handshake.client.frame-with-101']) {
      const server = await startOneCaseServer(ownCase(id));
      try {
        naiveClient(server.port);
        const r = await server.result;
        assert.equal(r.behavior, 'FAILED', `${id}: ${r.result}`);
      } finally {
        await server.close();
      }
    }
  });
});
