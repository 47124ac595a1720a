// A ticket's history as the query's facts (evaluate.ts): what the store's SQL reads from its
// tables, read here from the ticket in memory.
import { snoozeState } from '../snooze.js';
import type { TicketWithHistory } from '../types.js';
import type { QueryFacts, RunningClock } from './evaluate.js';

export interface FactsExtra {
  /** what is.snoozed is judged at */
  now: Date;
  /** the ticket's current rating (not part of its history); default none */
  csat?: number | null;
  /** its running SLA clocks (judged by the SLA engine); default none */
  clocks?: readonly RunningClock[];
}

/** Messages in the order they were written (date, then as stored). */
function inOrder<T extends { date: string }>(messages: readonly T[]): T[] {
  return messages.map((m, i) => ({ m, i })).sort((a, b) => Date.parse(a.m.date) - Date.parse(b.m.date) || a.i - b.i).map((x) => x.m);
}

export function queryFactsOf(t: TicketWithHistory, extra: FactsExtra): QueryFacts {
  const messages = inOrder(t.messages);
  // the latest message a person wrote (automatic mail aside), as the store's is:unanswered
  const lastPersonal = messages.filter((m) => !m.auto).at(-1);
  return {
    id: t.id,
    status: t.status,
    priority: t.priority,
    tier: t.tier,
    queue: t.queue,
    assignee: t.assignee,
    tags: t.tags,
    requester: t.requester.email.toLowerCase(),
    org: t.customer?.organisation?.toLowerCase() ?? null,
    subject: t.subject,
    created_at: t.created_at,
    updated_at: t.updated_at,
    // the index keeps the subject with the texts of the messages written together
    documents: [[t.subject, ...messages.map((m) => m.text)].join('\n\n')],
    hasAttachment: messages.some((m) => (m.attachments?.length ?? 0) > 0),
    unanswered: lastPersonal?.direction === 'in',
    snoozed: snoozeState(t, extra.now).until !== null,
    csat: extra.csat ?? null,
    linked: (t.links ?? []).map((l) => l.ticket),
    clocks: extra.clocks ?? [],
  };
}
