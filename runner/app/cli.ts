/**
 * The command line: the one composition root. Commands and options are pinned by users' scripts;
 * keep them stable. Exit codes: 0 every case passed the gate, 1 a case failed, 2 usage or
 * configuration error or an unreachable target, 130/143 interrupted by SIGINT/SIGTERM.
 *
 * This file holds main() and the top-level program (wstest's -m/-s, help, unknown commands); each
 * command is in commands/ (test-server and replay, test-client, test-browser, report/merge/list,
 * the wstest modes), their shared options in commands/options.ts, and the run they all share in
 * orchestrate.ts.
 */
import { Command, CommanderError, Option } from 'commander';
import { SpecError } from './fuzzingclient-spec.js';
import { ExitCode, type Io } from './orchestrate.js';
import { UsageError } from './commands/options.js';
import { addListCommand, addMergeCommand, addReportCommand } from './commands/results.js';
import { addTestBrowserCommand } from './commands/test-browser.js';
import { addTestClientCommand } from './commands/test-client.js';
import { addReplayCommand, addTestServerCommand } from './commands/test-server.js';
import { runFuzzingClientSpec, runFuzzingServerSpec } from './commands/wstest.js';
import { version } from './version.js';

export { ExitCode } from './orchestrate.js';
export { UsageError } from './commands/options.js';

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('wsconform')
    .description('WebSocket conformance tests: the Autobahn|Testsuite catalogue and more, against servers, clients and browsers.')
    .version(version, '-V, --version')
    .addOption(new Option('-m, --mode <mode>', 'wstest compatibility: run a wstest spec file').choices(['fuzzingclient', 'fuzzingserver']))
    .option('-s, --spec <file>', 'wstest spec file (default: ./fuzzingclient.json or ./fuzzingserver.json, created if missing)')
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
      // One line, worded like our own usage errors: "wsconform: unknown option '--bogus' (see --help)".
      outputError: (s, write) =>
        write(
          `wsconform: ${s
            .replace(/^error: /, '')
            .trim()
            .replace(/\s*\n\s*/g, ' ')} (see --help)\n`,
        ),
    })
    .exitOverride()
    .action(async (o: { mode?: string; spec?: string }) => {
      if (program.args[0] === 'help') {
        const sub = program.commands.find((c) => c.name() === program.args[1]);
        if (program.args.length === 1 || sub) return (sub ?? program).outputHelp();
      }
      if (program.args.length > 0)
        throw new UsageError(`unknown command ${JSON.stringify(program.args[0] === 'help' ? program.args[1] : program.args[0])} (commands: ${program.commands.map((c) => c.name()).join(', ')})`);
      if (!o.mode) {
        if (o.spec) throw new UsageError('--spec needs --mode fuzzingclient or --mode fuzzingserver');
        program.outputHelp();
        return setExit(ExitCode.usage);
      }
      if (o.mode === 'fuzzingclient') return setExit(await runFuzzingClientSpec(o.spec, io));
      return setExit(await runFuzzingServerSpec(o.spec, io));
    });

  // In this order in --help and in the "unknown command" message.
  addTestServerCommand(program, io, setExit);
  addTestClientCommand(program, io, setExit);
  addTestBrowserCommand(program, io, setExit);
  addReplayCommand(program, io, setExit);
  addReportCommand(program, io, setExit);
  addMergeCommand(program, io, setExit);
  addListCommand(program, io, setExit);

  // Only the top level takes stray words, to name an unknown command itself; set after the
  // subcommands so that they keep refusing excess arguments.
  program.allowExcessArguments(true);
  return program;
}

export async function main(argv: string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  let code: number = ExitCode.pass;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0 ? ExitCode.pass : ExitCode.usage;
    }
    if (e instanceof UsageError || e instanceof SpecError) {
      io.err.write(`wsconform: ${e.message}\n`);
      return ExitCode.usage;
    }
    throw e;
  }
}
