// `desk escalate ID --to TIER --reason TEXT [--notify]`: a tier change by hand, up or down,
// always with a reason, optionally telling the new tier's lead.
import type { Ctx } from '../../cli/context.js';
import { badFlagValue, UsageError } from '../../cli/errors.js';
import { rulesOfConfig } from '../../domain/rules/load.js';
import { isoSeconds } from '../../domain/types.js';
import { applyChanges, getTicket, insertEvents } from '../../store/repos/tickets.js';
import { parseTicketId } from '../shared.js';
import { printTicketBrief } from '../tickets/render.js';
import { smtpMailer, type Mailer } from './notify.js';

export interface EscalateOptions {
  to?: string;
  reason?: string;
  notify?: boolean;
}

export async function runEscalate(ctx: Ctx, idArg: string | undefined, opts: EscalateOptions, mailerOverride?: Mailer): Promise<void> {
  if (idArg === undefined) throw new UsageError('say which ticket: desk escalate ID --to TIER --reason TEXT (or --auto for the rules)');
  const id = parseTicketId(idArg);
  const tiers = await ctx.tiers();
  if (!opts.to) throw new UsageError(`--to is required: the tier to move #${id} to (${tiers.join(', ')})`);
  if (!tiers.includes(opts.to)) throw badFlagValue('--to', opts.to, tiers);
  const reason = opts.reason?.trim();
  if (!reason) throw new UsageError('--reason is required: say why, for the next person who reads the ticket');
  const to = opts.to;

  const config = await ctx.config();
  let leads: string[] = [];
  let mailer: Mailer | undefined;
  if (opts.notify) {
    // Checked before anything changes: a notification that cannot go out is refused up front.
    leads = rulesOfConfig(config, tiers)?.leads[to] ?? [];
    if (!leads.length) throw new UsageError(`no lead is known for tier ${to}`, `add it to the rules file under leads: (e.g. leads: { ${to}: lead@example.com })`);
    mailer = mailerOverride ?? smtpMailer(config);
  }

  const store = await ctx.store();
  const actor = await ctx.actor();
  const now = ctx.now();
  const at = isoSeconds(now);
  const before = await store.write(async (tx) => {
    const current = await getTicket(tx, id);
    const events = await applyChanges(tx, id, [{ type: 'escalate', to, reason }], actor, at);
    return events.length ? current : null;
  });
  if (!before) {
    ctx.io.err(`#${id} is already in ${to}: nothing to change\n`);
    return;
  }
  const ticket = await getTicket(store.db, id);
  if (mailer) {
    let note = `Notified ${leads.join(', ')} (lead of ${to})`;
    let failure: Error | undefined;
    try {
      await mailer.send({ to: leads, ticketId: id, subject: ticket.subject, fromTier: before.tier, tier: to, by: actor, why: reason }, now);
    } catch (err) {
      failure = err as Error;
      note = `The notification to ${leads.join(', ')} could not be sent: ${failure.message}`;
    }
    await store.write((tx) => insertEvents(tx, id, [{ at, actor, type: 'note', text: note, reason: 'escalate --notify' }]));
    if (failure) {
      await printTicketBrief(ctx, ticket, `escalated to ${to}`);
      throw failure;
    }
  }
  await printTicketBrief(ctx, ticket, `escalated ${before.tier} → ${to}`);
}
