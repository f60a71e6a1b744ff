/**
 * The api.* cases over TLS: a case about its own server writes that server's scheme as <ws>/<http>,
 * rendered for the run (forRun), so that the same case holds against a plain and a TLS server.
 * A real Chromium runs the families that build URLs (api.constructor, api.message, api.request)
 * plain and with --tls: the verdicts must be the same.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { caseById } from '../../cases/index.js';
import { cookieName, forRun } from '../../cases/browser-api/values.js';
import { readRun } from '../../reports/jsonl.js';
import { cli, skipBecause, tmp } from './support.js';

describe('api.* cases and the scheme (and cookie) of their server', () => {
  it('renders <ws>, <WS>, <http>, <HTTP> in the page actions, the expectations and the texts, and leaves written-out schemes alone', () => {
    const def = caseById('api.constructor.http-uppercase-scheme')!;
    const plain = forRun(def, { secure: false });
    const secure = forRun(def, { secure: true });
    const text = (d: typeof def): string => JSON.stringify([d.title, d.expectation, d.expect]);
    assert.match(text(def), /<HTTP>:\/\/<server><path>/);
    assert.doesNotMatch(text(plain), /<ws>|<WS>|<http>|<HTTP>/);
    assert.match(text(plain), /"HTTP:\/\/<server><path>"/);
    assert.match(text(plain), /url = \\"ws:\/\/<server>\/api\.constructor\.http-uppercase-scheme\\"/);
    assert.match(text(secure), /"HTTPS:\/\/<server><path>"/);
    assert.match(text(secure), /url = \\"wss:\/\/<server>\/api\.constructor\.http-uppercase-scheme\\"/);
    assert.match(secure.title, /opens wss:\/\/<server>/);
    // <cookie> is the case's own cookie name, another one for each worker variant.
    const text2 = (id: string): string => JSON.stringify(forRun(caseById(id)!, { secure: false }).expect);
    assert.match(text2('api.cookies.from-101'), new RegExp(`${cookieName('api.cookies.from-101')}=v1; Path=/`));
    assert.equal(cookieName('api.cookies.from-101@worker'), 'wsc_api_cookies_from_101_worker');
    assert.match(text2('api.cookies.from-101@worker'), /wsc_api_cookies_from_101_worker=v1/);
    assert.doesNotMatch(text2('api.cookies.from-101@worker'), /<cookie>/);
    // A scheme the case writes out is the case's, not the run's.
    const wss = caseById('api.constructor.default-port.wss')!;
    assert.deepEqual(forRun(wss, { secure: false }), wss);
  });
});

describe('test-browser chromium --tls: the cases that build URLs (real Chromium, when installed)', function () {
  this.timeout(120_000);

  it('gives the same verdicts as the plain run', async function () {
    const verdicts: Array<Record<string, string>> = [];
    for (const tls of [false, true]) {
      const dir = tmp();
      const r = await cli([
        'test-browser',
        'chromium',
        ...(tls ? ['--tls'] : []),
        '--cases',
        'api.constructor.*,api.message.*,api.request.*',
        '--exclude',
        'api.*@*',
        '--outdir',
        join(dir, 'out'),
        '--quiet',
      ]);
      const why = /not available: (.*)/.exec(r.stderr)?.[1];
      if (r.code === 2 && why !== undefined) skipBecause(this, `chromium: not available: ${why}`);
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      verdicts.push(Object.fromEntries(readRun(join(dir, 'out')).results.map((x) => [x.id, `${x.behavior}/${x.behaviorClose}`])));
    }
    assert.ok(Object.keys(verdicts[0]!).length > 60, 'the families ran');
    assert.deepEqual(verdicts[1], verdicts[0]);
  });
});
