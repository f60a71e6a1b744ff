/**
 * JavaScript values as browser-API cases write them (ApiValue), and how the page prints them: the
 * same rules as runner/browser/page/values.js, so that an expectation can be built from the value.
 */
import type { ApiBytes, ApiHandlerAction, ApiPageAction, ApiValue, ApiViewType } from '../browser-api-types.js';
import type { CaseDef } from '../types.js';

export const v = {
  undefined: { $: 'undefined' },
  NaN: { $: 'NaN' },
  Infinity: { $: 'Infinity' },
  negInfinity: { $: '-Infinity' },
  negZero: { $: '-0' },
  bigint: (value: string): ApiValue => ({ $: 'bigint', value }),
  repeat: (repeat: string, times: number): ApiValue => ({ $: 'repeat', repeat, times }),
  /**
   * `<server>` is host:port, `<host>` the host, `<path>` /<case id>; `<ws>` and `<http>` (`<WS>`,
   * `<HTTP>` in capitals) the schemes of the case's server (see forRun).
   */
  url: (template: string): ApiValue => ({ $: 'url', template }),
  object: (props: Record<string, ApiValue>): ApiValue => ({ $: 'object', props }),
  arrayBuffer: (bytes: ApiBytes): ApiValue => ({ $: 'ArrayBuffer', bytes }),
  view: (type: ApiViewType, bytes: ApiBytes, byteOffset?: number, length?: number): ApiValue => ({
    $: 'view',
    type,
    bytes,
    ...(byteOffset !== undefined ? { byteOffset } : {}),
    ...(length !== undefined ? { length } : {}),
  }),
  blob: (parts: ApiValue[], type?: string): ApiValue => ({ $: 'Blob', parts, ...(type !== undefined ? { type } : {}) }),
  webSocketError: (init: { closeCode?: number; reason?: string }, message = ''): ApiValue => ({ $: 'WebSocketError', ...(message ? { message } : {}), ...init }),
} as const satisfies Record<string, ApiValue | ((...a: never[]) => ApiValue)>;

/** The case's own server URL. */
export const serverUrl = v.url('<ws>://<server><path>');

/** The name of a case's own cookie (a token: the case ID with every other character as `_`). */
export const cookieName = (id: string): string => `wsc_${id.replace(/[^A-Za-z0-9]/g, '_')}`;

/**
 * A case as it runs: `<ws>`, `<WS>`, `<http>` and `<HTTP>` in its URL templates, expectations and
 * texts become the schemes of its server, plain or TLS (test-browser --tls), so that a case about
 * its own server holds in both (a scheme written out, wss://… in api.tls.*, stays as written); and
 * `<cookie>` its own cookie's name, which each worker variant has apart (the contexts share the
 * browser's cookies).
 */
export function forRun(def: CaseDef, o: { secure: boolean }): CaseDef {
  const names: Record<string, string> = o.secure ? { ws: 'wss', WS: 'WSS', http: 'https', HTTP: 'HTTPS' } : { ws: 'ws', WS: 'WS', http: 'http', HTTP: 'HTTP' };
  names.cookie = cookieName(def.id);
  const render = (text: string): string => text.replace(/<(ws|WS|http|HTTP|cookie)>/g, (_, name: string) => names[name]!);
  if (def.expect.kind !== 'browser-api') return def;
  // The check is data (it goes to the page as JSON): every string in it is rendered.
  const check = JSON.parse(render(JSON.stringify(def.expect.check))) as typeof def.expect.check;
  return { ...def, title: render(def.title), description: render(def.description), expectation: render(def.expectation), expect: { ...def.expect, check } };
}

const bytesLength = (b: ApiBytes): number => ('count' in b ? b.count : b.hex.length / 2);

/** A string as the page prints it: JSON, or `"x"×123` for a long run of one UTF-16 unit. */
export function str(s: string): string {
  if (s.length > 20 && Array.from({ length: s.length }, (_, i) => s.charCodeAt(i)).every((u) => u === s.charCodeAt(0))) return `${JSON.stringify(s[0])}×${s.length}`;
  return JSON.stringify(s);
}

/** The value as the page prints it. */
export function shown(x: ApiValue): string {
  if (x === null) return 'null';
  if (typeof x === 'string') return str(x);
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  if (Array.isArray(x)) return `[${x.map(shown).join(', ')}]`;
  switch (x.$) {
    case 'bigint':
      return `${x.value}n`;
    case 'repeat':
      return `${JSON.stringify(x.repeat)}×${x.times}`;
    case 'url':
      return JSON.stringify(x.template);
    case 'object':
      return `{${Object.entries(x.props)
        .map(([k, y]) => `${k}: ${shown(y)}`)
        .join(', ')}}`;
    case 'ArrayBuffer':
      return `ArrayBuffer(${bytesLength(x.bytes)})`;
    case 'view': {
      const args = [`ArrayBuffer(${bytesLength(x.bytes)})`];
      if (x.byteOffset !== undefined || x.length !== undefined) args.push(String(x.byteOffset ?? 0));
      if (x.length !== undefined) args.push(String(x.length));
      return `${x.type}(${args.join(', ')})`;
    }
    case 'Blob':
      return `Blob([${x.parts.map(shown).join(', ')}]${x.type === undefined ? '' : `, {type: ${JSON.stringify(x.type)}}`})`;
    case 'WebSocketError': {
      const init = [...(x.closeCode !== undefined ? [`closeCode: ${x.closeCode}`] : []), ...(x.reason !== undefined ? [`reason: ${str(x.reason)}`] : [])];
      return `WebSocketError(${JSON.stringify(x.message ?? '')}, {${init.join(', ')}})`;
    }
    default:
      return x.$;
  }
}

/** `close(...args)` exactly, and the line it logs with `outcome` (ok or the exception's name). */
export const closeWith = (...args: ApiValue[]): ApiPageAction => ({ do: 'close', args });
export const closeLine = (args: ApiValue[], outcome: string): string => `close(${args.map(shown).join(', ')}) → ${outcome}`;
export const sendWith = (...args: ApiValue[]): ApiPageAction => ({ do: 'send', args });
export const sendLine = (args: ApiValue[], outcome: string): string => `send(${args.map(shown).join(', ')}) → ${outcome}`;
export const connectWith = (...args: ApiValue[]): ApiPageAction => ({ do: 'connect', args });

/** Actions run inside the handler of `event`, each time it fires. */
export const inside = (event: 'open' | 'message' | 'error' | 'close', ...actions: ApiHandlerAction[]): ApiPageAction => ({ do: 'on', event, actions });
