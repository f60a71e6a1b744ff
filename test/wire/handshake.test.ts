import assert from 'node:assert/strict';
import {
  acceptKeyFor,
  buildClientRequest,
  buildHttpError,
  buildServerResponse,
  checkServerResponse,
  headerTokens,
  headerValue,
  headerValues,
  newClientKey,
  parseClientRequest,
  parseHttpHead,
  type HttpHead,
} from '../../runner/wire/handshake.js';

/** The sample nonce of RFC 6455 §1.3 and the accept value the RFC derives from it. */
const rfcKey = 'dGhlIHNhbXBsZSBub25jZQ==';
const rfcAccept = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

function head(lines: string[]): HttpHead {
  const parsed = parseHttpHead(Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'));
  if (parsed.state !== 'complete') throw new Error(`fixture did not parse: ${JSON.stringify(parsed)}`);
  return parsed.head;
}

function feedGrowing(bytes: Buffer, maxBytes: number): ReturnType<typeof parseHttpHead> {
  for (let n = 1; n < bytes.length; n++) {
    const partial = parseHttpHead(bytes.subarray(0, n), maxBytes);
    if (partial.state !== 'incomplete') return partial;
  }
  return parseHttpHead(bytes, maxBytes);
}

const goodResponse = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${rfcAccept}`];

const goodRequest = ['GET /chat HTTP/1.1', 'Host: server.example.com', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${rfcKey}`, 'Sec-WebSocket-Version: 13'];

