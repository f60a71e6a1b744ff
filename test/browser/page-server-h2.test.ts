/**
 * The page served from the fuzzing server's HTTP/2 origin (test-browser --http2), with node:http2
 * as the browser: the page, its job and its events travel as streams of the one connection that
 * advertises extended CONNECT, and the URL protocol still answers there.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { startFuzzingServer, type FuzzingServer } from '../../runner/fuzzing-server/server.js';
import { startPageServer, type PageEvent, type PageServer } from '../../runner/browser/page-server.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { createCertificateAuthority } from '../../runner/tls/certs.js';

function request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let status = 0;
    let text = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (text += d));
    stream.on('end', () => resolve({ status, body: text }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

describe('page server on the fuzzing server’s HTTP/2 origin', () => {
  let pages: PageServer;
  let fuzz: FuzzingServer;
  let session: http2.ClientHttp2Session;
  const ca = createCertificateAuthority();
  const leaf = ca.issue(['127.0.0.1']);

  before(async () => {
    pages = await startPageServer(undefined, leaf);
    fuzz = await startFuzzingServer({
      host: '127.0.0.1',
      port: 0,
      cases: [],
      session: defaultSessionOptions,
      openHandshakeTimeoutMs: 2000,
      tls: leaf,
      http2: { enableConnectProtocol: true, ordinary: (stream, headers) => pages.serveStream(stream, headers) },
    });
    session = http2.connect(`https://127.0.0.1:${fuzz.port}`, { ca: ca.cert });
  });
  after(async () => {
    session.close();
    await fuzz.close();
    await pages.close();
  });

  it('serves the page, the job and takes the events as streams of one connection that advertises extended CONNECT', async () => {
    const events: PageEvent[] = [];
    const url = pages.addJob('t1', { hello: 1 }, (e) => events.push(e), `https://127.0.0.1:${fuzz.port}`);
    assert.equal(url, `https://127.0.0.1:${fuzz.port}/run/t1`);
    const page = await request(session, { ':path': '/run/t1' });
    assert.equal(page.status, 200);
    assert.match(page.body, /<script/);
    assert.deepEqual(await request(session, { ':path': '/job/t1' }), { status: 200, body: '{"hello":1}' });
    const posted = await request(session, { ':method': 'POST', ':path': '/job/t1/event' }, JSON.stringify([{ type: 'start', key: 'k' }, { type: 'nonsense' }]));
    assert.equal(posted.status, 204);
    assert.deepEqual(events, [{ type: 'start', key: 'k' }]);
    assert.equal((await request(session, { ':path': '/nowhere' })).status, 404);
    assert.equal(session.remoteSettings.enableConnectProtocol, true);
    assert.equal(pages.negotiated()?.protocol, 'TLSv1.3');
  });

  it('still answers the URL protocol on the same connection: an extended CONNECT to /getCaseCount gets :status 200', async () => {
    const stream = session.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':path': '/getCaseCount', ':scheme': 'https', 'sec-websocket-version': '13' });
    const status = await new Promise<number>((resolve, reject) => {
      stream.on('response', (h) => resolve(Number(h[':status'])));
      stream.on('error', reject);
    });
    assert.equal(status, 200);
    stream.close();
  });
});
