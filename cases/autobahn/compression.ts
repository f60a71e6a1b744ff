/**
 * Autobahn sections 12 and 13: permessage-deflate (RFC 7692). Each case negotiates the extension,
 * then sends 1000 compressed messages one at a time, each after the previous echo, and compares
 * every echo with what was sent (type, length and bytes). A target that declines the extension gets
 * UNIMPLEMENTED, as in Autobahn: the extension is optional, keeping to it once agreed is not.
 *
 * 12.x: the default offer, five data sets. 13.x: seven offer/accept combinations, the JSON set.
 */
import type { CaseDef, DeflateAcceptRule, DeflateOffer, DeflateParams } from '../types.js';
import { closesNormally } from '../dsl.js';
import { formatDeflate } from '../../runner/wire/deflate/negotiation.js';
import { dataSets, slice, type DataSet } from './compression-data.js';

/** The 18 rows of both sections: message size (bytes, or code points for text), timeout, auto-fragment size. */
const ROWS: ReadonlyArray<[size: number, timeoutS: number, fragment: number]> = [
  [16, 60, 0], [64, 60, 0], [256, 120, 0], [1024, 240, 0], [4096, 480, 0], [8192, 480, 0], [16384, 480, 0], [32768, 480, 0], [65536, 480, 0], [131072, 480, 0],
  [8192, 480, 256], [16384, 480, 256], [32768, 480, 256], [65536, 480, 256], [131072, 480, 256], [131072, 480, 1024], [131072, 480, 4096], [131072, 480, 32768],
];
const COUNT = 1000;

/**
 * Autobahn's client offers always carry client_no_context_takeover and client_max_window_bits
 * (it accepts both); the 13.x variants add what the client asks of the server.
 */
const offer = (server: Pick<DeflateOffer, 'serverNoContextTakeover' | 'serverMaxWindowBits'> = {}): DeflateOffer => ({ clientNoContextTakeover: true, clientMaxWindowBits: true, ...server });

/** 12.x: the five data sets in Autobahn's order, each with the default offer, accepted as is. */
const SETS: ReadonlyArray<DataSet> = [dataSets.json, dataSets.bmp, dataSets.prose, dataSets.html, dataSets.pdf];

/** 13.x: client offers and server accept rule, in Autobahn's order. */
const PARAMS: ReadonlyArray<{ title: string; offers: DeflateOffer[]; accept: DeflateAcceptRule; acceptText: string }> = [
  { title: 'default offer', offers: [offer()], accept: 'first', acceptText: 'accepts the first offer as it is' },
  { title: 'server_no_context_takeover', offers: [offer({ serverNoContextTakeover: true })], accept: 'no-context-takeover', acceptText: 'accepts it and asks for client_no_context_takeover' },
  { title: 'server_max_window_bits=9', offers: [offer({ serverMaxWindowBits: 9 })], accept: 'max-window-bits-9', acceptText: 'accepts an offer allowing client_max_window_bits and asks for 9' },
  { title: 'server_max_window_bits=15', offers: [offer({ serverMaxWindowBits: 15 })], accept: 'max-window-bits-15', acceptText: 'accepts an offer allowing client_max_window_bits and asks for 15' },
  { title: 'server_no_context_takeover, server_max_window_bits=9', offers: [offer({ serverNoContextTakeover: true, serverMaxWindowBits: 9 })], accept: 'both-9', acceptText: 'asks for client_no_context_takeover and client_max_window_bits=9' },
  { title: 'server_no_context_takeover, server_max_window_bits=15', offers: [offer({ serverNoContextTakeover: true, serverMaxWindowBits: 15 })], accept: 'both-15', acceptText: 'asks for client_no_context_takeover and client_max_window_bits=15' },
  {
    title: 'three offers, fallback',
    offers: [offer({ serverNoContextTakeover: true, serverMaxWindowBits: 9 }), offer({ serverNoContextTakeover: true }), offer()],
    accept: 'fallback',
    acceptText: 'tries the 13.5 rule, then 13.2, then 13.1',
  },
];

const ref = { spec: 'RFC 7692 §6-§7 (optional; binding once negotiated)', level: 'MUST' } as const;

function compressionCase(id: string, set: DataSet, [size, timeoutS, fragment]: readonly [number, number, number], deflate: DeflateParams, offerTitle: string, acceptText: string): CaseDef {
  const unit = set.binary ? 'bytes' : 'code points';
  const offers = deflate.offers.map((o) => formatDeflate(o, 'offer')).join(', ');
  return {
    id,
    title: `${set.name}: ${COUNT} messages of ${size} ${unit}${fragment ? ` in ${fragment}-byte frames` : ''}, ${offerTitle}`,
    description:
      `Negotiate permessage-deflate (as a client the harness offers "${offers}"; as a server it ${acceptText}), then send ${COUNT} compressed ` +
      `${set.binary ? 'binary' : 'text'} messages one at a time, each the next ${size} ${unit} of a generated stand-in for Autobahn's ${set.autobahnName} ` +
      `(${Math.round(set.nominalBytes / 1000)} KB, wrapping around)${fragment ? `, the compressed payload split into ${fragment}-byte frames (and an empty final one when that divides it evenly)` : ''}.`,
    expectation: `Every message comes back with the same type and bytes (compressed or not) within ${timeoutS} s. A target without permessage-deflate: UNIMPLEMENTED.`,
    requirement: ref,
    handshake: { deflate },
    steps: [
      {
        do: 'echo',
        rounds: {
          count: COUNT,
          message: (i) => ({ binary: set.binary, ...slice(set, size, i) }),
          fragmentSize: fragment,
          timeoutMs: timeoutS * 1000,
          compare: 'content',
          deflate: true,
        },
      },
    ],
    expect: { kind: 'echo', close: closesNormally() },
    // What one round holds at its peak (message, compressed form, frames, echo, inflated echo,
    // zlib state), not the bytes moved, since a round holds one message at a time; plus a share per
    // compressed frame, since many small compressed frames are what costs a target most (so the
    // cases that send them start first).
    cost: 4 * size + 256 * 1024 + (fragment > 0 ? Math.ceil((size * set.ratio) / fragment) * 4096 : 0),
    reportTime: true,
  };
}

export const compressionCases: CaseDef[] = [
  ...SETS.flatMap((set, j) => ROWS.map((row, i) => compressionCase(`12.${j + 1}.${i + 1}`, set, row, { offers: [offer()], accept: 'first' }, 'default offer', PARAMS[0]!.acceptText))),
  ...PARAMS.flatMap((p, j) => ROWS.map((row, i) => compressionCase(`13.${j + 1}.${i + 1}`, dataSets.json, row, { offers: p.offers, accept: p.accept }, p.title, p.acceptText))),
];
