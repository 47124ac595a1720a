import type { Ctx } from '../../cli/context.js';
import { filterFromFlags, parseLimit, parseSort, type FilterFlags } from '../../domain/filters.js';
import { countTickets, listTickets } from '../../store/repos/tickets.js';
import { printTickets } from './render.js';
import { orgIdOf } from '../../store/repos/organisations.js';

export interface ListOptions extends FilterFlags {
  org?: string;
  sort?: string;
  limit?: string;
}

/** A cut list counts the matches up to this many ("showing 50 of 10000+" beyond). */
export const COUNT_CAP = 10_000;

/** Said (on stderr) when a list shows fewer rows than match, so nobody mistakes it for all. */
export function cutNotice(shown: number, total: number | string): string {
  return `showing ${shown} of ${total}; --limit to see more\n`;
}

export async function runList(ctx: Ctx, opts: ListOptions): Promise<void> {
  const filter = filterFromFlags(opts, await ctx.actor(), await ctx.tiers());
  const sort = parseSort(opts.sort, 'updated');
  const limit = parseLimit(opts.limit, 50);
  const store = await ctx.store();
  if (opts.org !== undefined) filter.org = await orgIdOf(store.db, opts.org, '--org');
  let shown: number;
  if (sort === 'sla') {
    const { listBySla } = await import('./sla-order.js');
    const [tickets, extra] = await listBySla(ctx, store, filter, limit);
    shown = tickets.length;
    await printTickets(ctx, tickets, extra);
  } else {
    const tickets = await listTickets(store.db, filter, sort, limit);
    shown = tickets.length;
    await printTickets(ctx, tickets);
  }
  if (shown === limit && !ctx.json) {
    const total = await countTickets(store.db, filter, COUNT_CAP);
    if (total > shown) ctx.io.err(cutNotice(shown, total > COUNT_CAP ? `${COUNT_CAP}+` : total));
  }
}
