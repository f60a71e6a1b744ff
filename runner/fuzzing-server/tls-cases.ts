/**
 * Playing the tls.* cases (cases/own/tls.ts) against a client command. Each case gets a fuzzing
 * server of its own on a free port, serving only that case over TLS with the case's certificate,
 * and the client command runs once against its URL.
 *
 * Why a listener per case: the path of a connection (/runCase?case=N) is only known after the TLS
 * handshake, and a client that refuses the certificate, the very thing the cases look for, never
 * sends it; SNI cannot tell the cases apart either, since the client builds every URL from the one
 * it was given. With a port per case, everything that reaches a port belongs to its case: a failed
 * handshake there is the client refusing that certificate, a WebSocket opened there is the client
 * accepting it, plain text there is a fallback to TCP.
 */
import { tlsCaseResult } from '../engine/verdicts/tls.js';
import { certificateHosts, presentedCertificate, type CertificateAuthority } from '../tls/certs.js';
import { playOnOwnListeners, type CaseListenersRun } from './case-listeners.js';

export interface TlsCasesRun extends Omit<CaseListenersRun, 'caFile'> {
  /** The CA the client trusts, and the file it was written to ({ca}, WSCONFORM_CA). */
  ca: CertificateAuthority;
  caFile: string;
}

/** Plays each case in turn; resolves when all have results or the run was stopped. */
export function playTlsCases(o: TlsCasesRun): Promise<void> {
  return playOnOwnListeners(o, (def) => {
    if (!def.tls) throw new TypeError(`${def.id} is not a tls.* case`);
    const tls = def.tls;
    const urlHost = tls.urlHost ?? o.host;
    return {
      serving: { tls: presentedCertificate(tls.present, o.ca, certificateHosts(o.host)), ...(tls.urlHost ? { urlHost: tls.urlHost } : {}) },
      describe: `with ${tls.present === 'trusted' ? 'a trusted certificate' : `a certificate the client must refuse (${tls.present})`}`,
      judge: (server, at) =>
        tlsCaseResult(
          def,
          { agent: o.agent, caseIndex: at.caseIndex },
          { attempts: server.tlsConnections(), upgrades: server.upgrades(), played: server.results()[0] ?? null, urlHost, startedAt: at.startedAt, durationMs: at.durationMs },
        ),
    };
  });
}
