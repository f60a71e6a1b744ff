/**
 * Browser-API cases: the events as objects. message is a MessageEvent whose origin is the
 * serialization of the socket URL's origin and whose other fields keep their defaults (lastEventId
 * "", source null, no ports); data is a string, a Blob (type "") or an ArrayBuffer, by binaryType
 * as it is when the event's task runs. Every event is fired by the user agent (isTrusted), and
 * none bubbles or can be cancelled (fire an event).
 */
import type { ApiHandlerAction, ApiServerAction } from '../browser-api-types.js';
import type { CaseDef, Requirement } from '../types.js';
import { connect, wait, close, closeAndWait, closedWithoutStatus, acceptThen, acceptThenLater, utf8Hex, failed, apiCase } from './common.js';
import { inside } from './values.js';

const messageRule: Requirement = { spec: 'WHATWG WebSockets §4 Feedback from the protocol (handle a WebSocket message); HTML MessageEvent', level: 'MUST' };
const fireRule: Requirement = { spec: 'WHATWG WebSockets §4 Feedback from the protocol; DOM fire an event (isTrusted, no bubbling, not cancelable)', level: 'MUST' };

type Field = Extract<ApiHandlerAction, { do: 'field' }>['name'];
const field = (name: Field): ApiHandlerAction => ({ do: 'field', name });

/** The server sends `actions` 100 ms after the handshake; the page logs `name` inside each message handler. */
const messageField = (id: string, name: Field, actions: ApiServerAction[], events: string[], why: string, pre: ApiHandlerAction[] = []): CaseDef =>
  apiCase({
    id: `api.message.${id}`,
    title: `message event: ${name}`,
    description: `The server sends ${events.length === 1 ? 'a message' : 'messages'} shortly after the handshake; the page reads event.${name} inside the message handler.`,
    expectation: `${why}.`,
    requirement: messageRule,
    check: {
      server: acceptThenLater(...actions),
      page: [connect(), ...(pre.length > 0 ? [{ do: 'on' as const, event: 'open' as const, actions: pre }] : []), inside('message', field(name)), wait('message'), { do: 'sleep', ms: 50 }, ...closeAndWait],
      expectPage: ['open', ...(pre.length > 0 ? pre.map(() => 'open: binaryType ← "arraybuffer"') : []), ...events.flatMap((e) => [e.split(' | ')[0]!, `message: ${e.split(' | ')[1]!}`]), ...closedWithoutStatus],
    },
  });

const hi: ApiServerAction = { do: 'text', data: 'hi' };
const toArrayBuffer: ApiHandlerAction = { do: 'set', binaryType: 'arraybuffer' };

/** Fields of an event of `type` that every fired event shares. */
const fired = (type: 'open' | 'message' | 'error' | 'close', name: Field, value: string): CaseDef => {
  const server = type === 'error' ? acceptThenLater({ do: 'raw', hex: '8102c328' }) : type === 'message' ? acceptThenLater(hi, { do: 'close', code: 1000 }) : acceptThenLater({ do: 'close', code: 1000 });
  const events = type === 'error' ? ['open', ...failed] : type === 'message' ? ['open', 'message text "hi"', 'close 1000 "" clean'] : ['open', 'close 1000 "" clean'];
  const at = events.findIndex((e) => e === type || e.startsWith(`${type} `));
  return apiCase({
    id: `api.event.${type}.${name.toLowerCase().replace('istrusted', 'is-trusted')}`,
    title: `${type} event: ${name} = ${value}`,
    description: `The page reads event.${name} inside the ${type} handler.`,
    expectation: `The ${type} event has ${name} = ${value}.`,
    requirement: fireRule,
    check: {
      server,
      page: [connect(), inside(type, field(name)), wait('close')],
      expectPage: [...events.slice(0, at + 1), `${type}: ${name} = ${value}`, ...events.slice(at + 1)],
    },
  });
};

export const messageCases: CaseDef[] = [
  messageField('origin', 'origin', [hi], ['message text "hi" | origin = "<ws>://<server>"'], "origin is the serialization of the socket URL's origin: scheme, host and port, no path"),
  messageField('last-event-id', 'lastEventId', [hi], ['message text "hi" | lastEventId = ""'], 'lastEventId keeps its default, the empty string'),
  messageField('source', 'source', [hi], ['message text "hi" | source = null'], 'source keeps its default, null'),
  messageField('ports', 'ports', [hi], ['message text "hi" | ports = 0'], 'ports keeps its default, an empty list'),
  messageField('interface', 'interface', [hi], ['message text "hi" | interface = MessageEvent'], 'The event is a MessageEvent'),
  messageField('text.data', 'data', [{ do: 'text', data: 'h\u00e9\u{1f600}' }], ['message text "h\u00e9\u{1f600}" | data = "h\u00e9\u{1f600}"'], 'A text message is a string of its characters'),
  messageField('text.empty', 'data', [{ do: 'text', data: '' }], ['message text "" | data = ""'], 'An empty text message is the empty string'),
  messageField('text.fragmented', 'data', [{ do: 'raw', hex: `0102${utf8Hex('ab')}8002${utf8Hex('cd')}` }], ['message text "abcd" | data = "abcd"'], 'A message in two frames is one message event'),
  messageField('blob.type', 'data', [{ do: 'binary', hex: '010203' }], ['message binary Blob(3) | data = Blob(3, type "")'], 'With binaryType "blob", a binary message is a Blob of its bytes, with an empty type'),
  messageField('arraybuffer.bytes', 'data', [{ do: 'binary', hex: '00ff7f' }], ['message binary ArrayBuffer(3) | data = ArrayBuffer 00ff7f'], 'With binaryType "arraybuffer", a binary message is an ArrayBuffer of its bytes', [toArrayBuffer]),
  messageField('arraybuffer.empty', 'data', [{ do: 'raw', hex: '8200' }], ['message binary ArrayBuffer(0) | data = ArrayBuffer'], 'An empty binary message is an empty ArrayBuffer', [toArrayBuffer]),
  apiCase({
    id: 'api.message.binary-type.switch-between',
    title: 'binaryType set inside a message handler applies to the next message',
    description: 'Right after the handshake the server sends two 3-byte binary messages in one write; inside the first message handler the page sets binaryType to "arraybuffer".',
    expectation: "Each message's data is made when its task runs, with the binaryType of that moment: a Blob, then an ArrayBuffer.",
    requirement: messageRule,
    check: {
      server: acceptThen({ do: 'binary', hex: '010203' }, { do: 'binary', hex: '040506' }),
      page: [connect(), { do: 'on', event: 'message', actions: [toArrayBuffer], once: true }, wait('message'), { do: 'sleep', ms: 100 }, close(), wait('close')],
      expectPage: ['open', 'message binary Blob(3)', 'message: binaryType ← "arraybuffer"', 'message binary ArrayBuffer(3)', 'close() → ok', 'close 1005 "" clean'],
    },
  }),
  fired('open', 'interface', 'Event'),
  fired('error', 'interface', 'Event'),
  fired('close', 'interface', 'CloseEvent'),
  ...(['open', 'message', 'error', 'close'] as const).flatMap((type) => [fired(type, 'isTrusted', 'true'), fired(type, 'bubbles', 'false'), fired(type, 'cancelable', 'false')]),
];
