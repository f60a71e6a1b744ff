/** Dialing: the raw exchange of a request and a response head, and dial's wording of its failures. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { dial, readResponseHead } from '../../runner/fuzzing-client/dial.js';
import { encodeFrame, Opcode } from '../../runner/wire/frame.js';
import { buildServerResponse, parseClientRequest, parseHttpHead } from '../../runner/wire/handshake.js';
import { listenRaw, type RawServer } from '../support/raw-server.js';

/** A server that collects what arrives and, once the request head is complete, calls `answer`. */
async function headServer(answer: (socket: net.Socket, request: Buffer) => void): Promise<Omit<RawServer, 'url'> & { url: URL; received: Buffer[] }> {
  const received: Buffer[] = [];
  const server = await listenRaw((socket) => {
    let answered = false;
    socket.on('data', (d: Buffer) => {
      received.push(d);
      const all = Buffer.concat(received);
      if (!answered && all.includes('\r\n\r\n')) {
        answered = true;
        answer(socket, all);
      }
    });
  });
  return { ...server, url: new URL(`${server.url}/chat`), received };
}

/** A loopback port nobody listens on (the connection is refused). */
async function closedPort(): Promise<number> {
  const server = await listenRaw(() => undefined);
  await server.close();
  return server.port;
}

const frame = encodeFrame({ opcode: Opcode.text, payload: Buffer.from('early'), mask: null });
const longHead = `HTTP/1.1 200 OK\r\nX-Padding: ${'x'.repeat(20_000)}`;

