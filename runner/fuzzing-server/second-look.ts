/**
 * The second look when the harness runs the client itself (`--command`), so that its verdicts do not
 * depend on load (runner/engine/confirm.ts). The client picks how many cases it runs at once, and the
 * harness cannot see how busy it is; what the harness does see is which cases ran beside others. A
 * verdict that is not OK, that a timer shaped, that no protocol violation of the client decided, and
 * that was reached while another case was open is a suspect. Once the command has run every case, it
 * runs a second time against the same server, which then offers only the suspects, and their second
 * verdicts are the ones reported. A client that ran one case at a time played each case as Autobahn
 * plays it: its verdicts stand. Clients that connect by themselves cannot be run again.
 */
import { confirmedResult, suspect } from '../engine/confirm.js';
import type { CaseResult, PaceSummary } from '../engine/results.js';
import type { ClientCommandOutcome } from './client-command.js';
import type { FuzzingServer } from './server.js';

const keyOf = (r: Pick<CaseResult, 'agent' | 'id'>): string => `${r.agent}\u0000${r.id}`;

/** The results to look at again: suspect verdicts of cases that overlapped another case in time. */
export function suspectsOf(server: FuzzingServer): CaseResult[] {
  const results = server.results();
  const spans = results.flatMap((r) => server.sighting(r.agent, r.id) ?? []);
  return results.filter((r) => {
    const seen = server.sighting(r.agent, r.id);
    if (!seen || !suspect(r, seen.transcript)) return false;
    return spans.some((o) => o !== seen && o.fromMs < seen.toMs && seen.fromMs < o.toMs);
  });
}

export interface SecondLookOptions {
  log?: (line: string) => void;
  /** True once the run is stopping: no second run starts. */
  stopping?: () => boolean;
}

/**
 * After the client command's first run: runs it again with `again` on the suspects, if there are
 * any, and resolves with what the summary says of each agent that had some (RunMeta.agents[].pace);
 * an empty map when there was nothing to look at, which then costs nothing. `again` resolves with
 * null when the run was stopped before the command ended. A suspect the second run gave no verdict
 * for keeps its first, with a note saying why.
 */
export async function secondLook(server: FuzzingServer, again: () => Promise<ClientCommandOutcome | null>, o: SecondLookOptions = {}): Promise<Map<string, PaceSummary>> {
  await server.idle();
  const suspects = suspectsOf(server);
  if (suspects.length === 0 || o.stopping?.()) return new Map();
  const k = new Set(suspects.map((r) => r.id)).size;
  const settled = new Map<string, CaseResult>();
  server.playAgain(suspects, (second, first) => {
    const r = confirmedResult(second, first, Infinity, { clientCases: k });
    settled.set(keyOf(r), r);
    return r;
  });
  o.log?.(`running the client command again for ${k} case(s) that got a timer verdict while other cases ran beside them`);
  const outcome = await again();
  // A stopped run does not wait for the cases in progress: closing the server ends them.
  if (outcome !== null) await server.idle();
  const missing = suspects.filter((r) => !settled.has(keyOf(r)));
  const why = missing.length > 0 ? noVerdictBecause(outcome, settled.size) : undefined;
  for (const r of missing) {
    const note = `Not confirmed: the first run gave ${r.behavior} / ${r.behaviorClose} from a timer while other cases ran beside it; the client command ran again with only the ${k === 1 ? 'case' : `${k} cases`} in question, but ${why}: the first verdict stands.`;
    server.amend({ ...r, notes: [...(r.notes ?? []), note] });
  }
  const pace = new Map<string, PaceSummary>();
  for (const r of suspects) {
    const p = pace.get(r.agent) ?? { confirmed: 0, changed: 0, clientReplay: { kept: 0, ...(why !== undefined ? { keptBecause: why } : {}) } };
    const s = settled.get(keyOf(r));
    if (s) {
      p.confirmed++;
      if (!s.confirmedAlone?.same) p.changed++;
    } else p.clientReplay!.kept++;
    pace.set(r.agent, p);
  }
  return pace;
}

/** Why the second run gave no verdict for a case in question, in words that follow "but". */
function noVerdictBecause(outcome: ClientCommandOutcome | null, settled: number): string {
  if (outcome === null) return 'the run was stopped before it ended';
  if (outcome.error !== undefined) return `it could not be started (${outcome.error})`;
  if (outcome.endedBecause === 'timeout') return 'it was killed at its time limit';
  if (outcome.endedBecause === 'idle') return 'it was killed when it went idle';
  const exit = outcome.code !== null ? `exit code ${outcome.code}` : `signal ${outcome.signal ?? '?'}`;
  return settled === 0 ? `it ran none of them (${exit})` : `it did not run this one (${exit})`;
}
