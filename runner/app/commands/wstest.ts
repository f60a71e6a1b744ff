/**
 * wstest compatibility: `-m fuzzingclient` and `-m fuzzingserver` read Autobahn's spec files
 * as-is (created with the defaults when missing, as wstest does) and run them through the same
 * paths as test-server and test-client.
 */
import { casesForRole } from '../../engine/plan.js';
import { DEFAULT_CONCURRENCY, defaultSessionOptions } from '../../engine/defaults.js';
import { DEFAULT_CLIENT_SPEC, ensureSpecFile, parseFuzzingClientSpec, readJsonFile } from '../fuzzingclient-spec.js';
import { agentCaseSkipper, applySpecOptions, DEFAULT_SERVER_SPEC, parseFuzzingServerSpec } from '../fuzzingserver-spec.js';
import type { Io } from '../orchestrate.js';
import { selectFrom, sessionFrom, type CommonOptions } from './options.js';
import { runClients } from './test-client.js';
import { givenServing, type ClientTls } from './client-tls.js';
import { certificateSubject } from '../../tls/certs.js';
import { DEFAULT_HTTP2_STREAMS, runServerTargets } from './test-server.js';

export async function runFuzzingServerSpec(file: string | undefined, io: Io): Promise<number> {
  const specFile = file ?? 'fuzzingserver.json';
  if (file === undefined && ensureSpecFile(specFile, DEFAULT_SERVER_SPEC)) io.out.write(`Created ${specFile} with the default settings.\n`);
  const spec = parseFuzzingServerSpec(readJsonFile(specFile), specFile);
  for (const name of spec.ignoredOptions) io.err.write(`wsconform: note: option "${name}" in ${specFile} has no effect here\n`);
  const cases = casesForRole(selectFrom({ cases: spec.cases, exclude: spec.excludeCases }, io), 'server');
  const o: CommonOptions = { cases: spec.cases, exclude: spec.excludeCases, outdir: spec.outdir, concurrency: DEFAULT_CONCURRENCY, maxMessageSize: defaultSessionOptions.maxMessageSize };
  const session = applySpecOptions(sessionFrom(o), spec.options);
  const handshakeMs = spec.options.openHandshakeTimeout !== undefined ? { openHandshakeTimeoutMs: Math.round(spec.options.openHandshakeTimeout * 1000) } : {};
  // wstest's fuzzing server serves until it is stopped: clients may come one after another.
  return runClients(
    {
      mode: 'fuzzingserver',
      cases,
      ...handshakeMs,
      host: spec.host,
      port: spec.port,
      agent: 'client',
      skip: agentCaseSkipper(spec.excludeAgentCases),
      session,
      until: 'stopped',
      ...(spec.options.maxConnections ? { maxConnections: spec.options.maxConnections } : {}),
      ...(spec.tls ? { tls: specTls(spec.tls) } : {}),
    },
    o,
    io,
  );
}

export async function runFuzzingClientSpec(file: string | undefined, io: Io): Promise<number> {
  const specFile = file ?? 'fuzzingclient.json';
  if (file === undefined && ensureSpecFile(specFile, DEFAULT_CLIENT_SPEC)) io.out.write(`Created ${specFile} with the default settings.\n`);
  const spec = parseFuzzingClientSpec(readJsonFile(specFile), specFile);
  const cases = casesForRole(selectFrom({ cases: spec.cases, exclude: spec.excludeCases }, io), 'client');
  const o: CommonOptions = {
    cases: spec.cases,
    exclude: spec.excludeCases,
    outdir: spec.outdir,
    concurrency: DEFAULT_CONCURRENCY,
    maxMessageSize: defaultSessionOptions.maxMessageSize,
    failByDrop: spec.options.failByDrop ?? false,
  };
  return runServerTargets(
    {
      mode: 'fuzzingclient',
      targets: spec.servers.map((s) => ({
        url: s.url,
        ...(s.agent ? { agent: s.agent } : {}),
        failByDrop: s.options.failByDrop ?? spec.options.failByDrop ?? false,
        ...(s.tls ? { tls: s.tls } : {}),
        ...(s.http2 ? { http2: { streamsPerConnection: DEFAULT_HTTP2_STREAMS } } : {}),
      })),
      cases,
      skip: agentCaseSkipper(spec.excludeAgentCases),
      certificateHint: `trust its CA (or the certificate itself) with "ca": "FILE" in the server's entry of ${specFile}, or test without verification with "insecure": true`,
    },
    o,
    io,
  );
}

/** wstest's key and cert fields: the server's files, used as they are. */
function specTls(files: { key: string; cert: string }): ClientTls {
  const serving = givenServing(files.cert, files.key);
  return { serving, subject: certificateSubject(serving.cert) ?? '?', source: 'given', ca: null, caFile: null };
}
