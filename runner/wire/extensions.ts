/**
 * The Sec-WebSocket-Extensions grammar (RFC 6455 §9.1): a comma-separated list of extensions, each
 * a token with `;`-separated parameters whose values are tokens, bare or quoted. The one reader of
 * that header, for the handshake checks and for permessage-deflate alike.
 */

export interface ExtensionParam {
  name: string;
  /** null: the parameter has no value. */
  value: string | null;
}

export interface ExtensionElement {
  /** Lowercased: extension names are compared without regard to case. */
  name: string;
  params: ExtensionParam[];
  /** The element as written, without the whitespace around it: what reports show. */
  text: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Parses one or more header values (repeated headers are one list) into extension elements. */
export function parseExtensionList(values: string | readonly string[]): Parsed<ExtensionElement[]> {
  const text = typeof values === 'string' ? values : values.join(', ');
  const out: ExtensionElement[] = [];
  let at = 0;
  const ows = (): void => {
    while (text[at] === ' ' || text[at] === '\t') at++;
  };
  const token = (): string => {
    const from = at;
    while (at < text.length && TCHAR.test(text[at]!)) at++;
    return text.slice(from, at);
  };
  const fail = (what: string): Parsed<ExtensionElement[]> => ({ ok: false, error: `${what} at offset ${at} of ${JSON.stringify(text.slice(0, 200))}` });
  for (;;) {
    ows();
    if (at >= text.length) break;
    // Empty list elements (",,") are tolerated, as RFC 7230 §7 asks of recipients.
    if (text[at] === ',') {
      at++;
      continue;
    }
    const from = at;
    const name = token();
    if (!name) return fail('expected an extension name');
    const params: ExtensionParam[] = [];
    let to = at;
    ows();
    while (text[at] === ';') {
      at++;
      ows();
      const pname = token();
      if (!pname) return fail('expected a parameter name');
      to = at;
      ows();
      let value: string | null = null;
      if (text[at] === '=') {
        at++;
        ows();
        if (text[at] === '"') {
          at++;
          let v = '';
          while (at < text.length && text[at] !== '"') {
            if (text[at] === '\\') at++;
            if (at < text.length) v += text[at++];
          }
          if (text[at] !== '"') return fail('unterminated quoted string');
          at++;
          // RFC 6455 §9.1: an unquoted value must still be a token.
          if (!TOKEN.test(v)) return fail(`quoted value ${JSON.stringify(v)} is not a token`);
          value = v;
        } else {
          value = token();
          if (!value) return fail('expected a parameter value');
        }
        to = at;
        ows();
      }
      params.push({ name: pname, value });
    }
    out.push({ name: name.toLowerCase(), params, text: text.slice(from, to) });
    ows();
    if (at >= text.length) break;
    if (text[at] !== ',') return fail(`unexpected ${JSON.stringify(text[at])}`);
    at++;
  }
  return { ok: true, value: out };
}
