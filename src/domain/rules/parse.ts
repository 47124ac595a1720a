// Reads and validates the rules file (YAML or JSON). Every problem is a UsageError that names the
// file, the rule and the field, so a lead can fix a typo without guessing; unknown fields are
// refused rather than ignored because a silently ignored condition would match too much.
import YAML from 'yaml';
import { UsageError } from '../../errors.js';
import { identifierProblem, type IdentifierKind } from '../identifiers.js';
import { DEFAULT_TIERS, PRIORITIES, STATUSES, type Priority, type Status } from '../types.js';
import { parseDuration, parseFraction } from './amounts.js';
import { isEmailAddress, keywordPattern, parseSenderPattern, userRegex } from './text-match.js';
import { isValidTimeZone, parseSpan } from './time-of-day.js';
import { ruleQuery, RuleQueryProblem, type RuleQuery, type RuleQueryContext } from './query.js';
import {
  ASSIGNMENT_STRATEGIES, CLOCKS, WEEKDAYS,
  type AssigneeAction, type AssignmentStrategy, type ClockName, type EscalationRule, type EscalationThen,
  type EscalationWhen, type NotifyTarget, type RuleSet, type TextPattern, type TimeWindow, type TriageActions,
  type TriageMatch, type TriageRule, type Weekday, type CsatRule,
} from './types.js';

export interface ParseOptions {
  /** names the file in messages */
  source: string;
  /** the desk's tiers, lowest first (config `tiers`); default L1, L2, L3 */
  tiers?: readonly string[];
  /** zone for time-of-day conditions when neither the condition nor the file names one (default UTC) */
  defaultTimezone?: string;
}

type Obj = Record<string, unknown>;

/** Where we are in the file, so each message names the rule and field. */
class Place {
  constructor(private readonly source: string, private readonly what: string) {}
  fail(field: string | null, problem: string, hint?: string): never {
    const at = field ? `${this.what}, field '${field}'` : this.what;
    throw new UsageError(`rules file ${this.source}: ${at}: ${problem}`, hint);
  }
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

function knownKeys(place: Place, field: string | null, obj: Obj, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) place.fail(field ? `${field}.${key}` : key, `unknown field (known: ${allowed.join(', ')})`);
  }
}

function mapping(place: Place, field: string, v: unknown): Obj {
  if (!isObj(v)) place.fail(field, `expected a mapping of fields, got ${show(v)}`);
  return v;
}

function text(place: Place, field: string, v: unknown): string {
  if (typeof v !== 'string' || !v.trim()) place.fail(field, `expected text, got ${show(v)}`);
  return v.trim();
}

/** A single value or a list of them: `queue: billing` and `queue: [billing, sales]` both read. */
function texts(place: Place, field: string, v: unknown): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (!list.length) place.fail(field, 'expected at least one value, got an empty list');
  return list.map((item) => text(place, field, item));
}

/** A queue, tag or agent name: plain text (domain/identifiers.ts). */
function named(place: Place, field: string, kind: IdentifierKind, v: string): string {
  const problem = identifierProblem(kind, v);
  if (problem) place.fail(field, problem);
  return v;
}

function oneOf<T extends string>(place: Place, field: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) place.fail(field, `${show(v)} is not one of ${allowed.join(', ')}`);
  return v as T;
}

function someOf<T extends string>(place: Place, field: string, v: unknown, allowed: readonly T[]): T[] {
  return (Array.isArray(v) ? v : [v]).map((item) => oneOf(place, field, item, allowed));
}

/** Queue lists may hold null (YAML `~` or `none`): "a ticket without a queue". */
function queues(place: Place, field: string, v: unknown): (string | null)[] {
  const list = Array.isArray(v) ? v : [v];
  if (!list.length) place.fail(field, 'expected at least one queue, got an empty list');
  return list.map((q) => (q === null || q === 'none' ? null : named(place, field, 'queue', text(place, field, q))));
}

function patterns(place: Place, field: string, v: unknown, make: (s: string) => TextPattern): TextPattern[] {
  return texts(place, field, v).map((s) => {
    try {
      return make(s);
    } catch (err) {
      return place.fail(field, `bad regular expression ${show(s)}: ${(err as Error).message}`);
    }
  });
}

function normaliseTag(tag: string): string {
  return tag.trim().toLowerCase().replace(/\s+/g, '-');
}

