import type { Ctx } from '../../cli/context.js';
import { mentions } from '../../domain/query/index.js';
import { filterFromFlags, parseLimit, parseSort, type FilterFlags, type TicketFilter } from '../../domain/filters.js';
import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.js';
import { dialectOf } from '../../store/handle.js';
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

/**
 * The count of a cut list, up to COUNT_CAP (undefined: no count is wanted). On PostgreSQL it is
 * started at once, beside the page's own query on a second connection of the pool: the server
 * counts a common word's ten thousand matches (~30 ms at a million tickets) while the page is
 * read and printed. SQLite answers one statement at a time, so it counts only a page that is full.
 */
export function cutCount(db: Kysely<DB>, filter: TicketFilter): (shown: number, limit: number) => Promise<number | undefined> {
  const early = dialectOf(db).name === 'postgres' ? countTickets(db, filter, COUNT_CAP) : undefined;
  // (settled now, so that a page that needs no count leaves no unhandled rejection behind)
  early?.catch(() => undefined);
  return async (shown, limit) => (shown === limit ? (early ?? countTickets(db, filter, COUNT_CAP)) : undefined);
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
  const count = ctx.json ? undefined : cutCount(store.db, filter);
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
  const total = await count?.(shown, limit);
  if (total !== undefined && total > shown) { ctx.io.err(cutNotice(shown, total > COUNT_CAP ? `${COUNT_CAP}+` : total));
  }
}
