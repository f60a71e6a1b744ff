/**
 * A connection that plays a case (/runCase): the 101 the case asks for, then the session over the
 * same connection. Every byte either way goes into the transcript; the server judges it.
 */
import type { ByteStream } from '../engine/session-io.js';
import type { CaseDef } from '../../cases/types.js';
import { type SessionOptions } from '../engine/defaults.js';
import { Session, type MessageCompressor } from '../engine/session.js';
import { emptyTranscript, type Transcript } from '../engine/transcript.js';
import { negotiateAsServer } from '../wire/deflate/per-case.js';
import { buildServerResponse } from '../wire/handshake.js';
import { caseHandshakeResponse, caseHandshakeResponseText } from './handshake-responses.js';
import type { Upgrade } from './intake.js';

/** Answers the opening request of `def` and plays the case; resolves with the transcript. */
export async function playCase(socket: ByteStream, def: CaseDef, upgrade: Upgrade, session: SessionOptions): Promise<Transcript> {
  // A case of sections 12/13 answers the target's permessage-deflate offers by its accept rule (a
  // target that offers nothing acceptable gets a 101 without it: UNIMPLEMENTED); a handshake.client.*
  // case may ask for a response that deviates from RFC 6455 §4.2.2; every other case gets a correct 101.
  const deflate = negotiateAsServer(def, upgrade.extensionOffers);
  const pieces = deflate ? buildServerResponse({ key: upgrade.key, extensions: [deflate.responseExtension] }) : caseHandshakeResponse(def, upgrade.key);
  const compressor: MessageCompressor | null = deflate?.compressor ?? null;
  const t = emptyTranscript('server', upgrade.startedAt);
  t.httpRequest = upgrade.head.raw;
  t.httpResponse = typeof pieces === 'string' ? pieces : caseHandshakeResponseText(def, upgrade.key);
  await writePieces(socket, pieces);
  t.openedAtMs = Date.now() - upgrade.startedAt;
  return new Session(socket, def, t, session, compressor).run(upgrade.rest);
}

/** Writes a (possibly split) handshake response: each piece its own write, with a turn of the event loop between. */
async function writePieces(socket: ByteStream, pieces: string | Buffer[]): Promise<void> {
  if (typeof pieces === 'string') {
    socket.write(pieces);
    return;
  }
  for (const piece of pieces) {
    if (socket.destroyed) return;
    socket.write(piece);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
