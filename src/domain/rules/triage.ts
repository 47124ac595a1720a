// Triage rules applied to one new ticket: each matching rule, in file order, sets what it says.
// Later rules see what earlier ones set (a rule can match the queue another rule chose), and each
// change carries the name of the rule that made it, to be recorded with the actor `rules`.
import type { Priority, Ticket } from '../types.js';
import { chooseByStrategy, type RoundRobinCursor } from './assignment.js';
import { BODY_MATCH_LIMIT, describeSender, firstMatch, senderMatches } from './text-match.js';
import { inTimeWindow } from './time-of-day.js';
import type { AgentInfo, RuleChange, RuleSet, TriageMatch, TriageRule } from './types.js';
import { queryMatches, type QueryFacts } from '../query/evaluate.js';

export interface TriageInput {
  ticket: Pick<Ticket, 'subject' | 'priority' | 'tier' | 'queue' | 'assignee' | 'tags' | 'requester'>;
  /** the message that opened the ticket, if any */
  message?: { from: string; subject?: string | null; text: string } | null;
  /** the text verdicts, computed beforehand (judgeMail); computed here when left out */
  judged?: TextVerdicts;
  /** what `query:` conditions read (the ticket as stored, before the rules); needed when a rule has one */
  facts?: QueryFacts;
}

export interface TriageEnvironment {
  agents: readonly AgentInfo[];
  /** agent name → open tickets assigned to them (for least-loaded) */
  loads: Readonly<Record<string, number>>;
  cursor: Readonly<RoundRobinCursor>;
  /** when the ticket is triaged: time-of-day conditions are read at this instant */
  now: Date;
}

export interface TriageOutcome {
  changes: RuleChange[];
  /** names of the rules that matched, in order */
  matched: string[];
  /** the round-robin cursor to store for the next ticket */
  cursor: RoundRobinCursor;
  /** things a lead should hear about (an assignee that does not exist, nobody to assign) */
  warnings: string[];
}

type State = Pick<Ticket, 'priority' | 'tier' | 'queue' | 'assignee' | 'tags'>;

/** The mail as the triage rules read it. */
export interface MailText {
  from: string;
  subject: string;
  body: string;
}

/**
 * Per triage rule, in file order: why its conditions on the mail text hold (sender, subject,
 * body, keywords, regular expressions), or null. These depend on the mail alone, so callers
 * compute them before opening the write transaction that creates the ticket.
 */
export type TextVerdicts = readonly (readonly string[] | null)[];

/** The ticket's first incoming message, or the ticket itself when it has none, as rules read it. */
export function mailText(
  message: { from: string; subject?: string | null; text: string } | null | undefined,
  ticket: { subject: string; requester: { email: string } },
): MailText {
  return {
    from: message?.from ?? ticket.requester.email,
    subject: message?.subject ?? ticket.subject,
    body: (message?.text ?? '').slice(0, BODY_MATCH_LIMIT),
  };
}

/** Why the rule's conditions on the mail text hold (one phrase per condition), or null. */
export function explainTextMatch(match: TriageMatch, mail: MailText): string[] | null {
  const why: string[] = [];
  if (match.from) {
    const p = match.from.find((s) => senderMatches(s, mail.from));
    if (!p) return null;
    why.push(`sender ${describeSender(p)}`);
  }
  for (const [field, list, text] of [
    ['subject', match.subject, mail.subject],
    ['body', match.body, mail.body],
    ['keywords', match.keywords, `${mail.subject}\n${mail.body}`],
  ] as const) {
    if (!list) continue;
    const hit = firstMatch(list, text);
    if (!hit) return null;
    why.push(`${field === 'keywords' ? 'text' : field} has '${hit.source}'`);
  }
  if (match.subjectRegex) {
    if (!match.subjectRegex.test(mail.subject)) return null;
    why.push(`subject matches ${match.subjectRegex.source}`);
  }
  if (match.bodyRegex) {
    if (!match.bodyRegex.test(mail.body)) return null;
    why.push(`body matches ${match.bodyRegex.source}`);
  }
  return why;
}

/** The text verdicts of every triage rule on one mail. */
export function judgeMail(rules: RuleSet, mail: MailText): TextVerdicts {
  return rules.triage.map((rule) => explainTextMatch(rule.match, mail));
}

