/**
 * The command line's surface, as users meet it first: every command's --help lists its options
 * with their defaults, and every mistake is refused in one line with exit code 2.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { buildProgram, main } from '../../runner/app/cli.js';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await main(argv, { out: sink((s) => (out += s)), err: sink((s) => (err += s)) });
  return { code, out, err };
}

const commands = buildProgram({ out: process.stdout, err: process.stderr }, () => undefined).commands.map((c) => c.name());

/** Options that do nothing unless given, so "none" would be all their help could say. */
const offUnlessGiven = new Set(['--junit', '--table', '--allow', '--baseline', '--expect-failures', '--shard', '--mode']);

describe('wsconform --help', () => {
  for (const command of ['', ...commands]) {
    it(`${command || 'wsconform'} --help lists every option, each value option with its default`, async () => {
      const r = await cli([...(command ? [command] : []), '--help']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^Usage: wsconform/);
      // Commander wraps descriptions: an option's entry runs until the next line that starts an option.
      const entries = r.out
        .split('\nOptions:\n')[1]!
        .split(/\n(?=\s{2}-)/)
        .map((e) => e.replace(/\s+/g, ' ').trim());
      for (const entry of entries.filter((e) => /^(-\w, )?--[\w-]+ </.test(e))) {
        const flag = /--[\w-]+/.exec(entry)![0];
        if (offUnlessGiven.has(flag)) continue;
        assert.match(entry, /\((?:[^)]*; )?default: [^)]+\)|\(choices: /, `${command} ${flag}: no default in --help`);
      }
    });
  }

  it('also answers wsconform help <command>', async () => {
    const r = await cli(['help', 'test-server']);
    assert.equal(r.code, 0);
    assert.match(r.out, /^Usage: wsconform test-server/);
  });
});

describe('wsconform usage errors', () => {
  const mistakes: string[][] = [
    ['--bogus'],
    ['nonsense'],
    ['help', 'nonsense'],
    ['-m', 'bogus'],
    ['test-server', '--bogus'],
    ['test-server', '--hep'],
    ['test-server', '--cases'],
    ['test-server', '--concurrency', '0'],
    ['test-server', '--concurrency', 'many'],
    ['test-server', '--timeout', '-1'],
    ['test-server', '--max-message-size', '1k'],
    ['test-server', '--shard', '3/2'],
    ['test-server', 'http://example.com'],
    ['test-server', 'ws://127.0.0.1:1', 'extra'],
    ['test-server', '--cases', 'no.such.case'],
    ['test-server', '--fail-on', 'NOPE'],
    ['test-server', '--fail-on', 'FAILED', '--allow', 'OK'],
    ['test-server', '--baseline', '/nonexistent/index.json'],
    ['test-client', '--port', '65536'],
    ['test-client', '--bogus'],
    ['report'],
    ['report', '/nonexistent'],
    ['merge', 'out'],
    ['list', 'extra'],
    ['list', '--cases', 'no.such.case'],
  ];
  for (const argv of mistakes) {
    it(`refuses "wsconform ${argv.join(' ')}" in one line, exit 2`, async () => {
      const r = await cli(argv);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, '');
      // A pattern that matches nothing is warned about first; the error itself is the last line.
      const lines = r.err
        .trimEnd()
        .split('\n')
        .filter((l) => !l.startsWith('wsconform: warning: '));
      assert.equal(lines.length, 1, r.err);
      assert.match(lines[0]!, /^wsconform: \S/);
    });
  }
});
