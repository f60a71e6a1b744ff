/**
 * The second look at a client run as a command: the timer verdicts it got while other cases ran
 * beside them are played again by running the command once more with only those cases.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runClientCommand } from '../../runner/fuzzing-server/client-command.js';
import { secondLook } from '../../runner/fuzzing-server/second-look.js';
import type { CaseResult, PaceSummary } from '../../runner/engine/results.js';
import { fetchMessages, runCase } from '../fixtures/ws-autobahn-client.mjs';
import { casesById, startTestServer, waitFor } from '../support/fuzzing-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Seven cases whose only timer is the closing handshake's: the server closes, the client must answer within 1 s. */
const closing = ['7.1.1', '7.3.1', '7.3.3', '7.7.1'];

interface Looked {
  results: CaseResult[];
  paces: Map<string, PaceSummary>;
  /** One line per run of the command: the case count the server offered it. */
  runs: string[];
  logs: string[];
}

/** Runs `command` (its `{log}` replaced by a file it writes a line to per run) over `ids`, then the second look. */
async function runTwice(ids: string[], command: string): Promise<Looked> {
  const dir = mkdtempSync(join(tmpdir(), 'wsconform-second-look-'));
  const log = join(dir, 'runs.log');
  const ts = await startTestServer(casesById(ids));
  try {
    const run = () => runClientCommand(ts.server, command.replaceAll('{log}', log).replaceAll('{dir}', dir), { agent: 'queued', timeoutMs: 30_000, cwd: root });
    await run();
    const paces = await secondLook(ts.server, run);
    let runs: string[] = [];
    try {
      runs = readFileSync(log, 'utf8').trim().split('\n');
    } catch {
      // The command never got as far as the case count.
    }
    return { results: ts.server.results(), paces, runs, logs: ts.logs };
  } finally {
    await ts.server.close();
  }
}

const queued = (flags = ''): string => `node --import tsx test/fixtures/queued-close-client.ts {url} {agent} --log {log} ${flags}`;
const verdict = (r: Pick<CaseResult, 'behavior' | 'behaviorClose'>): string => `${r.behavior} / ${r.behaviorClose}`;

