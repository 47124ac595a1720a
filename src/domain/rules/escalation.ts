// Escalation rules for `desk escalate --auto`, run from cron. Pure: the SLA facts come in as
// values computed by the SLA engine at the run's `now`.
//
// Idempotency: every decision writes at least one event with actor `rules` and the rule's name as
// reason; that event is the marker. A rule acts on a ticket once, except a rule that waits on an
// unanswered customer message (`unanswered_for`), which acts once per such wait: its marker only
// counts when it is not older than the customer message that started the current wait.
import { planChanges, type Change } from '../ticket.js';
import { DONE_STATUSES, PRIORITIES, type Message, type Priority, type TicketEvent, type TicketWithHistory } from '../types.js';
import { formatDuration, formatPercent } from './amounts.js';
import { CLOCKS, RULES_ACTOR, type ClockName, type EscalationRule, type RuleChange, type RuleSet, type SlaFacts } from './types.js';
import { queryMatches, type QueryFacts, type RunningClock } from '../query/evaluate.js';

export interface EscalationInput {
  ticket: Pick<TicketWithHistory, 'id' | 'subject' | 'status' | 'priority' | 'tier' | 'queue' | 'tags' | 'messages' | 'events'>;
  sla: SlaFacts;
}

export interface Notification {
  to: string[];
  /** the tier whose lead is told (the tier after the escalation) */
  tier: string;
  ticketId: number;
  subject: string;
  rule: string;
  why: string;
}

export interface EscalationDecision {
  ticketId: number;
  rule: string;
  /** the conditions that held, in words, for --dry-run and the notification */
  why: string[];
  changes: RuleChange[];
  notification: Notification | null;
}

export interface EscalationOutcome {
  decisions: EscalationDecision[];
  warnings: string[];
}

const clockLabel = (c: ClockName) => c.replace('_', ' ');

/** The instant the customer's current wait began: their first message after our last reply. */
export function unansweredSince(messages: readonly Pick<Message, 'direction' | 'date' | 'auto'>[]): string | null {
  const sorted = [...messages].sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
  let since: string | null = null;
  for (const m of sorted) {
    if (m.direction === 'out') since = null;
    else if (!m.auto && since === null) since = m.date;
  }
  return since;
}

/** Has this rule already acted on the ticket (at or after `since`, when given)? */
export function ruleHasFired(events: readonly TicketEvent[], ruleName: string, since: string | null = null): boolean {
  const from = since === null ? -Infinity : Date.parse(since);
  return events.some((e) => e.actor === RULES_ACTOR && e.reason === ruleName && Date.parse(e.at) >= from);
}

export function nextTier(tiers: readonly string[], current: string): string | undefined {
  const i = tiers.indexOf(current);
  return i >= 0 ? tiers[i + 1] : undefined;
}

/** One step up: low → normal → high → urgent; urgent stays. */
export function raisedPriority(p: Priority): Priority {
  const i = PRIORITIES.indexOf(p);
  return PRIORITIES[Math.max(0, i - 1)]!;
}

type State = Pick<EscalationInput['ticket'], 'status' | 'priority' | 'tier' | 'queue' | 'tags'>;

/** What a rule's `query:` reads besides the ticket's state: the rest of the ticket, at `now`. */
export interface QueryInput {
  facts: QueryFacts;
  now: Date;
}

/** The clocks that run (not stopped, not paused), as the query's SLA terms judge them. */
export function runningClocks(sla: SlaFacts): RunningClock[] {
  const out: RunningClock[] = [];
  for (const clock of CLOCKS) {
    const c = sla[clock];
    if (!c || c.stopped || !c.due_at) continue;
    // next_response: whether the period that runs now is past its target (not an earlier one)
    const periods = (c as { periods?: { stopped_at: string | null; breached: boolean }[] }).periods;
    const running = periods?.find((p) => p.stopped_at === null);
    out.push({ due_at: c.due_at, breached: running ? running.breached : c.breached });
  }
  return out;
}

/** The conditions of a rule, each in words, or null when one of them does not hold. */
export function explainEscalationMatch(rule: EscalationRule, state: State, sla: SlaFacts, query?: QueryInput): string[] | null {
  const w = rule.when;
  const why: string[] = [];
  if (w.statuses ? !w.statuses.includes(state.status) : DONE_STATUSES.includes(state.status)) return null;
  if (w.tiers) {
    if (!w.tiers.includes(state.tier)) return null;
    why.push(`tier ${state.tier}`);
  }
  if (w.priorities) {
    if (!w.priorities.includes(state.priority)) return null;
    why.push(`priority ${state.priority}`);
  }
  if (w.statuses) why.push(`status ${state.status}`);
  if (w.queues) {
    if (!w.queues.includes(state.queue)) return null;
    why.push(`queue ${state.queue ?? 'none'}`);
  }
  if (w.tags) {
    const tag = w.tags.find((t) => state.tags.includes(t));
    if (!tag) return null;
    why.push(`tag ${tag}`);
  }
  // Clock conditions look at running clocks only: once answered or solved, a clock no longer
  // calls for anyone's help.
  for (const clock of CLOCKS) {
    const share = w.used?.[clock];
    if (share === undefined) continue;
    const c = sla[clock];
    if (!c || c.stopped || !(c.target_s > 0)) return null;
    const used = c.elapsed_s / c.target_s;
    if (used < share) return null;
    why.push(`${clockLabel(clock)} ${formatPercent(used)} used (≥ ${formatPercent(share)})`);
  }
  if (w.breached) {
    const clock = w.breached.find((k) => sla[k]?.breached && !sla[k]?.stopped);
    if (!clock) return null;
    why.push(`${clockLabel(clock)} breached`);
  }
  if (w.unansweredForS !== undefined) {
    const waited = sla.lastInboundUnansweredBusinessSeconds;
    if (waited == null || waited < w.unansweredForS) return null;
    why.push(`customer waiting ${formatDuration(waited)} of business time (≥ ${formatDuration(w.unansweredForS)})`);
  }
  if (w.query) {
    if (!query) throw new Error(`desk bug: the query of an escalation rule was judged without the ticket's facts`);
    // the ticket as the earlier rules of this run left it, with the clocks of that state
    const { status, priority, tier, queue, tags } = state;
    if (!queryMatches(w.query.at(query.now), { ...query.facts, status, priority, tier, queue, tags, clocks: runningClocks(sla) }, query.now)) return null;
    why.push(`query ${w.query.source}`);
  }
  return why;
}

