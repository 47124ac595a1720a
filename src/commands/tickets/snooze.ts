// `desk snooze ID WHEN [--reason TEXT]` and `desk snooze ID --off`: out of the queue until a time
// (src/domain/snooze.ts). The ticket keeps its status and its SLA clocks keep running.
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { SNOOZE_END, snoozeState } from '../../domain/snooze.js';
import type { Change } from '../../domain/ticket.js';
import { DONE_STATUSES, isoSeconds } from '../../domain/types.js';
import { applyChanges, getTicket, getTicketHistory } from '../../store/repos/tickets.js';
import { recordSnoozeEnd } from '../../store/snoozes.js';
import { localTime } from '../../ui/time.js';
import { safeLine } from '../../ui/safe-text.js';
import { parseTicketId } from '../shared.js';
import { parseSnoozeUntil } from '../triage/snooze-time.js';
import { printTicketBrief } from './render.js';

export interface SnoozeOptions {
  off?: boolean;
  reason?: string;
}

const EXAMPLES = '2h, 1d, tomorrow, tomorrow 14:00, mon 10:00, 2026-04-02 14:00';

export async function runSnooze(ctx: Ctx, idArg: string, when: string | undefined, opts: SnoozeOptions): Promise<void> {
  const id = parseTicketId(idArg);
  if (opts.off && when !== undefined) throw new UsageError('give a time to snooze until, or --off to end the snooze, not both');
  if (!opts.off && when === undefined) throw new UsageError(`say until when: desk snooze ${id} WHEN (${EXAMPLES}), or --off`);
  const config = await ctx.config();
  const zone = config.timezone;
  const now = ctx.now();
  const at = isoSeconds(now);
  let until: string | undefined;
  if (when !== undefined) {
    const parsed = parseSnoozeUntil(when, now, zone);
    if (!parsed) throw new UsageError(`invalid time to snooze until: '${safeLine(when)}' (a time in the future: ${EXAMPLES})`);
    until = isoSeconds(parsed);
  }
  const reason = opts.reason?.trim() || undefined;
  const store = await ctx.store();
  const actor = await ctx.actor();
  const outcome = await store.write(async (tx) => {
    await recordSnoozeEnd(tx, id, now); // an end that happened is written before anything new
    const h = await getTicketHistory(tx, id);
    const state = snoozeState(h, now);
    if (until) {
      if (DONE_STATUSES.includes(h.status)) throw new UsageError(`#${id} is ${h.status}: there is nothing to snooze`, `reopen it first: desk reopen ${id}`);
      const changes: Change[] = [{ type: 'snooze', until, reason }];
      return (await applyChanges(tx, id, changes, actor, at)).length ? 'snoozed' : 'same';
    }
    if (!state.until) return 'none';
    await applyChanges(tx, id, [{ type: 'unsnooze', until: state.until, reason: SNOOZE_END.cancelled }], actor, at);
    return 'woken';
  }, { concurrent: true }); // read and decided inside: a write in between runs it again
  const ticket = await getTicket(store.db, id);
  if (outcome === 'none') {
    ctx.io.err(`#${id} is not snoozed: nothing to change\n`);
    if (!ctx.json) return;
  }
  const verb = until ? `snoozed until ${localTime(until, zone)}${zone ? ` (${zone})` : ''}` : 'back in the queue';
  await printTicketBrief(ctx, ticket, verb);
}
