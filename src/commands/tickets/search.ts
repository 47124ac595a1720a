import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { filterFromFlags, parseLimit, type FilterFlags } from '../../domain/filters.js';
import { ticketJson } from '../../domain/interchange.js';
import type { Ticket } from '../../domain/types.js';
import { countTickets, listTickets } from '../../store/repos/tickets.js';
import { printJson, printTable } from '../../ui/output.js';
import { cutNotice } from './list.js';
import { orgIdOf } from '../../store/repos/organisations.js';

/** How many matches are looked at: enough for any filter a person gives, and to say "of N". */
const MAX_HITS = 5000;
const CHUNK = 500;

export interface SearchOptions extends FilterFlags {
  org?: string;
  limit?: string;
}

/**
 * Full-text search, narrowed by the filters of `desk list`. Unlike list, finished tickets are
 * searched too unless --status says otherwise: search is how old answers are found again.
 */
export async function runSearch(ctx: Ctx, query: string, opts: SearchOptions): Promise<void> {
  if (!query.trim()) throw new UsageError('search needs words to look for');
  const limit = parseLimit(opts.limit, 20);
  const filter = filterFromFlags({ ...opts, all: true }, await ctx.actor(), await ctx.tiers());
  const store = await ctx.store();
  if (opts.org !== undefined) filter.org = await orgIdOf(store.db, opts.org, '--org');
  const hits = await store.ops.rank(store.db, query, MAX_HITS);
  // The shown rows are loaded in rank order, a few at a time, until there are enough; the other
  // hits are only counted (for "showing 20 of N"), which needs no rows and no requesters.
  const shown: { t: Ticket; snippet(): Promise<string> }[] = [];
  let matched = 0;
  let i = 0;
  while (i < hits.length && shown.length < limit) {
    const part = hits.slice(i, (i += Math.min(CHUNK, Math.max(limit - shown.length, 50))));
    const byId = new Map<number, Ticket>();
    for (const t of await listTickets(store.db, { ...filter, ids: part.map((h) => h.ticket_id) }, 'updated')) byId.set(t.id, t);
    for (const h of part) {
      const t = byId.get(h.ticket_id);
      if (!t) continue;
      matched++;
      if (shown.length < limit) shown.push({ t, snippet: h.snippet });
    }
  }
  const rows: { t: Ticket; snippet: string }[] = [];
  for (const r of shown) rows.push({ t: r.t, snippet: await r.snippet() });
  if (!ctx.json) {
    for (; i < hits.length; i += CHUNK) matched += await countTickets(store.db, { ...filter, ids: hits.slice(i, i + CHUNK).map((h) => h.ticket_id) });
  }
  if (ctx.json) return printJson(ctx.io, rows.map((r) => ({ ...ticketJson(r.t), snippet: r.snippet })));
  if (!rows.length) {
    ctx.io.err(`nothing matches '${query}'\n`);
    return;
  }
  await printTable(ctx.io, ['ID', 'Status', 'Subject', 'Match'], rows.map((r) => [`#${r.t.id}`, r.t.status, r.t.subject, r.snippet]), {
    colWidths: [7, 9, null, null],
  });
  if (matched > rows.length) ctx.io.err(cutNotice(rows.length, hits.length >= MAX_HITS ? `${matched}+` : matched));
}
