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
import type { CaseDef } from '../../cases/types.js';
import { type SessionOptions } from '../engine/defaults.js';
import type { CaseResult } from '../engine/results.js';
import { tlsCaseResult } from '../engine/verdicts/tls.js';
import { certificateHosts, presentedCertificate, type CertificateAuthority } from '../tls/certs.js';
import { runClientCommand } from './client-command.js';
import { startFuzzingServer } from './server.js';

export interface TlsCasesRun {
  /** The tls.* cases, in catalogue order. */
  cases: readonly CaseDef[];
  /** The caseIndex of the first (they follow the run's URL-protocol cases). */
  firstIndex: number;
  /** Interface to listen on (a free port per case). */
  host: string;
  /** The CA the client trusts, and the file it was written to ({ca}, WSCONFORM_CA). */
  ca: CertificateAuthority;
  caFile: string;
  command: string;
  agent: string;
  session: SessionOptions;
  openHandshakeTimeoutMs: number;
  /** Limit for one run of the command. */
  timeoutMs: number;
  log: (line: string) => void;
  onResult: (r: CaseResult) => void;
  /** Resolves when the run is stopped: no further case starts. */
  stopped: Promise<void>;
}

/** How long a command may stay without opening a connection before it is ended (a client that failed and hangs). */
const IDLE_MS = 5000;

/** Plays each case in turn; resolves when all have results or the run was stopped. */
export async function playTlsCases(o: TlsCasesRun): Promise<void> {
  let stop = false;
  void o.stopped.then(() => (stop = true));
  for (const [i, def] of o.cases.entries()) {
    if (stop) return;
    if (!def.tls) throw new TypeError(`${def.id} is not a tls.* case`);
    const urlHost = def.tls.urlHost ?? o.host;
    const log = (line: string): void => o.log(`${def.id}: ${line}`);
    const server = await startFuzzingServer({
      host: o.host,
      port: 0,
      cases: [def],
      session: o.session,
      openHandshakeTimeoutMs: o.openHandshakeTimeoutMs,
      tls: presentedCertificate(def.tls.present, o.ca, certificateHosts(o.host)),
      ...(def.tls.urlHost ? { urlHost: def.tls.urlHost } : {}),
      log,
    });
    const startedAt = Date.now();
    try {
      log(`serving on ${server.url} with ${def.tls.present === 'trusted' ? 'a trusted certificate' : `a certificate the client must refuse (${def.tls.present})`}`);
      await Promise.race([runClientCommand(server, o.command, { agent: o.agent, timeoutMs: o.timeoutMs, idleTimeoutMs: Math.min(IDLE_MS, o.timeoutMs), ca: o.caFile, log }), o.stopped]);
    } finally {
      await server.close();
    }
    if (stop) return;
    const played = server.results()[0] ?? null;
    o.onResult(
      tlsCaseResult(
        def,
        { agent: o.agent, caseIndex: o.firstIndex + i },
        { attempts: server.tlsConnections(), upgrades: server.upgrades(), played, urlHost, startedAt, durationMs: Date.now() - startedAt },
      ),
    );
  }
}
