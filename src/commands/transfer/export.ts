import type { Ctx } from '../../cli/context.js';
import { parseInstant } from '../../domain/instant.js';
import { historyJson } from '../../domain/interchange.js';
import { isoSeconds } from '../../domain/types.js';
import { loadHistories } from '../../store/repos/tickets.js';
import { jsonText } from '../../ui/safe-text.js';

const PAGE = 500;

/** Streams every ticket, oldest id first, one JSON line each, respecting stdout back-pressure. */
export async function runExport(ctx: Ctx, opts: { since?: string }): Promise<void> {
  const since = opts.since ? isoSeconds(parseInstant(opts.since, '--since')) : undefined;
  const store = await ctx.store();
  let after = 0;
  for (;;) {
    let q = store.db.selectFrom('tickets').select('id').where('id', '>', after).orderBy('id').limit(PAGE);
    if (since) q = q.where('updated_at', '>=', since);
    const ids = (await q.execute()).map((r) => Number(r.id));
    if (!ids.length) break;
    after = ids[ids.length - 1]!;
    const lines = (await loadHistories(store.db, ids)).map((h) => jsonText(historyJson(h))).join('\n') + '\n';
    await write(ctx, lines);
  }
}

async function write(ctx: Ctx, text: string): Promise<void> {
  ctx.io.out(text);
  await ctx.io.drain();
}
