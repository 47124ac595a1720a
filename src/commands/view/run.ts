// Saved views: a query checked when saved (a bad one is refused with its column), run by
// `desk list @NAME` and shown as tabs with their counts by `desk triage`.
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { filterFromFlags, parseSort, type TicketFilter } from '../../domain/filters.js';
import { mentions } from '../../domain/query/index.js';
import { isoSeconds } from '../../domain/types.js';
import { countTickets } from '../../store/repos/tickets.js';
import { addView, listViews, removeView, type View } from '../../store/repos/views.js';
import { printJson, printTable } from '../../ui/output.js';
import { queryText, readQuery, type ReadQuery } from '../query/read.js';
import { COUNT_CAP } from '../tickets/list.js';

export interface AddViewOptions {
  sort?: string;
  shared?: boolean;
}

export interface ViewScope {
  shared?: boolean;
}

const VIEW_NAME = /^[\p{L}\p{N}_.-]{1,64}$/u;

function viewJson(v: View, count?: number) {
  return { name: v.name, shared: v.owner === null, owner: v.owner, query: v.query, sort: v.sort, ...(count === undefined ? {} : { count }) };
}

/** What `desk list @NAME` lists: the view's query, unfinished tickets unless it names statuses. */
export async function viewFilter(ctx: Ctx, query: ReadQuery): Promise<TicketFilter> {
  return { ...filterFromFlags({ all: mentions(query.node, 'status') }, await ctx.actor(), await ctx.tiers()), query };
}

export async function runViewAdd(ctx: Ctx, name: string, words: string[], opts: AddViewOptions): Promise<void> {
  if (!VIEW_NAME.test(name)) throw new UsageError(`invalid view name '${name}' (letters, digits, _ . - ; at most 64)`);
  const text = queryText(words);
  if (!text.trim()) throw new UsageError('view add needs a query to save');
  await readQuery(ctx, text); // refused here, with its column, rather than at each use
  const sort = opts.sort === undefined ? null : parseSort(opts.sort, 'updated');
  const view: View = { name, owner: opts.shared ? null : await ctx.actor(), query: text, sort };
  const store = await ctx.store();
  await store.write((tx) => addView(tx, view, isoSeconds(ctx.now())));
  if (ctx.json) return printJson(ctx.io, viewJson(view));
  ctx.io.out(`saved ${view.owner === null ? 'shared ' : ''}view '${name}': desk list @${name}\n`);
}

/** Each view the agent sees with the number of tickets it shows now (up to COUNT_CAP + 1). */
export async function viewCounts(ctx: Ctx, views: View[]): Promise<(number | null)[]> {
  const store = await ctx.store();
  const out: (number | null)[] = [];
  for (const v of views) {
    try {
      out.push(await countTickets(store.db, await viewFilter(ctx, await readQuery(ctx, v.query)), COUNT_CAP));
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      out.push(null); // a view that no longer parses (a tier removed from the config): shown, not counted
    }
  }
  return out;
}

export async function runViewList(ctx: Ctx): Promise<void> {
  const store = await ctx.store();
  const views = await listViews(store.db, await ctx.actor());
  const counts = await viewCounts(ctx, views);
  if (ctx.json) return printJson(ctx.io, views.map((v, i) => viewJson(v, counts[i] ?? undefined)));
  if (!views.length) {
    ctx.io.err("no views yet; save one with 'desk view add NAME QUERY'\n");
    return;
  }
  const shown = (n: number | null) => (n === null ? '?' : n > COUNT_CAP ? `${COUNT_CAP}+` : String(n));
  await printTable(ctx.io, ['View', 'Whose', 'Tickets', 'Sort', 'Query'],
    views.map((v, i) => [`@${v.name}`, v.owner === null ? 'shared' : v.owner, shown(counts[i]!), v.sort ?? '-', v.query]));
}

export async function runViewRm(ctx: Ctx, name: string, opts: ViewScope): Promise<void> {
  const owner = opts.shared ? null : await ctx.actor();
  const store = await ctx.store();
  await store.write((tx) => removeView(tx, owner, name));
  ctx.io.out(`removed ${owner === null ? 'shared ' : ''}view '${name}'\n`);
}
