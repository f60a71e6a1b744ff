/** A bulk case that only waits lends its slot: what the fuzzing client sees on the socket. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { watchWaiting } from '../../runner/fuzzing-client/waiting.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('watchWaiting', function () {
  this.timeout(10_000);

  it('says waiting once nothing moved for a while with the target prompt elsewhere, and working at the next octet', async () => {
    let peer: net.Socket | null = null;
    const server = net.createServer((s) => (peer = s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.on('data', () => undefined);
    try {
      const said: string[] = [];
      let prompt = true;
      watchWaiting(socket, { waiting: () => said.push('waiting'), working: () => said.push('working') }, { responsiveFor: () => prompt }, { afterMs: 150, everyMs: 10 });
      socket.write(Buffer.alloc(64 * 1024));
      await sleep(100);
      assert.deepEqual(said, [], 'not yet');
      await sleep(200);
      assert.deepEqual(said, ['waiting']);
      peer!.write('x');
      await sleep(60);
      assert.deepEqual(said, ['waiting', 'working']);
      await sleep(250);
      assert.deepEqual(said, ['waiting', 'working', 'waiting']);
      prompt = false;
      await sleep(60);
      assert.deepEqual(said, ['waiting', 'working', 'waiting', 'working'], 'a busy target: the case holds its slot again');
      await sleep(250);
      assert.equal(said.length, 4, 'and keeps it while the target is busy');
    } finally {
      socket.destroy();
      server.close();
    }
  });
});
