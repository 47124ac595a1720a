// The triage rules' verdicts on mail text, worked out before the write transaction that creates
// the tickets: reading a megabyte of hostile text must never happen while desk holds the
// database's write lock, where every other agent's command would wait on it (and fail with exit 4).
// Inside the transaction only the cheap conditions are left (queue, time of day, assignment).
import { judgeMail, mailText, type MailText, type TextVerdicts } from './triage.js';
import type { RuleSet } from './types.js';

type Message = { from: string; subject?: string | null; text: string } | null | undefined;
type TicketLike = { subject: string; requester: { email: string } };

const keyOf = (m: MailText) => `${m.from}\u0000${m.subject}\u0000${m.body}`;

/** Text verdicts by mail, for the tickets one transaction is about to create. */
export class JudgedMail {
  private readonly verdicts = new Map<string, TextVerdicts>();
  /** whether any triage rule has a pattern (a rule set without one costs nothing in the transaction) */
  private readonly hasPatterns: boolean;

  constructor(readonly rules: RuleSet) {
    this.hasPatterns = rules.triage.some(({ match: m }) => m.subject || m.body || m.keywords || m.subjectRegex || m.bodyRegex);
  }

  /** Judges a mail that may open a ticket: call this outside any transaction. */
  add(message: Message, ticket: TicketLike): void {
    if (!this.hasPatterns) return;
    const mail = mailText(message, ticket);
    const key = keyOf(mail);
    if (!this.verdicts.has(key)) this.verdicts.set(key, judgeMail(this.rules, mail));
  }

  /** The verdicts for this mail, if it was judged beforehand. */
  get(message: Message, ticket: TicketLike): TextVerdicts | undefined {
    return this.verdicts.get(keyOf(mailText(message, ticket)));
  }
}
