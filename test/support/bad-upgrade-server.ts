/**
 * Targets that get the opening handshake wrong, one way each: those that answer HTTP (a wrong or
 * missing Sec-WebSocket-Accept, a 101 without Upgrade, a refusal) are conformance findings; those
 * that never answer HTTP (silence, a close, another protocol) leave nothing to judge.
 */
import { acceptKeyFor, parseClientRequest } from '../../runner/wire/handshake.js';
import { listenRaw, readRequestHead, type RawServer } from './raw-server.js';

const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\n';

/** The answer to an upgrade request with this key; null: none (the socket is left alone). */
const answers = {
  'wrong-accept': () => `HTTP/1.1 101 Switching Protocols\r\nServer: bad-upgrade\r\n${upgrade}Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n`,
  'missing-accept': () => `HTTP/1.1 101 Switching Protocols\r\nServer: bad-upgrade\r\n${upgrade}\r\n`,
  'no-upgrade': (key: string) => `HTTP/1.1 101 Switching Protocols\r\nServer: bad-upgrade\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKeyFor(key)}\r\n\r\n`,
  'status-200': () => 'HTTP/1.1 200 OK\r\nServer: bad-upgrade\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n',
  'status-403': () => 'HTTP/1.1 403 Forbidden\r\nServer: bad-upgrade\r\nContent-Length: 0\r\n\r\n',
  'status-302': () => 'HTTP/1.1 302 Found\r\nServer: bad-upgrade\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n',
  'malformed-head': () => 'HTTP/1.1 101 Switching Protocols\r\nthis line has no colon\r\n\r\n',
  'not-http': () => 'SSH-2.0-OpenSSH_9.2\r\n\r\n',
  silent: () => null,
} satisfies Record<string, (key: string) => string | null>;

export type BadUpgrade = keyof typeof answers | 'closes';

/** The ways that answer HTTP: every case runs and fails in its opening handshake (exit 1). */
export const answersHttp: readonly BadUpgrade[] = ['wrong-accept', 'missing-accept', 'no-upgrade', 'status-200', 'status-403', 'status-302', 'malformed-head'];

export function startBadUpgradeServer(how: BadUpgrade): Promise<RawServer> {
  return listenRaw((socket) => {
    if (how === 'closes') return void socket.end();
    readRequestHead(socket, (head) => {
      const answer = answers[how](parseClientRequest(head).key ?? '');
      if (answer === null) return;
      socket.write(answer);
      socket.resume();
    });
  });
}
