// The triage queue: the tickets that need someone, most urgent first. "Need someone" means new
// or open, plus pending tickets whose snooze time has come; `--status` replaces that default.
import type { Kysely } from 'kysely';
import { sortByUrgency } from '../../domain/queue-order.js';
import { slaFactsOf } from '../../domain/rules/sla-facts.js';
import type { SlaPolicySet } from '../../domain/sla/index.js';
import type { TicketFilter } from '../../domain/filters.js';
import type { Status, Ticket, TicketEvent } from '../../domain/types.js';
import type { DB } from '../../store/schema.js';
import { listTickets, loadHistories } from '../../store/repos/tickets.js';

export interface QueueItem {
  ticket: Ticket;
  /** nearest due time of a running SLA clock; null when none runs (or no policy) */
  due_at: string | null;
  /** a snooze that has run out (the ticket is back in the queue because of it) */
  snoozeEnded: string | null;
}

/** The statuses that need someone unless the agent asks for others. */
export const NEEDS_SOMEONE: readonly Status[] = ['new', 'open'];

/** When the latest snooze ends, if the ticket has not changed status since it was snoozed. */
export function snoozedUntil(events: readonly TicketEvent[]): string | null {
  let until: string | null = null;
  for (const e of events) {
    if (e.type === 'snooze') until = e.to ?? null;
    else if (e.type === 'status' && e.to !== 'pending') until = null;
  }
  return until;
}

const BATCH = 500;

/**
 * `explicitStatuses`: the agent's --status (then exactly those); else the default of
 * NEEDS_SOMEONE plus expired snoozes.
 */
export async function loadQueue(
  db: Kysely<DB>, filter: TicketFilter, opts: { explicitStatuses: boolean; policy: SlaPolicySet | null; now: Date },
): Promise<QueueItem[]> {
  const statuses = opts.explicitStatuses ? filter.statuses : [...NEEDS_SOMEONE, 'pending' as const];
  const tickets = await listTickets(db, { ...filter, statuses }, 'priority');
  // Histories are needed for due times (with a policy) and to see snoozes (pending tickets).
  const needHistory = tickets.filter((t) => opts.policy || (!opts.explicitStatuses && t.status === 'pending')).map((t) => t.id);
  const facts = new Map<number, { due: string | null; snooze: string | null }>();
  for (let i = 0; i < needHistory.length; i += BATCH) {
    for (const h of await loadHistories(db, needHistory.slice(i, i + BATCH))) {
      facts.set(h.id, { due: opts.policy ? slaFactsOf(opts.policy, h, opts.now).dueAt : null, snooze: snoozedUntil(h.events) });
    }
  }
  const items: QueueItem[] = [];
  for (const t of tickets) {
    const f = facts.get(t.id);
    let snoozeEnded: string | null = null;
    if (!opts.explicitStatuses && t.status === 'pending') {
      // Pending without a snooze waits on the customer; with one, it waits until the time comes.
      if (!f?.snooze || Date.parse(f.snooze) > opts.now.getTime()) continue;
      snoozeEnded = f.snooze;
    }
    items.push({ ticket: t, due_at: f?.due ?? null, snoozeEnded });
  }
  return sortByUrgency(items.map((it) => ({ ...it, id: it.ticket.id, priority: it.ticket.priority, created_at: it.ticket.created_at })))
    .map(({ ticket, due_at, snoozeEnded }) => ({ ticket, due_at, snoozeEnded }));
}
