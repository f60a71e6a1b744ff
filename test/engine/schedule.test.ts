/** The scheduler: concurrency, the memory budget and the cap on bulk (compression) cases. */
import assert from 'node:assert/strict';
import { allCases, autobahnCases, browserApiCases } from '../../cases/index.js';
import { deflateBulk, DEFLATE_BULK_LIMIT, estimateMs, isBulkCase, runTimeBoundMs, schedule } from '../../runner/engine/plan.js';
import { caseLimitMs, caseTimeoutOptions } from '../../runner/engine/defaults.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('schedule', () => {
  it('runs every item once, never more than `concurrency` at once', async () => {
    let now = 0;
    let peak = 0;
    const seen: number[] = [];
    await schedule(
      Array.from({ length: 40 }, (_, i) => i),
      () => 1,
      async (i) => {
        peak = Math.max(peak, ++now);
        await tick(1);
        seen.push(i);
        now--;
      },
      { concurrency: 6, memoryBudget: 1e9 },
    );
    assert.equal(peak, 6);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: 40 }, (_, i) => i),
    );
  });

  it('keeps bulk items to their own limit while the others fill the remaining slots', async () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ i, bulk: i % 2 === 0 }));
    let bulkNow = 0;
    let bulkPeak = 0;
    let allPeak = 0;
    let allNow = 0;
    await schedule(
      items,
      () => 1,
      async (it) => {
        allPeak = Math.max(allPeak, ++allNow);
        if (it.bulk) bulkPeak = Math.max(bulkPeak, ++bulkNow);
        await tick(it.bulk ? 5 : 1);
        if (it.bulk) bulkNow--;
        allNow--;
      },
      { concurrency: 12, memoryBudget: 1e9, bulk: { limit: 3, is: (it) => it.bulk } },
    );
    assert.equal(bulkPeak, 3);
    assert.ok(allPeak > 3, `other items ran beside the bulk ones (peak ${allPeak})`);
  });

  it('counts as bulk exactly the echo cases of 9.x, 12.x and 13.x, in the whole catalogue', () => {
    const bulk = allCases.filter(isBulkCase).map((c) => c.id);
    assert.equal(bulk.length, 270);
    assert.deepEqual(new Set(bulk.map((id) => id.split('.')[0])), new Set(['9', '12', '13']));
    assert.deepEqual(
      allCases.filter((c) => /^(9|12|13)\./.test(c.id) && !isBulkCase(c)).map((c) => c.id),
      [],
    );
  });

  it('limits the bulk cases that compress (12.x, 13.x) and only those', () => {
    const bulk = autobahnCases.filter((c) => deflateBulk.is(c)).map((c) => c.id);
    assert.equal(bulk.length, 216);
    assert.ok(bulk.every((id) => /^1[23]\./.test(id)));
    assert.deepEqual(
      allCases.filter((c) => isBulkCase(c) && !/^9\./.test(c.id)).map((c) => c.id),
      bulk,
      'every bulk case outside 9.x compresses',
    );
    assert.ok(DEFLATE_BULK_LIMIT >= 2);
  });

  it('bounds a run by the sum of its plays (handshake + hard limit), three plays a case above concurrency 1 (first pass, second look, alone)', () => {
    const compression = autobahnCases.filter((c) => deflateBulk.is(c));
    const framing = autobahnCases.filter((c) => c.id.startsWith('1.'));
    const at5s = { ...caseTimeoutOptions(5), openHandshakeTimeoutMs: 2000 };
    // The probe and the monitor's connection, then one pass.
    assert.equal(runTimeBoundMs(framing, 1, at5s), 2 * 2000 + framing.length * (2000 + 5000));
    assert.equal(runTimeBoundMs(framing, 8, at5s), 2 * 2000 + 3 * framing.length * (2000 + 5000));
    // By default 12.x/13.x keep their own timers (up to 480 s + 5 s), counted case by case.
    const own = { ...caseTimeoutOptions(undefined), openHandshakeTimeoutMs: 0 };
    assert.equal(
      runTimeBoundMs(compression, 1, own),
      compression.reduce((ms, c) => ms + caseLimitMs(c, own), 0),
    );
    assert.equal(runTimeBoundMs([], 32, at5s), 2 * 2000);
  });

  it('never leaves a pass idle, however narrow the pace makes it, so a pass takes at most the sum of its items', async () => {
    const ms = [40, 10, 30, 20, 10, 40, 20, 30];
    let width = 4;
    const pace = { concurrency: () => width, mayStart: (it: number, running: ReadonlySet<number>) => [...running].every((r) => r % 2 === it % 2) };
    const startedAt = Date.now();
    await schedule(
      ms.map((_, i) => i),
      () => 1,
      async (i) => {
        width = 1;
        await tick(ms[i]!);
      },
      { concurrency: 4, memoryBudget: 1e9, pace },
    );
    const elapsed = Date.now() - startedAt;
    // Timers fire late by a few ms each on a loaded machine; a pass that idled would wait 50 ms retries.
    assert.ok(elapsed < ms.reduce((a, b) => a + b, 0) + 8 * 15, `took ${elapsed} ms`);
  });
});

