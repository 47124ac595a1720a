// `desk sla at-risk`: running clocks that will breach within a window, most urgent first.
// A clock already past its target is left out unless asked for: the list is for acting before
// a breach, and a backlog of old breaches would bury the ones that can still be saved.
import type { TicketEvaluation } from './clocks.js';
import type { ClockName } from './policy.js';
import { isoOfSeconds } from './timeline.js';

/** How close its due time puts a running clock at risk: is:at-risk, the sla.at_risk hook. */
export const AT_RISK_WITHIN_S = 2 * 3600;

export interface AtRiskClock {
  id: number;
  subject: string;
  priority: string;
  assignee: string | null;
  queue: string | null;
  policy: string;
  clock: ClockName;
  /** when this run of the clock started: a clock that stops and starts again (a reopened ticket) runs anew */
  started_at: string;
  target_s: number;
  elapsed_s: number;
  due_at: string;
  /** seconds from now to due_at (negative once breached) */
  remaining_s: number;
  breached: boolean;
}

export interface AtRiskOptions {
  /** window in seconds from the evaluation's now */
  within: number;
  /** list running clocks already past their target too */
  includeBreached?: boolean;
}

/** A ticket's at-risk clocks, as of the `now` it was evaluated at; sort with sortAtRisk when done. */
export function atRiskClocks(e: TicketEvaluation, opts: AtRiskOptions): AtRiskClock[] {
  const now = e.timeline.now;
  const out: AtRiskClock[] = [];
  for (const c of e.clocks) {
    if (c.stop !== null || c.due === null) continue; // stopped or paused
    if (c.breached ? !opts.includeBreached : c.due > now + opts.within) continue;
    out.push({
      id: e.ticket.id,
      subject: e.ticket.subject,
      priority: e.ticket.priority,
      assignee: e.ticket.assignee,
      queue: e.ticket.queue,
      policy: e.policy!.name,
      clock: c.name,
      started_at: isoOfSeconds(c.start),
      target_s: c.target,
      elapsed_s: c.elapsed,
      due_at: isoOfSeconds(c.due),
      remaining_s: c.due - now,
      breached: c.breached,
    });
  }
  return out;
}

/** Most urgent first: earliest due time, then ticket id for a stable order. */
export function sortAtRisk(list: AtRiskClock[]): AtRiskClock[] {
  return list.sort((a, b) => a.remaining_s - b.remaining_s || a.id - b.id);
}