const WEEKDAY_NAMES: Record<string, Weekday> = Object.fromEntries(
  WEEKDAYS.flatMap((d) => {
    const full = { sun: 'sunday', mon: 'monday', tue: 'tuesday', wed: 'wednesday', thu: 'thursday', fri: 'friday', sat: 'saturday' }[d];
    return [[d, d], [full, d]];
  }),
);

function timeWindow(place: Place, field: string, v: unknown, fallbackZone: string): TimeWindow {
  const obj = mapping(place, field, v);
  knownKeys(place, field, obj, ['days', 'hours', 'timezone']);
  const timezone = obj.timezone === undefined ? fallbackZone : text(place, `${field}.timezone`, obj.timezone);
  if (!isValidTimeZone(timezone)) place.fail(`${field}.timezone`, `unknown time zone ${show(timezone)} (an IANA name such as Europe/Berlin)`);
  const window: TimeWindow = { timezone };
  if (obj.days !== undefined) {
    window.days = texts(place, `${field}.days`, obj.days).map((d) => {
      const day = WEEKDAY_NAMES[d.toLowerCase()];
      if (!day) place.fail(`${field}.days`, `${show(d)} is not a weekday (mon, tue, wed, thu, fri, sat, sun)`);
      return day;
    });
  }
  if (obj.hours !== undefined) {
    window.spans = texts(place, `${field}.hours`, obj.hours).map((s) => {
      const span = parseSpan(s);
      if (!span) place.fail(`${field}.hours`, `${show(s)} is not a span like 09:00-17:00 (or 18:00-08:00 across midnight)`);
      return span;
    });
  }
  if (!window.days && !window.spans) place.fail(field, 'give days, hours or both');
  return window;
}

const MATCH_FIELDS = ['from', 'subject', 'body', 'keywords', 'subject_regex', 'body_regex', 'queue', 'time', 'query'] as const;

/** What a triage rule cannot ask: it judges a ticket before it is stored, measured, linked or rated. */
const UNKNOWN_AT_TRIAGE: RuleQueryContext['unknown'] = {
  id: 'is not known yet when triage rules run (a new ticket gets its id as it is written)',
  linked: 'cannot hold yet when triage rules run (a new ticket has no links)',
  csat: 'cannot hold yet when triage rules run (a new ticket has no rating; use a csat rule)',
  sla: 'are judged on SLA clocks, which triage rules run before (use them in an escalation rule)',
  due: 'is judged on SLA clocks, which triage rules run before (use it in an escalation rule)',
};

function queryCondition(place: Place, field: string, v: unknown, ctx: RuleQueryContext): RuleQuery {
  const source = text(place, field, v);
  try {
    return ruleQuery(source, ctx);
  } catch (err) {
    if (err instanceof RuleQueryProblem) return place.fail(field, err.message, err.detail);
    throw err;
  }
}

function triageMatch(place: Place, v: unknown, fallbackZone: string, tiers: readonly string[]): TriageMatch {
  if (v === undefined || v === null) return {};
  const obj = mapping(place, 'match', v);
  knownKeys(place, 'match', obj, MATCH_FIELDS);
  const m: TriageMatch = {};
  if (obj.from !== undefined) {
    m.from = texts(place, 'match.from', obj.from).map((s) => {
      const p = parseSenderPattern(s);
      if (!p) place.fail('match.from', `${show(s)} is neither an address (ana@example.com) nor a domain (example.com)`);
      return p;
    });
  }
  if (obj.subject !== undefined) m.subject = patterns(place, 'match.subject', obj.subject, keywordPattern);
  if (obj.body !== undefined) m.body = patterns(place, 'match.body', obj.body, keywordPattern);
  if (obj.keywords !== undefined) m.keywords = patterns(place, 'match.keywords', obj.keywords, keywordPattern);
  if (obj.subject_regex !== undefined) m.subjectRegex = patterns(place, 'match.subject_regex', text(place, 'match.subject_regex', obj.subject_regex), userRegex)[0];
  if (obj.body_regex !== undefined) m.bodyRegex = patterns(place, 'match.body_regex', text(place, 'match.body_regex', obj.body_regex), userRegex)[0];
  if (obj.queue !== undefined) m.queue = queues(place, 'match.queue', obj.queue);
  if (obj.time !== undefined) m.time = timeWindow(place, 'match.time', obj.time, fallbackZone);
  if (obj.query !== undefined) m.query = queryCondition(place, 'match.query', obj.query, { tiers, timeZone: fallbackZone, unknown: UNKNOWN_AT_TRIAGE });
  return m;
}

