/**
 * Autobahn's fuzzingclient.json, read as-is: wstest users keep their spec files. Every error names
 * the file and the field.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface ClientSpecServer {
  url: string;
  agent?: string;
  options: { failByDrop?: boolean };
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

export function parseFuzzingClientSpec(json: unknown, file: string): FuzzingClientSpec {
  if (!isObj(json)) throw new SpecError(`${file}: the spec must be a JSON object`);
  if (json.outdir !== undefined && typeof json.outdir !== 'string') throw new SpecError(`${file}: "outdir" must be a string`);
  if (!Array.isArray(json.servers) || json.servers.length === 0) throw new SpecError(`${file}: "servers" must be a non-empty list of {"url": …, "agent": …}`);
  const servers = json.servers.map((s: unknown, i: number): ClientSpecServer => {
    if (!isObj(s)) throw new SpecError(`${file}: "servers[${i}]" must be an object`);
    if (s.agent !== undefined && (typeof s.agent !== 'string' || s.agent.length === 0)) throw new SpecError(`${file}: "servers[${i}].agent" must be a non-empty string`);
    const out: ClientSpecServer = { url: wsUrl(file, `servers[${i}].url`, s.url), options: protocolOptions(file, `servers[${i}].options`, s.options) };
    if (typeof s.agent === 'string') out.agent = s.agent;
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
