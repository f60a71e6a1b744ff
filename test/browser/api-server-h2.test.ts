/**
 * The browser-API servers of test-browser --http2, driven by node:http2's client instead of a
 * browser: a case's server offers h2 by ALPN and advertises extended CONNECT (RFC 8441 §3), answers
 * the page's warm-up request, takes a `:protocol websocket` CONNECT as its handshake says, and
 * plays the case over the stream; cases whose check has no HTTP/2 form stay HTTP/1.1 only.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { rmSync } from 'node:fs';
import tls from 'node:tls';
import { caseById } from '../../cases/index.js';
import { browserRunTls } from '../../runner/app/commands/browser-tls.js';
import { apiOverHttp2 } from '../../runner/browser/api-h2.js';
import { startApiServers, type ApiServers } from '../../runner/browser/api-server.js';
import { FrameDecoder, type DecodedFrame } from '../../runner/wire/decoder.js';
import { encodeFrame, Opcode } from '../../runner/wire/frame.js';
import { tmp } from './support.js';

const outdir = tmp();
const run = browserRunTls({ publicHost: '127.0.0.1', outdir });
after(() => rmSync(outdir, { recursive: true, force: true }));

async function withServers(ids: string[], body: (s: ApiServers) => Promise<void>): Promise<void> {
  const s = await startApiServers(
    ids.map((id) => caseById(id)!),
    undefined,
    run.tls,
    { http2: true },
  );
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

/** An HTTP/2 session to a case's origin, once the server's SETTINGS are in. */
async function session(s: ApiServers, id: string): Promise<http2.ClientHttp2Session> {
  const c = http2.connect(`https://${s.host(id)}`, { ca: run.tls.trust.pem });
  c.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    c.once('remoteSettings', () => resolve());
    c.once('error', reject);
  });
  return c;
}

/** An extended CONNECT for the case's path; resolves with the response's header fields and the stream. */
function connectStream(c: http2.ClientHttp2Session, id: string, extra: http2.OutgoingHttpHeaders = {}): Promise<{ headers: http2.IncomingHttpHeaders; stream: http2.ClientHttp2Stream }> {
  const stream = c.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'https', ':path': `/${id}`, 'sec-websocket-version': '13', ...extra }, { endStream: false });
  stream.on('error', () => undefined);
  return new Promise((resolve) => stream.once('response', (headers) => resolve({ headers, stream })));
}

/** The frames that come on a stream until it ends. */
function framesUntilEnd(stream: http2.ClientHttp2Stream, onFrame: (f: DecodedFrame) => void = () => undefined): Promise<DecodedFrame[]> {
  const decoder = new FrameDecoder({ maxPayload: 1 << 20 });
  const frames: DecodedFrame[] = [];
  stream.on('data', (d: Buffer) => {
    for (const f of decoder.push(d)) {
      frames.push(f);
      onFrame(f);
    }
  });
  return new Promise((resolve) => stream.once('end', () => resolve(frames)));
}

