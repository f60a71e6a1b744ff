/**
 * The example client under test: a `ws` client driven by Autobahn's URL protocol, the way client
 * libraries test themselves (getCaseCount, runCase 1..N echoing every message, updateReports).
 *
 *   wsconform test-client --command 'node client.mjs {url} {agent}'
 */
import WebSocket from 'ws';

const [url, agent] = process.argv.slice(2);
if (!url || !agent) {
  console.error('usage: node client.mjs URL AGENT');
  process.exit(2);
}
const options = { maxFragments: 0, maxPayload: 64 * 1024 * 1024 };

/** Opens `path`, echoes every message if asked to, resolves with the messages when it closes. */
function open(path, echo) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url + path, options);
    const messages = [];
    ws.on('message', (data, isBinary) => (echo ? ws.send(data, { binary: isBinary }) : messages.push(data.toString())));
    ws.on('error', (e) => (echo ? undefined : reject(e)));
    ws.on('close', () => resolve(messages));
  });
}

const [count] = await open('/getCaseCount', false);
for (let n = 1; n <= Number(count); n++) await open(`/runCase?case=${n}&agent=${encodeURIComponent(agent)}`, true);
await open(`/updateReports?agent=${encodeURIComponent(agent)}`, false);
console.error(`ran ${count} cases as ${agent}`);
