/**
 * wstest's fuzzingserver.json (reference §4): read and checked here, so that a bad file is one clear
 * error naming the file and the field rather than a failure half-way through a run.
 */
import { patternMatcher } from '../engine/plan.js';
import type { SessionOptions } from '../engine/defaults.js';
import { SpecError } from './fuzzingclient-spec.js';

export interface FuzzingServerSpec {
  /** The listen URL as written (ws://host:port, or wss:// with `tls`). */
  url: string;
  /** For a wss:// URL, wstest's `key` and `cert` fields: the PEM files of the server's key and certificate. */
  tls?: { key: string; cert: string };
  host: string;
  port: number;
  outdir: string;
  cases: string[];
  excludeCases: string[];
  /** Agent pattern → case patterns (both anchored at both ends, as Autobahn matches them). */
  excludeAgentCases: Record<string, string[]>;
  /** The autobahn protocol options wsconform applies. */
  options: FuzzingServerProtocolOptions;
  /** Option names that were given but have no effect here, for a warning. */
  ignoredOptions: string[];
  /** Accepted for compatibility; the fuzzing server chooses no subprotocol, as Autobahn's does. */
  protocols: string[];
  /** Accepted for compatibility; Autobahn does not read it either (its web port comes from -u). */
  webport?: number;
}

export interface FuzzingServerProtocolOptions {
  failByDrop?: boolean;
  /** Seconds, as in autobahn. */
  openHandshakeTimeout?: number;
  closeHandshakeTimeout?: number;
  /** Bytes; 0 means no limit. */
  maxMessagePayloadSize?: number;
  maxFramePayloadSize?: number;
  maxConnections?: number;
}

export const DEFAULT_CLIENTS_OUTDIR = './reports/clients';
const DEFAULT_URL = 'ws://127.0.0.1:9001';

/** What wstest writes when no fuzzingserver.json exists (for ensureSpecFile). */
export const DEFAULT_SERVER_SPEC = {
  url: DEFAULT_URL,
  outdir: DEFAULT_CLIENTS_OUTDIR,
  cases: ['*'],
  'exclude-cases': [],
  'exclude-agent-cases': {},
};

/** autobahn options that exist but change nothing we do (or that we cannot honour). */
const KNOWN_IGNORED = new Set([
  'debug',
  'debugCodePaths',
  'logOctets',
  'logFrames',
  'trackTimings',
  'allowHixie76',
  'utf8validateIncoming',
  'applyMask',
  'autoFragmentSize',
  'echoCloseCodeReason',
  'tcpNoDelay',
  'autoPingInterval',
  'autoPingTimeout',
  'autoPingSize',
  'versions',
  'webStatus',
  'requireMaskedClientFrames',
  'maskServerFrames',
  'perMessageCompressionAccept',
  'serveFlashSocketPolicy',
  'flashSocketPolicy',
  'allowedOrigins',
  'allowedOriginsPatterns',
]);

/**
 * Checks a fuzzingserver.json, given as its text or already parsed (readJsonFile). Throws a
 * SpecError naming the file and the field.
 */
