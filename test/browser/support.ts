/** Helpers for the real-browser tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../runner/app/cli.js';

/** Marks the suite pending and says why, so that a missing browser is never skipped silently. */
export function skipBecause(ctx: Mocha.Context, why: string): never {
  process.stderr.write(`  pending (${ctx.currentTest?.parent?.fullTitle() ?? ctx.test?.parent?.fullTitle() ?? 'browser test'}): ${why}\n`);
  ctx.skip();
}

export const tmp = (): string => mkdtempSync(join(tmpdir(), 'wsconform-browser-'));

/** Runs the CLI in this process and captures what it prints. */
export async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = { write: (s: string) => ((stdout += s), true) } as unknown as NodeJS.WritableStream;
  const err = { write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WritableStream;
  const code = await main(args, { out, err });
  return { code, stdout, stderr };
}
