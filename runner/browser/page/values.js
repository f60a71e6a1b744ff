// @ts-check
// wsconform's page: builds the JavaScript values a browser-API case writes as data (ApiValue in
// cases/browser-api-types.ts) and prints them the way the expectations write them. Loaded before
// client.js, which finds it in `self.wsconformValues`. A value that cannot be built throws
// ValueError, which client.js logs as the case's result.
'use strict';

/**
 * @typedef {import('../../../cases/browser-api-types.js').ApiValue} ApiValue
 * @typedef {import('../../../cases/browser-api-types.js').ApiBytes} ApiBytes
 * @typedef {import('../page-job.js').PageScope} PageScope
 * @typedef {import('../page-job.js').PageValuesLib} PageValuesLib
 */

(
  /** @param {typeof self & PageScope} scope */ function (scope) {
    class ValueError extends Error {}

    /**
     * A string as the expectations write it: JSON, or `"x"×123` for a long run of one character.
     * @param {string} s
     */
    function str(s) {
      if (s.length > 20) {
        let same = true;
        for (let i = 1; i < s.length && same; i++) same = s.charCodeAt(i) === s.charCodeAt(0);
        if (same) return `${JSON.stringify(s[0])}×${s.length}`;
      }
      return JSON.stringify(s);
    }

    /** @param {ApiBytes} b */
    function bytesOf(b) {
      if ('count' in b) return new Uint8Array(b.count).map((_, i) => i & 0xff);
      if (!/^([0-9a-f]{2})*$/i.test(b.hex)) throw new ValueError(`not hex: ${JSON.stringify(b.hex)}`);
      return new Uint8Array((b.hex.match(/../g) || []).map((h) => parseInt(h, 16)));
    }

    /** @param {ApiBytes} b */
    const bytesLength = (b) => ('count' in b ? b.count : b.hex.length / 2);

    /**
     * The value a case wrote, built in this realm.
     * @param {ApiValue} v
     * @param {{ url: string, host: string }} c the case's server: `<server>` and `<path>` in a URL template
     * @returns {unknown}
     */
    function build(v, c) {
      if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
      if (typeof v === 'number') return v;
      if (Array.isArray(v)) return v.map((x) => build(x, c));
      if (typeof v !== 'object') throw new ValueError(`not a value: ${String(v)}`);
      switch (v.$) {
        case 'undefined':
          return undefined;
        case 'NaN':
          return NaN;
        case 'Infinity':
          return Infinity;
        case '-Infinity':
          return -Infinity;
        case '-0':
          return -0;
        case 'bigint':
          return BigInt(v.value);
        case 'repeat':
          return v.repeat.repeat(v.times);
        case 'url': {
          const path = new URL(c.url).pathname;
          return v.template.split('<server>').join(c.host).split('<host>').join(hostOnly(c.host)).split('<path>').join(path);
        }
        case 'object':
          return Object.fromEntries(Object.entries(v.props).map(([k, x]) => [k, build(x, c)]));
        case 'ArrayBuffer':
          return bytesOf(v.bytes).buffer;
        case 'view': {
          const buffer = bytesOf(v.bytes).buffer;
          const View = /** @type {any} */ (scope)[v.type];
          if (typeof View !== 'function') throw new ValueError(`no ${v.type} here`);
          if (v.length !== undefined) return new View(buffer, v.byteOffset || 0, v.length);
          return v.byteOffset !== undefined ? new View(buffer, v.byteOffset) : new View(buffer);
        }
        case 'Blob': {
          const parts = /** @type {BlobPart[]} */ (v.parts.map((x) => build(x, c)));
          return v.type === undefined ? new Blob(parts) : new Blob(parts, { type: v.type });
        }
        case 'WebSocketError': {
          const E = /** @type {any} */ (scope).WebSocketError;
          if (typeof E !== 'function') throw new ValueError('no WebSocketError here');
          return new E(v.message || '', closeInit(v));
        }
        default:
          throw new ValueError(`unknown value tag ${JSON.stringify(/** @type {{ $: unknown }} */ (v).$)}`);
      }
    }

    /**
     * The members of a WebSocketError's init that the case gave.
     * @param {{ closeCode?: number, reason?: string }} v
     */
    const closeInit = (v) => ({ ...(v.closeCode !== undefined ? { closeCode: v.closeCode } : {}), ...(v.reason !== undefined ? { reason: v.reason } : {}) });

    /** @param {string} host host:port */
    const hostOnly = (host) => host.replace(/:\d+$/, '');

    /**
     * The value as the expectations print it (from what the case wrote, not from what was built).
     * @param {ApiValue} v
     * @returns {string}
     */
    function show(v) {
      if (v === null) return 'null';
      if (typeof v === 'string') return str(v);
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
      if (typeof v !== 'object') return String(v);
      switch (v.$) {
        case 'undefined':
        case 'NaN':
        case 'Infinity':
        case '-Infinity':
        case '-0':
          return v.$;
        case 'bigint':
          return `${v.value}n`;
        case 'repeat':
          return `${JSON.stringify(v.repeat)}×${v.times}`;
        case 'url':
          return JSON.stringify(v.template);
        case 'object':
          return `{${Object.entries(v.props)
            .map(([k, x]) => `${k}: ${show(x)}`)
            .join(', ')}}`;
        case 'ArrayBuffer':
          return `ArrayBuffer(${bytesLength(v.bytes)})`;
        case 'view': {
          const args = [`ArrayBuffer(${bytesLength(v.bytes)})`];
          if (v.byteOffset !== undefined || v.length !== undefined) args.push(String(v.byteOffset || 0));
          if (v.length !== undefined) args.push(String(v.length));
          return `${v.type}(${args.join(', ')})`;
        }
        case 'Blob':
          return `Blob([${v.parts.map(show).join(', ')}]${v.type === undefined ? '' : `, {type: ${JSON.stringify(v.type)}}`})`;
        case 'WebSocketError':
          return `WebSocketError(${JSON.stringify(v.message || '')}, {${Object.entries(closeInit(v))
            .map(([k, x]) => `${k}: ${typeof x === 'string' ? str(x) : String(x)}`)
            .join(', ')}})`;
        default:
          return `(unknown value tag ${JSON.stringify(/** @type {{ $: unknown }} */ (v).$)})`;
      }
    }

    /**
     * The arguments a case wrote: built in this realm, and as the log prints them. Throws as build does.
     * @param {ApiValue[]} args
     * @param {{ url: string, host: string }} c
     */
    const buildArgs = (args, c) => ({ list: args.map((v) => build(v, c)), shown: args.map(show).join(', ') });

    /**
     * What was thrown (or a promise rejected with), as the expectations name it: its name, else itself.
     * @param {unknown} e
     */
    const thrownName = (e) => {
      const x = /** @type {{ name?: unknown } | null | undefined} */ (e);
      return x && x.name ? String(x.name) : String(e);
    };

    /** @type {PageValuesLib} */
    const lib = { build, buildArgs, show, str, hostOnly, thrownName };
    scope.wsconformValues = lib;
  }
)(self);
