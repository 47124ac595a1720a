// The rules engine meets the store: the triage hook every new ticket goes through, and the
// state the assignment strategies keep between tickets (open-ticket loads, round-robin turns).
import type { Kysely } from 'kysely';
import { DONE_STATUSES, type TicketEvent } from '../domain/types.js';
import { evaluateTriage } from '../domain/rules/triage.js';
import { RULES_ACTOR, type RuleSet } from '../domain/rules/types.js';
import { handoverAssignee, type RoundRobinCursor } from '../domain/rules/assignment.js';
import type { Change } from '../domain/ticket.js';
import type { JudgedMail } from '../domain/rules/judged.js';
import type { DB } from './schema.js';
import { listAgents } from './repos/agents.js';
import { applyChanges, getTicket, getTicketHistory, type Basis } from './repos/tickets.js';
import { queryFactsOf } from '../domain/query/facts.js';

const CURSOR_KEY = 'rules.round_robin';

/** Unfinished tickets per assignee. */
export async function openTicketLoads(db: Kysely<DB>): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('tickets')
    .select(['assignee', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', 'not in', [...DONE_STATUSES])
    .where('assignee', 'is not', null)
    .groupBy('assignee')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.assignee as string, Number(r.n)]));
}

export async function readRoundRobinCursor(db: Kysely<DB>): Promise<RoundRobinCursor> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', CURSOR_KEY).executeTakeFirst();
  if (!row) return {};
  try {
    const v = JSON.parse(row.value);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as RoundRobinCursor) : {};
  } catch {
    return {}; // a damaged cursor only costs fairness for one ticket
  }
}

export async function writeRoundRobinCursor(tx: Kysely<DB>, cursor: RoundRobinCursor): Promise<void> {
  const value = JSON.stringify(cursor);
  await tx.insertInto('meta').values({ key: CURSOR_KEY, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
}

export interface TriageApplied {
  matched: string[];
  events: TicketEvent[];
  /** for the person or log that created the ticket (e.g. "no agent named 'zed'") */
  warnings: string[];
}

/**
 * Runs the triage rules on a ticket just created, inside the caller's write transaction, and
 * records each rule's effect as events with actor `rules` and the rule's name as reason.
 * `rules`: the rule set to use (the caller reads the rules file: store reads no config); null: no rules. `at`: when the ticket arrived (time-of-day conditions read it, events carry it).
 * `judged`: the verdicts on the mail text, worked out before the transaction (see judged.ts), so
 * that no pattern runs while the write lock is held; a mail missing from it is judged here.
 */
export async function applyTriageRules(
  tx: Kysely<DB>, ticketId: number, opts: { at: string; rules: RuleSet | null; judged?: JudgedMail },
): Promise<TriageApplied> {
  const rules = opts.rules;
  if (!rules || rules.triage.length === 0) return { matched: [], events: [], warnings: [] };
  const ticket = await getTicket(tx, ticketId);
  const first = await tx
    .selectFrom('messages')
    .select(['from_addr', 'subject', 'text'])
    .where('ticket_id', '=', ticketId)
    .where('direction', '=', 'in')
    .orderBy('date')
    .orderBy('id')
    .executeTakeFirst();
  // Only what the rules use is read: imports run this for every ticket, and loads scan the desk.
  const assigns = rules.triage.map((r) => r.set.assignee).filter((a) => a !== undefined);
  const uses = (strategy: string) => assigns.some((a) => a.kind === 'strategy' && a.strategy === strategy);
  const [agents, loads, cursor] = await Promise.all([
    assigns.length ? listAgents(tx) : [],
    uses('least-loaded') ? openTicketLoads(tx) : {},
    uses('round-robin') ? readRoundRobinCursor(tx) : {},
  ]);
  const message = first ? { from: first.from_addr, subject: first.subject, text: first.text } : null;
  const judged = opts.judged?.rules === rules ? opts.judged.get(message, ticket) : undefined;
  const now = new Date(opts.at);
  // `query:` conditions read the whole ticket as written (an import brings its history along)
  const facts = rules.triage.some((r) => r.match.query) ? queryFactsOf(await getTicketHistory(tx, ticketId), { now }) : undefined;
  const outcome = evaluateTriage(rules, { ticket, message, judged, facts }, { agents, loads, cursor, now });
  const events = outcome.changes.length ? await applyChanges(tx, ticketId, outcome.changes, RULES_ACTOR, opts.at) : [];
  if (JSON.stringify(outcome.cursor) !== JSON.stringify(cursor)) await writeRoundRobinCursor(tx, outcome.cursor);
  return { matched: outcome.matched, events, warnings: outcome.warnings };
}

export interface HandoverResult {
  events: TicketEvent[];
  /** who has the ticket now */
  assignee: string | null;
  warnings: string[];
}

/**
 * Applies `changes` (in the caller's write transaction); when they move the ticket to another
 * tier, the new tier gets it (domain/rules/assignment.ts handoverAssignee): its assignee keeps it
 * only when they work that tier, else the rules file's `tier_assignment` picks someone of the
 * tier, or nobody. Every tier change goes through here: desk escalate, the rules, triage.
 * `rules`: the rule set (the caller reads the rules file); null: no rules (unassign). `basis`: the
 * read the change was planned on (applyChanges).
 */
export async function applyChangesWithHandover(
  tx: Kysely<DB>, ticketId: number, changes: Change[], actor: string, at: string,
  opts: { rules: RuleSet | null; reason?: string; basis?: Basis },
): Promise<HandoverResult> {
  const events = await applyChanges(tx, ticketId, changes, actor, at, opts.basis);
  const moved = events.filter((e) => e.type === 'escalate').at(-1);
  const ticket = await getTicket(tx, ticketId);
  if (!moved || ticket.tier !== moved.to) return { events, assignee: ticket.assignee, warnings: [] };
  const rules = opts.rules;
  const action = rules?.tierAssignment?.[ticket.tier];
  const strategy = action?.kind === 'strategy' ? action.strategy : null;
  const [agents, loads, cursor] = await Promise.all([
    listAgents(tx),
    strategy === 'least-loaded' ? openTicketLoads(tx) : {},
    strategy === 'round-robin' ? readRoundRobinCursor(tx) : {},
  ]);
  const handover = handoverAssignee(ticket, ticket.tier, rules, { agents, loads, cursor });
  if (handover.cursorUpdate) await writeRoundRobinCursor(tx, { ...cursor, [handover.cursorUpdate.key]: handover.cursorUpdate.name });
  const reason = opts.reason ?? `moved to ${ticket.tier}`;
  const more = handover.assignee !== ticket.assignee
    ? await applyChanges(tx, ticketId, [{ type: 'assign', to: handover.assignee, reason }], actor, at)
    : [];
  return { events: [...events, ...more], assignee: handover.assignee, warnings: handover.warning ? [handover.warning] : [] };
}