describe('second look at a client command', function () {
  this.timeout(60_000);

  it('plays again the close timeouts of a client that is late only with many cases at once, with only those cases, and reports the second verdict', async () => {
    // The client spends 400 ms on each close frame, one at a time: with four cases at once the third
    // and fourth closes are answered after the 1 s closing-handshake timer, with two they are not.
    const { results, paces, runs } = await runTwice(closing, queued('--close-cost 400'));
    const again = results.filter((r) => r.confirmedAlone);
    assert.ok(again.length >= 1, 'some closes queued past the timer');
    assert.deepEqual(runs, ['run 4', `run ${again.length}`], 'the command ran twice, the second time with only the cases in question');
    assert.deepEqual(
      results.map((r) => `${r.id} ${verdict(r)}`),
      closing.map((id) => `${id} OK / OK`),
    );
    for (const r of again) {
      assert.equal(r.caseIndex, closing.indexOf(r.id) + 1, 'the case keeps its number of the first run');
      assert.equal(verdict(r.confirmedAlone!.first), 'OK / UNCLEAN');
      assert.equal(r.confirmedAlone!.same, false);
      assert.equal(r.confirmedAlone!.firstTargetLagMs, null);
      const cases = again.length === 1 ? 'case' : `${again.length} cases`;
      assert.equal(
        r.notes?.at(-1),
        `Played again: the first run gave OK / UNCLEAN from a timer while other cases ran beside it; played again with only the ${cases} in question, it gave OK / OK, the verdict reported.`,
      );
    }
    assert.deepEqual(paces.get('queued'), { confirmed: again.length, changed: again.length, clientReplay: { kept: 0 } });
  });

  it('confirms the verdicts of a client that never answers a close', async () => {
    const { results, paces, runs } = await runTwice(closing.slice(0, 2), queued('--never-close'));
    assert.deepEqual(runs, ['run 2', 'run 2']);
    for (const r of results) {
      assert.equal(verdict(r), 'OK / UNCLEAN', r.id);
      assert.deepEqual(r.confirmedAlone?.first && verdict(r.confirmedAlone.first), 'OK / UNCLEAN');
      assert.equal(r.confirmedAlone?.same, true);
      assert.match(
        r.notes?.at(-1) ?? '',
        /^Confirmed: the first run gave OK \/ UNCLEAN from a timer while other cases ran beside it; played again with only the 2 cases in question, it gave the same verdict\.$/,
      );
    }
    assert.deepEqual(paces.get('queued'), { confirmed: 2, changed: 0, clientReplay: { kept: 0 } });
  });

  it('does not run again a client whose late closes came with protocol violations', async () => {
    // Each case sends a message first, which the client echoes at once, unmasked.
    const { results, paces, runs, logs } = await runTwice(['1.1.1', '1.1.2'], queued('--close-cost 1500 --unmasked'));
    assert.deepEqual(runs, ['run 2']);
    assert.ok(
      results.every((r) => r.violations.some((v) => v.code === 'WS_ERR_UNMASKED_FRAME') && r.behavior === 'FAILED' && !r.confirmedAlone),
      results.map((r) => `${r.id} ${verdict(r)}`).join(', '),
    );
    assert.equal(paces.size, 0);
    assert.ok(!logs.some((l) => l.startsWith('second look')));
  });

  it('does not run again a client that ran one case at a time', async () => {
    const { results, paces, runs } = await runTwice(closing.slice(0, 2), queued('--close-cost 1300 --one-at-a-time'));
    assert.deepEqual(runs, ['run 2']);
    assert.deepEqual(
      results.map((r) => `${verdict(r)} ${r.confirmedAlone ? 'again' : 'once'}`),
      ['OK / UNCLEAN once', 'OK / UNCLEAN once'],
    );
    assert.equal(paces.size, 0);
  });

  it('keeps the first verdicts, with a note, when the second run gives none', async () => {
    const command = `if [ -e {dir}/ran ]; then echo 'second time: refusing' >&2; exit 3; fi; touch {dir}/ran; ${queued('--close-cost 1500')}`;
    const { results, paces, runs } = await runTwice(closing.slice(0, 2), command);
    assert.deepEqual(runs, ['run 2']);
    for (const r of results) {
      assert.equal(verdict(r), 'OK / UNCLEAN');
      assert.equal(r.confirmedAlone, undefined);
      assert.equal(
        r.notes?.at(-1),
        'Not confirmed: the first run gave OK / UNCLEAN from a timer while other cases ran beside it; the client command ran again with only the 2 cases in question, but it ran none of them (exit code 3): the first verdict stands.',
      );
    }
    assert.deepEqual(paces.get('queued'), { confirmed: 0, changed: 0, clientReplay: { kept: 2, keptBecause: 'it ran none of them (exit code 3)' } });
  });

  it('costs nothing for a client whose every case passes, several at once', async () => {
    const { results, paces, logs } = await runTwice(['1.1.1', '1.1.2', '2.1', '5.1', '7.1.1', '7.3.1', '7.7.1'], 'node test/fixtures/ws-autobahn-client.mjs {url} {agent} 4');
    assert.equal(results.length, 7);
    assert.ok(results.every((r) => verdict(r) === 'OK / OK' && !r.confirmedAlone));
    assert.equal(paces.size, 0);
    assert.ok(!logs.some((l) => l.startsWith('second look')));
  });

  it('offers only the cases in question in its second look, numbered 1..k, and keeps their first numbers', async () => {
    const ts = await startTestServer(casesById(closing));
    try {
      const url = ts.server.url;
      for (let n = 1; n <= closing.length; n++) await runCase(url, n, 'a');
      await ts.server.idle();
      const first = ts.server.results();
      const pick = [first[3]!, first[1]!];
      ts.server.playAgain(pick, (second, was) => ({ ...second, notes: [`was ${was.caseIndex}`] }));
      assert.deepEqual(await fetchMessages(url, '/getCaseCount'), ['2']);
      assert.equal(JSON.parse(String((await fetchMessages(url, '/getCaseInfo?case=1'))[0])).id, '7.3.1');
      assert.equal(JSON.parse(String((await fetchMessages(url, '/getCaseInfo?case=2'))[0])).id, '7.7.1');
      await assert.rejects(fetchMessages(url, '/getCaseInfo?case=3'), /500/);
      await runCase(url, 2, 'a');
      await runCase(url, 1, 'b');
      const replayed = (): CaseResult | undefined => ts.server.results().find((x) => x.id === '7.7.1' && x.notes !== undefined);
      await waitFor(() => replayed() !== undefined, 2000);
      await ts.server.idle();
      assert.deepEqual([replayed()?.caseIndex, replayed()?.notes], [4, ['was 4']]);
      assert.equal(ts.server.results().find((x) => x.id === '7.3.1')?.notes, undefined, 'a case played for an agent that did not have it in question is dropped');
      assert.equal(ts.server.results().length, 4);
    } finally {
      await ts.server.close();
    }
  });
});
