import type { Ctx } from '../../cli/context.js';
import { filterFromFlags, parseLimit, parseSort, type FilterFlags } from '../../domain/filters.js';
import { listTickets } from '../../store/repos/tickets.js';
import { printTickets } from './render.js';

export interface ListOptions extends FilterFlags {
  sort?: string;
  limit?: string;
}

export async function runList(ctx: Ctx, opts: ListOptions): Promise<void> {
  const filter = filterFromFlags(opts, await ctx.actor(), await ctx.tiers());
  const sort = parseSort(opts.sort, 'updated');
  const limit = parseLimit(opts.limit, 50);
  const store = await ctx.store();
  if (sort === 'sla') {
    const { listBySla } = await import('./sla-order.js');
    return printTickets(ctx, ...(await listBySla(ctx, store, filter, limit)));
  }
  await printTickets(ctx, await listTickets(store.db, filter, sort, limit));
}
