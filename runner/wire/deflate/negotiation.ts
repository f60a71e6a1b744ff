/**
 * permessage-deflate negotiation (RFC 7692 §5, §7.1): the parameters of an offer or response, how
 * they are written, and the checks of both roles: a client holding the server's response to its
 * offers, a server picking an offer by a case's accept rule.
 */
import { parseExtensionList, type ExtensionElement, type Parsed } from '../extensions.js';

export const PMD_NAME = 'permessage-deflate';

/** The parameters of one offer or response element, as sent. */
export interface DeflateOffer {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  /** 8..15. */
  serverMaxWindowBits?: number;
  /** 8..15, or true for the parameter without a value (offers only). */
  clientMaxWindowBits?: number | true;
}

/** A server's response element; client_max_window_bits always carries a value there. */
export interface DeflateResponse extends DeflateOffer {
  clientMaxWindowBits?: number;
}

/** How the harness, as a server, picks from a client's offers (Autobahn's accept functions for 12.x/13.x). */
export type DeflateAcceptRule = 'first' | 'no-context-takeover' | 'max-window-bits-9' | 'max-window-bits-15' | 'both-9' | 'both-15' | 'fallback';

/** What a case asks for: the harness's offers as a client, its accept rule as a server. */
export interface DeflateNegotiation {
  offers: DeflateOffer[];
  accept: DeflateAcceptRule;
}

const WINDOW_BITS = /^(?:[89]|1[0-5])$/;

/** Reads the parameters of a permessage-deflate element; an offer may carry client_max_window_bits without a value. */
export function deflateParams(el: ExtensionElement, as: 'offer' | 'response'): Parsed<DeflateOffer> {
  const p: DeflateOffer = {};
  const seen = new Set<string>();
  for (const { name, value } of el.params) {
    if (seen.has(name)) return { ok: false, error: `parameter ${name} appears twice` };
    seen.add(name);
    const bad = (): Parsed<DeflateOffer> => ({ ok: false, error: `invalid value ${JSON.stringify(value)} for ${name}` });
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== null) return bad();
        if (name === 'server_no_context_takeover') p.serverNoContextTakeover = true;
        else p.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits':
        if (value === null || !WINDOW_BITS.test(value)) return bad();
        p.serverMaxWindowBits = Number(value);
        break;
      case 'client_max_window_bits':
        if (value === null) {
          if (as === 'response') return { ok: false, error: 'client_max_window_bits needs a value in a response' };
          p.clientMaxWindowBits = true;
        } else if (!WINDOW_BITS.test(value)) return bad();
        else p.clientMaxWindowBits = Number(value);
        break;
      default:
        return { ok: false, error: `unknown parameter ${name}` };
    }
  }
  return { ok: true, value: p };
}

/** The element text; offers list client parameters first and responses server ones first, as Autobahn does. */
export function formatDeflate(p: DeflateOffer, as: 'offer' | 'response'): string {
  const client: string[] = [];
  const server: string[] = [];
  if (p.clientNoContextTakeover) client.push('client_no_context_takeover');
  if (p.clientMaxWindowBits !== undefined) client.push(p.clientMaxWindowBits === true ? 'client_max_window_bits' : `client_max_window_bits=${p.clientMaxWindowBits}`);
  if (p.serverNoContextTakeover) server.push('server_no_context_takeover');
  if (p.serverMaxWindowBits !== undefined) server.push(`server_max_window_bits=${p.serverMaxWindowBits}`);
  return [PMD_NAME, ...(as === 'offer' ? [...client, ...server] : [...server, ...client])].join('; ');
}

/**
 * Whether a response accepts this offer (RFC 7692 §7.1): the server must keep what the offer asked
 * of it (server_no_context_takeover, server_max_window_bits no larger), and may set
 * client_max_window_bits only when the offer had it. server_no_context_takeover and
 * client_no_context_takeover may always be added.
 */
function responseFits(offer: DeflateOffer, r: DeflateResponse): string | null {
  if (offer.serverNoContextTakeover && !r.serverNoContextTakeover) return 'the offer asked for server_no_context_takeover and the response drops it';
  if (offer.serverMaxWindowBits !== undefined) {
    if (r.serverMaxWindowBits === undefined) return `the offer asked for server_max_window_bits=${offer.serverMaxWindowBits} and the response drops it`;
    if (r.serverMaxWindowBits > offer.serverMaxWindowBits) return `server_max_window_bits=${r.serverMaxWindowBits} exceeds the ${offer.serverMaxWindowBits} offered`;
  }
  if (r.clientMaxWindowBits !== undefined && offer.clientMaxWindowBits === undefined) return 'client_max_window_bits was not offered';
  return null;
}

