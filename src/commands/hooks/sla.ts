// SLA events for hooks: `sla.at_risk` and `sla.breached`, each once per ticket, clock, clock run
// and kind, fired by whichever of `desk sync`, `desk escalate --auto` and `desk hooks run` comes
// first (hook_sla_fired keeps what fired; its key makes two runners at once fire it once). The
// clocks are those `desk sla at-risk --breached --within 2h` lists, read from the maintained
// clock inputs (collectAtRisk), not from each ticket's full history.
import type { Ctx } from '../../cli/context.js';
import { AT_RISK_WITHIN_S, hookWants, slaFirings } from '../../domain/hooks.js';
import { isoSeconds } from '../../domain/types.js';
import { recordSlaFiring } from '../../store/hook-events.js';
import { collectAtRisk } from '../sla/at-risk.js';
import { loadPolicyFile } from '../sla/policy-file.js';
import { hookTargets } from './destinations.js';

const BATCH = 500;

/** Fires what is due; returns how many SLA events fired. Nothing to do without a policy or a hook that wants them. */
export async function fireSlaHooks(ctx: Ctx): Promise<number> {
  const config = await ctx.config();
  const targets = hookTargets(config);
  if (!targets.some((t) => hookWants(t.on, 'sla.at_risk') || hookWants(t.on, 'sla.breached'))) return 0;
  if (!config.sla) return 0;
  const policy = await loadPolicyFile(ctx, undefined);
  const now = ctx.now();
  const at = isoSeconds(now);
  const store = await ctx.store();
  // In ticket order, as the clocks were read: the events (and their deliveries) keep that order.
  const due = slaFirings(await collectAtRisk(ctx, policy, { now, within: AT_RISK_WITHIN_S, includeBreached: true }));
  let fired = 0;
  for (let i = 0; i < due.length; i += BATCH) {
    const batch = due.slice(i, i + BATCH);
    fired += await store.write(async (tx) => {
      let n = 0;
      for (const f of batch) if (await recordSlaFiring(tx, f, at)) n++;
      return n;
    });
  }
  return fired;
}
