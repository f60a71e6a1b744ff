/**
 * The session's step player over an in-memory byte stream, no socket: what it sends for a case's
 * steps, what it records of the target's answers, the closing handshake in both roles and its
 * timers. The target here is a few lines of frame handling on the other end of a duplex pair.
 */
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { caseById } from '../../cases/index.js';
import type { CaseDef, Step } from '../../cases/types.js';
import { caseResult } from '../../runner/engine/case-result.js';
import { defaultSessionOptions, type SessionOptions } from '../../runner/engine/defaults.js';
import { Session } from '../../runner/engine/session.js';
import { emptyTranscript, type Transcript } from '../../runner/engine/transcript.js';
import { FrameDecoder, type DecodedFrame } from '../../runner/wire/decoder.js';
import { closePayload, encodeFrame, Opcode } from '../../runner/wire/frame.js';
import { duplexPair } from '../support/duplex-pair.js';

const MASK = Buffer.from([1, 2, 3, 4]);

/** The target's end of the connection: the frames the harness sent, and a way to answer. */
interface Target {
  frames: DecodedFrame[];
  send(opcode: number, payload?: Buffer): void;
  stream: Duplex;
}

type Reaction = (f: DecodedFrame, target: Target) => void;

/** Echoes messages (one frame each), answers a close with the same code and then ends TCP. */
const echoes: Reaction = (f, target) => {
  if (f.opcode === Opcode.text || f.opcode === Opcode.binary) target.send(f.opcode, f.payload);
  if (f.opcode === Opcode.close) {
    target.send(Opcode.close, f.payload);
    target.stream.end();
  }
};

/** Plays `def` with the harness in `role`; the target masks its frames when the harness is the server. */
async function play(def: CaseDef, role: 'client' | 'server', react: Reaction, opts: Partial<SessionOptions> = {}): Promise<{ t: Transcript; target: Target; verdict: string }> {
  const [harness, remote] = duplexPair();
  const decoder = new FrameDecoder({ maxPayload: 1 << 20 });
  const target: Target = {
    frames: [],
    stream: remote,
    send: (opcode, payload = Buffer.alloc(0)) => {
      if (!remote.writableEnded) remote.write(encodeFrame({ opcode, payload, mask: role === 'server' ? MASK : null }));
    },
  };
  remote.on('data', (d: Buffer) => {
    for (const f of decoder.push(d)) {
      target.frames.push(f);
      react(f, target);
    }
  });
  const t = emptyTranscript(role, Date.now());
  t.openedAtMs = 0;
  const session = new Session(harness, def, t, { ...defaultSessionOptions, maskKey: () => MASK, ...opts });
  const transcript = await session.run(Buffer.alloc(0));
  const r = caseResult(def, transcript, 'in-memory', 1);
  return { t: transcript, target, verdict: `${r.behavior}/${r.behaviorClose}` };
}

/** A frame as "opcode:masked:payload as text". */
const shape = (f: DecodedFrame): string => `${f.opcode}:${f.masked ? 'masked' : 'unmasked'}:${f.opcode === Opcode.close ? f.payload.toString('hex') : f.payload.toString()}`;

const withSteps = (id: string, steps: Step[]): CaseDef => ({ ...caseById(id)!, steps });