function assigneeAction(place: Place, v: unknown, field = 'set.assignee'): AssigneeAction {
  if (typeof v === 'string') {
    const name = named(place, field, 'agent name', text(place, field, v));
    if ((ASSIGNMENT_STRATEGIES as readonly string[]).includes(name)) return { kind: 'strategy', strategy: name as AssignmentStrategy };
    return { kind: 'agent', name };
  }
  const obj = mapping(place, field, v);
  knownKeys(place, field, obj, ['strategy', 'among']);
  const action: AssigneeAction = { kind: 'strategy', strategy: oneOf(place, `${field}.strategy`, obj.strategy, ASSIGNMENT_STRATEGIES) };
  if (obj.among !== undefined) action.among = texts(place, `${field}.among`, obj.among).map((a) => named(place, `${field}.among`, 'agent name', a));
  return action;
}

function triageActions(place: Place, v: unknown, tiers: readonly string[]): TriageActions {
  const obj = mapping(place, 'set', v);
  knownKeys(place, 'set', obj, ['priority', 'queue', 'tags', 'tier', 'assignee']);
  const a: TriageActions = {};
  if (obj.priority !== undefined) a.priority = oneOf(place, 'set.priority', obj.priority, PRIORITIES);
  if (obj.queue !== undefined) a.queue = named(place, 'set.queue', 'queue', text(place, 'set.queue', obj.queue));
  if (obj.tags !== undefined) a.tags = texts(place, 'set.tags', obj.tags).map((t) => named(place, 'set.tags', 'tag', t)).map(normaliseTag);
  if (obj.tier !== undefined) a.tier = oneOf(place, 'set.tier', obj.tier, tiers);
  if (obj.assignee !== undefined) a.assignee = assigneeAction(place, obj.assignee);
  if (!Object.keys(a).length) place.fail('set', 'a rule must set something (priority, queue, tags, tier or assignee)');
  return a;
}

function escalationWhen(place: Place, v: unknown, tiers: readonly string[], fallbackZone: string): EscalationWhen {
  const obj = mapping(place, 'when', v);
  const usedFields = CLOCKS.map((c) => `${c}_used`);
  knownKeys(place, 'when', obj, ['tier', 'priority', 'status', 'queue', 'tag', ...usedFields, 'breached', 'unanswered_for', 'query']);
  const w: EscalationWhen = {};
  if (obj.tier !== undefined) w.tiers = someOf(place, 'when.tier', obj.tier, tiers);
  if (obj.priority !== undefined) w.priorities = someOf<Priority>(place, 'when.priority', obj.priority, PRIORITIES);
  if (obj.status !== undefined) w.statuses = someOf<Status>(place, 'when.status', obj.status, STATUSES);
  if (obj.queue !== undefined) w.queues = queues(place, 'when.queue', obj.queue);
  if (obj.tag !== undefined) w.tags = texts(place, 'when.tag', obj.tag).map((t) => named(place, 'when.tag', 'tag', t)).map(normaliseTag);
  for (const clock of CLOCKS) {
    const raw = obj[`${clock}_used`];
    if (raw === undefined) continue;
    const f = parseFraction(raw);
    if (f === undefined) place.fail(`when.${clock}_used`, `${show(raw)} is not a share of the target (write 80% or 0.8)`);
    (w.used ??= {})[clock] = f;
  }
  if (obj.breached !== undefined) w.breached = someOf<ClockName>(place, 'when.breached', obj.breached, CLOCKS);
  if (obj.unanswered_for !== undefined) {
    const raw = obj.unanswered_for;
    const s = typeof raw === 'string' ? parseDuration(raw) : undefined;
    if (!s) place.fail('when.unanswered_for', `${show(raw)} is not a duration of business time such as 24h or 1h30m`);
    w.unansweredForS = s;
  }
  if (obj.query !== undefined) w.query = queryCondition(place, 'when.query', obj.query, { tiers, timeZone: fallbackZone });
  if (!Object.keys(w).length) place.fail('when', 'give at least one condition');
  return w;
}

function notifyTargets(place: Place, v: unknown): NotifyTarget[] {
  return texts(place, 'then.notify', v).map((t) => {
    if (t === 'lead') return { kind: 'lead' };
    if (!isEmailAddress(t)) place.fail('then.notify', `${show(t)} is neither 'lead' (the lead of the tier) nor an email address`);
    return { kind: 'address', address: t };
  });
}

