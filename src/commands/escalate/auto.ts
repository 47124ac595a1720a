// `desk escalate --auto [--dry-run]`: the escalation rules over every ticket they may concern,
// for cron. A read pass finds the candidates; each ticket is then decided again inside its own
// write transaction, so two runs at once (or an agent acting meanwhile) never double an action.
import type { Kysely } from 'kysely';
import type { Ctx } from '../../cli/context.js';
import { UsageError, type DeskError } from '../../errors.js';
import { evaluateEscalationToFixedPoint, type EscalationDecision } from '../../domain/rules/escalation.js';
import { rulesOfConfig } from '../rules-file.js';
import { slaFactsOf } from '../../domain/rules/sla-facts.js';
import { RULES_ACTOR, type RuleChange, type RuleSet } from '../../domain/rules/types.js';
import type { SlaPolicySet } from '../../domain/sla/index.js';
import { DONE_STATUSES, STATUSES, isoSeconds, type Status, type TicketWithHistory } from '../../domain/types.js';
import type { DB } from '../../store/schema.js';
import { getTicketHistory, insertEvents, loadHistories } from '../../store/repos/tickets.js';
import { applyChangesWithHandover } from '../../store/rules.js';
import { recordSnoozeEnds } from '../../store/snoozes.js';
import type { MailAddress } from '../../mail/compose.js';
import { printJson } from '../../ui/output.js';
import { safeLine } from '../../ui/safe-text.js';
import { notificationSender, queueNotice } from './notify.js';
import { optionalPolicy } from '../sla/policy-file.js';
import { queryFactsOf } from '../../domain/query/facts.js';
import { ratingsOf } from '../../store/repos/csat.js';

export interface AutoOptions {
  dryRun?: boolean;
}

/** One line of the report: what a rule did (or would do) to a ticket, and why. */
export interface AutoAction {
  id: number;
  rule: string;
  why: string[];
  /** assign: the new tier got the ticket (its assignee did not work that tier) */
  changes: { type: 'escalate' | 'priority' | 'assign'; from: string | null; to: string | null }[];
  notify: string[] | null;
  /** set when the notification could not be sent yet (it stays in the outbox) */
  notify_error?: string;
}

const BATCH = 500;

/** The statuses any rule looks at: unfinished ones, plus those a rule names itself. */
function statusesOf(rules: RuleSet): Status[] {
  const wanted = new Set<Status>(STATUSES.filter((s) => !DONE_STATUSES.includes(s)));
  for (const r of rules.escalation) for (const s of r.when.statuses ?? []) wanted.add(s);
  return [...wanted];
}

/** Every rule to its fixed point, each round judged with the SLA facts of the ticket as it then is. */
function decide(rules: RuleSet, policy: SlaPolicySet | null, ticket: TicketWithHistory, now: Date, tiers: readonly string[], csat: number | null) {
  const query = rules.escalation.some((r) => r.when.query) ? { facts: queryFactsOf(ticket, { now, csat }), now } : undefined;
  return evaluateEscalationToFixedPoint(rules, ticket, (t) => slaFactsOf(policy, t, now).facts, { tiers, at: isoSeconds(now), query });
}

/** The tickets' ratings, when a rule's query asks about them (a read the other rules never need). */
async function ratingsFor(db: Kysely<DB>, rules: RuleSet, ids: number[]): Promise<Map<number, number>> {
  return rules.escalation.some((r) => r.when.query?.mentions('csat')) ? ratingsOf(db, ids) : new Map();
}

