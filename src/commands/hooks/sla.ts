// SLA events for hooks: `sla.at_risk` and `sla.breached`, each once per ticket, clock, clock run
// and kind, fired by whichever of `desk sync`, `desk escalate --auto` and `desk hooks run` comes
// first (hook_sla_fired keeps what fired; its key makes two runners at once fire it once).
import type { Ctx } from '../../cli/context.js';
import { evaluateTicket } from '../../domain/sla/index.js';
import { hookWants, slaFirings, type SlaFiring } from '../../domain/hooks.js';
import { DONE_STATUSES, isoSeconds } from '../../domain/types.js';
import { loadHistories } from '../../store/repos/tickets.js';
import { recordSlaFiring } from '../../store/hook-events.js';
import { optionalPolicy } from '../sla/policy-file.js';
import { hookTargets } from './destinations.js';

const BATCH = 500;

/** Fires what is due; returns how many SLA events fired. Nothing to do without a policy or a hook that wants them. */
export async function fireSlaHooks(ctx: Ctx): Promise<number> {
  const config = await ctx.config();
  const targets = hookTargets(config);
  if (!targets.some((t) => hookWants(t.on, 'sla.at_risk') || hookWants(t.on, 'sla.breached'))) return 0;
  const policy = await optionalPolicy(ctx);
  if (!policy) return 0;
  const now = ctx.now();
  const at = isoSeconds(now);
  const store = await ctx.store();
  const ids = (await store.db.selectFrom('tickets').select('id').where('status', 'not in', DONE_STATUSES).orderBy('id').execute()).map((r) => Number(r.id));
  let fired = 0;
  for (let i = 0; i < ids.length; i += BATCH) {
    const due: SlaFiring[] = [];
    for (const ticket of await loadHistories(store.db, ids.slice(i, i + BATCH))) due.push(...slaFirings(evaluateTicket(policy, ticket, now)));
    if (!due.length) continue;
    fired += await store.write(async (tx) => {
      let n = 0;
      for (const f of due) if (await recordSlaFiring(tx, f, at)) n++;
      return n;
    });
  }
  return fired;
}
