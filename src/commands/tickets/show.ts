import type { Ctx } from '../../cli/context.js';
import { getTicketHistory } from '../../store/repos/tickets.js';
import { parseTicketId } from '../shared.js';
import { printTicketFull } from './render.js';
import { paged } from '../../ui/pager.js';

export async function runShow(ctx: Ctx, idArg: string, opts: { why?: boolean }): Promise<void> {
  const id = parseTicketId(idArg);
  const store = await ctx.store();
  const history = await getTicketHistory(store.db, id);
  if (ctx.json) return printTicketFull(ctx, history, !!opts.why);
  const presence = await (await import('../presence/lines.js')).presenceLines(ctx, id);
  const kb = await import('../kb/suggest.js');
  const suggested = kb.suggestionLines(await kb.suggestedFor(ctx, history));
  await paged(ctx.io, async (io) => {
    await printTicketFull({ ...ctx, io }, history, !!opts.why, presence);
    for (const l of suggested) io.out(l + '\n');
  });
}
