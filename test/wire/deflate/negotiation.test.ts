/**
 * permessage-deflate negotiation without sockets (RFC 7692 §5, §7.1): the parameters of an offer or
 * response, the client's check of a response against its offers, and the server's accept rules.
 */
import assert from 'node:assert/strict';
import { codecFor } from '../../../runner/wire/deflate/codec.js';
import { acceptResponse, chooseOffer, deflateParams, formatDeflate, type DeflateAcceptRule, type DeflateOffer } from '../../../runner/wire/deflate/negotiation.js';
import { negotiateAsClient, negotiateAsServer } from '../../../runner/wire/deflate/per-case.js';
import { parseExtensionList } from '../../../runner/wire/extensions.js';

const D = 'permessage-deflate; client_no_context_takeover; client_max_window_bits';
const defaultOffer: DeflateOffer = { clientNoContextTakeover: true, clientMaxWindowBits: true };

describe('permessage-deflate parameters (RFC 7692 §7.1)', () => {
  const params = (text: string, as: 'offer' | 'response'): ReturnType<typeof deflateParams> => {
    const list = parseExtensionList(text);
    assert.ok(list.ok);
    return deflateParams(list.value[0]!, as);
  };
  const ok: Array<[string, 'offer' | 'response', DeflateOffer]> = [
    ['permessage-deflate', 'offer', {}],
    [D, 'offer', { clientNoContextTakeover: true, clientMaxWindowBits: true }],
    ['permessage-deflate; server_no_context_takeover; server_max_window_bits=9', 'offer', { serverNoContextTakeover: true, serverMaxWindowBits: 9 }],
    ['permessage-deflate; client_max_window_bits=15; server_max_window_bits=8', 'response', { clientMaxWindowBits: 15, serverMaxWindowBits: 8 }],
    ['permessage-deflate; client_max_window_bits="12"', 'offer', { clientMaxWindowBits: 12 }],
  ];
  for (const [text, as, want] of ok) it(`reads ${JSON.stringify(text)} as ${as === 'offer' ? 'an offer' : 'a response'}`, () => assert.deepEqual(params(text, as), { ok: true, value: want }));

  const bad: Array<[string, 'offer' | 'response']> = [
    ['permessage-deflate; server_no_context_takeover; server_no_context_takeover', 'offer'],
    ['permessage-deflate; server_max_window_bits=9; server_max_window_bits=10', 'response'],
    ['permessage-deflate; server_max_window_bits', 'offer'],
    ['permessage-deflate; server_max_window_bits=7', 'offer'],
    ['permessage-deflate; server_max_window_bits=16', 'response'],
    ['permessage-deflate; server_max_window_bits=09', 'response'],
    ['permessage-deflate; client_max_window_bits=abc', 'offer'],
    ['permessage-deflate; client_max_window_bits', 'response'],
    ['permessage-deflate; client_no_context_takeover=1', 'offer'],
    ['permessage-deflate; server_no_context_takeover=true', 'response'],
    ['permessage-deflate; foo', 'offer'],
    ['permessage-deflate; Server_No_Context_Takeover', 'response'],
  ];
  for (const [text, as] of bad) it(`rejects ${JSON.stringify(text)} as ${as === 'offer' ? 'an offer' : 'a response'}`, () => assert.equal(params(text, as).ok, false));

  it('writes offers client parameters first and responses server parameters first, as Autobahn', () => {
    const p: DeflateOffer = { serverNoContextTakeover: true, serverMaxWindowBits: 9, clientNoContextTakeover: true, clientMaxWindowBits: true };
    assert.equal(formatDeflate(p, 'offer'), `${D}; server_no_context_takeover; server_max_window_bits=9`);
    assert.equal(
      formatDeflate({ ...p, clientMaxWindowBits: 10 }, 'response'),
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover; client_max_window_bits=10',
    );
    assert.equal(formatDeflate({}, 'offer'), 'permessage-deflate');
  });
});