describe('session: the step player over any byte stream', () => {
  it("as a client, sends the case's frame masked, records the echo, and closes with 1000 once it is in (7.1.1)", async () => {
    const { t, target, verdict } = await play(caseById('7.1.1')!, 'client', echoes);
    assert.deepEqual(target.frames.map(shape), ['1:masked:Hello World!', `8:masked:${closePayload(1000).toString('hex')}`]);
    assert.equal(t.received.length, 1);
    const [message] = t.received;
    assert.equal(message?.type === 'message' && message.payload?.toString(), 'Hello World!');
    assert.equal(t.closedByMe, true);
    assert.equal(t.localCloseCode, 1000);
    assert.equal(t.remoteCloseCode, 1000);
    assert.equal(t.wasClean, true);
    assert.equal(t.tcpEnd, 'peer-fin', 'the server ended TCP');
    assert.deepEqual(t.timersFired, []);
    assert.equal(verdict, 'OK/OK');
  });

  it('writes the wire log: frames both ways with their octets, times from the start of the case', async () => {
    const { t } = await play(caseById('7.1.1')!, 'client', echoes);
    const lines = t.wirelog.map((e) => (e.kind === 'note' ? `note ${e.text}` : e.kind === 'frame' ? `${e.dir} frame ${e.opcode} ${e.length}` : `${e.dir} octets ${e.length}`));
    assert.deepEqual(lines, ['tx frame 1 12', 'tx octets 18', 'rx octets 14', 'rx frame 1 12', 'tx frame 8 2', 'tx octets 8', 'rx octets 4', 'rx frame 8 2']);
    const times = t.wirelog.map((e) => e.t);
    assert.ok(
      times.every((ms, i) => ms >= 0 && ms <= t.endedAtMs && (i === 0 || ms >= times[i - 1]!)),
      times.join(' '),
    );
  });

  it("as a server, sends unmasked, answers the target's close with 1000 and ends TCP at once (3.1)", async () => {
    const { t, target, verdict } = await play(caseById('3.1')!, 'server', (f, tg) => {
      if (f.rsv !== 0) tg.send(Opcode.close, closePayload(1002));
    });
    assert.deepEqual(target.frames.map(shape), ['1:unmasked:Hello, world!', `8:unmasked:${closePayload(1000).toString('hex')}`]);
    assert.equal(target.frames[0]!.rsv, 4);
    assert.equal(t.closedByMe, false);
    assert.equal(t.remoteCloseCode, 1002);
    assert.equal(t.localCloseCode, 1000);
    assert.equal(t.droppedByMe, true);
    assert.equal(t.tcpEnd, 'harness');
    assert.equal(verdict, 'OK/OK');
  });

  it("answers a ping with a pong of the same payload, and records the target's pong (2.2)", async () => {
    const pongs: string[] = [];
    const { t, verdict } = await play(withSteps('2.2', [...caseById('2.2')!.steps.slice(0, 1), { do: 'closeAfter', ms: 30 }]), 'client', (f, tg) => {
      if (f.opcode === Opcode.ping) {
        // Its own ping first: once the expected pong is in, the harness closes and answers no more pings.
        tg.send(Opcode.ping, Buffer.from('and you?'));
        tg.send(Opcode.pong, f.payload);
      }
      if (f.opcode === Opcode.pong) pongs.push(f.payload.toString());
      echoes(f, tg);
    });
    assert.deepEqual(pongs, ['and you?']);
    assert.deepEqual(
      t.received.map((e) => (e.type === 'pong' ? e.payload.toString() : e.type)),
      ['Hello, world!'],
    );
    assert.equal(verdict, 'OK/OK');
  });

  it('fails the connection with 1001 when the kill timer fires (a target that never answers)', async () => {
    const def = withSteps('7.1.1', [{ do: 'killAfter', ms: 30 }, ...caseById('7.1.1')!.steps.slice(1)]);
    const { t, target, verdict } = await play(def, 'client', (f, tg) => f.opcode === Opcode.close && echoes(f, tg));
    assert.deepEqual(t.timersFired, ['kill']);
    assert.equal(t.failedByMe, true);
    assert.equal(t.localCloseCode, 1001);
    assert.equal(target.frames.at(-1)!.payload.readUInt16BE(0), 1001);
    assert.ok(t.wirelog.some((e) => e.kind === 'note' && e.text === 'kill timer fired: the target did not close in time'));
    // No echo; and the target, answering with the 1001 it got, closed with a code 7.1.1 does not accept.
    assert.equal(verdict, 'FAILED/WRONG CODE');
  });

  it('drops TCP when the target does not answer its close within closeHandshakeTimeoutMs', async () => {
    const { t, verdict } = await play(caseById('7.1.1')!, 'client', (f, tg) => f.opcode === Opcode.text && tg.send(f.opcode, f.payload), { closeHandshakeTimeoutMs: 40 });
    assert.deepEqual(t.timersFired, ['closing-handshake']);
    assert.equal(t.wasCloseHandshakeTimeout, true);
    assert.equal(t.wasClean, false);
    assert.equal(t.droppedByMe, true);
    assert.equal(t.tcpEnd, 'harness');
    assert.equal(verdict, 'OK/UNCLEAN');
  });

  it('as a client, waits serverDropTimeoutMs for the server to end TCP after the closing handshake', async () => {
    const { t } = await play(caseById('7.1.1')!, 'client', (f, tg) => (f.opcode === Opcode.close ? tg.send(Opcode.close, f.payload) : echoes(f, tg)), { serverDropTimeoutMs: 40 });
    assert.deepEqual(t.timersFired, ['server-drop']);
    assert.equal(t.wasServerConnectionDropTimeout, true);
    assert.equal(t.wasNotCleanReason, 'the server did not close the TCP connection after the closing handshake');
  });

  it('records a tagged wait as a timeout event when the connection is still open (6.4.x markers)', async () => {
    const def = withSteps('7.1.1', [
      { do: 'wait', ms: 20, tag: 'A' },
      { do: 'close', code: 1000 },
    ]);
    const { t } = await play(def, 'server', echoes);
    assert.deepEqual(t.timersFired, ['wait:A']);
    assert.deepEqual(t.received, [{ type: 'timeout', tag: 'A' }]);
    assert.ok(t.wirelog.some((e) => e.kind === 'note' && e.text === 'pause 20 ms [A]'));
  });

  it('ends a case the target leaves hanging at the case limit, saying what it waited for', async () => {
    const def = withSteps('7.1.1', caseById('7.1.1')!.steps.slice(1));
    const { t } = await play(def, 'client', () => undefined, { caseTimeoutMs: 60, stretchCaseTimeout: false });
    assert.deepEqual(t.timersFired, ['case-limit']);
    assert.equal(t.timedOutWaitingFor, 'the target to answer or close');
    assert.equal(t.droppedByMe, true);
  });

  it('sees the target end the stream without a closing handshake', async () => {
    const { t, verdict } = await play(caseById('7.1.1')!, 'client', (_f, tg) => tg.stream.end());
    assert.equal(t.tcpEnd, 'peer-fin');
    assert.equal(t.wasClean, false);
    assert.equal(t.wasNotCleanReason, 'the target dropped the TCP connection without a closing handshake');
    assert.equal(verdict, 'FAILED/FAILED');
  });

  it('plays bulk echo rounds with the wire log paused, and closes when the last echo is in', async () => {
    const rounds = { count: 3, message: (i: number) => ({ binary: true, payload: Buffer.alloc(100 + i, i) }), fragmentSize: 64, timeoutMs: 5000, compare: 'content' as const };
    const { t, target, verdict } = await play(withSteps('9.1.1', [{ do: 'echo', rounds }]), 'server', (f, tg) => {
      // The rounds come in fragments of 64: echo each message whole.
      if (f.opcode === Opcode.close) echoes(f, tg);
      else if (f.fin) tg.send(Opcode.binary, Buffer.concat(tg.frames.slice(-2).map((g) => g.payload)));
    });
    assert.deepEqual(t.echo, { count: 3, sent: 3, matched: 3, mismatch: null, unimplemented: false });
    assert.deepEqual(
      target.frames.map((f) => `${f.opcode}:${f.fin ? 1 : 0}:${f.payload.length}`),
      ['2:0:64', '0:1:36', '2:0:64', '0:1:37', '2:0:64', '0:1:38', '8:1:2'],
    );
    const notes = t.wirelog.flatMap((e) => (e.kind === 'note' ? [e.text] : []));
    assert.deepEqual(notes, ['wire log paused for the bulk transfer', 'wire log resumed']);
    assert.equal(verdict, 'OK/OK');
  });
});
