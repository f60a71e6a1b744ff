/**
 * Text for the HTML report: target text made safe to look at, and times and durations as a person
 * reads them. Escaping stays Handlebars' job; these only change what is shown.
 */

const bidiControls = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const c0 = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
const c1 = /[\u0080-\u009f]/g;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Makes target text safe to look at (escaping is Handlebars' job): control characters become their
 * visible Unicode pictures (NUL -> ␀), C1 controls and bidi overrides become <U+XXXX> tags so a
 * target cannot reorder the page's text, lone surrogates become U+FFFD. Tabs and newlines stay.
 */
export function visible(s: string): string {
  return s
    .replace(loneSurrogate, '\ufffd')
    .replace(c0, (c) => (c === '\u007f' ? '\u2421' : String.fromCharCode(0x2400 + c.charCodeAt(0))))
    .replace(c1, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`)
    .replace(bidiControls, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
}

/** Handshake text for a <pre>: CRLF line ends shown as plain line breaks. */
export function visibleBlock(s: string): string {
  return visible(s.replace(/\r\n/g, '\n').trimEnd());
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  return iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
    .replace(/Z$/, ' UTC');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

/** An option of the run as the run table shows it: strings as they are, anything else as JSON. */
export function optionValue(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