/** The terms both sides keep to, with RFC defaults filled in (no flag: context takeover; no bits: 15). */
export interface DeflateAgreement {
  /** The response element as the server sent it (or will send it). */
  response: string;
  params: DeflateResponse;
  /** The offer the response accepts: what the client promised there binds it too (§7.1.1.2, §7.1.2.2). */
  offer: DeflateOffer;
}

/**
 * Client role: checks the server's Sec-WebSocket-Extensions against what was offered. No
 * permessage-deflate element: `null` (not negotiated). An element that fits no offer: an error,
 * and the client must fail the connection (RFC 7692 §5, §7).
 */
export function acceptResponse(offers: readonly DeflateOffer[], headerValues: readonly string[]): Parsed<DeflateAgreement | null> {
  if (headerValues.length === 0) return { ok: true, value: null };
  const list = parseExtensionList(headerValues);
  if (!list.ok) return list;
  const els = list.value.filter((e) => e.name === PMD_NAME);
  if (els.length === 0) return { ok: true, value: null };
  if (els.length > 1) return { ok: false, error: 'the server accepted permessage-deflate more than once' };
  if (offers.length === 0) return { ok: false, error: 'the server accepted permessage-deflate, which was not offered' };
  const parsed = deflateParams(els[0]!, 'response');
  if (!parsed.ok) return { ok: false, error: `permessage-deflate response: ${parsed.error}` };
  const r = parsed.value as DeflateResponse;
  const problems: string[] = [];
  for (const offer of offers) {
    const why = responseFits(offer, r);
    if (why === null) {
      return { ok: true, value: { response: formatDeflate(r, 'response'), params: r, offer } };
    }
    problems.push(why);
  }
  return { ok: false, error: `the permessage-deflate response fits no offer: ${[...new Set(problems)].join('; ')}` };
}

/**
 * Server role: picks an offer by `rule` (Autobahn's accept functions, in RFC terms). Offers with
 * unknown, repeated or invalid parameters are declined (RFC 7692 §7). `null`: nothing accepted.
 * Every offer allows client_no_context_takeover in the response (§7.1.1.2); client_max_window_bits
 * only an offer that carries it (§7.1.2.2), and never above the value offered.
 */
export function chooseOffer(rule: DeflateAcceptRule, headerValues: readonly string[]): DeflateAgreement | null {
  const list = parseExtensionList(headerValues);
  if (!list.ok) return null;
  const offers: DeflateOffer[] = [];
  for (const el of list.value) {
    if (el.name !== PMD_NAME) continue;
    const p = deflateParams(el, 'offer');
    if (p.ok) offers.push(p.value);
  }
  const pick = (noContext: boolean, bits: number | null): DeflateAgreement | null => {
    for (const offer of offers) {
      if (bits !== null && offer.clientMaxWindowBits === undefined) continue;
      const r: DeflateResponse = {};
      if (offer.serverNoContextTakeover) r.serverNoContextTakeover = true;
      if (offer.serverMaxWindowBits !== undefined) r.serverMaxWindowBits = offer.serverMaxWindowBits;
      if (noContext) r.clientNoContextTakeover = true;
      if (bits !== null) r.clientMaxWindowBits = offer.clientMaxWindowBits === true || offer.clientMaxWindowBits === undefined ? bits : Math.min(bits, offer.clientMaxWindowBits);
      return { response: formatDeflate(r, 'response'), params: r, offer };
    }
    return null;
  };
  switch (rule) {
    case 'first':
      return pick(false, null);
    case 'no-context-takeover':
      return pick(true, null);
    case 'max-window-bits-9':
      return pick(false, 9);
    case 'max-window-bits-15':
      return pick(false, 15);
    case 'both-9':
      return pick(true, 9);
    case 'both-15':
      return pick(true, 15);
    case 'fallback':
      return pick(true, 9) ?? pick(true, null) ?? pick(false, null);
  }
}
