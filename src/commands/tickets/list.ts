import type { Ctx } from '../../cli/context.js';
import { mentions } from '../../domain/query/index.js';
import { filterFromFlags, parseLimit, parseSort, type FilterFlags } from '../../domain/filters.js';
import { countTickets, listTickets } from '../../store/repos/tickets.js';
import { printTickets } from './render.js';
import { orgIdOf } from '../../store/repos/organisations.js';
import { UsageError } from '../../errors.js';
import { listQuery } from '../query/list-query.js';

function parseLinkedTo(v: string): number {
  const m = /^#?(\d{1,15})$/.exec(v.trim());
  if (!m) throw new UsageError(`invalid value for --linked-to: '${v}' (a ticket id, like 42 or #42)`);
  return Number(m[1]);
}

export interface ListOptions extends FilterFlags {
  org?: string;
  sort?: string;
  limit?: string;
  /** tickets linked to this one */
  linkedTo?: string;
}

/** A cut list counts the matches up to this many ("showing 50 of 10000+" beyond). */
export const COUNT_CAP = 1_000;

/** Said (on stderr) when a list shows fewer rows than match, so nobody mistakes it for all. */
export function cutNotice(shown: number, total: number | string): string {
  return `showing ${shown} of ${total}; --limit to see more\n`;
}

export async function runList(ctx: Ctx, words: string[], opts: ListOptions): Promise<void> {
  // A query (or a saved view, @NAME) ANDed with the flags; one that names status: widens the
  // list to finished tickets as --status does.
  const { query, sort: viewSort } = await listQuery(ctx, words);
  const all = opts.all || (query !== undefined && mentions(query.node, 'status'));
  const filter = { ...filterFromFlags({ ...opts, all }, await ctx.actor(), await ctx.tiers()), query };
  if (opts.linkedTo !== undefined) filter.linkedTo = parseLinkedTo(opts.linkedTo);
  const sort = parseSort(opts.sort ?? viewSort, 'updated');
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
