/**
 * The browser-API servers, driven by the `ws` client instead of a browser: each answers the
 * handshake the way its case says and records what crossed the wire.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { caseById } from '../../cases/index.js';
import type { CaseDef } from '../../cases/types.js';
import { startApiServers, type ApiServers } from '../../runner/browser/api-server.js';
import { judgeWire, type ApiWireRecord } from '../../runner/engine/verdicts/browser-api.js';

function connect(url: string, protocols: string[] = []): Promise<{ ws: WebSocket | null; error: string | null; opened: boolean }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
    ws.once('open', () => resolve({ ws, error: null, opened: true }));
    ws.once('error', (e) => resolve({ ws: null, error: e.message, opened: false }));
  });
}

const closed = (ws: WebSocket): Promise<{ code: number; reason: string }> => new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));

/** Starts the servers of the case `id`, runs `body` against them, and closes them whatever happens. */
async function withServer(id: string, body: (s: ApiServers, def: CaseDef) => Promise<void>): Promise<void> {
  const def = caseById(id)!;
  const s = await startApiServers([def]);
  try {
    await body(s, def);
  } finally {
    await s.close();
  }
}

describe('browser-API servers', () => {
  it('gives every case its own port, and spreads them over loopback hosts (one CONNECTING per host in Firefox)', async () => {
    const defs = ['api.close.code.1000', 'api.close.connecting', 'api.close.code.999'].map((id) => caseById(id)!);
    const s = await startApiServers(defs);
    try {
      assert.notEqual(s.host(defs[0]!.id), s.host(defs[1]!.id));
      assert.match(s.url(defs[0]!.id), /^ws:\/\/127\.0\.0\.1:\d+\/api\.close\.code\.1000$/);
      assert.match(s.url(defs[1]!.id), /^ws:\/\/127\.0\.0\.2:\d+\/api\.close\.connecting$/);
      assert.match(s.host(defs[2]!.id), /^127\.0\.0\.3:\d+$/);
      // Each one really listens where its URL says.
      for (const def of defs.filter((d) => d.id !== 'api.close.connecting')) {
        const ws = new WebSocket(s.url(def.id));
        ws.on('error', () => undefined);
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('close', () => reject(new Error(`${def.id}: no open`)));
        });
        ws.terminate();
      }
    } finally {
      await s.close();
    }
  });

  it('echoes a valid close frame and records it', () =>
    withServer('api.close.twice', async (s, def) => {
      const { ws } = await connect(s.url(def.id));
      const done = closed(ws!);
      ws!.close(1000, 'a');
      assert.deepEqual(await done, { code: 1000, reason: 'a' });
      await s.settled(def.id, 2000);
      const rec = s.record(def.id);
      assert.equal(rec.connections, 1);
      assert.deepEqual(rec.closeFrames, [{ code: 1000, reason: 'a' }]);
      assert.deepEqual(rec.serverClose, { code: 1000, reason: 'a' });
      assert.equal(rec.firstCloseBy, 'browser');
      assert.equal(rec.tcpClosedBy, 'server');
    }));

  it('records messages before the close frame in order', () =>
    withServer('api.send.before-close', async (s, def) => {
      const { ws } = await connect(s.url(def.id));
      const done = closed(ws!);
      ws!.send('a');
      ws!.send(Buffer.from([0, 1, 0xfe]), { binary: true });
      ws!.send(Buffer.alloc(65), { binary: true });
      ws!.send('c'.repeat(100));
      ws!.send(Buffer.from('ed a0 80'.replace(/ /g, ''), 'hex'), { binary: false });
      ws!.close(1000);
      await done;
      await s.settled(def.id, 2000);
      // Short binary messages show their bytes, and text that is not UTF-8 shows as such.
      assert.deepEqual(s.record(def.id).messages, ['text "a"', 'binary 0001fe', 'binary (65 bytes)', 'text (100 bytes)', 'text (not UTF-8) eda080']);
    }));

  it('judges the opening request: a client that sends a Referer and no Origin fails api.request.*', async () => {
    const ids = ['api.request.no-referer', 'api.request.origin', 'api.request.version'];
    const defs = ids.map((id) => caseById(id)!);
    const s = await startApiServers(defs);
    try {
      for (const def of defs) {
        const ws = new WebSocket(s.url(def.id), { perMessageDeflate: false, headers: { Referer: 'http://127.0.0.1/page' } });
        await new Promise((resolve) => ws.once('open', resolve));
        ws.close();
        await closed(ws);
        await s.settled(def.id, 2000);
      }
      const verdict = (id: string): string => {
        const def = caseById(id)!;
        if (def.expect.kind !== 'browser-api') throw new TypeError(id);
        const v = judgeWire(def.expect.check.expectWire, s.record(id));
        return `${v.behaviorClose}: ${v.resultClose}`;
      };
      assert.match(verdict('api.request.no-referer'), /^FAILED: The opening request had referer: "http:\/\/127\.0\.0\.1\/page"; expected no such header/);
      assert.match(verdict('api.request.origin'), /^FAILED: The opening request had origin: \(absent\); expected a value matching/);
      assert.match(verdict('api.request.version'), /^OK/);
    } finally {
      await s.close();
    }
  });

  it('answers with a wrong Sec-WebSocket-Accept, which a client refuses', () =>
    withServer('api.handshake.wrong-accept', async (s, def) => {
      const r = await connect(s.url(def.id));
      assert.equal(r.opened, false);
      assert.match(r.error ?? '', /Sec-WebSocket-Accept/);
    }));

  it('answers 302 with a Location that leads to a working endpoint of the same case', () =>
    withServer('api.handshake.redirect', async (s, def) => {
      const r = await connect(s.url(def.id));
      assert.equal(r.opened, false);
      assert.match(r.error ?? '', /302/);
      // A client that follows the redirect gets a connection, and the server counts it.
      const follows = await new Promise<boolean>((resolve) => {
        const ws = new WebSocket(s.url(def.id), { followRedirects: true, perMessageDeflate: false });
        ws.once('open', () => {
          ws.close();
          resolve(true);
        });
        ws.once('error', () => resolve(false));
      });
      assert.equal(follows, true);
      await s.settled(def.id, 2000);
      assert.equal(s.record(def.id).connections, 3);
    }));

  it('sends its 101 and its first frames in one write', () =>
    withServer('api.server-close.after-message', async (s, def) => {
      const ws = new WebSocket(s.url(def.id), { perMessageDeflate: false });
      const messages: string[] = [];
      ws.on('message', (d) => messages.push(d.toString()));
      assert.deepEqual(await closed(ws), { code: 1000, reason: 'done' });
      assert.deepEqual(messages, ['m1']);
    }));

  describe('the flood of api.stream.backpressure.read', function () {
    this.timeout(20_000);
    const id = 'api.stream.backpressure.read';
    const expectWire = (): Parameters<typeof judgeWire>[0] => {
      const def = caseById(id)!;
      if (def.expect.kind !== 'browser-api') throw new TypeError(id);
      return def.expect.check.expectWire;
    };
    /** Connects, reading or not, until the server has measured its flood; then reads the rest and closes. */
    const flooded = async (reads: boolean): Promise<ApiWireRecord> => {
      let rec: ApiWireRecord | undefined;
      await withServer(id, async (s) => {
        const { ws } = await connect(s.url(id));
        // ws keeps its TCP socket here; pausing it stops the client reading from the network.
        const socket = (ws as unknown as { _socket: Socket })._socket;
        if (!reads) socket.pause();
        let bytes = 0;
        ws!.on('message', (d: Buffer) => (bytes += d.length));
        // The server measures 1.5 s after the flood starts (100 ms after the handshake).
        await new Promise((r) => setTimeout(r, 1900));
        rec = { ...s.record(id), flood: { ...s.record(id).flood! } };
        socket.resume();
        while (bytes < 64 * 1048576) await new Promise((r) => setTimeout(r, 20));
        ws!.close();
        await closed(ws!);
      });
      return rec!;
    };

    it('sees a client that stops reading take in a few MiB of 64, which passes', async () => {
      const rec = await flooded(false);
      assert.equal(rec.flood!.bytes, 64 * (1048576 + 10));
      assert.ok(rec.flood!.accepted! < 24 * 1048576, String(rec.flood!.accepted));
      assert.equal(judgeWire(expectWire(), rec).behaviorClose, 'OK');
    });

    it('sees a client that reads everything take in all of it, which fails', async () => {
      const rec = await flooded(true);
      assert.equal(rec.flood!.accepted, rec.flood!.bytes);
      const v = judgeWire(expectWire(), rec);
      assert.equal(v.behaviorClose, 'FAILED');
      assert.match(v.resultClose, /64\.0 MiB of 64\.0 MiB taken in/);
    });
  });

  it('never answers a held handshake, and settles once the client gives up', () =>
    withServer('api.close.connecting', async (s, def) => {
      const ws = new WebSocket(s.url(def.id), { perMessageDeflate: false });
      ws.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(ws.readyState, WebSocket.CONNECTING);
      ws.terminate();
      await s.settled(def.id, 2000);
      assert.equal(s.record(def.id).httpResponse, '(no answer)');
    }));
});
