import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { filterFromFlags, parseLimit, type FilterFlags } from '../../domain/filters.js';
import { ticketJson } from '../../domain/interchange.js';
import type { Ticket } from '../../domain/types.js';
import { countTickets, listTickets } from '../../store/repos/tickets.js';
import { printJson, printTable } from '../../ui/output.js';
import { orgIdOf } from '../../store/repos/organisations.js';
import { COUNT_CAP, cutNotice } from './list.js';
import { and } from '../../domain/query/index.js';
import type { TicketFilter } from '../../domain/filters.js';
import { queryText, readQuery } from '../query/read.js';

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
export async function runSearch(ctx: Ctx, words: string[], opts: SearchOptions): Promise<void> {
  const text = queryText(words);
  if (!text.trim()) throw new UsageError('search needs words to look for');
  const limit = parseLimit(opts.limit, 20);
  const parsed = await readQuery(ctx, text);
  // The free words of the query's top level rank the hits as search always did; the rest of the
  // query (terms, OR, -, phrases) narrows them in the database.
  const top = parsed.node.kind === 'and' ? parsed.node.items : [parsed.node];
  const ranked = top.filter((n) => n.kind === 'word' || n.kind === 'phrase');
  const rest = top.filter((n) => n.kind !== 'word');
  const query = rest.length ? { node: and(rest), now: parsed.now } : undefined;
  const filter = { ...filterFromFlags({ ...opts, all: true }, await ctx.actor(), await ctx.tiers()), query };
  const store = await ctx.store();
  if (opts.org !== undefined) filter.org = await orgIdOf(store.db, opts.org, '--org');
  if (!ranked.length) return printRows(ctx, text, (await listTickets(store.db, filter, 'updated', limit)).map((t) => ({ t, snippet: '' })), limit, filter);
  const rankText = ranked.map((n) => (n.kind === 'word' || n.kind === 'phrase' ? n.text : '')).join(' ');
  const hits = await store.ops.rank(store.db, rankText, MAX_HITS);
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
  // asked for all at once: the store reads them together (PostgreSQL: one statement)
  const snippets = await Promise.all(shown.map((r) => r.snippet()));
  const rows = shown.map((r, k) => ({ t: r.t, snippet: snippets[k]! }));
  if (!ctx.json) {
    for (; i < hits.length; i += CHUNK) matched += await countTickets(store.db, { ...filter, ids: hits.slice(i, i + CHUNK).map((h) => h.ticket_id) });
  }
  if (!(await printHits(ctx, text, rows))) return;
  if (matched > rows.length) ctx.io.err(cutNotice(rows.length, hits.length >= MAX_HITS ? `${matched}+` : matched));
}

/** The hits as JSON or a table (or "nothing matches"); true when a table was printed. */
async function printHits(ctx: Ctx, text: string, rows: { t: Ticket; snippet: string }[]): Promise<boolean> {
  if (ctx.json) {
    printJson(ctx.io, rows.map((r) => ({ ...ticketJson(r.t), snippet: r.snippet })));
    return false;
  }
  if (!rows.length) {
    ctx.io.err(`nothing matches '${text}'\n`);
    return false;
  }
  await printTable(ctx.io, ['ID', 'Status', 'Subject', 'Match'], rows.map((r) => [`#${r.t.id}`, r.t.status, r.t.subject, r.snippet]), {
    colWidths: [7, 9, null, null],
  });
  return true;
}

/** Rows of a search without free words at its top level (only terms): newest first, no snippets. */
async function printRows(ctx: Ctx, text: string, rows: { t: Ticket; snippet: string }[], limit: number, filter: TicketFilter): Promise<void> {
  if (!(await printHits(ctx, text, rows))) return;
  if (rows.length === limit) {
    const store = await ctx.store();
    const total = await countTickets(store.db, filter, COUNT_CAP);
    if (total > limit) ctx.io.err(cutNotice(limit, total > COUNT_CAP ? `${COUNT_CAP}+` : total));
  }
}
