/**
 * Autobahn's fuzzingclient.json, read as-is: wstest users keep their spec files. Every error names
 * the file and the field.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ClientTlsOptions } from '../fuzzing-client/tls.js';
import { readCaFile } from './tls-files.js';

export interface ClientSpecServer {
  url: string;
  agent?: string;
  options: { failByDrop?: boolean };
  /** wss://: the entry's "ca" (PEM files read), "insecure" and "servername"; wsconform's own fields. */
  tls?: ClientTlsOptions;
  /** WebSockets over HTTP/2 (RFC 8441), as test-server --http2 (our field; wstest has none). */
  http2?: boolean;
}

export interface FuzzingClientSpec {
  outdir: string;
  servers: ClientSpecServer[];
  cases: string[];
  excludeCases: string[];
  excludeAgentCases: Record<string, string[]>;
  options: { failByDrop?: boolean };
}

export class SpecError extends Error {
  readonly code = 'WSCONFORM_BAD_SPEC';
}

export const DEFAULT_CLIENT_SPEC = {
  outdir: './reports/servers',
  servers: [{ agent: 'AutobahnServer', url: 'ws://127.0.0.1:9001' }],
  cases: ['*'],
  'exclude-cases': [],
  'exclude-agent-cases': {},
};

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SpecError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new SpecError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
}

/** Autobahn creates a default spec when none is given and none exists; so do we. */
export function ensureSpecFile(file: string, defaults: unknown): boolean {
  if (existsSync(file)) return false;
  writeFileSync(file, JSON.stringify(defaults, null, 3) + '\n');
  return true;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function stringList(file: string, field: string, v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new SpecError(`${file}: "${field}" must be a list of case patterns (strings)`);
  return v as string[];
}

export function agentCases(file: string, v: unknown): Record<string, string[]> {
  if (v === undefined) return {};
  if (!isObj(v)) throw new SpecError(`${file}: "exclude-agent-cases" must be an object mapping agent patterns to case patterns`);
  const out: Record<string, string[]> = {};
  for (const [k, list] of Object.entries(v)) out[k] = stringList(file, `exclude-agent-cases.${k}`, list);
  return out;
}

export function protocolOptions(file: string, field: string, v: unknown): { failByDrop?: boolean } {
  if (v === undefined) return {};
  if (!isObj(v)) throw new SpecError(`${file}: "${field}" must be an object`);
  const out: { failByDrop?: boolean } = {};
  if (v.failByDrop !== undefined) {
    if (typeof v.failByDrop !== 'boolean') throw new SpecError(`${file}: "${field}.failByDrop" must be true or false`);
    out.failByDrop = v.failByDrop;
  }
  return out;
}

export function wsUrl(file: string, field: string, v: unknown): string {
  if (typeof v !== 'string') throw new SpecError(`${file}: "${field}" is required and must be a ws:// or wss:// URL`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new SpecError(`${file}: "${field}": ${JSON.stringify(v)} is not a URL`);
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new SpecError(`${file}: "${field}": ${JSON.stringify(v)} must start with ws:// or wss://`);
  return v;
}

/** A server entry's TLS fields: "ca" (a PEM file or a list of them, relative to the working directory, as "outdir"), "insecure", "servername". */
function serverTls(file: string, field: string, s: Obj, url: string): ClientTlsOptions | undefined {
  const given = ['ca', 'insecure', 'servername'].filter((k) => s[k] !== undefined);
  if (given.length === 0) return undefined;
  if (!/^wss:/i.test(url)) throw new SpecError(`${file}: "${field}.${given[0]}" is only for a wss:// URL`);
  const tls: ClientTlsOptions = {};
  if (s.ca !== undefined) {
    const files = typeof s.ca === 'string' ? [s.ca] : s.ca;
    if (!Array.isArray(files) || files.length === 0 || files.some((f) => typeof f !== 'string')) throw new SpecError(`${file}: "${field}.ca" must be a PEM file name or a list of them`);
    tls.ca = (files as string[]).map((f) => readCaFile(f, (m) => new SpecError(`${file}: "${field}.ca": ${m}`)));
  }
  if (s.insecure !== undefined) {
    if (typeof s.insecure !== 'boolean') throw new SpecError(`${file}: "${field}.insecure" must be true or false`);
    if (s.insecure && tls.ca) throw new SpecError(`${file}: "${field}": "insecure" and "ca" together: with "insecure" no certificate is checked`);
    if (s.insecure) tls.insecure = true;
  }
  if (s.servername !== undefined) {
    if (typeof s.servername !== 'string' || !/^[A-Za-z0-9.-]+$/.test(s.servername)) throw new SpecError(`${file}: "${field}.servername" must be a host name`);
    tls.servername = s.servername;
  }
  return tls;
}

export function parseFuzzingClientSpec(json: unknown, file: string): FuzzingClientSpec {
  if (!isObj(json)) throw new SpecError(`${file}: the spec must be a JSON object`);
  if (json.outdir !== undefined && typeof json.outdir !== 'string') throw new SpecError(`${file}: "outdir" must be a string`);
  if (!Array.isArray(json.servers) || json.servers.length === 0) throw new SpecError(`${file}: "servers" must be a non-empty list of {"url": …, "agent": …}`);
  const servers = json.servers.map((s: unknown, i: number): ClientSpecServer => {
    if (!isObj(s)) throw new SpecError(`${file}: "servers[${i}]" must be an object`);
    if (s.agent !== undefined && (typeof s.agent !== 'string' || s.agent.length === 0)) throw new SpecError(`${file}: "servers[${i}].agent" must be a non-empty string`);
    const out: ClientSpecServer = { url: wsUrl(file, `servers[${i}].url`, s.url), options: protocolOptions(file, `servers[${i}].options`, s.options) };
    if (typeof s.agent === 'string') out.agent = s.agent;
    const tls = serverTls(file, `servers[${i}]`, s, out.url);
    if (tls) out.tls = tls;
    // Our own field, not wstest's: WebSockets over HTTP/2 (RFC 8441), as test-server --http2.
    if (s.http2 !== undefined && typeof s.http2 !== 'boolean') throw new SpecError(`${file}: "servers[${i}].http2" must be true or false`);
    if (s.http2 === true) out.http2 = true;
    return out;
  });
  return {
    outdir: typeof json.outdir === 'string' ? json.outdir : './reports/servers',
    servers,
    cases: stringList(file, 'cases', json.cases ?? ['*']),
    excludeCases: stringList(file, 'exclude-cases', json['exclude-cases']),
    excludeAgentCases: agentCases(file, json['exclude-agent-cases']),
    options: protocolOptions(file, 'options', json.options),
  };
}
