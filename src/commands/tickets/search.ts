import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { filterFromFlags, parseLimit, type FilterFlags } from '../../domain/filters.js';
import { ticketJson } from '../../domain/interchange.js';
import type { Ticket } from '../../domain/types.js';
import { countTickets, listTickets } from '../../store/repos/tickets.js';
import { searchSnippets } from '../../store/repos/search.js';
import { printJson, printTable } from '../../ui/output.js';
import { orgIdOf } from '../../store/repos/organisations.js';
import { COUNT_CAP, cutNotice } from './list.js';
import { queryText, readQuery } from '../query/read.js';

export interface SearchOptions extends FilterFlags {
  org?: string;
  limit?: string;
}

/**
 * Full-text search, narrowed by the filters of `desk list`: the tickets the query finds, most
 * recently updated first (as `list` orders them, the same on both backends), each with a snippet
 * of its text holding the words. Unlike list, finished tickets are searched too unless --status
 * says otherwise: search is how old answers are found again.
 */
export async function runSearch(ctx: Ctx, words: string[], opts: SearchOptions): Promise<void> {
  const text = queryText(words);
  if (!text.trim()) throw new UsageError('search needs words to look for');
  const limit = parseLimit(opts.limit, 20);
  const query = await readQuery(ctx, text);
  const filter = { ...filterFromFlags({ ...opts, all: true }, await ctx.actor(), await ctx.tiers()), query };
  const store = await ctx.store();
  if (opts.org !== undefined) filter.org = await orgIdOf(store.db, opts.org, '--org');
  const tickets = await listTickets(store.db, filter, 'updated', limit);
  const snippets = await searchSnippets(store.db, query.node, tickets);
  const rows = tickets.map((t, i) => ({ t, snippet: snippets[i]! }));
  if (ctx.json) {
    printJson(ctx.io, rows.map((r) => ({ ...ticketJson(r.t), snippet: r.snippet })));
    return;
  }
  if (!rows.length) {
    ctx.io.err(`nothing matches '${text}'\n`);
    return;
  }
  await printRows(ctx, rows);
  if (rows.length === limit) {
    const total = await countTickets(store.db, filter, COUNT_CAP);
    if (total > limit) ctx.io.err(cutNotice(limit, total > COUNT_CAP ? `${COUNT_CAP}+` : total));
  }
}

async function printRows(ctx: Ctx, rows: { t: Ticket; snippet: string }[]): Promise<void> {
  await printTable(ctx.io, ['ID', 'Status', 'Subject', 'Match'], rows.map((r) => [`#${r.t.id}`, r.t.status, r.t.subject, r.snippet]), {
    colWidths: [7, 9, null, null],
  });
}