describe('the client checks the server’s response against its offers', () => {
  const with13 = (server: DeflateOffer): DeflateOffer => ({ ...defaultOffer, ...server });
  const offers13_7 = [with13({ serverNoContextTakeover: true, serverMaxWindowBits: 9 }), with13({ serverNoContextTakeover: true }), defaultOffer];
  const rows: Array<{ offers: DeflateOffer[]; response: string[]; result: 'none' | 'invalid' | string }> = [
    { offers: [defaultOffer], response: [], result: 'none' },
    { offers: [defaultOffer], response: ['x-other'], result: 'none' },
    { offers: [defaultOffer], response: ['permessage-deflate'], result: 'permessage-deflate' },
    // What ws answers: the offer's client_no_context_takeover echoed.
    { offers: [defaultOffer], response: ['permessage-deflate; client_no_context_takeover'], result: 'permessage-deflate; client_no_context_takeover' },
    // A server may always add server_no_context_takeover, and a smaller server window (§7.1.1.1, §7.1.2.1).
    {
      offers: [defaultOffer],
      response: ['permessage-deflate; server_no_context_takeover; server_max_window_bits=10'],
      result: 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10',
    },
    { offers: [defaultOffer], response: ['permessage-deflate; client_max_window_bits=9'], result: 'permessage-deflate; client_max_window_bits=9' },
    { offers: [defaultOffer], response: ['permessage-deflate; client_max_window_bits'], result: 'invalid' },
    { offers: [defaultOffer], response: ['permessage-deflate; foo=1'], result: 'invalid' },
    { offers: [defaultOffer], response: ['permessage-deflate; client_no_context_takeover; client_no_context_takeover'], result: 'invalid' },
    { offers: [defaultOffer], response: ['permessage-deflate, permessage-deflate'], result: 'invalid' },
    { offers: [defaultOffer], response: ['permessage-deflate; server_max_window_bits=20'], result: 'invalid' },
    { offers: [defaultOffer], response: ['permessage-deflate;'], result: 'invalid' },
    // client_max_window_bits only when offered (§7.1.2.2).
    { offers: [{}], response: ['permessage-deflate; client_max_window_bits=10'], result: 'invalid' },
    // What the offer asked of the server must be kept (§7.1.1.1, §7.1.2.1).
    { offers: [with13({ serverNoContextTakeover: true })], response: ['permessage-deflate'], result: 'invalid' },
    { offers: [with13({ serverMaxWindowBits: 9 })], response: ['permessage-deflate; server_max_window_bits=9'], result: 'permessage-deflate; server_max_window_bits=9' },
    { offers: [with13({ serverMaxWindowBits: 9 })], response: ['permessage-deflate; server_max_window_bits=8'], result: 'permessage-deflate; server_max_window_bits=8' },
    { offers: [with13({ serverMaxWindowBits: 9 })], response: ['permessage-deflate; server_max_window_bits=15'], result: 'invalid' },
    { offers: [with13({ serverMaxWindowBits: 9 })], response: ['permessage-deflate'], result: 'invalid' },
    // Several offers: any one the response fits.
    { offers: offers13_7, response: ['permessage-deflate; server_no_context_takeover; server_max_window_bits=9'], result: 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9' },
    { offers: offers13_7, response: ['permessage-deflate; server_no_context_takeover'], result: 'permessage-deflate; server_no_context_takeover' },
    { offers: offers13_7, response: ['permessage-deflate'], result: 'permessage-deflate' },
    { offers: offers13_7.slice(0, 2), response: ['permessage-deflate'], result: 'invalid' },
    { offers: [], response: ['permessage-deflate'], result: 'invalid' },
  ];
  for (const row of rows) {
    it(`${row.result === 'invalid' ? 'fails on' : row.result === 'none' ? 'sees no deflate in' : 'accepts'} ${JSON.stringify(row.response)} for ${row.offers.map((o) => formatDeflate(o, 'offer')).join(', ') || 'no offer'}`, () => {
      const r = acceptResponse(row.offers, row.response);
      if (row.result === 'invalid') assert.equal(r.ok, false);
      else if (row.result === 'none') assert.deepEqual(r, { ok: true, value: null });
      else {
        assert.ok(r.ok && r.value, JSON.stringify(r));
        assert.equal(r.value.response, row.result);
      }
    });
  }

  it('keeps its promise of no context takeover, and honours the windows agreed', () => {
    const r = negotiateAsClient({ handshake: { deflate: { offers: [with13({ serverMaxWindowBits: 9 })], accept: 'first' } } }, [
      'permessage-deflate; server_max_window_bits=9; client_max_window_bits=10',
    ]);
    assert.ok(r.ok && r.value);
    assert.match(r.value.description, /harness sends without context takeover, window 10 bits; peer sends with context takeover, window 9 bits/);
    const none = negotiateAsClient({}, []);
    assert.deepEqual(none, { ok: true, value: null });
  });

  it('binds a client to its own hints, but a server only to the response', () => {
    const a = acceptResponse([{ clientMaxWindowBits: 10, clientNoContextTakeover: true }], ['permessage-deflate']);
    assert.ok(a.ok && a.value);
    assert.match(codecFor('client', a.value).description, /harness sends without context takeover, window 10 bits; peer sends with context takeover, window 15 bits/);
    assert.match(codecFor('server', a.value).description, /harness sends with context takeover, window 15 bits; peer sends with context takeover, window 15 bits/);
  });
});

describe('the server picks an offer by Autobahn’s accept rules', () => {
  const offers13_7 = [`${D}; server_no_context_takeover; server_max_window_bits=9`, `${D}; server_no_context_takeover`, D];
  const rows: Array<[DeflateAcceptRule, string[], string | null]> = [
    ['first', [D], 'permessage-deflate'],
    ['first', [`${D}; server_no_context_takeover`], 'permessage-deflate; server_no_context_takeover'],
    ['first', ['permessage-deflate; client_max_window_bits'], 'permessage-deflate'],
    ['first', ['x-webkit-deflate-frame'], null],
    ['first', [], null],
    ['first', ['permessage-deflate; foo'], null],
    ['first', ['permessage-deflate; foo, permessage-deflate; server_max_window_bits=10'], 'permessage-deflate; server_max_window_bits=10'],
    ['first', ['permessage-deflate; a="1 2"'], null],
    // Every offer allows client_no_context_takeover in the response (§7.1.1.2).
    ['no-context-takeover', [`${D}; server_no_context_takeover`], 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'],
    ['no-context-takeover', ['permessage-deflate'], 'permessage-deflate; client_no_context_takeover'],
    // client_max_window_bits only for an offer that carries it (§7.1.2.2), never above its value.
    ['max-window-bits-9', [`${D}; server_max_window_bits=9`], 'permessage-deflate; server_max_window_bits=9; client_max_window_bits=9'],
    ['max-window-bits-9', ['permessage-deflate'], null],
    ['max-window-bits-15', [`${D}; server_max_window_bits=15`], 'permessage-deflate; server_max_window_bits=15; client_max_window_bits=15'],
    ['max-window-bits-15', ['permessage-deflate; client_max_window_bits=10'], 'permessage-deflate; client_max_window_bits=10'],
    ['max-window-bits-15', ['permessage-deflate, permessage-deflate; client_max_window_bits'], 'permessage-deflate; client_max_window_bits=15'],
    [
      'both-9',
      [`${D}; server_no_context_takeover; server_max_window_bits=9`],
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover; client_max_window_bits=9',
    ],
    [
      'both-15',
      [`${D}; server_no_context_takeover; server_max_window_bits=15`],
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=15; client_no_context_takeover; client_max_window_bits=15',
    ],
    ['both-9', ['permessage-deflate; server_no_context_takeover'], null],
    ['fallback', offers13_7, 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover; client_max_window_bits=9'],
    ['fallback', ['permessage-deflate; server_no_context_takeover', 'permessage-deflate'], 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'],
    ['fallback', ['x-other'], null],
  ];
  for (const [rule, header, want] of rows) {
    it(`${rule}: ${JSON.stringify(header)} → ${want ?? 'nothing'}`, () => {
      assert.equal(chooseOffer(rule, header)?.response ?? null, want);
      const served = negotiateAsServer({ handshake: { deflate: { offers: [], accept: rule } } }, header);
      assert.equal(served?.responseExtension ?? null, want);
    });
  }

  it('accepts nothing for a case without deflate', () => {
    assert.equal(negotiateAsServer({}, [D]), null);
  });

  it('answers a response the client’s own check accepts', () => {
    const offer = { serverNoContextTakeover: true, serverMaxWindowBits: 9, clientNoContextTakeover: true, clientMaxWindowBits: true as const };
    for (const rule of ['first', 'no-context-takeover', 'max-window-bits-9', 'max-window-bits-15', 'both-9', 'both-15', 'fallback'] as const) {
      const a = chooseOffer(rule, [formatDeflate(offer, 'offer')]);
      assert.ok(a);
      assert.equal(acceptResponse([offer], [a.response]).ok, true, rule);
    }
  });
});
