/**
 * A strict little XML 1.0 reader for the JUnit tests: elements, attributes, text, the five named
 * entities and character references. It throws on anything a conforming parser would reject
 * that our writer could plausibly produce (bad escaping, illegal characters, mismatched tags).
 */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

// eslint-disable-next-line no-control-regex
const illegal = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (illegal.test(raw)) throw new Error(`illegal character in ${where}`);
  return raw.replace(/&([^;]*);|&/g, (m, ref: string | undefined) => {
    if (ref === undefined) throw new Error(`bare & in ${where}`);
    if (ref in named) return named[ref] as string;
    const num = /^#(\d+)$/.exec(ref) ?? /^#x([0-9a-fA-F]+)$/.exec(ref);
    if (!num) throw new Error(`unknown entity &${ref}; in ${where}`);
    const cp = parseInt(num[1] as string, ref.startsWith('#x') ? 16 : 10);
    const ch = String.fromCodePoint(cp);
    if (illegal.test(ch) || (cp >= 0xd800 && cp <= 0xdfff)) throw new Error(`reference to an illegal character in ${where}`);
    return ch;
  });
}

export function parseXml(xml: string): XmlNode {
  let i = 0;
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  const skipSpace = (): void => {
    while (i < xml.length && /\s/.test(xml[i] as string)) i++;
  };
  const name = (): string => {
    const m = /^[A-Za-z_][\w.-]*/.exec(xml.slice(i));
    if (!m) throw new Error(`expected a name at ${i}`);
    i += m[0].length;
    return m[0];
  };
  const element = (): XmlNode => {
    if (xml[i] !== '<') throw new Error(`expected < at ${i}`);
    i++;
    const node: XmlNode = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (xml.startsWith('/>', i)) {
        i += 2;
        return node;
      }
      if (xml[i] === '>') {
        i++;
        break;
      }
      const attr = name();
      if (attr in node.attrs) throw new Error(`duplicate attribute ${attr}`);
      skipSpace();
      if (xml[i] !== '=') throw new Error(`expected = after ${attr}`);
      i++;
      skipSpace();
      const quote = xml[i];
      if (quote !== '"' && quote !== "'") throw new Error(`unquoted value of ${attr}`);
      const end = xml.indexOf(quote, i + 1);
      if (end < 0) throw new Error(`unterminated value of ${attr}`);
      const raw = xml.slice(i + 1, end);
      if (raw.includes('<')) throw new Error(`< in the value of ${attr}`);
      node.attrs[attr] = decode(raw, `attribute ${attr}`);
      i = end + 1;
    }
    for (;;) {
      const lt = xml.indexOf('<', i);
      if (lt < 0) throw new Error(`unclosed <${node.name}>`);
      const raw = xml.slice(i, lt);
      if (raw.includes(']]>')) throw new Error(']]> in text');
      node.text += decode(raw, `text of <${node.name}>`);
      i = lt;
      if (xml.startsWith('</', i)) {
        i += 2;
        const close = name();
        if (close !== node.name) throw new Error(`</${close}> closes <${node.name}>`);
        skipSpace();
        if (xml[i] !== '>') throw new Error('expected >');
        i++;
        return node;
      }
      node.children.push(element());
    }
  };
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== xml.length) throw new Error(`content after the root element at ${i}`);
  return root;
}