export function parseFuzzingServerSpec(json: unknown, fileName: string): FuzzingServerSpec {
  const fail = (field: string, problem: string): never => {
    throw new SpecError(`${fileName}: ${field === '' ? '' : `"${field}" `}${problem}`);
  };
  let raw: unknown = json;
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json);
    } catch (e) {
      return fail('', `is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!isObject(raw)) return fail('', 'must hold a JSON object');
  const str = (field: string, fallback: string): string => {
    const v = raw[field];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v.length === 0) return fail(field, 'must be a non-empty string');
    return v;
  };
  const strList = (value: unknown, field: string): string[] => {
    if (!Array.isArray(value) || value.some((x) => typeof x !== 'string')) return fail(field, 'must be a list of strings');
    return value as string[];
  };

  const url = str('url', DEFAULT_URL);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail('url', `is not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') fail('url', `must be a ws:// or wss:// URL, not ${JSON.stringify(url)}`);
  const secure = parsed.protocol === 'wss:';
  if (!secure && (raw.key !== undefined || raw.cert !== undefined)) fail(raw.key !== undefined ? 'key' : 'cert', 'is for a wss:// url: the server serves TLS with it');
  if (secure && (typeof raw.key !== 'string' || raw.key === '')) fail('key', 'must name the PEM file of the server key: a wss:// url needs key and cert');
  if (secure && (typeof raw.cert !== 'string' || raw.cert === '')) fail('cert', 'must name the PEM file of the server certificate: a wss:// url needs key and cert');

  const cases = raw.cases === undefined ? ['*'] : strList(raw.cases, 'cases');
  const excludeCases = raw['exclude-cases'] === undefined ? [] : strList(raw['exclude-cases'], 'exclude-cases');
  const excludeAgentCases: Record<string, string[]> = {};
  if (raw['exclude-agent-cases'] !== undefined) {
    const eac = raw['exclude-agent-cases'];
    if (!isObject(eac)) fail('exclude-agent-cases', 'must be an object: agent pattern → list of case patterns');
    for (const [agent, list] of Object.entries(eac as Record<string, unknown>)) excludeAgentCases[agent] = strList(list, `exclude-agent-cases.${agent}`);
  }
  const protocols = raw.protocols === undefined ? [] : strList(raw.protocols, 'protocols');

  const options: FuzzingServerProtocolOptions = {};
  const ignoredOptions: string[] = [];
  if (raw.options !== undefined) {
    if (!isObject(raw.options)) fail('options', 'must be an object of autobahn protocol options');
    for (const [name, v] of Object.entries(raw.options as Record<string, unknown>)) {
      const field = `options.${name}`;
      switch (name) {
        case 'failByDrop':
          if (typeof v !== 'boolean') fail(field, 'must be true or false');
          options.failByDrop = v as boolean;
          break;
        case 'openHandshakeTimeout':
        case 'closeHandshakeTimeout':
          if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) fail(field, 'must be a positive number of seconds');
          options[name] = v as number;
          break;
        case 'maxMessagePayloadSize':
        case 'maxFramePayloadSize':
        case 'maxConnections':
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(field, 'must be a whole number, 0 or more');
          options[name] = v as number;
          break;
        default:
          ignoredOptions.push(KNOWN_IGNORED.has(name) ? name : `${name} (unknown)`);
      }
    }
  }

  const spec: FuzzingServerSpec = {
    url,
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port),
    outdir: str('outdir', DEFAULT_CLIENTS_OUTDIR),
    cases,
    excludeCases,
    excludeAgentCases,
    options,
    ignoredOptions,
    protocols,
  };
  if (secure) spec.tls = { key: raw.key as string, cert: raw.cert as string };
  if (raw.webport !== undefined) {
    if (typeof raw.webport !== 'number' || !Number.isInteger(raw.webport) || raw.webport < 0 || raw.webport > 65535) fail('webport', 'must be a port number');
    spec.webport = raw.webport as number;
  }
  return spec;
}

/** The `skip` function for exclude-agent-cases: agent and case patterns anchored at both ends. */
export function agentCaseSkipper(excludeAgentCases: Record<string, string[]>): (agent: string, id: string) => boolean {
  const rules = Object.entries(excludeAgentCases).map(([agent, cases]) => ({ agent: patternMatcher(agent, { anchored: true }), cases: cases.map((c) => patternMatcher(c, { anchored: true })) }));
  return (agent, id) => rules.some((r) => r.agent(agent) && r.cases.some((m) => m(id)));
}

/** The spec's protocol options applied over the given session options. */
export function applySpecOptions(session: SessionOptions, options: FuzzingServerProtocolOptions): SessionOptions {
  const out = { ...session };
  if (options.failByDrop !== undefined) out.failByDrop = options.failByDrop;
  if (options.closeHandshakeTimeout !== undefined) out.closeHandshakeTimeoutMs = Math.round(options.closeHandshakeTimeout * 1000);
  const limits = [options.maxMessagePayloadSize, options.maxFramePayloadSize].filter((n): n is number => n !== undefined && n > 0);
  if (limits.length > 0) out.maxMessageSize = Math.min(...limits);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