describe('schedule: a task that is only waiting', () => {
  it('lends its slot to the queue while it waits, and takes it back at once when it works again', async () => {
    const log: string[] = [];
    let working = 0;
    let peak = 0;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    await schedule(
      ['long', 'a', 'b', 'c', 'd'],
      () => 1,
      async (it, slot) => {
        peak = Math.max(peak, ++working);
        if (it === 'long') {
          slot.waiting();
          working--;
          await released;
          slot.working();
          working++;
          log.push('long works again');
          await tick(20);
        } else {
          log.push(`${it} starts`);
          await tick(10);
          if (it === 'b') release();
        }
        working--;
      },
      { concurrency: 2, memoryBudget: 1e9, priority: (it) => (it === 'long' ? 1 : 0) },
    );
    // Two work at once throughout: 'long' and one other, or two others while 'long' waits.
    assert.ok(peak <= 2, `peak ${peak}`);
    assert.deepEqual(log.slice(0, 2), ['a starts', 'b starts'], 'a and b ran together while long waited');
    assert.ok(log.indexOf('long works again') < log.indexOf('d starts'), 'd waited for a slot once long worked again');
  });

  it('lends only the memory it does not hold while it waits, and at most `concurrency` tasks lend at once', async () => {
    const started: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const cost: Record<string, number> = { big: 10, seven: 7, six: 6 };
    await schedule(
      ['big', 'seven', 'six'],
      (it) => cost[it]!,
      async (it, slot) => {
        started.push(it);
        if (it === 'big') {
          slot.waiting();
          await tick(30);
          release();
          return;
        }
        await released;
      },
      { concurrency: 4, memoryBudget: 10, priority: (it) => cost[it]!, waitingCost: () => 4 },
    );
    // 'big' lends 10 - 4 = 6: 'six' fits beside it, 'seven' only once it ended.
    assert.deepEqual(started, ['big', 'six', 'seven']);

    let lent = 0;
    let now = 0;
    let peak = 0;
    await schedule(
      Array.from({ length: 8 }, (_, i) => i),
      () => 1,
      async (_, slot) => {
        peak = Math.max(peak, ++now);
        slot.waiting();
        lent++;
        await tick(20);
        now--;
      },
      { concurrency: 2, memoryBudget: 1e9 },
    );
    assert.equal(lent, 8);
    assert.equal(peak, 4, 'two working slots, two lent');
  });
});

describe('estimateMs for browser-API cases', () => {
  it('counts the pauses of the server and the page, so that slow cases start first', () => {
    const ms = (id: string): number => estimateMs(browserApiCases.find((c) => c.id === id)!);
    assert.equal(ms('api.close.code.999'), 0);
    assert.equal(ms('api.send.connecting'), 300, 'the handshake answered after 300 ms');
    assert.equal(ms('api.send.closing.not-sent'), 300, 'the close answered after 300 ms');
    assert.ok(ms('api.close.closed') >= 100, 'the page sleeps 100 ms');
  });
});
