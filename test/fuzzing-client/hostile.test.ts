/**
 * Hostile targets: the harness points at software that is broken by assumption. Each script below
 * must end in a verdict with a reason, within the case's time limit, with memory bounded.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type net from 'node:net';
import { caseById } from '../../cases/index.js';
import { caseResult } from '../../runner/engine/case-result.js';
import { runCaseAgainstServer, probeServer, UnreachableTargetError } from '../../runner/fuzzing-client/run.js';
import { defaultSessionOptions } from '../../runner/engine/defaults.js';
import { encodeFrame, encodeHeader, closePayload, Opcode } from '../../runner/wire/frame.js';
import type { CaseResult } from '../../runner/engine/results.js';
import { caseFileStem, writeReports } from '../../reports/index.js';
import { afterHandshake, flood, startHostileServer } from '../support/hostile-server.js';

const session = { ...defaultSessionOptions, caseTimeoutMs: 4000, maxMessageSize: 1024 * 1024 };

async function against(script: (s: net.Socket) => void, id = '1.1.2', handshakeMs = 1000): Promise<{ r: CaseResult; ms: number }> {
  const server = await startHostileServer(script);
  const t0 = Date.now();
  try {
    const def = caseById(id)!;
    const t = await runCaseAgainstServer(new URL(server.url), def, { session, openHandshakeTimeoutMs: handshakeMs });
    return { r: caseResult(def, t, 'hostile', 1), ms: Date.now() - t0 };
  } finally {
    await server.close();
  }
}

describe('hostile servers', function () {
  this.timeout(20_000);

  it('gives a verdict when the server accepts TCP and never answers', async () => {
    const { r, ms } = await against(() => undefined);
    assert.deepEqual([r.behavior, r.behaviorClose], ['FAILED', 'FAILED']);
    assert.equal(r.wasOpenHandshakeTimeout, true);
    assert.match(r.result, /handshake/);
    assert.ok(ms < 3000, `${ms} ms`);
  });

  it('refuses to start a run against a server that never answers, naming the URL', async () => {
    const server = await startHostileServer(() => undefined);
    try {
      await assert.rejects(probeServer(server.url, 500), (e: unknown) => e instanceof UnreachableTargetError && e.message.includes(server.url));
    } finally {
      await server.close();
    }
  });

  it('gives a verdict when the server stalls in the middle of its handshake', async () => {
    const { r } = await against((s) => s.once('data', () => s.write('HTTP/1.1 101 Switching Protocols\r\nUpgr')));
    assert.equal(r.behaviorClose, 'FAILED');
    assert.equal(r.wasOpenHandshakeTimeout, true);
  });

  it('gives up on a server that answers one byte per second (slowloris)', async () => {
    let timer: NodeJS.Timeout | undefined;
    const { r, ms } = await against((s) => {
      const text = 'HTTP/1.1 101 Switching Protocols\r\n';
      let i = 0;
      timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write(text[i++ % text.length]!)), 1000);
      s.on('close', () => clearInterval(timer));
    });
    clearInterval(timer);
    assert.equal(r.behavior, 'FAILED');
    assert.ok(ms < 3000, `${ms} ms`);
  });

  it('rejects an endless header line quickly', async () => {
    const { r, ms } = await against((s) => s.once('data', () => flood(s, Buffer.from('HTTP/1.1 101 OK\r\nX-Endless: ' + 'a'.repeat(4096)), 3000)), '1.1.2', 5000);
    assert.equal(r.behavior, 'FAILED');
    assert.match(r.result, /HTTP head/);
    assert.ok(ms < 2000, `${ms} ms`);
  });

  it('stops recording a server that floods messages, and fails it', async () => {
    const { r, ms } = await against(afterHandshake((s) => flood(s, encodeFrame({ opcode: Opcode.text, payload: Buffer.from('spam') }), 6000)));
    assert.equal(r.behavior, 'FAILED');
    assert.ok(
      r.violations.some((v) => v.code === 'WS_ERR_FLOOD'),
      `${r.received.length} events, ${JSON.stringify(r.violations)}, ${r.resultClose}`,
    );
    assert.ok(r.received.length <= defaultSessionOptions.maxEvents);
    assert.ok(ms < 5000, `${ms} ms`);
  });

  it('survives a ping flood within the case timers', async () => {
    const { r, ms } = await against(afterHandshake((s) => flood(s, encodeFrame({ opcode: Opcode.ping, payload: Buffer.from('x') }), 6000)));
    assert.notEqual(r.behaviorClose, 'OK');
    assert.ok(ms < 5000, `${ms} ms`);
  });

  it('fails a frame that declares 2^63-1 bytes without allocating it', async () => {
    const before = process.memoryUsage().rss;
    const { r } = await against(
      afterHandshake((s) => s.write(encodeHeader({ opcode: Opcode.binary }, 0).length ? Buffer.concat([Buffer.from([0x82, 127]), Buffer.from('7fffffffffffffff', 'hex')]) : Buffer.alloc(0))),
    );
    assert.equal(r.behavior, 'FAILED');
    assert.ok(r.violations.some((v) => v.code === 'WS_ERR_FRAME_TOO_LARGE'));
    assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024);
  });

  it('fails a frame whose 64-bit length has the top bit set', async () => {
    const { r } = await against(afterHandshake((s) => s.write(Buffer.concat([Buffer.from([0x82, 127]), Buffer.from('8000000000000001', 'hex')]))));
    assert.ok(r.violations.some((v) => v.code === 'WS_ERR_LENGTH_MSB_SET'));
  });

  it('fails a message that grows past the size limit in many frames (a 1 GiB message)', async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x41);
    const { r, ms } = await against(
      afterHandshake((s) => {
        s.write(encodeFrame({ opcode: Opcode.binary, fin: false, payload: chunk }));
        flood(s, encodeFrame({ opcode: Opcode.continuation, fin: false, payload: chunk }), 5000);
      }),
    );
    assert.ok(
      r.violations.some((v) => v.code === 'WS_ERR_MESSAGE_TOO_LARGE'),
      JSON.stringify(r.violations),
    );
    assert.ok(ms < 5000, `${ms} ms`);
  });

  it('gives a verdict when the server resets the connection mid-case', async () => {
    const { r } = await against(afterHandshake((s) => setTimeout(() => s.resetAndDestroy(), 20)));
    assert.deepEqual([r.behavior, r.behaviorClose], ['FAILED', 'FAILED']);
    assert.equal(r.wasClean, false);
  });

  it('keeps a hostile close reason as data and never lets it into the HTML unescaped', async () => {
    const reason = Buffer.concat([Buffer.from('<script>alert(1)</script>'), Buffer.from([0xff, 0xfe])]);
    const { r } = await against(afterHandshake((s) => s.write(encodeFrame({ opcode: Opcode.close, payload: closePayload(1000, reason) }))));
    assert.equal(r.behavior, 'FAILED');
    assert.ok(r.violations.some((v) => v.code === 'WS_ERR_INVALID_CLOSE_REASON'));
    const out = mkdtempSync(join(tmpdir(), 'wsconform-hostile-'));
    const run = {
      meta: {
        tool: 'wsconform' as const,
        version: '0',
        catalogueVersion: '0',
        mode: 'test-server' as const,
        startedAt: new Date().toISOString(),
        options: {},
        agents: [{ name: '<script>agent</script>' }],
      },
      results: [{ ...r, agent: '<script>agent</script>', remoteCloseReason: reason.toString('utf8') }],
    };
    assert.deepEqual(writeReports(run, out), []);
    for (const f of ['index.html', `${caseFileStem('<script>agent</script>', '1.1.2')}.html`]) {
      const html = readFileSync(join(out, f), 'utf8');
      assert.doesNotMatch(html, /<script>alert|<script>agent/, f);
    }
  });
});
