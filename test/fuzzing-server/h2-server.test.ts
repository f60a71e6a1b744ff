/**
 * The fuzzing server's HTTP/2 side in pieces: the frame watch (pure), the intake's answers to
 * requests that are not an RFC 8441 WebSocket of the URL protocol, and how a stream's END_STREAM and
 * RST_STREAM reach a case's transcript (RFC 8441 §5: TCP FIN and TCP RST).
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { FrameWatch, H2_PREFACE } from '../../runner/fuzzing-server/h2-frame-watch.js';
import { encodeFrame, Opcode } from '../../runner/wire/frame.js';
import { h2Frame as frame } from '../../runner/wire/h2-frames.js';
import { casesById, startTestServer, type TestServer } from '../support/fuzzing-server.js';

/** A frame header and payload (RFC 9113 §4.1), no flags. */
const h2Frame = (type: number, stream: number, payload: Buffer): Buffer => frame(type, 0, stream, payload);

describe('FrameWatch', () => {
  it('counts the streams opened by HEADERS after the preface, however the bytes are split', () => {
    const bytes = Buffer.concat([
      H2_PREFACE,
      h2Frame(0x4, 0, Buffer.alloc(6)),
      h2Frame(0x1, 1, Buffer.alloc(20)),
      h2Frame(0x0, 1, Buffer.alloc(300)),
      h2Frame(0x1, 3, Buffer.alloc(5)),
      h2Frame(0x9, 3, Buffer.alloc(2)),
    ]);
    const whole = new FrameWatch();
    whole.push(bytes);
    assert.deepEqual(whole.headerStreams, [1, 3]);
    const bytewise = new FrameWatch();
    for (const b of bytes) bytewise.push(Buffer.from([b]));
    assert.deepEqual(bytewise.headerStreams, [1, 3]);
    assert.equal(bytewise.broken, false);
  });

  it('stops at a wrong preface', () => {
    const w = new FrameWatch();
    w.push(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    w.push(h2Frame(0x1, 1, Buffer.alloc(4)));
    assert.equal(w.broken, true);
    assert.deepEqual(w.headerStreams, []);
  });
});

describe('the fuzzing server over h2c', function () {
  this.timeout(20_000);
  let t: TestServer;
  let session: http2.ClientHttp2Session;

  beforeEach(async () => {
    t = await startTestServer(casesById(['1.1.1', '7.1.1']), { http2: { enableConnectProtocol: true } });
    session = http2.connect(t.server.url.replace(/^ws:/, 'http:'));
    await new Promise((resolve) => session.once('remoteSettings', resolve));
  });
  afterEach(async () => {
    session.destroy();
    await t.server.close();
  });

  const request = (headers: http2.OutgoingHttpHeaders): Promise<{ status: number; body: string; stream: http2.ClientHttp2Stream }> =>
    new Promise((resolve) => {
      const stream = session.request(headers, { endStream: false });
      let body = '';
      stream.on('error', () => undefined);
      stream.on('response', (h) => {
        const status = Number(h[':status']);
        if (status !== 200 || headers[':method'] !== 'CONNECT') {
          stream.on('data', (d: Buffer) => (body += d.toString()));
          stream.on('end', () => resolve({ status, body, stream }));
        } else resolve({ status, body, stream });
      });
    });
  const connect = (path: string, more: http2.OutgoingHttpHeaders = {}): http2.OutgoingHttpHeaders => ({
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': 'http',
    ':path': path,
    ':authority': new URL(t.server.url).host,
    'sec-websocket-version': '13',
    ...more,
  });

  it('advertises SETTINGS_ENABLE_CONNECT_PROTOCOL and answers the requests that are not a WebSocket of the URL protocol', async () => {
    assert.equal(session.remoteSettings.enableConnectProtocol, true);
    const help = await request({ ':path': '/' });
    assert.equal(help.status, 200);
    assert.match(help.body, /wsconform fuzzing server/);
    assert.equal((await request({ ':path': '/runCase?case=1&agent=a' })).status, 400);
    assert.equal((await request({ ':path': '/nowhere' })).status, 404);
    assert.equal((await request(connect('/getCaseCount', { 'sec-websocket-version': '8' }))).status, 400);
    assert.equal((await request(connect('/getCaseCount', { ':protocol': 'other' }))).status, 400);
    assert.equal((await request(connect('/runCase?case=9&agent=a'))).status, 500);
    assert.equal((await request(connect('/nowhere'))).status, 404);
    // The connection stays usable for WebSockets after all that.
    const count = await request(connect('/getCaseCount'));
    assert.equal(count.status, 200);
    const got = await new Promise<Buffer>((resolve) => count.stream.once('data', resolve));
    assert.equal(got.subarray(2).toString(), '2');
  });

  it('a client that resets its stream mid-case is a reset in the transcript; one that ends it without a close is a FIN', async () => {
    const reset = await request(connect('/runCase?case=1&agent=rst'));
    reset.stream.close(http2.constants.NGHTTP2_CANCEL);
    const r1 = await t.byId('1.1.1', 'rst');
    assert.ok(
      r1.wirelog.some((w) => w.kind === 'note' && w.text === 'socket error: ECONNRESET'),
      JSON.stringify(r1.wirelog),
    );
    assert.equal(r1.protocol, 'h2c');
    const fin = await request(connect('/runCase?case=1&agent=fin'));
    fin.stream.end();
    const r2 = await t.byId('1.1.1', 'fin');
    assert.ok(!r2.wirelog.some((w) => w.kind === 'note' && /ECONNRESET/.test(w.text)), JSON.stringify(r2.wirelog));
    assert.equal(r2.wasNotCleanReason, 'the target dropped the TCP connection without a closing handshake');
  });

  it('a close answered and END_STREAM both ways is a clean close (7.1.1)', async () => {
    const s = await request(connect('/runCase?case=2&agent=clean'));
    const mask = Buffer.from([1, 2, 3, 4]);
    s.stream.on('data', (d: Buffer) => {
      // 7.1.1: a text message, then the server's close; echo it, then answer the close.
      if ((d[0]! & 0x0f) === Opcode.text) s.stream.write(encodeFrame({ opcode: Opcode.text, payload: d.subarray(2, 2 + (d[1]! & 0x7f)), mask }));
      const at = (d[0]! & 0x0f) === Opcode.close ? 0 : 2 + (d[1]! & 0x7f);
      if (d.length > at && (d[at]! & 0x0f) === Opcode.close) s.stream.end(encodeFrame({ opcode: Opcode.close, payload: Buffer.from([0x03, 0xe8]), mask }));
    });
    const r = await t.byId('7.1.1', 'clean');
    assert.equal(`${r.behavior}/${r.behaviorClose}`, 'OK/OK', `${r.result} ${r.resultClose}`);
  });

  it('a hostile client that floods PING and SETTINGS frames and never reads the answers is cut off; the server keeps serving the others', async () => {
    const port = t.server.port;
    const hostile = net.connect(port, '127.0.0.1');
    hostile.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => hostile.once('close', () => resolve()));
    await new Promise<void>((resolve) => hostile.once('connect', () => resolve()));
    // Never reads: the server's answers (PING ACKs, SETTINGS ACKs) pile up on its side.
    hostile.pause();
    const flood = (): void => {
      if (hostile.destroyed) return;
      const burst: Buffer[] = [];
      for (let i = 0; i < 500; i++) burst.push(frame(0x6, 0, 0, Buffer.alloc(8, i & 0xff)), frame(0x4, 0, 0, Buffer.alloc(0)));
      if (hostile.write(Buffer.concat(burst))) setImmediate(flood);
      else hostile.once('drain', flood);
    };
    hostile.write(H2_PREFACE);
    flood();
    const cut = await Promise.race([closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 8000))]);
    hostile.destroy();
    assert.ok(cut, 'node:http2 ends a connection whose peer floods frames it does not read');
    // The well-behaved connection opened before the flood still gets its WebSocket.
    const count = await request(connect('/getCaseCount'));
    assert.equal(count.status, 200);
    const got = await new Promise<Buffer>((resolve) => count.stream.once('data', resolve));
    assert.equal(got.subarray(2).toString(), '2');
  });

  it('still takes HTTP/1.1 on the same port: a plain request there gets the HTTP/1.1 answer (426)', async () => {
    const port = t.server.port;
    const answer = await new Promise<string>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => c.write('GET /getCaseCount HTTP/1.1\r\nHost: x\r\n\r\n'));
      let got = '';
      c.on('data', (d) => (got += d.toString()));
      c.on('close', () => resolve(got));
    });
    assert.match(answer, /^HTTP\/1\.1 426/);
  });

  it('bad input over HTTP/2: a preface then garbage ends that connection; a preface then silence is an idle connection, not activity; the server serves on', async () => {
    const port = t.server.port;
    const closedAfter = (bytes: Buffer, waitMs: number): Promise<boolean> =>
      new Promise((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => c.write(bytes));
        c.on('data', () => undefined);
        c.on('error', () => undefined);
        const timer = setTimeout(() => {
          c.destroy();
          resolve(false);
        }, waitMs);
        c.on('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    // A frame header with a length beyond the default maximum frame size (RFC 9113 §4.2): a connection error.
    assert.equal(await closedAfter(Buffer.concat([H2_PREFACE, Buffer.from([0xff, 0xff, 0xff, 0x0, 0x0, 0x0, 0x0, 0x0, 0x1])]), 3000), true);
    // Silence after the preface is an idle HTTP/2 connection: kept open, and (like this test's own idle
    // session) not counted as a client at work, so a command's idle timer is not held off by it.
    const silent = net.connect(port, '127.0.0.1', () => silent.write(H2_PREFACE));
    silent.on('data', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(silent.destroyed, false);
    assert.equal(t.server.activity().connections, 0);
    silent.destroy();
    assert.equal(session.remoteSettings.enableConnectProtocol, true);
    const count = await request(connect('/getCaseCount'));
    assert.equal(count.status, 200);
  });
});
