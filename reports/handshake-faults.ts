/**
 * A target whose opening handshake is broken (a wrong Sec-WebSocket-Accept, a 403 to every upgrade)
 * fails every case the same way, in the handshake. These groups let the reports say that once per
 * agent and fault instead of once per case.
 */
import type { CaseResult, RunResults } from '../runner/engine/results.js';
import { compareCaseIds } from './names.js';

export interface HandshakeFaultGroup {
  agent: string;
  /** CaseResult.handshakeFault, shared by the whole group. */
  fault: string;
  /** The results that met the fault, by case ID. */
  results: CaseResult[];
  /**
   * Every result of the agent met it, apart from the handshake.* cases: those send requests of
   * their own making and are judged on their own (a refusal there may well be right).
   */
  every: boolean;
}

/** Groups of at least two results per agent and fault, agents in order of appearance. */
export function handshakeFaultGroups(run: RunResults): HandshakeFaultGroup[] {
  const byAgent = new Map<string, CaseResult[]>();
  for (const r of run.results) {
    const list = byAgent.get(r.agent) ?? [];
    list.push(r);
    byAgent.set(r.agent, list);
  }
  const groups: HandshakeFaultGroup[] = [];
  for (const [agent, mine] of byAgent) {
    const byFault = new Map<string, CaseResult[]>();
    for (const r of mine) {
      if (r.handshakeFault === undefined) continue;
      const list = byFault.get(r.handshakeFault) ?? [];
      list.push(r);
      byFault.set(r.handshakeFault, list);
    }
    for (const [fault, results] of byFault) {
      if (results.length < 2) continue;
      const every = mine.every((r) => r.handshakeFault === fault || r.id.startsWith('handshake.'));
      groups.push({ agent, fault, results: results.sort((a, b) => compareCaseIds(a.id, b.id)), every });
    }
  }
  return groups;
}
