// SLA clocks at risk on an agent's ticket: each running clock due within the hour tells its
// ticket's assignee once (the notification's key is the ticket, the clock and its due time, so a
// clock that stopped and runs again with a new due time tells again). Run by `desk sync` and
// `desk escalate --auto`, the commands cron runs; nothing without an SLA policy in the config.
import type { Ctx } from '../../cli/context.js';
import { isoSeconds } from '../../domain/types.js';

/** How soon before its due time a clock counts as at risk. */
export const AT_RISK_WITHIN_S = 3600;

export async function notifySlaAtRisk(ctx: Ctx): Promise<number> {
  const config = await ctx.config();
  if (!config.sla) return 0;
  const [{ loadPolicyFile }, { collectAtRisk }, { recordNotifications }] = await Promise.all([
    import('../sla/policy-file.js'), import('../sla/at-risk.js'), import('../../store/repos/notifications.js'),
  ]);
  const now = ctx.now();
  const policy = await loadPolicyFile(ctx, undefined);
  const list = (await collectAtRisk(ctx, policy, { now, within: AT_RISK_WITHIN_S, includeBreached: false })).filter((c) => c.assignee);
  if (!list.length) return 0;
  const zone = await (await import('../sla/policy-file.js')).agentTimeZone(ctx);
  const { localTime } = await import('../../ui/time.js');
  const clockName = (c: string) => c.replace(/_/g, ' ');
  const store = await ctx.store();
  const at = isoSeconds(now);
  return store.write((tx) => recordNotifications(tx, list.map((c) => ({
    agent: c.assignee!, kind: 'sla_at_risk' as const, ticket: c.id, actor: 'desk', at,
    text: `${clockName(c.clock)} due ${localTime(c.due_at, zone)} (in ${Math.max(1, Math.round(c.remaining_s / 60))}m, ${c.policy})`,
    dedupeKey: `sla:${c.id}:${c.clock}:${c.due_at}`,
  }))));
}

/** For the commands cron runs: a failure here must not fail the sync or the escalation. */
export async function notifySlaAtRiskQuietly(ctx: Ctx): Promise<void> {
  try {
    await notifySlaAtRisk(ctx);
  } catch (err) {
    ctx.io.err(`desk: could not check SLA clocks at risk for notifications: ${(err as Error)?.message ?? String(err)}\n`);
  }
}
