/**
 * The browser-API catalogue (`api.*`): what the WHATWG WebSockets standard says a browser's
 * WebSocket object does, checked in real browsers against a server that can misbehave on purpose.
 * Each case's expectation is a BrowserApiCheck (see ../browser-api-types.ts): the server's script,
 * the page's actions, what the page must observe and what must cross the wire. The expectations
 * come from the standard (and RFC 6455 where the standard defers to it), never from what engines do.
 *
 * One file per family; common.ts holds the builders they share. A new case goes into its family's
 * list, and a new family into the list below.
 */
import type { CaseDef } from '../types.js';
import { closeCodeCases } from './close-code.js';
import { closeReasonCases, closeReasonUtf8Cases } from './close-reason.js';
import { closeArgCases } from './close-arg.js';
import { stateCases } from './state.js';
import { constructorCases } from './constructor.js';
import { sendDataCases } from './send-data.js';
import { messageCases } from './message.js';
import { requestCases } from './request.js';
import { closeStateCases } from './close-state.js';
import { sendCases } from './send.js';
import { serverCloseCases } from './server.js';
import { handshakeCases } from './handshake.js';
import { attributeCases } from './attributes.js';
import { navigationCases } from './navigation.js';
import { tlsApiCases } from './tls.js';
import { streamLifecycleCases } from './stream.js';
import { streamDataCases } from './stream-data.js';
import { cookieCases } from './cookies.js';
import { workerVariants } from './contexts.js';

/**
 * The families of JavaScript values, attributes in handlers, URLs, data types, event fields,
 * request headers and cookies (api.close.arg.*, api.close.reason.* beyond ASCII, api.state.*,
 * api.constructor.* beyond the three schemes, api.send.* data types, api.message.*, api.event.*,
 * api.request.*, api.cookies.*).
 */
export const valueFamilyCases: readonly CaseDef[] = [...closeArgCases, ...closeReasonUtf8Cases, ...stateCases, ...constructorCases, ...sendDataCases, ...messageCases, ...requestCases, ...cookieCases];

/** WebSocketStream, the streams-based WebSocket (api.stream.*; UNIMPLEMENTED where the engine has none). */
export const streamCases: readonly CaseDef[] = [...streamLifecycleCases, ...streamDataCases];

/** The browser-API cases as the document runs them. */
export const windowApiCases: readonly CaseDef[] = [
  ...closeCodeCases,
  ...closeReasonCases,
  ...closeStateCases,
  ...sendCases,
  ...serverCloseCases,
  ...handshakeCases,
  ...attributeCases,
  ...navigationCases,
  ...valueFamilyCases,
  ...streamCases,
  ...tlsApiCases,
];

/** Every browser-API case, in the order they are listed and run: the document's, then their worker variants (contexts.ts). */
export const browserApiCases: readonly CaseDef[] = [...windowApiCases, ...workerVariants(windowApiCases)];
