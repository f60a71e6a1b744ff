/**
 * The HTTP/2 stream as a session's byte stream (RFC 8441 §5): END_STREAM reads as a FIN, RST_STREAM
 * (any code) and a connection gone as a reset; the harness's end() sends END_STREAM, its destroy()
 * RST_STREAM(CANCEL). Against node:http2 servers that end streams each way, and the pure parts alone.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type net from 'node:net';
import { isPeerReset, STREAM_RESET } from '../../runner/engine/session-io.js';
import { openWebSocketStream } from '../../runner/fuzzing-client/h2-dial.js';
import { connectH2 } from '../../runner/fuzzing-client/h2-session.js';
import { H2WebSocketStream, streamEnding } from '../../runner/fuzzing-client/h2-stream.js';
import { checkExtendedConnectResponse, extendedConnectHeaders } from '../../runner/wire/extended-connect.js';

const { NGHTTP2_NO_ERROR, NGHTTP2_CANCEL, NGHTTP2_PROTOCOL_ERROR, NGHTTP2_INTERNAL_ERROR } = http2.constants;

/** A server whose every WebSocket stream runs `onStream` after its 200; resolves with what the server saw of each stream's end. */
async function withServer(
  onStream: (s: http2.ServerHttp2Stream, session: http2.Http2Session) => void,
  body: (ws: H2WebSocketStream, seen: { end: boolean; rstCode?: number }) => Promise<void>,
): Promise<void> {
  const server = http2.createServer({ settings: { enableConnectProtocol: true } });
  const seen: { end: boolean; rstCode?: number } = { end: false };
  server.on('stream', (s) => {
    s.respond({ ':status': 200 });
    s.on('error', () => undefined);
    s.on('end', () => (seen.end = true));
    s.on('close', () => (seen.rstCode = s.rstCode));
    s.resume();
    onStream(s, s.session!);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = new URL(`ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`);
  const c = await connectH2({ url, timeoutMs: 2000 });
  assert.ok(c.ok);
  try {
    const r = await openWebSocketStream(c, { url, timeoutMs: 2000 });
    assert.ok(r.ok, r.ok ? '' : r.error);
    await body(r.socket, seen);
  } finally {
    c.session.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** What the byte stream reported: 'end' and the error a session would see, up to its 'close'. */
function outcome(ws: H2WebSocketStream): Promise<{ ended: boolean; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    let ended = false;
    let error: NodeJS.ErrnoException | undefined;
    ws.on('end', () => (ended = true));
    ws.on('error', (e: NodeJS.ErrnoException) => (error = e));
    ws.on('close', () => resolve({ ended, ...(error ? { error } : {}) }));
    ws.resume();
  });
}

describe('an HTTP/2 stream as a WebSocket byte stream', function () {
  this.timeout(10_000);

  it("reads the target's END_STREAM as a FIN: 'end', no error, and the stream closes once the harness ends too", async () => {
    await withServer(
      (s) => s.end(),
      async (ws, seen) => {
        const ended = new Promise((r) => ws.once('end', r));
        ws.resume();
        await ended;
        assert.equal(ws.ending?.by, 'target-end-stream');
        const o = outcome(ws);
        ws.end();
        const r = await o;
        assert.equal(r.error, undefined);
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(seen.end, true);
      },
    );
  });

  // node:http2's stream.close(code) ends the writable side first (END_STREAM, then RST_STREAM: a FIN
  // then a reset, read as the FIN it begins with); destroy() sends RST_STREAM alone.
  for (const [name, code, end] of [
    ['NO_ERROR', NGHTTP2_NO_ERROR, (s: http2.ServerHttp2Stream) => s.destroy()],
    ['INTERNAL_ERROR', NGHTTP2_INTERNAL_ERROR, (s: http2.ServerHttp2Stream) => s.destroy(new Error('boom'))],
  ] as const) {
    it(`reads the target's RST_STREAM(${name}) as a reset, as a TCP RST reads`, async () => {
      await withServer(
        (s) => setTimeout(() => end(s), 20),
        async (ws) => {
          const r = await outcome(ws);
          assert.equal(r.error?.code, STREAM_RESET);
          assert.ok(isPeerReset(r.error!));
          assert.match(r.error!.message, new RegExp(`RST_STREAM ${name}`));
          assert.deepEqual(ws.ending, { by: 'target-reset', code, connectionLost: false });
        },
      );
    });
  }

  it('reads END_STREAM then RST_STREAM(PROTOCOL_ERROR) as the FIN it begins with (a reset after a FIN, as over TCP)', async () => {
    await withServer(
      (s) => setTimeout(() => s.close(NGHTTP2_PROTOCOL_ERROR), 20),
      async (ws) => {
        const r = await outcome(ws);
        assert.equal(r.ended, true);
        assert.equal(ws.ending?.by, 'target-end-stream');
      },
    );
  });

  it('reads the connection going away under the stream as a reset of it, and says the connection was lost', async () => {
    await withServer(
      (_s, session) => setTimeout(() => session.destroy(), 20),
      async (ws) => {
        const r = await outcome(ws);
        assert.equal(r.error?.code, STREAM_RESET);
        assert.equal(ws.ending?.connectionLost, true);
      },
    );
  });

  it("sends END_STREAM for the harness's end() and RST_STREAM(CANCEL) for its destroy()", async () => {
    await withServer(
      () => undefined,
      async (ws, seen) => {
        ws.end();
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(seen.end, true);
        ws.destroy();
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(seen.rstCode, NGHTTP2_CANCEL);
        assert.equal(ws.ending?.by, 'harness');
      },
    );
  });

  it('counts octets both ways as a socket does, for the waiting watch', async () => {
    await withServer(
      (s) => s.on('data', (d: Buffer) => s.write(d)),
      async (ws) => {
        ws.write(Buffer.alloc(1000, 1));
        await new Promise<void>((r) => ws.once('data', () => r()));
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(ws.bytesWritten, 1000);
        assert.equal(ws.bytesRead, 1000);
      },
    );
  });

  it('tells a FIN from a reset by the rstCode and whether END_STREAM went out', () => {
    assert.equal(streamEnding({ rstCode: undefined, endSent: false }), 'end-stream');
    assert.equal(streamEnding({ rstCode: NGHTTP2_NO_ERROR, endSent: true }), 'end-stream');
    assert.equal(streamEnding({ rstCode: NGHTTP2_NO_ERROR, endSent: false }), 'reset');
    assert.equal(streamEnding({ rstCode: NGHTTP2_CANCEL, endSent: true }), 'reset');
    assert.equal(streamEnding({ rstCode: NGHTTP2_PROTOCOL_ERROR, endSent: false }), 'reset');
  });
});

describe('the extended CONNECT handshake (RFC 8441 §4-5)', () => {
  it('sends :method CONNECT, :protocol websocket, :scheme, :path, :authority and version 13, with the offers', () => {
    const h = extendedConnectHeaders({ scheme: 'https', authority: 'example.test:8443', path: '/chat?x=1', protocols: ['a', 'b'], extensions: ['permessage-deflate'] });
    assert.deepEqual(h, {
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'https',
      ':path': '/chat?x=1',
      ':authority': 'example.test:8443',
      'sec-websocket-version': '13',
      'sec-websocket-protocol': 'a, b',
      'sec-websocket-extensions': 'permessage-deflate',
    });
    assert.equal('sec-websocket-key' in h, false);
  });

  it('takes a 2xx as success and reads the negotiated subprotocol and extensions', () => {
    const c = checkExtendedConnectResponse(
      [
        [':status', '200'],
        ['sec-websocket-protocol', 'b'],
        ['sec-websocket-extensions', 'permessage-deflate'],
      ],
      { protocols: ['a', 'b'], extensions: ['permessage-deflate'] },
    );
    assert.deepEqual([c.ok, c.protocol, c.extensions], [true, 'b', ['permessage-deflate']]);
  });

  for (const [what, headers, fault] of [
    ['a 403', [[':status', '403']], 'status 403 instead of 200'],
    ['a 101 (HTTP/1.1 has no place here)', [[':status', '101']], 'status 101 instead of 200'],
    ['a malformed :status', [[':status', 'ok']], 'a malformed :status'],
    [
      'a subprotocol nobody offered',
      [
        [':status', '200'],
        ['sec-websocket-protocol', 'z'],
      ],
      'a subprotocol that was not offered',
    ],
    [
      'an extension nobody offered',
      [
        [':status', '200'],
        ['sec-websocket-extensions', 'x-foo'],
      ],
      'an extension that was not offered',
    ],
  ] as const) {
    it(`refuses ${what}`, () => {
      const c = checkExtendedConnectResponse(
        headers.map(([n, v]) => [n, v] as [string, string]),
        { protocols: ['a'] },
      );
      assert.equal(c.ok, false);
      assert.equal(c.fault, fault);
    });
  }
});