describe('dial', function () {
  this.timeout(10_000);

  describe('readResponseHead', () => {
    it('writes the request pieces in order and returns the head, with the octets after it and the socket paused', async () => {
      const server = await headServer((s) => s.write(Buffer.concat([Buffer.from('HTTP/1.1 418 Teapot\r\nX-A: 1\r\n\r\n', 'latin1'), frame])));
      try {
        const r = await readResponseHead({ url: server.url, writes: ['GET /chat HTTP/1.1\r\n', Buffer.from('Host: x\r\n\r\n', 'latin1')], timeoutMs: 3000 });
        assert.ok(r.ok);
        assert.equal(r.head.startLine, 'HTTP/1.1 418 Teapot');
        assert.deepEqual(r.head.headers, [['X-A', '1']]);
        assert.deepEqual(r.rest, frame);
        assert.ok(r.socket.isPaused());
        r.socket.destroy();
        assert.equal(Buffer.concat(server.received).toString('latin1'), 'GET /chat HTTP/1.1\r\nHost: x\r\n\r\n');
      } finally {
        await server.close();
      }
    });

    it('reports a refused connection as an error before connecting, and destroys the socket', async () => {
      const r = await readResponseHead({ url: new URL(`ws://127.0.0.1:${await closedPort()}/`), writes: ['GET / HTTP/1.1\r\n\r\n'], timeoutMs: 3000 });
      assert.ok(!r.ok && r.failure.reason === 'error');
      assert.equal(r.failure.error.code, 'ECONNREFUSED');
      assert.equal(r.connected, false);
      assert.equal(r.received.length, 0);
    });

    it('reports a close without a complete head, with what came before it', async () => {
      const server = await headServer((s) => s.end('HTTP/1.1 101 Swi'));
      try {
        const r = await readResponseHead({ url: server.url, writes: ['GET / HTTP/1.1\r\n\r\n'], timeoutMs: 3000 });
        assert.ok(!r.ok);
        assert.deepEqual([r.failure.reason, r.connected, r.received.toString('latin1')], ['closed', true, 'HTTP/1.1 101 Swi']);
      } finally {
        await server.close();
      }
    });

    it('stops waiting after timeoutMs', async () => {
      const server = await headServer((s) => s.write('HTTP/1.1 101 '));
      try {
        const r = await readResponseHead({ url: server.url, writes: ['GET / HTTP/1.1\r\n\r\n'], timeoutMs: 300 });
        assert.ok(!r.ok);
        assert.deepEqual([r.failure.reason, r.connected, r.received.toString('latin1')], ['timeout', true, 'HTTP/1.1 101 ']);
      } finally {
        await server.close();
      }
    });

    it('gives up on a head longer than 16 KiB without waiting for its end', async () => {
      const server = await headServer((s) => s.write(longHead));
      try {
        const r = await readResponseHead({ url: server.url, writes: ['GET / HTTP/1.1\r\n\r\n'], timeoutMs: 3000 });
        assert.ok(!r.ok && r.failure.reason === 'malformed');
        assert.equal(r.failure.message, 'no end of HTTP head within 16384 bytes');
        assert.ok(r.received.length >= 16384);
      } finally {
        await server.close();
      }
    });
  });

  describe('dial (the opening handshake)', () => {
    it('completes the handshake and keeps a frame that came with the 101', async () => {
      const server = await headServer((s, req) => {
        const p = parseHttpHead(req);
        assert.ok(p.state === 'complete');
        s.write(Buffer.concat([Buffer.from(buildServerResponse({ key: parseClientRequest(p.head).key ?? '', headers: [['Server', 'teapot/1']] }), 'latin1'), frame]));
      });
      try {
        const r = await dial({ url: server.url, openHandshakeTimeoutMs: 3000 });
        assert.ok(r.ok);
        assert.equal(r.serverHeader, 'teapot/1');
        assert.deepEqual(r.leftover, frame);
        assert.match(r.request, /^GET \/chat HTTP\/1\.1\r\n/);
        r.socket.destroy();
      } finally {
        await server.close();
      }
    });

    it('words each failure as before: refused, closed, timed out, malformed, refused handshake; an HTTP answer also gets its fault', async () => {
      const refused = await dial({ url: new URL(`ws://127.0.0.1:${await closedPort()}/`), openHandshakeTimeoutMs: 3000 });
      assert.ok(!refused.ok);
      assert.equal(refused.stage, 'connect');
      assert.match(refused.error, /^ECONNREFUSED \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/);
      const failures: Array<[(s: net.Socket) => void, number, Omit<Extract<Awaited<ReturnType<typeof dial>>, { ok: false }>, 'request' | 'ok'>]> = [
        [(s) => s.end('HTTP/1.1 1'), 3000, { stage: 'handshake', error: 'the server closed the connection before completing the handshake', response: 'HTTP/1.1 1', timedOut: false }],
        [(s) => s.write('HTTP/1.1 1'), 300, { stage: 'handshake', error: 'no complete handshake response within 300 ms', response: 'HTTP/1.1 1', timedOut: true }],
        [
          (s) => s.write(longHead),
          3000,
          { stage: 'handshake', error: 'no end of HTTP head within 16384 bytes', response: longHead.slice(0, 2048), timedOut: false, fault: 'a malformed HTTP response head' },
        ],
        [
          (s) => s.write('HTTP/1.1 403 Forbidden\r\n\r\n'),
          3000,
          {
            stage: 'handshake',
            error: 'status 403, expected 101; Upgrade header does not contain "websocket"; Connection header does not contain "Upgrade"; Sec-WebSocket-Accept header is missing',
            response: 'HTTP/1.1 403 Forbidden\r\n\r\n',
            timedOut: false,
            fault: 'status 403 Forbidden instead of 101',
          },
        ],
      ];
      for (const [answer, timeoutMs, expected] of failures) {
        const server = await headServer(answer);
        try {
          const r = await dial({ url: server.url, openHandshakeTimeoutMs: timeoutMs });
          assert.ok(!r.ok);
          const { ok: _ok, request, ...rest } = r;
          assert.match(request ?? '', /^GET \/chat HTTP\/1\.1\r\n/);
          assert.deepEqual(rest, expected);
        } finally {
          await server.close();
        }
      }
    });
  });
});
