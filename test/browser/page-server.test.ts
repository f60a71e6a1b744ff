/**
 * The page server against a hostile page: bodies that are not events, too large, cut short, or for
 * a job that does not exist reach no job, and the server keeps serving.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { startPageServer, type PageEvent, type PageServer } from '../../runner/browser/page-server.js';

/** POSTs `body` (or streams `size` bytes and then, with `cut`, drops the connection); resolves with the status, or null when the server reset. */
function post(origin: string, path: string, body: string | { size: number; cut?: boolean }): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.request(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? null));
    });
    req.on('error', () => resolve(null));
    if (typeof body === 'string') return req.end(body);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let left = body.size;
    const pump = (): void => {
      while (left > 0 && !req.destroyed) {
        left -= chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (body.cut) {
        req.destroy();
        resolve(null);
      } else req.end();
    };
    pump();
  });
}

describe('page server', () => {
  let pages: PageServer;
  const events: PageEvent[] = [];
  beforeEach(async () => {
    events.length = 0;
    pages = await startPageServer();
    pages.addJob('t1', { hello: 1 }, (e) => events.push(e));
  });
  afterEach(() => pages.close());

  it('passes well-formed events of a known job on, and nothing else', async () => {
    assert.equal(await post(pages.origin, '/job/t1/event', JSON.stringify({ type: 'start', key: 'a' })), 204);
    assert.equal(await post(pages.origin, '/job/t1/event', 'not json {'), 204);
    assert.equal(await post(pages.origin, '/job/t1/event', JSON.stringify({ type: 'log', key: 'a', line: 5 })), 204);
    assert.equal(await post(pages.origin, '/job/t1/event', JSON.stringify({ type: 'launch-missiles' })), 204);
    assert.equal(await post(pages.origin, '/job/nope/event', JSON.stringify({ type: 'finished' })), 204);
    assert.equal(await post(pages.origin, '/job/t1/other', JSON.stringify({ type: 'finished' })), 404);
    pages.removeJob('t1');
    assert.equal(await post(pages.origin, '/job/t1/event', JSON.stringify({ type: 'finished' })), 204);
    assert.deepEqual(events, [{ type: 'start', key: 'a' }]);
  });

  it('passes on the events of an array in order, skipping those that are not events', async () => {
    const batch = [{ type: 'done', key: 'a' }, { type: 'bogus' }, 'x', { type: 'start', key: 'b' }, { type: 'finished' }];
    assert.equal(await post(pages.origin, '/job/t1/event', JSON.stringify(batch)), 204);
    assert.deepEqual(events, [{ type: 'done', key: 'a' }, { type: 'start', key: 'b' }, { type: 'finished' }]);
  });

  it('drops a body over 4 MB or cut short, and keeps serving', async () => {
    assert.equal(await post(pages.origin, '/job/t1/event', { size: 8 * 1024 * 1024 }), null);
    assert.equal(await post(pages.origin, '/job/t1/event', { size: 256 * 1024, cut: true }), null);
    assert.equal(await post(pages.origin, '/job/t1/event', JSON.stringify({ type: 'finished' })), 204);
    assert.deepEqual(events, [{ type: 'finished' }]);
    const res = await fetch(`${pages.origin}/job/t1`);
    assert.deepEqual(await res.json(), { hello: 1 });
  });
});
