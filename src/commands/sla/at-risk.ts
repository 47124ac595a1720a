// desk sla at-risk: running clocks that breach within the window, most urgent first.
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../cli/errors.js';
import { atRiskClocks, evaluateHistory, matchFieldsUsed, parseDuration, sortAtRisk, type AtRiskClock } from '../../domain/sla/index.js';
import { isoOfSeconds } from '../../domain/sla/timeline.js';
import { renderAtRisk } from '../../ui/report/at-risk.js';
import { printJson } from '../../ui/output.js';
import { readHistories } from './histories.js';
import { agentTimeZone, loadPolicy } from './policy-file.js';

export interface AtRiskFlags {
  within?: string;
  breached?: boolean;
  assignee?: string;
  queue?: string;
  policy?: string;
}

export async function runAtRisk(ctx: Ctx, flags: AtRiskFlags): Promise<void> {
  const windowText = flags.within ?? '2h';
  const within = parseDuration(windowText);
  if (within === null) throw new UsageError(`invalid value for --within: '${windowText}' (a duration like "2h", "90m", "1h30m")`);
  const now = ctx.now();
  const policies = await loadPolicy(ctx, flags.policy);
  const assignee = flags.assignee === undefined ? undefined
    : flags.assignee === 'none' ? null : flags.assignee === 'me' ? await ctx.actor() : flags.assignee;
  const store = await ctx.store();
  const nowIso = isoOfSeconds(Math.floor(now.getTime() / 1000));
  const list: AtRiskClock[] = [];
  const fields = { subject: true, queue: true, assignee: true, tier: matchFieldsUsed(policies).has('tier'), tags: matchFieldsUsed(policies).has('tag') };
  const reading = { createdBefore: isoOfSeconds(Math.floor(now.getTime() / 1000) + 1), openAt: nowIso, fields };
  for await (const batch of readHistories(store, await ctx.dbLocation(), reading)) {
    for (const [ticket, history] of batch) {
      if (assignee !== undefined && ticket.assignee !== assignee) continue;
      if (flags.queue !== undefined && ticket.queue !== flags.queue) continue;
      list.push(...atRiskClocks(evaluateHistory(policies, ticket, history, now), { within, includeBreached: flags.breached }));
    }
  }
  sortAtRisk(list);
  if (ctx.json) return printJson(ctx.io, list);
  ctx.io.out(renderAtRisk(list, { color: ctx.io.color, timeZone: await agentTimeZone(ctx), within: windowText }));
}
