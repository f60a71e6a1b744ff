/** Runs the built CLI as users do, in its own process, and collects its exit code and output. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseResult } from '../../runner/engine/results.js';

export const bin = fileURLToPath(new URL('../../bin/wsconform.js', import.meta.url));

export function runCli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, CI: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The results a run wrote to `outdir`/results.jsonl, in the order they were written. */
export function resultsIn(outdir: string): CaseResult[] {
  return readFileSync(join(outdir, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CaseResult);
}

/** Each result's behavior verdict by case ID. */
export const behaviorById = (rs: readonly CaseResult[]): Record<string, string> => Object.fromEntries(rs.map((r) => [r.id, r.behavior]));

/** An Io for main() in this process that keeps what it writes. */
export function capturedIo(): { io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { out: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream, err: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream },
    out: () => out,
    err: () => err,
  };
}
