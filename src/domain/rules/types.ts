// The rules file as the engine sees it after validation: triage rules route each new ticket,
// escalation rules move tickets between tiers when their SLA clocks or the customer's wait say so.
// Everything here is plain data (plus compiled patterns) so the engine stays pure.
import type { Priority, Status } from '../types.js';
import type { RuleQuery } from './query.js';

/** The actor recorded on every event a rule causes; the event's reason is the rule's name. */
export const RULES_ACTOR = 'rules';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const CLOCKS = ['first_response', 'next_response', 'resolution'] as const;
export type ClockName = (typeof CLOCKS)[number];

export const ASSIGNMENT_STRATEGIES = ['round-robin', 'least-loaded'] as const;
export type AssignmentStrategy = (typeof ASSIGNMENT_STRATEGIES)[number];

/** Who a sender pattern names: one address, or a whole domain (subdomains included). */
export type SenderPattern = { kind: 'address'; address: string } | { kind: 'domain'; domain: string };

/** Local wall-clock window: minutes since local midnight, end exclusive; start > end wraps past midnight. */
export interface TimeSpan {
  start: number;
  end: number;
}

export interface TimeWindow {
  timezone: string;
  /** undefined: every day */
  days?: Weekday[];
  /** undefined: all day */
  spans?: TimeSpan[];
}

/** A keyword or a pattern, kept with the text the lead wrote so explanations can quote it. */
export interface TextPattern {
  source: string;
  /** whether the pattern occurs in the text (in time linear in the text) */
  test: (text: string) => boolean;
}

/** All given fields must hold; inside one field, any listed value will do. */
export interface TriageMatch {
  from?: SenderPattern[];
  subject?: TextPattern[];
  body?: TextPattern[];
  /** in the subject or the body */
  keywords?: TextPattern[];
  subjectRegex?: TextPattern;
  bodyRegex?: TextPattern;
  /** null in the list matches a ticket without a queue */
  queue?: (string | null)[];
  time?: TimeWindow;
  /** a query of the query language, on the ticket as earlier rules left it (no id, links, rating or SLA terms) */
  query?: RuleQuery;
}

export type AssigneeAction =
  | { kind: 'agent'; name: string }
  | { kind: 'strategy'; strategy: AssignmentStrategy; among?: string[] };

export interface TriageActions {
  priority?: Priority;
  queue?: string;
  tags?: string[];
  tier?: string;
  assignee?: AssigneeAction;
}

export interface TriageRule {
  name: string;
  match: TriageMatch;
  set: TriageActions;
  /** no later triage rule is looked at once this one matched */
  stop: boolean;
}

export interface EscalationWhen {
  tiers?: string[];
  priorities?: Priority[];
  /** default: every status but solved and closed */
  statuses?: Status[];
  queues?: (string | null)[];
  tags?: string[];
  /** fraction of the clock's target already used, e.g. resolution: 0.8 */
  used?: Partial<Record<ClockName, number>>;
  /** any of these clocks breached */
  breached?: ClockName[];
  /** the customer's latest message has waited this many business seconds without an answer */
  unansweredForS?: number;
  /** a query of the query language, on the ticket as earlier rules of the run left it */
  query?: RuleQuery;
}

export type NotifyTarget = { kind: 'lead' } | { kind: 'address'; address: string };

export interface EscalationThen {
  /** a tier name, or 'next' for one tier up */
  escalate?: string;
  /** a priority, or 'raise' for one step up */
  priority?: Priority | 'raise';
  notify?: NotifyTarget[];
}

export interface EscalationRule {
  name: string;
  when: EscalationWhen;
  then: EscalationThen;
}

/** A rule on satisfaction ratings (csat): when a rating compares so, reopen and/or notify. */
export interface CsatRule {
  name: string;
  when: { op: '<' | '<=' | '=' | '>=' | '>'; value: number };
  then: { reopen?: boolean; notify?: NotifyTarget[] };
}

export interface RuleSet {
  /** zone for time-of-day conditions that name none */
  timezone?: string;
  /** tier → addresses of its lead(s), for `notify: lead` */
  leads: Record<string, string[]>;
  /** queue → agents who work it, for the assignment strategies */
  queueAgents: Record<string, string[]>;
  /**
   * tier → who gets a ticket moved into it (by hand or by a rule) when its assignee does not work
   * that tier; null or a tier not listed: nobody (the ticket waits unassigned in the tier's queue)
   */
  tierAssignment?: Record<string, AssigneeAction | null>;
  triage: TriageRule[];
  escalation: EscalationRule[];
  /** rules on satisfaction ratings, run by `desk sync` as each rating is recorded */
  csat?: CsatRule[];
}

/**
 * One change a rule asks for. The shape matches the store's change requests (domain/ticket.ts
 * Change) so the caller can hand them over as they are; reason is always the rule's name.
 */
export type RuleChange =
  | { type: 'priority'; to: Priority; reason: string }
  | { type: 'queue'; to: string; reason: string }
  | { type: 'escalate'; to: string; reason: string }
  | { type: 'assign'; to: string; reason: string }
  | { type: 'tag'; tag: string; reason: string }
  | { type: 'note'; text: string; reason: string };

/** An agent as the assignment strategies see them. */
export interface AgentInfo {
  name: string;
  email?: string;
  tier: string;
  away: boolean;
}

/** Facts about one SLA clock at `now`, as docs/sla.md reports them. */
export interface ClockFacts {
  elapsed_s: number;
  target_s: number;
  breached: boolean;
  due_at?: string | null;
  stopped?: boolean;
}

/** What the escalation rules need to know about a ticket's SLA (computed by the SLA engine). */
export interface SlaFacts {
  first_response?: ClockFacts | null;
  next_response?: ClockFacts | null;
  resolution?: ClockFacts | null;
  /** business seconds the customer's latest unanswered message has waited; null/undefined if none */
  lastInboundUnansweredBusinessSeconds?: number | null;
}
