// What happens to every new ticket, whichever way it arrived (sync, `desk new`, import):
// the triage rules route and prioritise it. Kept in one place so no entry point forgets it.
import type { Kysely } from 'kysely';
import type { DB } from './schema.js';
import { applyTriageRules, type TriageApplied } from './rules.js';
import type { RuleSet } from '../domain/rules/types.js';
import type { JudgedMail } from '../domain/rules/judged.js';

export interface NewTicketContext {
  actor: string;
  at: string;
  source: 'new' | 'sync' | 'import';
  /** the rules to apply (the caller reads the rules file, once for many tickets); null: none */
  rules: RuleSet | null;
  /** the rules' verdicts on the mail text, worked out before the transaction began */
  judged?: JudgedMail;
}

/**
 * Runs in the transaction that created the ticket; a broken rules file rolls it back (exit 2).
 * Callers load the rules and judge the mail text (JudgedMail) before opening that transaction.
 */
export async function onNewTicket(tx: Kysely<DB>, ticketId: number, ctx: NewTicketContext): Promise<TriageApplied> {
  return applyTriageRules(tx, ticketId, { at: ctx.at, rules: ctx.rules, judged: ctx.judged });
}
