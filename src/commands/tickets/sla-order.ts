// `desk list --sort sla`: the triage order — nearest SLA due time first, then priority, then
// age. Without a policy file there are no due times, so priority and age decide alone.
import type { Ctx } from '../../cli/context.js';
import type { TicketFilter } from '../../domain/filters.js';
import { sortByUrgency } from '../../domain/queue-order.js';
import { nearestDueAt } from '../../domain/sla/index.js';
import type { Ticket } from '../../domain/types.js';
import type { Store } from '../../store/index.js';
import { listTickets, loadHistories } from '../../store/repos/tickets.js';
import { relative } from '../../ui/time.js';
import { optionalPolicy } from '../sla/policy-file.js';

type Extra = { head: string; cell: (t: Ticket) => string };

export async function listBySla(ctx: Ctx, store: Store, filter: TicketFilter, limit: number): Promise<[Ticket[], Extra?]> {
  const policy = await optionalPolicy(ctx);
  const now = ctx.now();
  const tickets = await listTickets(store.db, filter, 'priority');
  const due = new Map<number, string | null>();
  if (policy) {
    for (const h of await loadHistories(store.db, tickets.map((t) => t.id))) due.set(h.id, nearestDueAt(policy, h, now));
  }
  const ordered = sortByUrgency(tickets.map((t) => ({ ...t, due_at: due.get(t.id) ?? null }))).slice(0, limit);
  const cell = (t: Ticket) => {
    const d = due.get(t.id);
    return d ? (Date.parse(d) < now.getTime() ? `overdue ${relative(d, now).replace(' ago', '')}` : relative(d, now)) : '-';
  };
  return [ordered.map(({ due_at: _due, ...t }) => t), { head: 'Due', cell }];
}
