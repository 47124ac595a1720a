// desk sla explain ID: each clock's segments and sums.
import type { Ctx } from '../../cli/context.js';
import { explainTicket } from '../../domain/sla/index.js';
import { getTicketHistory } from '../../store/repos/tickets.js';
import { renderExplain } from '../../ui/report/explain.js';
import { printJson } from '../../ui/output.js';
import { paged } from '../../ui/pager.js';
import { parseTicketId } from '../shared.js';
import { agentTimeZone, loadPolicy } from './policy-file.js';

export async function runExplain(ctx: Ctx, idText: string, flags: { policy?: string }): Promise<void> {
  const id = parseTicketId(idText);
  const policies = await loadPolicy(ctx, flags.policy);
  const store = await ctx.store();
  const explanation = explainTicket(policies, await getTicketHistory(store.db, id), ctx.now());
  if (ctx.json) return printJson(ctx.io, explanation);
  const text = renderExplain(explanation, { color: ctx.io.color, timeZone: await agentTimeZone(ctx) });
  await paged(ctx.io, (io) => io.out(text));
}
