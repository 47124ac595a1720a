import type { Ctx } from '../../cli/context.js';
import { getTicketHistory } from '../../store/repos/tickets.js';
import { parseTicketId } from '../shared.js';
import { printTicketFull } from './render.js';

export async function runShow(ctx: Ctx, idArg: string, opts: { why?: boolean }): Promise<void> {
  const id = parseTicketId(idArg);
  const store = await ctx.store();
  await printTicketFull(ctx, await getTicketHistory(store.db, id), !!opts.why);
}