function escalationThen(place: Place, v: unknown, tiers: readonly string[]): EscalationThen {
  const obj = mapping(place, 'then', v);
  knownKeys(place, 'then', obj, ['escalate', 'priority', 'notify']);
  const t: EscalationThen = {};
  if (obj.escalate !== undefined) t.escalate = oneOf(place, 'then.escalate', obj.escalate, [...tiers, 'next']);
  if (obj.priority !== undefined) t.priority = oneOf(place, 'then.priority', obj.priority, [...PRIORITIES, 'raise'] as const);
  if (obj.notify !== undefined) t.notify = notifyTargets(place, obj.notify);
  if (!Object.keys(t).length) place.fail('then', 'a rule must do something (escalate, priority or notify)');
  return t;
}

function ruleName(place: Place, obj: Obj, seen: Set<string>): string {
  const name = text(place, 'name', obj.name);
  // The name is written into events as their reason and shown in terminals: one clean line.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) place.fail('name', 'must be one line without control characters');
  if (name.length > 100) place.fail('name', 'must be at most 100 characters');
  if (seen.has(name)) place.fail('name', `another rule is already named '${name}' (names must be unique: events record them)`);
  seen.add(name);
  return name;
}

function ruleList(source: string, section: string, v: unknown): Obj[] {
  if (v === undefined || v === null) return [];
  const place: Place = new Place(source, section);
  if (!Array.isArray(v)) place.fail(null, 'expected a list of rules');
  return v.map((r, i) => {
    const at: Place = new Place(source, `${section} rule #${i + 1}`);
    if (!isObj(r)) at.fail(null, `expected a mapping with name, got ${show(r)}`);
    return r;
  });
}

/** Place of a rule before its name is known to be valid. */
function rulePlace(source: string, kind: string, obj: Obj, index: number): Place {
  const label = typeof obj.name === 'string' && obj.name.trim() ? ` '${obj.name.trim()}'` : '';
  return new Place(source, `${kind} rule #${index + 1}${label}`);
}

