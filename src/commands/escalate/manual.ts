// `desk escalate ID --to TIER --reason TEXT [--notify]`: a tier change by hand, up or down,
// always with a reason. The new tier gets the ticket (its assignee keeps it only if they work
// that tier; else the rules file's tier_assignment, or nobody), and --notify tells the tier's
// lead through the outbox, queued with the escalation itself.
import type { Ctx } from '../../cli/context.js';
import { badFlagValue, DeskError, UsageError } from '../../errors.js';
import { rulesOfConfig } from '../rules-file.js';
import { isoSeconds } from '../../domain/types.js';
import type { MailAddress } from '../../mail/compose.js';
import { getTicket, insertEvents } from '../../store/repos/tickets.js';
import { applyChangesWithHandover } from '../../store/rules.js';
import { safeLine } from '../../ui/safe-text.js';
import { parseTicketId } from '../shared.js';
import { printTicketBrief } from '../tickets/render.js';
import { basesOf, parseIfVersion } from '../tickets/change.js';
import { notificationSender, queueNotice } from './notify.js';

export interface EscalateOptions {
  to?: string;
  reason?: string;
  notify?: boolean;
  ifVersion?: string;
}

export async function runEscalate(ctx: Ctx, idArg: string | undefined, opts: EscalateOptions): Promise<void> {
  if (idArg === undefined) throw new UsageError('say which ticket: desk escalate ID --to TIER --reason TEXT (or --auto for the rules)');
  const id = parseTicketId(idArg);
  const tiers = await ctx.tiers();
  if (!opts.to) throw new UsageError(`--to is required: the tier to move #${id} to (${tiers.join(', ')})`);
  if (!tiers.includes(opts.to)) throw badFlagValue('--to', opts.to, tiers);
  const reason = opts.reason?.trim();
  if (!reason) throw new UsageError('--reason is required: say why, for the next person who reads the ticket');
  const to = opts.to;

  const config = await ctx.config();
  const rules = rulesOfConfig(config, tiers);
  let leads: string[] = [];
  let from: MailAddress | undefined;
  if (opts.notify) {
    // Checked before anything changes: a notification desk could never send is refused up front.
    leads = rules?.leads[to] ?? [];
    if (!leads.length) throw new UsageError(`no lead is known for tier ${to}`, `add it to the rules file under leads: (e.g. leads: { ${to}: lead@example.com })`);
    from = notificationSender(config);
  }

  const ifVersion = parseIfVersion(opts.ifVersion, [id]);
  const basis = (await basesOf(ctx, [id], ifVersion)).get(id)!;
  const store = await ctx.store();
  const actor = await ctx.actor();
  const now = ctx.now();
  const at = isoSeconds(now);
  // Without --notify only the ticket changes: on PostgreSQL alongside other agents' changes.
  const done = await store.write(async (tx) => {
    const before = await getTicket(tx, id);
    const moved = await applyChangesWithHandover(tx, id, [{ type: 'escalate', to, reason }], actor, at, { rules, basis });
    if (!moved.events.length) return null;
    let entries: number[] = [];
    if (from) {
      entries = await queueNotice(tx, { to: leads, ticketId: id, subject: before.subject, fromTier: before.tier, tier: to, by: actor, why: reason }, from, now);
      const outbox = entries.map((e) => `#${e}`).join(', ');
      await insertEvents(tx, id, [{ at, actor, type: 'note', text: `Notified ${leads.join(', ')} (lead of ${to}; outbox ${outbox})`, reason: 'escalate --notify' }]);
    }
    return { before, moved, entries };
  }, { concurrent: !from });
  if (!done) {
    ctx.io.err(`#${id} is already in ${to}: nothing to change\n`);
    return;
  }
  for (const w of done.moved.warnings) ctx.io.err(`warning: ${safeLine(w)}\n`);
  const ticket = await getTicket(store.db, id);
  const holder = ticket.assignee ? `now with ${ticket.assignee}` : `unassigned in ${to}`;
  let failure: DeskError | null = null;
  if (done.entries.length) {
    const { flushWithConfig, failureOf } = await import('../outbox/flush.js');
    const report = await flushWithConfig(ctx, { ids: done.entries });
    failure = failureOf(report);
    if (failure && !report.results.some((r) => r.outcome === 'failed')) failure.hint = `the escalation is done; the notification waits in the outbox (${done.entries.map((e) => `#${e}`).join(', ')}): \`desk sync\` or \`desk outbox flush\` sends it`;
  }
  await printTicketBrief(ctx, ticket, `escalated ${done.before.tier} → ${to}, ${holder}`);
  if (failure) throw failure;
}

/**
 * `desk escalate QUERY… --to TIER --reason TEXT`: the bulk path (several ids, a query or @VIEW),
 * each ticket through the same handover as one escalated by id.
 */
export async function runEscalateBulk(ctx: Ctx, words: string[], opts: EscalateOptions & { dryRun?: boolean; yes?: boolean }): Promise<void> {
  const tiers = await ctx.tiers();
  if (!opts.to) throw new UsageError(`--to is required: the tier to move the tickets to (${tiers.join(', ')})`);
  if (!tiers.includes(opts.to)) throw badFlagValue('--to', opts.to, tiers);
  const reason = opts.reason?.trim();
  if (!reason) throw new UsageError('--reason is required: say why, for the next person who reads the tickets');
  if (opts.notify) throw new UsageError('--notify goes with one ticket id: tell the lead of a bulk escalation yourself');
  if (opts.ifVersion !== undefined) throw new UsageError('--if-version goes with one ticket id (a bulk change checks each ticket against the version its plan read)');
  const rules = rulesOfConfig(await ctx.config(), tiers);
  const { runBulk } = await import('../bulk/run.js');
  const { areTicketIds } = await import('../bulk/words.js');
  const ids = areTicketIds(words) ? words.map(parseTicketId) : undefined;
  await runBulk(ctx, words, [{ type: 'escalate', to: opts.to, reason }], { dryRun: opts.dryRun, yes: opts.yes, verb: `escalated to ${opts.to}`, rules, ids });
}
