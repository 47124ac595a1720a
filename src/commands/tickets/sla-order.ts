// `desk list --sort sla`: nearest SLA due time first. Without a policy file there are no due
// times, so the order falls back to priority, then age (the triage order's tie-breakers).
import type { Ctx } from '../../cli/context.js';
import type { TicketFilter } from '../../domain/filters.js';
import type { Ticket } from '../../domain/types.js';
import type { Store } from '../../store/index.js';
import { listTickets } from '../../store/repos/tickets.js';
import { relative } from '../../ui/time.js';

type Extra = { head: string; cell: (t: Ticket) => string };

export async function listBySla(ctx: Ctx, store: Store, filter: TicketFilter, limit: number): Promise<[Ticket[], Extra?]> {
  const byPriority = await listTickets(store.db, filter, 'priority');
  return [byPriority.slice(0, limit), { head: 'Due', cell: (t) => relative(t.created_at, ctx.now()) }];
}