describe('browser-API servers over HTTP/2 (test-browser --http2)', () => {
  it('advertises extended CONNECT, answers the warm-up with 204, and plays a case over a stream: 200, the close frame, END_STREAM', () =>
    withServers(['api.state.clean-close'], async (s) => {
      const id = 'api.state.clean-close';
      assert.equal(s.warmUp(id), `https://${s.host(id)}/.wsconform-h2`);
      const c = await session(s, id);
      try {
        assert.equal(c.remoteSettings.enableConnectProtocol, true);
        const warm = c.request({ ':path': '/.wsconform-h2' });
        const status = await new Promise((resolve) => warm.once('response', (h) => resolve(h[':status'])));
        assert.equal(status, 204);
        const { headers, stream } = await connectStream(c, id, { 'sec-websocket-protocol': 'chat' });
        assert.equal(headers[':status'], 200);
        assert.equal(headers['sec-websocket-protocol'], 'chat');
        assert.equal(headers['sec-websocket-accept'], undefined);
        const frames = await framesUntilEnd(stream, (f) => {
          // The server closed first (4000 "bye"); the client answers with the same close frame.
          if (f.opcode === Opcode.close) stream.write(encodeFrame({ opcode: Opcode.close, payload: f.payload, mask: Buffer.from([1, 2, 3, 4]) }));
        });
        assert.deepEqual(
          frames.map((f) => [f.opcode, f.payload.readUInt16BE(0), f.payload.subarray(2).toString()]),
          [[Opcode.close, 4000, 'bye']],
        );
        stream.end();
        await new Promise((r) => setTimeout(r, 50));
        const rec = s.record(id);
        assert.equal(rec.protocol, 'h2');
        assert.equal(rec.connections, 1, 'the warm-up request is not an opening request');
        assert.equal(rec.requestHeaders[':protocol'], 'websocket');
        assert.match(rec.httpRequest, /^CONNECT \/api\.state\.clean-close HTTP\/2\r\n:method: CONNECT\r\n/);
        assert.match(rec.httpResponse, /^:status: 200\r\nsec-websocket-protocol: chat\r\n/);
        assert.deepEqual(rec.closeFrames, [{ code: 4000, reason: 'bye' }]);
        assert.equal(rec.tcpClosedBy, 'server');
      } finally {
        c.destroy();
      }
    }));

  it('answers a status case with that status and ends the stream; a drop is END_STREAM without a close frame', () =>
    withServers(['api.handshake.status-403', 'api.state.server-drop'], async (s) => {
      const c403 = await session(s, 'api.handshake.status-403');
      const drop = await session(s, 'api.state.server-drop');
      try {
        const refused = await connectStream(c403, 'api.handshake.status-403');
        assert.equal(refused.headers[':status'], 403);
        assert.deepEqual(await framesUntilEnd(refused.stream), []);
        const dropped = await connectStream(drop, 'api.state.server-drop');
        assert.equal(dropped.headers[':status'], 200);
        assert.deepEqual(await framesUntilEnd(dropped.stream), []);
        assert.equal(s.record('api.state.server-drop').tcpClosedBy, 'server');
        // The HTTP/2 connection outlives the stream (RFC 8441 §5: END_STREAM is the stream's FIN only).
        assert.equal(drop.closed, false);
      } finally {
        c403.destroy();
        drop.destroy();
      }
    }));

  it('keeps a case whose check has no HTTP/2 form on HTTP/1.1: no h2 by ALPN, no warm-up', async () => {
    const h1 = ['api.request.upgrade', 'api.request.key', 'api.request.host', 'api.handshake.status-200', 'api.handshake.wrong-accept', 'api.handshake.missing-upgrade'];
    for (const id of h1) assert.equal(apiOverHttp2(caseById(id)!), false, id);
    for (const id of ['api.request.version', 'api.handshake.status-403', 'api.close.code.1000']) assert.equal(apiOverHttp2(caseById(id)!), true, id);
    await withServers(['api.request.upgrade', 'api.request.version'], async (s) => {
      const alpn = (id: string): Promise<string | false | null> =>
        new Promise((resolve, reject) => {
          const [host, port] = s.host(id).split(':') as [string, string];
          const socket = tls.connect({ host, port: Number(port), ca: run.tls.trust.pem, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
            resolve(socket.alpnProtocol);
            socket.destroy();
          });
          socket.once('error', reject);
        });
      // No ALPN at all: the server of an HTTP/1.1-only case speaks as it does without --http2.
      assert.equal(await alpn('api.request.upgrade'), false);
      assert.equal(s.warmUp('api.request.upgrade'), undefined);
      assert.equal(await alpn('api.request.version'), 'h2');
    });
  });

  it('offers no h2 without --http2', async () => {
    const s = await startApiServers([caseById('api.request.version')!], undefined, run.tls);
    try {
      assert.equal(s.warmUp('api.request.version'), undefined);
    } finally {
      await s.close();
    }
  });
});
