/** The handshake drivers: deviating requests as the server sees them, and deviating responses as bytes. */
import assert from 'node:assert/strict';
import net from 'node:net';
import type { CaseDef } from '../../cases/types.js';
import { text } from '../../cases/dsl.js';
import { caseHandshakeRequest, runHandshakeCase } from '../../runner/fuzzing-client/handshake-check.js';
import { caseHandshakeResponse } from '../../runner/fuzzing-server/handshake-responses.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { FrameDecoder } from '../../runner/wire/decoder.js';
import { acceptKeyFor, buildServerResponse, headerValue, parseClientRequest, parseHttpHead } from '../../runner/wire/handshake.js';
import { ownCase } from '../support/own-verdicts.js';

const withBends = (bends: Partial<NonNullable<CaseDef['handshake']>>): CaseDef => ({ ...ownCase('handshake.response-valid'), handshake: bends });
const key = 'dGhlIHNhbXBsZSBub25jZQ==';

/** A server that records how the request arrived, then answers `answer`. */
function recordingServer(answer: (request: Buffer) => string): Promise<{ url: URL; chunks: Buffer[]; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (all.includes('\r\n\r\n')) s.end(answer(all));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: new URL(`ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/path?q=1`),
        chunks,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}

describe('handshake-check (deviating requests)', function () {
  this.timeout(10_000);

  it('builds the request with the bends, in pieces of writeChop octets, the pipelined frame masked in the last write', () => {
    const def = withBends({
      request: {
        headers: [
          ['Sec-WebSocket-Version', '99'],
          ['Host', null],
        ],
        method: 'POST',
        writeChop: 1,
        pipelinedFrame: text('hi'),
      },
    });
    const { request, writes } = caseHandshakeRequest(def, new URL('ws://example.test:8080/chat?x=1'), key);
    assert.match(request, /^POST \/chat\?x=1 HTTP\/1\.1\r\n/);
    assert.match(request, /Sec-WebSocket-Version: 99\r\n/);
    assert.doesNotMatch(request, /^Host:/im);
    assert.equal(writes.length, request.length);
    assert.ok(writes.slice(0, -1).every((w) => w.length === 1));
    const frames = new FrameDecoder({ maxPayload: 100 }).push(writes[writes.length - 1]!.subarray(1));
    assert.deepEqual(
      frames.map((f) => [f.opcode, f.masked, f.payload.toString()]),
      [[1, true, 'hi']],
    );
  });

  it('records the raw response head of a refusal and sends the request one octet per write', async () => {
    const server = await recordingServer(() => 'HTTP/1.1 400 Bad Request\r\nX-Why: no key\r\nContent-Length: 0\r\n\r\n');
    try {
      const t = await runHandshakeCase(server.url, ownCase('handshake.key-missing'), { session: defaultSessionOptions, openHandshakeTimeoutMs: 3000 });
      assert.equal(t.openedAtMs, null);
      assert.match(t.httpResponse, /^HTTP\/1\.1 400 Bad Request\r\nX-Why: no key\r\n/);
      const req = parseHttpHead(Buffer.concat(server.chunks));
      assert.ok(req.state === 'complete');
      assert.equal(headerValue(req.head.headers, 'Sec-WebSocket-Key'), undefined);
      assert.equal(req.head.startLine, 'GET /path?q=1 HTTP/1.1');
    } finally {
      await server.close();
    }
    const chopped = await recordingServer(() => 'HTTP/1.1 400 Bad Request\r\n\r\n');
    try {
      await runHandshakeCase(chopped.url, withBends({ request: { writeChop: 1 } }), { session: defaultSessionOptions, openHandshakeTimeoutMs: 3000 });
      // Loopback may merge a few writes, but never most of them.
      assert.ok(chopped.chunks.length > 20, `${chopped.chunks.length} chunks`);
    } finally {
      await chopped.close();
    }
  });

  it('puts the pipelined frame in the same write as the end of the request', async () => {
    const server = await recordingServer(() => 'HTTP/1.1 400 Bad Request\r\n\r\n');
    try {
      await runHandshakeCase(server.url, ownCase('handshake.pipelined-frame'), { session: defaultSessionOptions, openHandshakeTimeoutMs: 3000 });
      const last = server.chunks.find((c) => c.includes('\r\n\r\n'))!;
      const rest = last.subarray(last.indexOf('\r\n\r\n') + 4);
      assert.equal(new FrameDecoder({ maxPayload: 100 }).push(rest)[0]?.payload.toString(), 'Hello, pipelined');
    } finally {
      await server.close();
    }
  });

  it('treats a 101 to a request that must be refused as an upgrade, whatever its headers', async () => {
    const server = await recordingServer((req) => {
      const p = parseHttpHead(req);
      return buildServerResponse({ key: p.state === 'complete' ? (parseClientRequest(p.head).key ?? '') : '' });
    });
    try {
      const t = await runHandshakeCase(server.url, ownCase('handshake.version-99'), { session: defaultSessionOptions, openHandshakeTimeoutMs: 3000 });
      assert.notEqual(t.openedAtMs, null);
    } finally {
      await server.close();
    }
  });
});

