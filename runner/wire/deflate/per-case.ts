/**
 * permessage-deflate for one case, in both roles: what a case's negotiation asks of the harness
 * as a client (its offers, then the check of the response) and as a server (its accept rule).
 */
import type { Parsed } from '../extensions.js';
import { codecFor, type CodecOptions, type PerMessageDeflate } from './codec.js';
import { acceptResponse, chooseOffer, formatDeflate, type DeflateNegotiation } from './negotiation.js';
import { sharedPieces } from './pieces.js';

/** What these helpers need of a case; structural, so the wire layer need not know the catalogue. */
export interface DeflateCase {
  handshake?: { deflate?: DeflateNegotiation };
}

/** Client role: the Sec-WebSocket-Extensions elements to offer (none for a case without deflate). */
export function clientOffers(def: DeflateCase): string[] {
  return (def.handshake?.deflate?.offers ?? []).map((o) => formatDeflate(o, 'offer'));
}

/**
 * Client role: after the handshake, the codec to use, `null` when the server declined the
 * extension, or an error when its response must fail the connection.
 */
export function negotiateAsClient(
  def: DeflateCase,
  responseHeaderValues: readonly string[],
  o: Pick<CodecOptions, 'level' | 'memLevel' | 'pieces'> = { pieces: sharedPieces },
): Parsed<PerMessageDeflate | null> {
  const r = acceptResponse(def.handshake?.deflate?.offers ?? [], responseHeaderValues);
  if (!r.ok) return r;
  return { ok: true, value: r.value === null ? null : codecFor('client', r.value, o) };
}

/**
 * Server role: answers a client's offers (the values of its Sec-WebSocket-Extensions headers) by
 * the case's accept rule. `null`: accept nothing (a case without deflate, or no acceptable offer).
 */
export function negotiateAsServer(
  def: DeflateCase,
  offersHeaderValues: readonly string[],
  o: Pick<CodecOptions, 'level' | 'memLevel' | 'pieces'> = { pieces: sharedPieces },
): { responseExtension: string; compressor: PerMessageDeflate } | null {
  const rule = def.handshake?.deflate?.accept;
  if (rule === undefined) return null;
  const a = chooseOffer(rule, offersHeaderValues);
  return a === null ? null : { responseExtension: a.response, compressor: codecFor('server', a, o) };
}