/** goodRequest with one header replaced (or removed, when value is null). */
function requestWith(name: string, value: string | null): HttpHead {
  const lines = goodRequest.filter((l) => !l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (value !== null) lines.push(`${name}: ${value}`);
  return head(lines);
}

function responseWith(name: string, value: string | null): HttpHead {
  const lines = goodResponse.filter((l) => !l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (value !== null) lines.push(`${name}: ${value}`);
  return head(lines);
}

describe('handshake', () => {
  describe('keys', () => {
    it('derives the RFC 6455 §1.3 accept value from the sample key', () => {
      assert.equal(acceptKeyFor(rfcKey), rfcAccept);
    });

    it('makes a fresh key of 16 random bytes in base64 each time', () => {
      const key = newClientKey();
      assert.equal(Buffer.from(key, 'base64').length, 16);
      assert.match(key, /^[A-Za-z0-9+/]{22}==$/);
      assert.notEqual(newClientKey(), key);
    });
  });

  describe('parseHttpHead', () => {
    it('waits for more bytes while there is no blank line', () => {
      assert.deepEqual(parseHttpHead(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n')), { state: 'incomplete' });
      assert.deepEqual(parseHttpHead(Buffer.from('HTTP/1.1 101 Switching Protocols\r\n\r')), { state: 'incomplete' });
      assert.deepEqual(parseHttpHead(Buffer.alloc(0)), { state: 'incomplete' });
    });

    it('splits the start line and the headers, keeping header spelling and trimming values', () => {
      const parsed = parseHttpHead(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUPGRADE:websocket\r\nsec-websocket-accept:   abc=  \r\n\r\n'));
      assert.equal(parsed.state, 'complete');
      if (parsed.state !== 'complete') return;
      assert.equal(parsed.head.startLine, 'HTTP/1.1 101 Switching Protocols');
      assert.deepEqual(parsed.head.headers, [
        ['UPGRADE', 'websocket'],
        ['sec-websocket-accept', 'abc='],
      ]);
      assert.equal(parsed.head.raw, 'HTTP/1.1 101 Switching Protocols\r\nUPGRADE:websocket\r\nsec-websocket-accept:   abc=  \r\n\r\n');
      assert.deepEqual(parsed.rest, Buffer.alloc(0));
    });

    it('keeps the bytes after the head, such as a first frame sent with it', () => {
      const parsed = parseHttpHead(Buffer.concat([Buffer.from('HTTP/1.1 101 Switching Protocols\r\n\r\n'), Buffer.from([0x81, 0x02, 0x68, 0x69])]));
      assert.equal(parsed.state, 'complete');
      if (parsed.state === 'complete') assert.deepEqual(parsed.rest, Buffer.from([0x81, 0x02, 0x68, 0x69]));
    });

    it('reads header bytes as Latin-1, so any byte survives', () => {
      const parsed = parseHttpHead(Buffer.from('GET / HTTP/1.1\r\nX: \xe9\xff\r\n\r\n', 'latin1'));
      assert.equal(parsed.state, 'complete');
      if (parsed.state === 'complete') assert.deepEqual(parsed.head.headers, [['X', '\xe9\xff']]);
    });

    it('rejects a header line without a colon', () => {
      assert.equal(parseHttpHead(Buffer.from('GET / HTTP/1.1\r\nHost example.com\r\n\r\n')).state, 'error');
      assert.equal(parseHttpHead(Buffer.from('GET / HTTP/1.1\r\n: value\r\n\r\n')).state, 'error');
    });

    it('rejects a head with no blank line within maxBytes', () => {
      assert.equal(parseHttpHead(Buffer.from('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(100)), 64).state, 'error');
    });

    it('rejects a complete head longer than maxBytes', () => {
      assert.equal(parseHttpHead(Buffer.from('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(100) + '\r\n\r\n'), 64).state, 'error');
    });

    it('accepts a head of exactly maxBytes bytes, however it arrives', () => {
      const bytes = Buffer.from('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(41) + '\r\n\r\n');
      assert.equal(bytes.length, 64);
      assert.equal(parseHttpHead(bytes, 64).state, 'complete');
      assert.equal(feedGrowing(bytes, 64).state, 'complete');
    });

    it('rejects a head one byte longer than maxBytes, however it arrives', () => {
      const bytes = Buffer.from('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(42) + '\r\n\r\n');
      assert.equal(bytes.length, 65);
      assert.equal(parseHttpHead(bytes, 64).state, 'error');
      assert.equal(feedGrowing(bytes, 64).state, 'error');
    });

    it('does not count the bytes after the head against maxBytes', () => {
      const bytes = Buffer.concat([Buffer.from('HTTP/1.1 101 Switching Protocols\r\n\r\n'), Buffer.alloc(1000)]);
      assert.equal(parseHttpHead(bytes, 64).state, 'complete');
    });
  });

  describe('header lookups', () => {
    const headers: Array<[string, string]> = [
      ['Connection', 'keep-alive, Upgrade'],
      ['x-list', 'A'],
      ['X-List', ' b ,, C '],
    ];

    it('finds headers whatever the case of their name', () => {
      assert.deepEqual(headerValues(headers, 'CONNECTION'), ['keep-alive, Upgrade']);
      assert.equal(headerValue(headers, 'missing'), undefined);
    });

    it('joins repeated headers with a comma', () => {
      assert.equal(headerValue(headers, 'X-List'), 'A,  b ,, C ');
    });

    it('splits comma lists into lowercased tokens, dropping empty ones', () => {
      assert.deepEqual(headerTokens(headers, 'connection'), ['keep-alive', 'upgrade']);
      assert.deepEqual(headerTokens(headers, 'x-list'), ['a', 'b', 'c']);
    });
  });

  describe('buildClientRequest', () => {
    it('writes the RFC 6455 §1.2 sample request with our User-Agent', () => {
      const request = buildClientRequest({ host: 'server.example.com', path: '/chat', key: rfcKey, origin: 'http://example.com', protocols: ['chat', 'superchat'] });
      assert.equal(
        request,
        'GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${rfcKey}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://example.com\r\n` +
          'Sec-WebSocket-Protocol: chat, superchat\r\nUser-Agent: wsconform\r\n\r\n',
      );
    });

    it('replaces a default header in place, removes one given null, and appends new ones', () => {
      const request = buildClientRequest({
        host: 'h',
        path: '/',
        key: rfcKey,
        headers: [
          ['sec-websocket-version', '8'],
          ['User-Agent', null],
          ['X-Extra', '1'],
        ],
      });
      assert.equal(request, `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${rfcKey}\r\nsec-websocket-version: 8\r\nX-Extra: 1\r\n\r\n`);
    });

    it('uses the method and HTTP version it is given', () => {
      assert.match(buildClientRequest({ host: 'h', path: '/x', key: rfcKey, method: 'POST', httpVersion: 'HTTP/1.0' }), /^POST \/x HTTP\/1\.0\r\n/);
    });

    it('writes a request that parseClientRequest finds nothing wrong with', () => {
      const request = buildClientRequest({ host: 'h', path: '/p?q=1', key: rfcKey, protocols: ['Chat'], extensions: ['permessage-deflate; client_max_window_bits'] });
      const parsed = parseHttpHead(Buffer.from(request));
      assert.equal(parsed.state, 'complete');
      if (parsed.state !== 'complete') return;
      assert.deepEqual(parseClientRequest(parsed.head), {
        method: 'GET',
        path: '/p?q=1',
        httpVersion: 'HTTP/1.1',
        key: rfcKey,
        version: '13',
        protocols: ['Chat'],
        extensions: ['permessage-deflate; client_max_window_bits'],
        problems: [],
      });
    });
  });

  describe('parseClientRequest', () => {
    it('accepts header names and tokens in any case, and Connection as a list', () => {
      const request = head(['GET / HTTP/1.1', 'host: h', 'upgrade: WebSocket', 'CONNECTION: keep-alive, Upgrade', `sec-websocket-key: ${rfcKey}`, 'SEC-WEBSOCKET-VERSION: 13']);
      assert.deepEqual(parseClientRequest(request).problems, []);
    });

    it('keeps the case of subprotocol names, which are compared exactly', () => {
      assert.deepEqual(parseClientRequest(requestWith('Sec-WebSocket-Protocol', 'Chat, v2.SuperChat')).protocols, ['Chat', 'v2.SuperChat']);
    });

    it('collects subprotocols and extensions from repeated headers', () => {
      const request = head([...goodRequest, 'Sec-WebSocket-Protocol: a', 'Sec-WebSocket-Protocol: b, c', 'Sec-WebSocket-Extensions: x', 'Sec-WebSocket-Extensions: y; p=1']);
      const parsed = parseClientRequest(request);
      assert.deepEqual(parsed.protocols, ['a', 'b', 'c']);
      assert.deepEqual(parsed.extensions, ['x', 'y; p=1']);
    });

    it('lists each extension as written, by the header grammar, dropping empty elements', () => {
      const parsed = parseClientRequest(requestWith('Sec-WebSocket-Extensions', ' permessage-deflate;client_max_window_bits ,, x; q="a b"'));
      // The quoted value is not a token, so the list does not parse: it is split at commas.
      assert.deepEqual(parsed.extensions, ['permessage-deflate;client_max_window_bits', 'x; q="a b"']);
      assert.deepEqual(parseClientRequest(requestWith('Sec-WebSocket-Extensions', 'a; q="1" ,b')).extensions, ['a; q="1"', 'b']);
    });

    const broken: Array<[what: string, request: () => HttpHead, problem: RegExp]> = [
      ['a POST', () => head(['POST / HTTP/1.1', ...goodRequest.slice(1)]), /method/],
      ['HTTP/1.0', () => head(['GET / HTTP/1.0', ...goodRequest.slice(1)]), /HTTP\/1\.1/],
      ['no Host', () => requestWith('Host', null), /Host/],
      ['no Upgrade', () => requestWith('Upgrade', null), /Upgrade/],
      ['Upgrade: h2c', () => requestWith('Upgrade', 'h2c'), /Upgrade/],
      ['Connection: keep-alive', () => requestWith('Connection', 'keep-alive'), /Connection/],
      ['no Sec-WebSocket-Key', () => requestWith('Sec-WebSocket-Key', null), /Sec-WebSocket-Key/],
      ['a key of 15 bytes', () => requestWith('Sec-WebSocket-Key', Buffer.alloc(15).toString('base64')), /Sec-WebSocket-Key/],
      ['two keys', () => head([...goodRequest, `Sec-WebSocket-Key: ${rfcKey}`]), /Sec-WebSocket-Key/],
      ['no Sec-WebSocket-Version', () => requestWith('Sec-WebSocket-Version', null), /Sec-WebSocket-Version/],
      ['Sec-WebSocket-Version: 8', () => requestWith('Sec-WebSocket-Version', '8'), /Sec-WebSocket-Version/],
    ];
    for (const [what, request, problem] of broken) {
      it(`reports exactly one problem for a request with ${what}`, () => {
        const { problems } = parseClientRequest(request());
        assert.equal(problems.length, 1, problems.join('; '));
        assert.match(problems[0]!, problem);
      });
    }
  });

  describe('buildServerResponse', () => {
    it('writes the RFC 6455 §1.3 sample response with our Server header', () => {
      assert.equal(
        buildServerResponse({ key: rfcKey, protocol: 'chat' }),
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${rfcAccept}\r\n` + 'Sec-WebSocket-Protocol: chat\r\nServer: wsconform\r\n\r\n',
      );
    });

    it('writes another status and bends headers when asked to', () => {
      assert.equal(
        buildServerResponse({
          key: rfcKey,
          status: '200 OK',
          headers: [
            ['Sec-WebSocket-Accept', 'wrong='],
            ['Server', null],
          ],
        }),
        'HTTP/1.1 200 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong=\r\n\r\n',
      );
    });
  });

  describe('checkServerResponse', () => {
    it('accepts the response buildServerResponse writes', () => {
      const response = parseHttpHead(Buffer.from(buildServerResponse({ key: rfcKey })));
      assert.equal(response.state, 'complete');
      if (response.state !== 'complete') return;
      assert.deepEqual(checkServerResponse(response.head, rfcKey), { ok: true, status: 101, problems: [], extensions: [] });
    });

    it('accepts header names and tokens in any case, and Connection as a list', () => {
      const response = head(['HTTP/1.1 101 Switching Protocols', 'upgrade: WebSocket', 'connection: keep-alive, Upgrade', `SEC-WEBSOCKET-ACCEPT: ${rfcAccept}`]);
      assert.equal(checkServerResponse(response, rfcKey).ok, true);
    });

    it('returns the subprotocol the server selected from those offered', () => {
      const check = checkServerResponse(responseWith('Sec-WebSocket-Protocol', 'chat'), rfcKey, { protocols: ['superchat', 'chat'] });
      assert.equal(check.ok, true);
      assert.equal(check.protocol, 'chat');
    });

    it('returns the extensions the server accepted from those offered', () => {
      const check = checkServerResponse(responseWith('Sec-WebSocket-Extensions', 'permessage-deflate; server_no_context_takeover'), rfcKey, {
        extensions: ['permessage-deflate; client_max_window_bits'],
      });
      assert.equal(check.ok, true);
      assert.deepEqual(check.extensions, ['permessage-deflate; server_no_context_takeover']);
    });

    it('reads the extensions by the header grammar: quoted values, whitespace, names in any case, empty elements', () => {
      const check = checkServerResponse(responseWith('Sec-WebSocket-Extensions', 'Permessage-Deflate ;server_max_window_bits="10"\t, ,'), rfcKey, {
        extensions: ['permessage-deflate; client_max_window_bits, x-foo; a=1'],
      });
      assert.equal(check.ok, true, check.problems.join('; '));
      assert.deepEqual(check.extensions, ['Permessage-Deflate ;server_max_window_bits="10"']);
    });

    it('takes a list that does not parse for no fault of its own: split at commas, each named by what precedes its first ";"', () => {
      // A list the grammar rejects is not itself a fault: its verdict stays the one the names give.
      const accepted = checkServerResponse(responseWith('Sec-WebSocket-Extensions', 'x-foo; a='), rfcKey, { extensions: ['x-foo'] });
      assert.equal(accepted.ok, true, accepted.problems.join('; '));
      assert.deepEqual(accepted.extensions, ['x-foo; a=']);
      const refused = checkServerResponse(responseWith('Sec-WebSocket-Extensions', 'x-foo; a="1,2"'), rfcKey, { extensions: ['x-foo'] });
      assert.deepEqual(refused.problems, ['server accepted extension "2\\"", which was not offered']);
    });

    const broken: Array<[what: string, response: () => HttpHead, problem: RegExp, fault: string]> = [
      ['status 200', () => head(['HTTP/1.1 200 OK', ...goodResponse.slice(1)]), /status 200/, 'status 200 OK instead of 101'],
      ['a malformed status line', () => head(['HTTP/1.1 101Switching', ...goodResponse.slice(1)]), /status line/, 'a malformed status line'],
      ['no Upgrade', () => responseWith('Upgrade', null), /Upgrade/, 'no "Upgrade: websocket"'],
      ['no Connection', () => responseWith('Connection', null), /Connection/, 'no "Connection: Upgrade"'],
      ['no Sec-WebSocket-Accept', () => responseWith('Sec-WebSocket-Accept', null), /Sec-WebSocket-Accept/, 'no Sec-WebSocket-Accept'],
      ['a wrong Sec-WebSocket-Accept', () => responseWith('Sec-WebSocket-Accept', acceptKeyFor(rfcKey.replace('d', 'e'))), /Sec-WebSocket-Accept/, 'wrong Sec-WebSocket-Accept'],
      ['Sec-WebSocket-Accept in another case', () => responseWith('Sec-WebSocket-Accept', rfcAccept.toLowerCase()), /Sec-WebSocket-Accept/, 'wrong Sec-WebSocket-Accept'],
      ['a subprotocol that was not offered', () => responseWith('Sec-WebSocket-Protocol', 'mqtt'), /subprotocol/, 'a subprotocol that was not offered'],
      ['a subprotocol offered in another case', () => responseWith('Sec-WebSocket-Protocol', 'CHAT'), /subprotocol/, 'a subprotocol that was not offered'],
      ['an extension that was not offered', () => responseWith('Sec-WebSocket-Extensions', 'x-webkit-deflate-frame'), /extension/, 'an extension that was not offered'],
    ];
    for (const [what, response, problem, fault] of broken) {
      it(`reports exactly one problem for a response with ${what}, and names it in a few stable words`, () => {
        const check = checkServerResponse(response(), rfcKey, { protocols: ['superchat', 'chat'] });
        assert.equal(check.ok, false);
        assert.equal(check.problems.length, 1, check.problems.join('; '));
        assert.match(check.problems[0]!, problem);
        assert.equal(check.fault, fault);
      });
    }

    it('names the first of several problems as the fault: a refusal is its status, not its missing headers', () => {
      const check = checkServerResponse(head(['HTTP/1.1 403 Forbidden', 'Content-Length: 0']), rfcKey);
      assert.equal(check.problems.length, 4, check.problems.join('; '));
      assert.equal(check.fault, 'status 403 Forbidden instead of 101');
    });

    it('reports the status it read', () => {
      assert.equal(checkServerResponse(head(['HTTP/1.1 403 Forbidden']), rfcKey).status, 403);
    });
  });

  describe('buildHttpError', () => {
    it('writes a plain-text error with the body length in bytes', () => {
      assert.equal(
        buildHttpError(400, 'Bad Request', 'héllo', [['Sec-WebSocket-Version', '13']]),
        'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\nConnection: close\r\nSec-WebSocket-Version: 13\r\n\r\nhéllo',
      );
    });
  });
});