describe('handshake-check (no response head)', function () {
  this.timeout(10_000);
  const options = (openHandshakeTimeoutMs: number) => ({ session: defaultSessionOptions, openHandshakeTimeoutMs });
  const longHead = `HTTP/1.1 400 Bad Request\r\nX-Padding: ${'x'.repeat(20_000)}`;

  it('records a refused connection, a close, a timeout and an endless head, each in its own words', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const refused = await runHandshakeCase(new URL(`ws://127.0.0.1:${port}/`), ownCase('handshake.key-missing'), options(3000));
    assert.deepEqual(
      [refused.handshakeError, refused.httpResponse, refused.wasOpenHandshakeTimeout, refused.tcpEnd],
      ['handshake: the server closed the connection without a complete response (ECONNREFUSED)', '?', false, 'peer-fin'],
    );
    const rows: Array<[(s: net.Socket) => void, number, [string, string, boolean, string]]> = [
      [(s) => s.end('HTTP/1.1 4'), 3000, ['handshake: the server closed the connection without a complete response', 'HTTP/1.1 4', false, 'peer-fin']],
      [() => undefined, 300, ['handshake: no complete response within 300 ms', '?', true, 'harness']],
      [(s) => s.write(longHead), 3000, ['handshake: no end of HTTP head within 16384 bytes', longHead.slice(0, 2048), false, 'peer-fin']],
    ];
    for (const [answer, timeoutMs, expected] of rows) {
      const sockets: net.Socket[] = [];
      const server = net.createServer((s) => {
        sockets.push(s);
        s.on('error', () => undefined);
        s.once('data', () => answer(s));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = new URL(`ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`);
        const t = await runHandshakeCase(url, ownCase('handshake.key-missing'), options(timeoutMs));
        assert.deepEqual([t.handshakeError, t.httpResponse, t.wasOpenHandshakeTimeout, t.tcpEnd], expected);
        assert.equal(t.openedAtMs, null);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });
});

describe('caseHandshakeResponse (the handshake responses of the fuzzing server)', () => {
  it('is the usual 101 for a case that asks for no deviation', () => {
    assert.equal(caseHandshakeResponse(ownCase('1.1.1'), key), buildServerResponse({ key }));
  });

  it('changes the accept key, the status, the headers, the subprotocol and the extensions', () => {
    const head = (r: string | Buffer[]) => {
      const p = parseHttpHead(Buffer.from(typeof r === 'string' ? r : Buffer.concat(r)));
      assert.ok(p.state === 'complete');
      return p.head;
    };
    const wrong = head(caseHandshakeResponse(ownCase('handshake.client.accept-wrong'), key));
    assert.notEqual(headerValue(wrong.headers, 'Sec-WebSocket-Accept'), acceptKeyFor(key));
    assert.equal(headerValue(head(caseHandshakeResponse(ownCase('handshake.client.accept-missing'), key)).headers, 'Sec-WebSocket-Accept'), undefined);
    const redirect = head(caseHandshakeResponse(ownCase('handshake.client.status-302'), key));
    assert.equal(redirect.startLine, 'HTTP/1.1 302 Found');
    assert.equal(headerValue(redirect.headers, 'Location'), '/wsconform-redirect-target');
    assert.equal(headerValue(head(caseHandshakeResponse(ownCase('handshake.client.subprotocol-unrequested'), key)).headers, 'Sec-WebSocket-Protocol'), 'wsconform.unrequested');
    assert.equal(headerValue(head(caseHandshakeResponse(ownCase('handshake.client.extension-unrequested'), key)).headers, 'Sec-WebSocket-Extensions'), 'x-wsconform-unrequested');
  });

  it('splits the response into 1-octet writes, or puts the first frame (unmasked) in the same write as its end', () => {
    const chopped = caseHandshakeResponse(ownCase('handshake.client.response-1-byte-writes'), key);
    assert.ok(Array.isArray(chopped));
    assert.ok(chopped.every((w) => w.length === 1));
    assert.equal(Buffer.concat(chopped).toString('latin1'), buildServerResponse({ key }));
    const withFrame = caseHandshakeResponse(ownCase('handshake.client.frame-with-101'), key);
    assert.ok(Array.isArray(withFrame) && withFrame.length === 1);
    const all = withFrame[0]!;
    const f = new FrameDecoder({ maxPayload: 100 }).push(all.subarray(all.indexOf('\r\n\r\n') + 4));
    assert.deepEqual(
      f.map((x) => [x.opcode, x.masked, x.payload.toString()]),
      [[1, false, 'Hello, client']],
    );
  });
});
