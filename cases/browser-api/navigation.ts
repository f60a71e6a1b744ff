/** Browser-API cases: the document goes away. */
import type { CaseDef } from '../types.js';
import { spec, opened, accept, apiCase } from './common.js';

export const navigationCases: CaseDef[] = [
  apiCase({
    id: 'api.navigate.going-away',
    title: 'Leaving the page closes the socket with 1001',
    description: 'Once the socket is open, the page navigates to another document.',
    expectation: 'The closing handshake starts with status 1001 (going away).',
    requirement: spec.disappear,
    check: {
      server: accept,
      page: [...opened, { do: 'navigate' }],
      expectPage: ['open', 'navigate'],
      expectWire: { messages: [], close: { code: 1001 } },
    },
  }),
];
