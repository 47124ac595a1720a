// `desk escalate --auto [--dry-run]`: the escalation rules over every ticket they may concern,
// for cron. A read pass finds the candidates; each ticket is then decided again inside its own
// write transaction, so two runs at once (or an agent acting meanwhile) never double an action.
import type { Kysely } from 'kysely';
import type { Ctx } from '../../cli/context.js';
import { RemoteError, UsageError } from '../../cli/errors.js';
import { evaluateEscalation, type EscalationDecision } from '../../domain/rules/escalation.js';
import { rulesOfConfig } from '../../domain/rules/load.js';
import { slaFactsOf } from '../../domain/rules/sla-facts.js';
import { RULES_ACTOR, type RuleChange, type RuleSet } from '../../domain/rules/types.js';
import type { SlaPolicySet } from '../../domain/sla/index.js';
import { DONE_STATUSES, STATUSES, isoSeconds, type Status, type TicketWithHistory } from '../../domain/types.js';
import type { DB } from '../../store/schema.js';
import { applyChanges, getTicketHistory, insertEvents, loadHistories } from '../../store/repos/tickets.js';
import { printJson } from '../../ui/output.js';
import { safeLine } from '../../ui/safe-text.js';
import { smtpMailer, type Mailer } from './notify.js';
import { optionalPolicy } from '../sla/policy-file.js';

export interface AutoOptions {
  dryRun?: boolean;
}

/** One line of the report: what a rule did (or would do) to a ticket, and why. */
export interface AutoAction {
  id: number;
  rule: string;
  why: string[];
  changes: { type: 'escalate' | 'priority'; from: string; to: string }[];
  notify: string[] | null;
  /** set when the notification could not be sent */
  notify_error?: string;
}

const BATCH = 500;

/** The statuses any rule looks at: unfinished ones, plus those a rule names itself. */
function statusesOf(rules: RuleSet): Status[] {
  const wanted = new Set<Status>(STATUSES.filter((s) => !DONE_STATUSES.includes(s)));
  for (const r of rules.escalation) for (const s of r.when.statuses ?? []) wanted.add(s);
  return [...wanted];
}

function decide(rules: RuleSet, policy: SlaPolicySet | null, ticket: TicketWithHistory, now: Date, tiers: readonly string[]) {
  const { facts } = slaFactsOf(policy, ticket, now);
  return evaluateEscalation(rules, { ticket, sla: facts }, { tiers });
}

function actionOf(ticket: { tier: string; priority: string }, d: EscalationDecision): AutoAction {
  const changes: AutoAction['changes'] = [];
  for (const c of d.changes) {
    if (c.type === 'escalate') {
      changes.push({ type: 'escalate', from: ticket.tier, to: c.to });
      ticket.tier = c.to;
    } else if (c.type === 'priority') {
      changes.push({ type: 'priority', from: ticket.priority, to: c.to });
      ticket.priority = c.to;
    }
  }
  return { id: d.ticketId, rule: d.rule, why: d.why, changes, notify: d.notification?.to ?? null };
}

/** Rule notes carry the rule's name as reason (the marker); the other changes go through the projection. */
async function applyDecision(tx: Kysely<DB>, d: EscalationDecision, at: string): Promise<void> {
  const notes = d.changes.filter((c): c is Extract<RuleChange, { type: 'note' }> => c.type === 'note');
  const rest = d.changes.filter((c) => c.type !== 'note');
  if (rest.length) await applyChanges(tx, d.ticketId, rest, RULES_ACTOR, at);
  await insertEvents(tx, d.ticketId, notes.map((n) => ({ at, actor: RULES_ACTOR, type: 'note' as const, text: n.text, reason: n.reason })));
}