/** Why the rule's conditions on the ticket's state and the time hold, or null. */
function explainStateMatch(match: TriageMatch, state: State, now: Date, facts?: QueryFacts): string[] | null {
  const why: string[] = [];
  if (match.queue) {
    if (!match.queue.includes(state.queue)) return null;
    why.push(`queue ${state.queue ?? 'none'}`);
  }
  if (match.time) {
    if (!inTimeWindow(now, match.time)) return null;
    why.push('time of day');
  }
  if (match.query) {
    if (!facts) throw new Error(`desk bug: the query of a triage rule was judged without the ticket's facts`);
    // the ticket as the earlier rules left it
    const { priority, tier, queue, assignee, tags } = state;
    if (!queryMatches(match.query.at(now), { ...facts, priority, tier, queue, assignee, tags }, now)) return null;
    why.push(`query ${match.query.source}`);
  }
  return why;
}

/** Why the rule matched (one phrase per condition), or null when it does not. */
export function explainTriageMatch(match: TriageMatch, mail: MailText, state: State, now: Date, facts?: QueryFacts): string[] | null {
  return combine(explainTextMatch(match, mail), () => explainStateMatch(match, state, now, facts));
}

function combine(text: readonly string[] | null, state: () => string[] | null): string[] | null {
  if (!text) return null;
  const rest = state();
  return rest ? [...text, ...rest] : null;
}

export function evaluateTriage(rules: RuleSet, input: TriageInput, env: TriageEnvironment): TriageOutcome {
  const verdicts = input.judged ?? judgeMail(rules, mailText(input.message, input.ticket));
  const state: State = { ...input.ticket, tags: [...input.ticket.tags] };
  const loads: Record<string, number> = { ...env.loads };
  const cursor: RoundRobinCursor = { ...env.cursor };
  const outcome: TriageOutcome = { changes: [], matched: [], cursor, warnings: [] };

  for (const [i, rule] of rules.triage.entries()) {
    if (!combine(verdicts[i] ?? null, () => explainStateMatch(rule.match, state, env.now, input.facts))) continue;
    outcome.matched.push(rule.name);
    applyTriageActions(rule, state, { rules, env, loads, cursor, outcome });
    if (rule.stop) break;
  }
  return outcome;
}

interface Working {
  rules: RuleSet;
  env: TriageEnvironment;
  loads: Record<string, number>;
  cursor: RoundRobinCursor;
  outcome: TriageOutcome;
}

// Queue and tier first: the assignment strategies pick among the agents of the ticket's
// tier and queue as this very rule leaves them.
function applyTriageActions(rule: TriageRule, state: State, w: Working): void {
  const reason = rule.name;
  const push = (c: RuleChange) => w.outcome.changes.push(c);
  const { set } = rule;
  if (set.queue !== undefined && set.queue !== state.queue) {
    state.queue = set.queue;
    push({ type: 'queue', to: set.queue, reason });
  }
  if (set.tier !== undefined && set.tier !== state.tier) {
    state.tier = set.tier;
    push({ type: 'escalate', to: set.tier, reason });
  }
  if (set.priority !== undefined && set.priority !== state.priority) {
    state.priority = set.priority as Priority;
    push({ type: 'priority', to: set.priority, reason });
  }
  for (const tag of set.tags ?? []) {
    if (state.tags.includes(tag)) continue;
    state.tags.push(tag);
    push({ type: 'tag', tag, reason });
  }
  if (set.assignee) assign(rule, state, w);
}

function assign(rule: TriageRule, state: State, w: Working): void {
  const action = rule.set.assignee!;
  const warn = (s: string): void => void w.outcome.warnings.push(`rule '${rule.name}': ${s}`);
  let name: string | undefined;
  if (action.kind === 'agent') {
    const agent = w.env.agents.find((a) => a.name === action.name);
    if (!agent) return warn(`no agent named '${action.name}'; the ticket stays unassigned`);
    // A ticket handed to someone on leave would wait unseen; better left for the queue.
    if (agent.away) return warn(`'${action.name}' is away; the ticket is not assigned to them`);
    name = agent.name;
  } else {
    // Strategies fill an empty seat; they never take a ticket away from someone.
    if (state.assignee !== null) return;
    const choice = chooseByStrategy(action, rule.name, { tier: state.tier, queue: state.queue }, {
      agents: w.env.agents, loads: w.loads, cursor: w.cursor, queueAgents: w.rules.queueAgents,
    });
    if (!choice.agent) return warn(`nobody to assign by ${action.strategy} (no agent of tier ${state.tier}${state.queue ? ` in queue ${state.queue}` : ''} who is not away)`);
    if (choice.cursorUpdate) w.cursor[choice.cursorUpdate.key] = choice.cursorUpdate.name;
    name = choice.agent.name;
  }
  if (name === state.assignee) return;
  if (state.assignee !== null) w.loads[state.assignee] = Math.max(0, (w.loads[state.assignee] ?? 0) - 1);
  w.loads[name] = (w.loads[name] ?? 0) + 1;
  state.assignee = name;
  w.outcome.changes.push({ type: 'assign', to: name, reason: rule.name });
}
