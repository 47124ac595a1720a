import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../cli/errors.js';
import { parseLimit } from '../../domain/filters.js';
import { ticketJson } from '../../domain/interchange.js';
import { listTickets } from '../../store/repos/tickets.js';
import { printJson, printTable } from '../../ui/output.js';

export async function runSearch(ctx: Ctx, query: string, opts: { limit?: string }): Promise<void> {
  if (!query.trim()) throw new UsageError('search needs words to look for');
  const limit = parseLimit(opts.limit, 20);
  const store = await ctx.store();
  const hits = await store.ops.search(store.db, query, limit);
  const tickets = await listTickets(store.db, { ids: hits.map((h) => h.ticket_id) }, 'updated');
  const byId = new Map(tickets.map((t) => [t.id, t]));
  const rows = hits.filter((h) => byId.has(h.ticket_id)).map((h) => ({ t: byId.get(h.ticket_id)!, snippet: h.snippet }));
  if (ctx.json) return printJson(ctx.io, rows.map((r) => ({ ...ticketJson(r.t), snippet: r.snippet })));
  if (!rows.length) {
    ctx.io.err(`nothing matches '${query}'\n`);
    return;
  }
  await printTable(ctx.io, ['ID', 'Status', 'Subject', 'Match'], rows.map((r) => [`#${r.t.id}`, r.t.status, r.t.subject, r.snippet]), {
    colWidths: [7, 9, null, null],
  });
}