/** A query term judged on SLA clocks needs a policy to have clocks at all (as `desk list is:breached`). */
function checkSlaTerms(rules: RuleSet, policy: SlaPolicySet | null): void {
  if (policy) return;
  const rule = rules.escalation.find((r) => r.when.query?.mentions('sla') || r.when.query?.mentions('due'));
  if (rule) {
    throw new UsageError(`escalation rule '${rule.name}': is:breached, is:at-risk and due: need an SLA policy: name one in the config (sla: ./sla.yaml)`, '`desk config set sla ./sla.yaml`');
  }
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

/**
 * Rule notes carry the rule's name as reason (the marker); the other changes go through the
 * projection, and a tier change hands the ticket to the new tier. Returns the assignment change.
 */
async function applyDecision(tx: Kysely<DB>, d: EscalationDecision, at: string, rules: RuleSet, warnings: string[]): Promise<AutoAction['changes']> {
  const notes = d.changes.filter((c): c is Extract<RuleChange, { type: 'note' }> => c.type === 'note');
  const rest = d.changes.filter((c) => c.type !== 'note');
  const assigned: AutoAction['changes'] = [];
  if (rest.length) {
    const moved = await applyChangesWithHandover(tx, d.ticketId, rest, RULES_ACTOR, at, { rules, reason: d.rule });
    warnings.push(...moved.warnings.map((w) => `#${d.ticketId}: ${w}`));
    for (const e of moved.events) if (e.type === 'assign') assigned.push({ type: 'assign', from: e.from ?? null, to: e.to ?? null });
  }
  await insertEvents(tx, d.ticketId, notes.map((n) => ({ at, actor: RULES_ACTOR, type: 'note' as const, text: n.text, reason: n.reason })));
  return assigned;
}

export async function runAutoEscalation(ctx: Ctx, opts: AutoOptions): Promise<void> {
  const config = await ctx.config();
  const tiers = await ctx.tiers();
  const rules = rulesOfConfig(config, tiers);
  if (!rules) throw new UsageError("desk escalate --auto needs a rules file: set 'rules' in the config");
  const policy = await optionalPolicy(ctx);
  checkSlaTerms(rules, policy);
  const now = ctx.now();
  const at = isoSeconds(now);
  const store = await ctx.store();
  const warnings: string[] = [];
  // Snoozes that ran out get their end written first (a snooze desk once made pending reopens).
  if (!opts.dryRun) await recordSnoozeEnds(store, now);
  // SLA events for hooks (once per clock run, whichever of sync, escalate --auto, hooks run is first).
  if (!opts.dryRun && config.hooks?.length) await (await import('../hooks/sla.js')).fireSlaHooks(ctx);

  // Read pass: who might need something.
  const candidates: { ticket: TicketWithHistory; decisions: EscalationDecision[] }[] = [];
  if (rules.escalation.length) {
    const ids = (await store.db.selectFrom('tickets').select('id').where('status', 'in', statusesOf(rules)).orderBy('id').execute()).map((r) => Number(r.id));
    for (let i = 0; i < ids.length; i += BATCH) {
      const part = ids.slice(i, i + BATCH);
      const ratings = await ratingsFor(store.db, rules, part);
      for (const ticket of await loadHistories(store.db, part)) {
        const out = decide(rules, policy, ticket, now, tiers, ratings.get(ticket.id) ?? null);
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
  // Checked before anything is written when the read pass saw a notification coming.
  let from: MailAddress | undefined = needsMail ? notificationSender(config) : undefined;
  const queued: { action: AutoAction; entries: number[] }[] = [];
  for (const c of candidates) {
    // Decide again under the write lock: what the read pass saw may have changed. The
    // notifications are queued in the same transaction as the escalation they tell of.
    const applied = await store.write(async (tx) => {
      const fresh = await getTicketHistory(tx, c.ticket.id);
      const rating = (await ratingsFor(tx, rules, [fresh.id])).get(fresh.id) ?? null;
      const out = decide(rules, policy, fresh, now, tiers, rating);
      const state = { tier: fresh.tier, priority: fresh.priority as string };
      const done: { action: AutoAction; entries: number[] }[] = [];
      for (const d of out.decisions) {
        const fromTier = state.tier;
        const assigned = await applyDecision(tx, d, at, rules, warnings);
        const action = actionOf(state, d);
        action.changes.push(...assigned);
        const n = d.notification;
        const entries = n
          ? await queueNotice(tx, { to: n.to, ticketId: n.ticketId, subject: n.subject, fromTier, tier: n.tier, by: `escalation rule '${n.rule}'`, why: n.why }, (from ??= notificationSender(config)), now)
          : [];
        done.push({ action, entries });
      }
      return done;
    });
    for (const a of applied) {
      actions.push(a.action);
      if (a.entries.length) queued.push(a);
    }
  }

  let failure: DeskError | null = null;
  if (queued.length) {
    const { flushWithConfig, failureOf } = await import('../outbox/flush.js');
    const report = await flushWithConfig(ctx, { ids: queued.flatMap((q) => q.entries) });
    for (const q of queued) {
      const bad = report.results.filter((r) => q.entries.includes(r.id) && UNSENT.includes(r.outcome));
      if (bad.length) q.action.notify_error = bad.map((r) => r.detail).join('; ');
    }
    failure = failureOf(report);
    if (failure && !report.results.some((r) => r.outcome === 'failed')) {
      failure.hint = 'the escalations are done; the notifications wait in the outbox: `desk sync` or `desk outbox flush` sends them';
    }
  }
  report(ctx, actions, warnings, false);
  // Agents' SLA clocks at risk become notifications (once each); the next flush mails them.
  await (await import('../inbox/sla.js')).notifySlaAtRiskQuietly(ctx);
  if (failure) throw failure;
}

/** Outcomes after which the lead has not been told yet. */
const UNSENT = ['retry', 'failed', 'unknown', 'held', 'waiting'];

function describeAction(a: AutoAction): string {
  const parts = a.changes.map((c) => (c.type === 'escalate' ? `tier ${c.from} → ${c.to}`
    : c.type === 'priority' ? `priority ${c.from} → ${c.to}`
      : c.to ? `assigned to ${safeLine(c.to)}` : `unassigned (was ${safeLine(c.from ?? '')})`));
  if (a.notify) parts.push(`notify ${a.notify.join(', ')}${a.notify_error ? ' (not sent yet: in the outbox)' : ''}`);
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
