/**
 * closecode.*: the close-code space Autobahn's 7.x leaves out, in both roles (RFC 6455 §5.5.1,
 * §7.4). The harness sends a close frame; the target answers a valid code with 1000 or the same
 * code, and fails the connection (1002) on a code that may not appear on the wire.
 *
 * Already covered by Autobahn, so not repeated here: 0, 999, 1004, 1005, 1006, 1016, 2000, 2999
 * (7.9.x, invalid); 1000-1003, 1007-1011, 3000, 3999, 4000, 4999 (7.7.x, valid); the 1-byte close
 * payload (7.3.2); the 123-byte reason (7.3.5); the 124-byte reason (7.3.6). Autobahn's 7.13.x
 * send 5000 and 65535 but only report what happens; here they are judged.
 *
 * Levels:
 * - 1012-1014 were added to IANA's close code registry after RFC 6455 (§7.4.2 reserves
 *   1000-2999 for such definitions). Answering is OK; failing them with 1002 is NON-STRICT
 *   (older implementations predate the registration).
 * - 1015 is one of the codes §7.4.1 says must never be sent; 1999 is unassigned in the protocol's
 *   range: MUST, as Autobahn grades 1005, 1006 and 2000.
 * - 5000 and 65535 lie outside every range §7.4.2 defines, and §5.5.1 makes the code one of those;
 *   but the RFC tells the receiver nothing, so failing with 1002 is OK and accepting the code
 *   (answering 1000 or echoing it) is NON-STRICT.
 * - A reason that is not UTF-8: §5.5.1 says the reason is UTF-8 and §8.1 says invalid UTF-8 fails
 *   the connection. 1007 is the code for inconsistent data (§7.4.1); 1002 is tolerated
 *   (NON-STRICT), where Autobahn's 7.5.1 accepts both as OK.
 */
import type { CaseDef, CloseExpectation } from '../types.js';
import { answersClose, closesNormally, hex, killAfter, sendClose } from '../dsl.js';

const closeCase = (id: string, title: string, description: string, expectation: string, spec: string, level: 'MUST' | 'SHOULD', code: number, close: CloseExpectation, reason?: Buffer): CaseDef => ({
  id,
  title,
  description,
  expectation,
  requirement: { spec, level },
  steps: [killAfter(1000), sendClose(code, reason)],
  expect: { kind: 'events', outcomes: { OK: [] }, close, wrongCodeFails: true },
});

const registered = [1012, 1013, 1014].map((code) =>
  closeCase(
    `closecode.${code}`,
    `close with registered code ${code}`,
    `Send a close frame with the status code ${code}, registered with IANA after RFC 6455 (${{ 1012: 'service restart', 1013: 'try again later', 1014: 'bad gateway' }[code]}).`,
    `The close is answered with 1000 or ${code}; failing it with 1002 is tolerated (NON-STRICT).`,
    'RFC 6455 §7.4.2, IANA WebSocket Close Code Number Registry',
    'SHOULD',
    code,
    { ...closesNormally([1000, code]), tolerated: [1002] },
  ),
);

const forbidden = [
  { code: 1015, why: 'reserved for reporting a failed TLS handshake, and must never be sent in a close frame', spec: 'RFC 6455 §7.4.1' },
  { code: 1999, why: 'unassigned in the range reserved for the protocol', spec: 'RFC 6455 §7.4.2' },
].map(({ code, why, spec }) =>
  closeCase(`closecode.${code}`, `close with invalid code ${code}`, `Send a close frame with the status code ${code}, which is ${why}.`, 'The target fails the connection (1002) or drops TCP.', spec, 'MUST', code, answersClose([1002])),
);

const outOfRange = [5000, 65535].map((code) =>
  closeCase(
    `closecode.${code}`,
    `close with out-of-range code ${code}`,
    `Send a close frame with the status code ${code}, above every range RFC 6455 defines (Autobahn's 7.13.x only report this).`,
    `The target fails the connection (1002) or drops TCP; answering with 1000 or ${code} is tolerated (NON-STRICT).`,
    'RFC 6455 §5.5.1, §7.4.2',
    'SHOULD',
    code,
    { ...answersClose([1002]), tolerated: [1000, code] },
  ),
);

export const closeCodeCases: CaseDef[] = [
  ...registered,
  ...forbidden,
  ...outOfRange,
  closeCase(
    'closecode.reason-invalid-utf8',
    'close reason with invalid UTF-8, graded strictly',
    'Send a close frame with status 1000 and a reason that is not valid UTF-8 (the bytes of 7.5.1).',
    'The target fails the connection with 1007 or drops TCP; 1002 is tolerated (NON-STRICT).',
    'RFC 6455 §5.5.1, §7.4.1, §8.1',
    'MUST',
    1000,
    { ...answersClose([1007]), tolerated: [1002] },
    hex('cebae1bdb9cf83cebcceb5eda080656469746564'),
  ),
];