/**
 * The decisions for one ticket, rules in file order; each rule sees the ticket as earlier rules
 * left it, so running twice gives nothing new the second time.
 */
export function evaluateEscalation(rules: RuleSet, input: EscalationInput, opts: { tiers: readonly string[]; query?: QueryInput }): EscalationOutcome {
  const { ticket, sla } = input;
  const state: State = { status: ticket.status, priority: ticket.priority, tier: ticket.tier, queue: ticket.queue, tags: [...ticket.tags] };
  const waitStart = unansweredSince(ticket.messages);
  const outcome: EscalationOutcome = { decisions: [], warnings: [] };

  for (const rule of rules.escalation) {
    const since = rule.when.unansweredForS !== undefined ? waitStart : null;
    if (rule.when.unansweredForS !== undefined && since === null) continue;
    if (ruleHasFired(ticket.events, rule.name, since)) continue;
    const why = explainEscalationMatch(rule, state, sla, opts.query);
    if (!why) continue;
    const decision = decide(rule, state, why, ticket, rules, opts.tiers, outcome.warnings);
    if (decision) outcome.decisions.push(decision);
  }
  return outcome;
}

function decide(
  rule: EscalationRule, state: State, why: string[], ticket: EscalationInput['ticket'],
  rules: RuleSet, tiers: readonly string[], warnings: string[],
): EscalationDecision | null {
  const reason = rule.name;
  const changes: RuleChange[] = [];
  const { then } = rule;
  if (then.escalate !== undefined) {
    const to = then.escalate === 'next' ? nextTier(tiers, state.tier) : then.escalate;
    if (to !== undefined && to !== state.tier) {
      changes.push({ type: 'escalate', to, reason });
      state.tier = to;
    }
  }
  if (then.priority !== undefined) {
    const to = then.priority === 'raise' ? raisedPriority(state.priority) : then.priority;
    if (to !== state.priority) {
      changes.push({ type: 'priority', to, reason });
      state.priority = to;
    }
  }
  let notification: Notification | null = null;
  if (then.notify) {
    const to = [...new Set(then.notify.flatMap((n) => (n.kind === 'lead' ? rules.leads[state.tier] ?? [] : [n.address])))];
    if (then.notify.some((n) => n.kind === 'lead') && !rules.leads[state.tier]) {
      warnings.push(`rule '${rule.name}': no lead is given for tier ${state.tier}; nobody to notify for #${ticket.id}`);
    }
    // The note puts the notification in the ticket's history and is the rule's marker, so the
    // lead hears about a ticket once even when the rule changes nothing else.
    if (to.length) {
      notification = { to, tier: state.tier, ticketId: ticket.id, subject: ticket.subject, rule: rule.name, why: why.join('; ') };
      changes.push({ type: 'note', text: `Escalation rule '${rule.name}' notified ${to.join(', ')} (tier ${state.tier}): ${why.join('; ')}`, reason });
    }
  }
  if (!changes.length) return null;
  return { ticketId: ticket.id, rule: rule.name, why, changes, notification };
}

type EscalationTicket = EscalationInput['ticket'] & Pick<TicketWithHistory, 'assignee'>;

/**
 * The rules run to their fixed point: a rule's change can make another rule match (a raised
 * priority selects a stricter SLA policy, a new tier matches a rule of that tier), so the
 * ticket is judged again, with the SLA facts of its new state, until no rule has anything left
 * to do. Running again right after finds nothing. Each round at least one rule acts for the
 * first time and a rule acts at most once per run (its mark is on the ticket from then on), so
 * there are at most as many rounds as rules.
 */
export function evaluateEscalationToFixedPoint<T extends EscalationTicket>(
  rules: RuleSet, ticket: T, slaOf: (ticket: T) => SlaFacts, opts: { tiers: readonly string[]; at: string; query?: QueryInput },
): EscalationOutcome {
  const outcome: EscalationOutcome = { decisions: [], warnings: [] };
  let current = ticket;
  for (let round = 0; round <= rules.escalation.length; round++) {
    const out = evaluateEscalation(rules, { ticket: current, sla: slaOf(current) }, opts);
    outcome.warnings.push(...out.warnings);
    if (!out.decisions.length) break;
    outcome.decisions.push(...out.decisions);
    for (const d of out.decisions) {
      // As the store records them: notes keep the rule's name as reason (the rule's mark).
      const rest = d.changes.filter((c) => c.type !== 'note') as Change[];
      const { events, next } = planChanges(current, rest, RULES_ACTOR, opts.at);
      const notes: TicketEvent[] = d.changes.flatMap((c) => (c.type === 'note' ? [{ at: opts.at, actor: RULES_ACTOR, type: 'note' as const, text: c.text, reason: c.reason }] : []));
      current = { ...current, ...next, events: [...current.events, ...events, ...notes] };
    }
  }
  return outcome;
}
