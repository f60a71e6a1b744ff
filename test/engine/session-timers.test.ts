/**
 * The session's timers against what the target did: a verdict must follow what the target sent and
 * when it sent it, not how busy the harness's event loop was when a timer fired, nor when the target's
 * garbage collector happens to close a socket it no longer uses.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { FrameDecoder } from '../../runner/wire/decoder.js';
import { closePayload, Opcode } from '../../runner/wire/frame.js';
import { parseHttpHead } from '../../runner/wire/handshake.js';
import { RawConnection, rawSession, upgradeRequest } from '../fixtures/raw-client.js';
import { casesById, startTestServer, waitFor } from '../support/fuzzing-server.js';

/** Keeps the event loop (harness and client alike) busy for `ms`, as a loaded machine may. */
function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spin
  }
}

const verdict = (r: { behavior: string; behaviorClose: string }): string => `${r.behavior}/${r.behaviorClose}`;

describe('session timers', function () {
  this.timeout(15_000);

  it('reads a close reply that arrived before the closing-handshake timer fired, even when the timer is handled first (7.9.2)', async () => {
    // 7.9.2 sends a close with the invalid code 999; this client echoes the code, as Tornado does,
    // and then the process is busy for longer than the harness's 1 s closing-handshake timer.
    const ts = await startTestServer(casesById(['7.9.2']));
    try {
      await rawSession(ts.server.port, '/runCase?case=1&agent=echoes-999', {
        mask: true,
        onFrame: (f, c) => {
          if (f.opcode !== Opcode.close) return;
          c.send(Opcode.close, f.payload);
          busy(1300);
        },
      });
      const r = await ts.byId('7.9.2');
      assert.equal(r.remoteCloseCode, 999, 'the reply was read');
      assert.equal(verdict(r), 'FAILED/WRONG CODE', `${r.result} ${r.resultClose}`);
    } finally {
      await ts.server.close();
    }
  });

  it("reads a client's close that arrived before the kill timer fired, even when the timer is handled first (3.1)", async () => {
    // 3.1 sends a frame with a reserved bit; this client fails the connection with 1000, as
    // websocket-client does, and then the process is busy for longer than the 1 s kill timer.
    const ts = await startTestServer(casesById(['3.1']));
    try {
      await rawSession(ts.server.port, '/runCase?case=1&agent=fails-with-1000', {
        mask: true,
        onFrame: (f, c) => {
          if (f.opcode === Opcode.close) c.send(Opcode.close, f.payload.subarray(0, 2));
          else if (f.rsv !== 0) {
            c.close(1000);
            busy(1300);
          }
        },
      });
      const r = await ts.byId('3.1');
      assert.equal(r.closedByMe, false, 'the client closed first');
      assert.equal(verdict(r), 'OK/WRONG CODE', `${r.result} ${r.resultClose}`);
    } finally {
      await ts.server.close();
    }
  });

  it("waits a case timer's real time even when Node fires the timer early (2.2, a pong 300 ms late)", async () => {
    // After a stall in the middle of an event-loop turn Node may start a timer from a clock read before
    // the stall, and fire it that much early. Here every long timer fires 800 ms early; the client
    // answers the ping after 300 ms, well within 2.2's 1 s close timer.
    const realSetTimeout = globalThis.setTimeout;
    const early = ((fn: () => void, ms?: number) => realSetTimeout(fn, ms !== undefined && ms >= 1000 ? ms - 800 : ms)) as typeof setTimeout;
    const ts = await startTestServer(casesById(['2.2']));
    try {
      globalThis.setTimeout = early;
      await rawSession(ts.server.port, '/runCase?case=1&agent=slow-pong', {
        mask: true,
        onFrame: (f, c) => {
          if (f.opcode === Opcode.ping) realSetTimeout(() => c.send(Opcode.pong, f.payload), 300);
          if (f.opcode === Opcode.close) c.send(Opcode.close, f.payload.subarray(0, 2));
        },
      });
      globalThis.setTimeout = realSetTimeout;
      const r = await ts.byId('2.2');
      assert.equal(verdict(r), 'OK/OK', `${r.result} ${r.resultClose}`);
    } finally {
      globalThis.setTimeout = realSetTimeout;
      await ts.server.close();
    }
  });

  it('does not let a timer act on a client that ended TCP before the deadline (6.3.1, failed by dropping TCP)', async () => {
    // The client drops TCP on the bad text and the process is busy past the 1 s kill timer: Node
    // reports the end of TCP a turn or two after the timer is due.
    const ts = await startTestServer(casesById(['6.3.1']));
    try {
      await rawSession(ts.server.port, '/runCase?case=1&agent=drops', {
        mask: true,
        onFrame: (f, c) => {
          if (f.opcode === Opcode.text || f.opcode === Opcode.continuation) {
            c.socket.end();
            busy(1300);
          }
        },
      });
      const r = await ts.byId('6.3.1');
      assert.equal(r.closedByMe, false, 'the client ended the connection');
      assert.equal(verdict(r), 'OK/OK', `${r.result} ${r.resultClose}`);
    } finally {
      await ts.server.close();
    }
  });

  it('ends a case soon after the closing handshake when the client keeps TCP open, not at the case limit', async () => {
    // websocket-client leaves the socket of a finished case to the garbage collector.
    const ts = await startTestServer(casesById(['1.1.1']));
    const socket = net.connect({ host: '127.0.0.1', port: ts.server.port, allowHalfOpen: true });
    try {
      const conn = new RawConnection(socket, true);
      const decoder = new FrameDecoder({ maxPayload: 1 << 20 });
      let head = true;
      let buf = Buffer.alloc(0);
      socket.on('connect', () => socket.write(upgradeRequest(ts.server.port, '/runCase?case=1&agent=keeps-tcp')));
      socket.on('data', (d: Buffer) => {
        if (head) {
          buf = Buffer.concat([buf, d]);
          const parsed = parseHttpHead(buf);
          if (parsed.state !== 'complete') return;
          head = false;
          d = parsed.rest;
        }
        for (const f of decoder.push(d)) {
          if (f.opcode === Opcode.text) conn.send(Opcode.text, f.payload);
          if (f.opcode === Opcode.close) conn.send(Opcode.close, closePayload(1000));
        }
      });
      socket.on('error', () => undefined);
      // The harness ends TCP after the handshake and gives the client 1 s to end its side.
      await waitFor(() => ts.server.results().length === 1, 5000);
      const r = await ts.byId('1.1.1');
      assert.equal(verdict(r), 'OK/OK', `${r.result} ${r.resultClose}`);
      assert.ok(r.durationMs < 5000, `the case lasted ${r.durationMs} ms (the case limit is 15 s)`);
      assert.equal(r.timedOutWaitingFor, undefined);
    } finally {
      socket.destroy();
      await ts.server.close();
    }
  });
});