/** Validates already-parsed data (from YAML or JSON) into a RuleSet. */
export function validateRules(input: unknown, opts: ParseOptions): RuleSet {
  const { source } = opts;
  const tiers = opts.tiers?.length ? opts.tiers : DEFAULT_TIERS;
  const top: Place = new Place(source, 'top level');
  const data = input ?? {};
  if (!isObj(data)) top.fail(null, 'expected a mapping with triage, escalation and/or csat lists');
  knownKeys(top, null, data, ['timezone', 'leads', 'queues', 'tier_assignment', 'triage', 'escalation', 'csat']);

  let timezone: string | undefined;
  if (data.timezone !== undefined) {
    timezone = text(top, 'timezone', data.timezone);
    if (!isValidTimeZone(timezone)) top.fail('timezone', `unknown time zone ${show(timezone)} (an IANA name such as Europe/Berlin)`);
  }
  const fallbackZone = timezone ?? opts.defaultTimezone ?? 'UTC';

  const leads: Record<string, string[]> = {};
  if (data.leads !== undefined) {
    for (const [tier, v] of Object.entries(mapping(top, 'leads', data.leads))) {
      if (!tiers.includes(tier)) top.fail(`leads.${tier}`, `unknown tier (tiers: ${tiers.join(', ')})`);
      leads[tier] = texts(top, `leads.${tier}`, v).map((a) => {
        if (!isEmailAddress(a)) top.fail(`leads.${tier}`, `${show(a)} is not an email address`);
        return a;
      });
    }
  }
  const queueAgents: Record<string, string[]> = {};
  if (data.queues !== undefined) {
    for (const [queue, v] of Object.entries(mapping(top, 'queues', data.queues))) {
      const obj = isObj(v) ? v : { agents: v };
      knownKeys(top, `queues.${queue}`, obj, ['agents']);
      named(top, `queues.${queue}`, 'queue', queue);
      queueAgents[queue] = texts(top, `queues.${queue}.agents`, obj.agents).map((a) => named(top, `queues.${queue}.agents`, 'agent name', a));
    }
  }

  // Who gets a ticket moved into a tier: a strategy or an agent; `none` (or a tier not listed) unassigns.
  const tierAssignment: Record<string, AssigneeAction | null> = {};
  if (data.tier_assignment !== undefined) {
    for (const [tier, v] of Object.entries(mapping(top, 'tier_assignment', data.tier_assignment))) {
      if (!tiers.includes(tier)) top.fail(`tier_assignment.${tier}`, `unknown tier (tiers: ${tiers.join(', ')})`);
      tierAssignment[tier] = v === null || v === 'none' ? null : assigneeAction(top, v, `tier_assignment.${tier}`);
    }
  }

  const seen = new Set<string>();
  const triage: TriageRule[] = ruleList(source, 'triage', data.triage).map((obj, i) => {
    const place = rulePlace(source, 'triage', obj, i);
    knownKeys(place, null, obj, ['name', 'match', 'set', 'stop']);
    const name = ruleName(place, obj, seen);
    if (obj.stop !== undefined && typeof obj.stop !== 'boolean') place.fail('stop', `expected true or false, got ${show(obj.stop)}`);
    return { name, match: triageMatch(place, obj.match, fallbackZone, tiers), set: triageActions(place, obj.set, tiers), stop: obj.stop === true };
  });

  const escalation: EscalationRule[] = ruleList(source, 'escalation', data.escalation).map((obj, i) => {
    const place = rulePlace(source, 'escalation', obj, i);
    knownKeys(place, null, obj, ['name', 'when', 'then']);
    const name = ruleName(place, obj, seen);
    const rule = { name, when: escalationWhen(place, obj.when, tiers, fallbackZone), then: escalationThen(place, obj.then, tiers) };
    const fixedTier = rule.then.escalate !== 'next' ? rule.then.escalate : undefined;
    if (fixedTier && rule.then.notify?.some((n) => n.kind === 'lead') && !leads[fixedTier]) {
      place.fail('then.notify', `no lead is given for tier ${fixedTier} (add it under leads: at the top of the file)`);
    }
    return rule;
  });

  const csat: CsatRule[] = ruleList(source, 'csat', data.csat).map((obj, i) => {
    const place = rulePlace(source, 'csat', obj, i);
    knownKeys(place, null, obj, ['name', 'when', 'then']);
    const name = ruleName(place, obj, seen);
    const when = mapping(place, 'when', obj.when);
    knownKeys(place, 'when', when, ['csat']);
    const cond = parseCsatCondition(when.csat);
    if (!cond) place.fail('when.csat', `${show(when.csat)} is not a comparison with a rating 1 to 5 such as "<3" or "<=2" (good is 5, bad is 1)`);
    const then = mapping(place, 'then', obj.then);
    knownKeys(place, 'then', then, ['reopen', 'notify']);
    const t: CsatRule['then'] = {};
    if (then.reopen !== undefined) {
      if (typeof then.reopen !== 'boolean') place.fail('then.reopen', `expected true or false, got ${show(then.reopen)}`);
      if (then.reopen) t.reopen = true;
    }
    if (then.notify !== undefined) t.notify = notifyTargets(place, then.notify);
    if (!t.reopen && !t.notify) place.fail('then', 'a rule must do something (reopen or notify)');
    return { name, when: cond!, then: t };
  });

  return { timezone, leads, queueAgents, tierAssignment, triage, escalation, ...(csat.length ? { csat } : {}) };
}

const CSAT_CONDITION = /^(<=|>=|<|>|=)?\s{0,3}([1-5])$/;

/** "<3", "<= 2", "5" (equal): the comparison of a csat rule, or null. */
export function parseCsatCondition(v: unknown): CsatRule['when'] | null {
  const raw = typeof v === 'number' ? String(v) : v;
  if (typeof raw !== 'string') return null;
  const m = CSAT_CONDITION.exec(raw.trim());
  if (!m) return null;
  return { op: (m[1] ?? '=') as CsatRule['when']['op'], value: Number(m[2]) };
}

/** Whether a rating's score (1..5) meets the condition. */
export function csatMatches(when: CsatRule['when'], score: number): boolean {
  switch (when.op) {
    case '<': return score < when.value;
    case '<=': return score <= when.value;
    case '=': return score === when.value;
    case '>=': return score >= when.value;
    default: return score > when.value;
  }
}

/** Parses rules text: JSON when the source ends in .json (or format says so), else YAML. */
export function parseRules(textContent: string, opts: ParseOptions & { format?: 'yaml' | 'json' }): RuleSet {
  const format = opts.format ?? (opts.source.toLowerCase().endsWith('.json') ? 'json' : 'yaml');
  let data: unknown;
  try {
    data = format === 'json' ? JSON.parse(textContent) : YAML.parse(textContent);
  } catch (err) {
    throw new UsageError(`rules file ${opts.source}: cannot be read as ${format.toUpperCase()}: ${(err as Error).message}`);
  }
  return validateRules(data, opts);
}
