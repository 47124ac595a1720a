// The triage queue: the tickets that need someone, most urgent first. "Need someone" means new
// or open and not snoozed, plus pending tickets whose snooze time has come (domain/snooze.ts);
// `--status` replaces that default.
import type { Kysely } from 'kysely';
import { sortByUrgency } from '../../domain/queue-order.js';
import { slaFactsOf } from '../../domain/rules/sla-facts.js';
import type { SlaPolicySet } from '../../domain/sla/index.js';
import type { TicketFilter } from '../../domain/filters.js';
import { snoozeState } from '../../domain/snooze.js';
import type { Status, Ticket } from '../../domain/types.js';
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
  // Histories are needed for due times (with a policy) and to see snoozes.
  const snoozed = opts.explicitStatuses ? new Set<number>() : await everSnoozed(db, tickets.map((t) => t.id));
  const needHistory = tickets.filter((t) => opts.policy || snoozed.has(t.id)).map((t) => t.id);
  const facts = new Map<number, { due: string | null; snooze: ReturnType<typeof snoozeState> | null }>();
  for (let i = 0; i < needHistory.length; i += BATCH) {
    for (const h of await loadHistories(db, needHistory.slice(i, i + BATCH))) {
      facts.set(h.id, { due: opts.policy ? slaFactsOf(opts.policy, h, opts.now).dueAt : null, snooze: snoozed.has(h.id) ? snoozeState(h, opts.now) : null });
    }
  }
  const items: QueueItem[] = [];
  for (const t of tickets) {
    const f = facts.get(t.id);
    let snoozeEnded: string | null = null;
    if (!opts.explicitStatuses) {
      if (f?.snooze?.until) continue; // snoozed: out of the queue until its time
      snoozeEnded = f?.snooze?.ended ?? null;
      // Pending without a snooze that ran out waits on the customer.
      if (t.status === 'pending' && !snoozeEnded) continue;
    }
    items.push({ ticket: t, due_at: f?.due ?? null, snoozeEnded });
  }
  return sortByUrgency(items.map((it) => ({ ...it, id: it.ticket.id, priority: it.ticket.priority, created_at: it.ticket.created_at })))
    .map(({ ticket, due_at, snoozeEnded }) => ({ ticket, due_at, snoozeEnded }));
}

/** Which of these tickets were ever snoozed (partial index events_snooze). */
async function everSnoozed(db: Kysely<DB>, ids: number[]): Promise<Set<number>> {
  const out = new Set<number>();
  for (let i = 0; i < ids.length; i += 900) {
    const rows = await db.selectFrom('events').select('ticket_id').distinct()
      .where('type', '=', 'snooze').where('ticket_id', 'in', ids.slice(i, i + 900)).execute();
    for (const r of rows) out.add(Number(r.ticket_id));
  }
  return out;
}