export async function runAutoEscalation(ctx: Ctx, opts: AutoOptions, mailerOverride?: Mailer): Promise<void> {
  const config = await ctx.config();
  const tiers = await ctx.tiers();
  const rules = rulesOfConfig(config, tiers);
  if (!rules) throw new UsageError("desk escalate --auto needs a rules file: set 'rules' in the config");
  const policy = await optionalPolicy(ctx);
  const now = ctx.now();
  const at = isoSeconds(now);
  const store = await ctx.store();
  const warnings: string[] = [];

  // Read pass: who might need something.
  const candidates: { ticket: TicketWithHistory; decisions: EscalationDecision[] }[] = [];
  if (rules.escalation.length) {
    const ids = (await store.db.selectFrom('tickets').select('id').where('status', 'in', statusesOf(rules)).orderBy('id').execute()).map((r) => Number(r.id));
    for (let i = 0; i < ids.length; i += BATCH) {
      for (const ticket of await loadHistories(store.db, ids.slice(i, i + BATCH))) {
        const out = decide(rules, policy, ticket, now, tiers);
        warnings.push(...out.warnings);
        if (out.decisions.length) candidates.push({ ticket, decisions: out.decisions });
      }
    }
  }

  const actions: AutoAction[] = [];
  if (opts.dryRun) {
    for (const c of candidates) {
      const state = { tier: c.ticket.tier, priority: c.ticket.priority as string };
      for (const d of c.decisions) actions.push(actionOf(state, d));
    }
    return report(ctx, actions, warnings, true);
  }

  const needsMail = candidates.some((c) => c.decisions.some((d) => d.notification));
  const mailer = needsMail ? mailerOverride ?? smtpMailer(config) : undefined;
  const toSend: { action: AutoAction; decision: EscalationDecision; fromTier: string }[] = [];
  for (const c of candidates) {
    // Decide again under the write lock: what the read pass saw may have changed.
    const applied = await store.write(async (tx) => {
      const fresh = await getTicketHistory(tx, c.ticket.id);
      const out = decide(rules, policy, fresh, now, tiers);
      const state = { tier: fresh.tier, priority: fresh.priority as string };
      const done: { action: AutoAction; decision: EscalationDecision; fromTier: string }[] = [];
      for (const d of out.decisions) {
        const fromTier = state.tier;
        await applyDecision(tx, d, at);
        done.push({ action: actionOf(state, d), decision: d, fromTier });
      }
      return done;
    });
    for (const a of applied) {
      actions.push(a.action);
      if (a.decision.notification) toSend.push(a);
    }
  }

  let failed = 0;
  for (const { action, decision, fromTier } of toSend) {
    const n = decision.notification!;
    try {
      await mailer!.send({ to: n.to, ticketId: n.ticketId, subject: n.subject, fromTier, tier: n.tier, by: `escalation rule '${n.rule}'`, why: n.why }, now);
    } catch (err) {
      failed++;
      action.notify_error = (err as Error).message;
      await store.write((tx) => insertEvents(tx, n.ticketId, [{
        at, actor: RULES_ACTOR, type: 'note', reason: n.rule, text: `The notification to ${n.to.join(', ')} could not be sent: ${(err as Error).message}`,
      }]));
    }
  }
  report(ctx, actions, warnings, false);
  if (failed) throw new RemoteError(`${failed} notification${failed > 1 ? 's' : ''} could not be sent (the escalations themselves are done)`);
}

function describeAction(a: AutoAction): string {
  const parts = a.changes.map((c) => (c.type === 'escalate' ? `tier ${c.from} → ${c.to}` : `priority ${c.from} → ${c.to}`));
  if (a.notify) parts.push(`notify ${a.notify.join(', ')}${a.notify_error ? ' (FAILED)' : ''}`);
  return `#${a.id} ${parts.join(', ')} — rule '${safeLine(a.rule)}': ${a.why.map(safeLine).join('; ')}`;
}

function report(ctx: Ctx, actions: AutoAction[], warnings: string[], dryRun: boolean): void {
  for (const w of warnings) ctx.io.err(`warning: ${safeLine(w)}\n`);
  if (ctx.json) return printJson(ctx.io, { dry_run: dryRun, actions });
  for (const a of actions) ctx.io.out(`${dryRun ? 'would: ' : ''}${describeAction(a)}\n`);
  const tickets = new Set(actions.map((a) => a.id)).size;
  if (!actions.length) ctx.io.err('nothing to escalate\n');
  else ctx.io.err(`${dryRun ? 'dry run: would act on' : 'acted on'} ${tickets} ticket${tickets > 1 ? 's' : ''}${dryRun ? '; nothing was changed' : ''}\n`);
}
