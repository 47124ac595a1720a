// Adapts the SLA engine's measurements to what the escalation rules and the triage order read:
// each clock's figures, the nearest due time, and how long the customer's latest message has
// waited in business time (the policy's calendar, pause statuses not counted).
import { ALWAYS, countingTime, evaluateTicket, type SlaPolicySet } from '../sla/index.js';
import { toSeconds } from '../sla/timeline.js';
import type { TicketWithHistory } from '../types.js';
import { unansweredSince } from './escalation.js';
import type { SlaFacts } from './types.js';

export interface TicketSlaFacts {
  facts: SlaFacts;
  /** nearest due time of the running clocks; null when none runs */
  dueAt: string | null;
}

/** Without a policy file there are no targets; the customer's wait is then counted in wall-clock time. */
export function slaFactsOf(set: SlaPolicySet | null, ticket: TicketWithHistory, now: Date): TicketSlaFacts {
  const since = unansweredSince(ticket.messages);
  const nowS = Math.floor(now.getTime() / 1000);
  if (!set) {
    const waited = since === null ? null : Math.max(0, nowS - toSeconds(since));
    return { facts: { lastInboundUnansweredBusinessSeconds: waited }, dueAt: null };
  }
  const e = evaluateTicket(set, ticket, now);
  const waited = since === null
    ? null
    : countingTime(e.policy?.calendar ?? ALWAYS, e.timeline, Math.min(toSeconds(since), nowS), nowS, set.pauseStatuses);
  let due: string | null = null;
  for (const c of [e.sla.first_response, e.sla.next_response, e.sla.resolution]) {
    if (c && !c.stopped && c.due_at && (due === null || Date.parse(c.due_at) < Date.parse(due))) due = c.due_at;
  }
  return {
    facts: {
      first_response: e.sla.first_response,
      next_response: e.sla.next_response,
      resolution: e.sla.resolution,
      lastInboundUnansweredBusinessSeconds: waited,
    },
    dueAt: due,
  };
}
