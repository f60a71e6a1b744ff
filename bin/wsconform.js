#!/usr/bin/env node
import { main } from '../dist/runner/app/cli.js';

// A reader that goes away (`wsconform … | head`) must not end the run: the reports are still
// written and the exit code still says how the run went; only the output stops.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`wsconform: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 2;
  },
);
