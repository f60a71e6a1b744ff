/**
 * Autobahn's URL protocol (reference §5), as the fuzzing server reads it from the request target of
 * a client's upgrade request: which paths exist, what parameters each takes, and how a bad one is
 * refused. Pure: the intake owns the connection.
 */
import type { CaseDef } from '../../cases/types.js';

/** What a client asked for, from the request target of its upgrade request. */
export type FuzzingRequest =
  | { kind: 'runCase'; n: number; agent: string }
  | { kind: 'getCaseCount' }
  | { kind: 'getCaseInfo'; n: number }
  | { kind: 'getCaseStatus'; n: number; agent: string }
  | { kind: 'updateReports'; agent: string; shutdownOnComplete: boolean }
  | { kind: 'stopServer' };

export type FuzzingRequestParse = { ok: true; request: FuzzingRequest } | { ok: false; status: 404 | 500; message: string };

export const PROTOCOL_PATHS = ['/getCaseCount', '/runCase', '/getCaseInfo', '/getCaseStatus', '/updateReports', '/stopServer'] as const;

/**
 * Reads the request target the way Autobahn's server does (parse_qs: blank values count as absent,
 * a repeated parameter is an error; `case` wins over `casetuple`; a given case must be in range).
 * Parameter errors are 500, as Autobahn refuses them; unknown paths are 404.
 */
export function parseFuzzingRequest(target: string, cases: readonly CaseDef[]): FuzzingRequestParse {
  let url: URL;
  try {
    url = new URL(target, 'http://fuzzingserver.invalid');
  } catch {
    return { ok: false, status: 500, message: `cannot parse the request target ${JSON.stringify(target.slice(0, 200))}` };
  }
  const path = url.pathname;
  if (!(PROTOCOL_PATHS as readonly string[]).includes(path)) {
    return { ok: false, status: 404, message: `unknown path ${JSON.stringify(path.slice(0, 200))}: this server speaks ${PROTOCOL_PATHS.join(', ')} (Autobahn's direct command mode is not supported)` };
  }
  const fail = (message: string): FuzzingRequestParse => ({ ok: false, status: 500, message: `${path}: ${message}` });
  const single = (name: string): string | null | Error => {
    const values = url.searchParams.getAll(name).filter((v) => v.length > 0);
    if (values.length > 1) return new Error(`the ${name} parameter is given ${values.length} times`);
    return values[0] ?? null;
  };
  const agent = single('agent');
  const tuple = single('casetuple');
  const caseParam = single('case');
  const shutdown = single('shutdownOnComplete');
  for (const p of [agent, tuple, caseParam, shutdown]) if (p instanceof Error) return fail(p.message);
  let n: number | null = null;
  if (typeof tuple === 'string') {
    const i = cases.findIndex((c) => c.id === tuple.trim());
    if (i < 0) return fail(`casetuple ${JSON.stringify(tuple.slice(0, 40))} is not among the ${cases.length} selected cases`);
    n = i + 1;
  }
  if (typeof caseParam === 'string') {
    if (!/^\s*[+-]?\d{1,15}\s*$/.test(caseParam)) return fail(`case ${JSON.stringify(caseParam.slice(0, 40))} is not a number`);
    n = Number(caseParam);
  }
  if (n !== null && (n < 1 || n > cases.length)) return fail(`case ${n} is out of range: the selection has cases 1..${cases.length}`);
  const agentName = typeof agent === 'string' ? agent : null;
  const needCase = (): FuzzingRequestParse | null => (n === null ? fail('needs a case parameter (case=N, 1-based, or casetuple=1.2.3)') : null);
  const needAgent = (): FuzzingRequestParse | null => (agentName === null ? fail('needs an agent parameter (agent=NAME)') : null);
  switch (path) {
    case '/getCaseCount':
      return { ok: true, request: { kind: 'getCaseCount' } };
    case '/stopServer':
      return { ok: true, request: { kind: 'stopServer' } };
    case '/getCaseInfo':
      return needCase() ?? { ok: true, request: { kind: 'getCaseInfo', n: n! } };
    case '/runCase':
      return needCase() ?? needAgent() ?? { ok: true, request: { kind: 'runCase', n: n!, agent: agentName! } };
    case '/getCaseStatus':
      return needCase() ?? needAgent() ?? { ok: true, request: { kind: 'getCaseStatus', n: n!, agent: agentName! } };
    default: {
      const on = typeof shutdown === 'string' && ['true', 'yes'].includes(shutdown.toLowerCase());
      return needAgent() ?? { ok: true, request: { kind: 'updateReports', agent: agentName!, shutdownOnComplete: on } };
    }
  }
}

/** Autobahn's getCaseInfo description: the text before the first '<', whitespace collapsed. */
export function caseInfoDescription(def: CaseDef): string {
  return (def.description.split('<')[0] ?? '')
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .join(' ');
}

/** The page a plain HTTP GET of / gets: what this server speaks. */
export function helpPage(caseCount: number): string {
  return [
    'wsconform fuzzing server (Autobahn|Testsuite URL protocol)',
    '',
    `Cases selected: ${caseCount}. Connect with WebSocket to:`,
    '  /getCaseCount                      the number of cases',
    '  /runCase?case=N&agent=NAME         run case N (1-based), or casetuple=1.2.3 instead of case',
    '  /getCaseInfo?case=N                {"id", "description"} of case N',
    '  /getCaseStatus?case=N&agent=NAME   {"behavior"} once case N has a result for NAME',
    '  /updateReports?agent=NAME          write the reports (shutdownOnComplete=true stops the server)',
    '  /stopServer                        stop the server',
    '',
  ].join('\n');
}
