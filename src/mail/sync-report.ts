// The reconciliation line printed per mailbox after each run. Every fetched message lands in
// exactly one bucket, so new = new_tickets + threaded + auto_generated + duplicates + quarantined
// + spam + ratings and an operator can check that nothing went missing.
import { safeLine } from '../domain/safe-text.js';

export interface MailboxCounts {
  /** messages fetched this run (UIDs above the last synced one) */
  new: number;
  /** human mail that opened a ticket */
  new_tickets: number;
  /** human mail added to an existing ticket */
  threaded: number;
  /** auto-replies, bounces, list mail: attached to the ticket they refer to, or stored aside */
  auto_generated: number;
  /** already stored (same Message-ID and content): skipped */
  duplicates: number;
  /** could not be stored: kept with the reason for `desk sync --replay` */
  quarantined: number;
  /** judged spam (src/domain/spam.ts): stored, in no ticket, listed by `desk spam list` */
  spam: number;
  /** ratings of satisfaction surveys (src/domain/csat/): recorded on their ticket, in no conversation */
  ratings: number;
}

export interface MailboxReport extends MailboxCounts {
  account: string;
  mailbox: string;
  /** messages in the mailbox on the server */
  on_server: number;
  uid_validity: string;
  /** true when the server's UIDVALIDITY changed since the last run (everything was re-checked) */
  uid_validity_changed: boolean;
  /** set when the mailbox could not be synced; the counts then cover what was done before */
  error: string | null;
}

export function emptyCounts(): MailboxCounts {
  return { new: 0, new_tickets: 0, threaded: 0, auto_generated: 0, duplicates: 0, quarantined: 0, spam: 0, ratings: 0 };
}

export function addCounts(into: MailboxCounts, more: MailboxCounts): void {
  into.new += more.new;
  into.new_tickets += more.new_tickets;
  into.threaded += more.threaded;
  into.auto_generated += more.auto_generated;
  into.duplicates += more.duplicates;
  into.quarantined += more.quarantined;
  into.spam += more.spam;
  into.ratings += more.ratings;
}

/** `support/INBOX: 1204 on server, 50 new: 12 new tickets, 30 threaded, …` */
export function reconciliationLine(r: MailboxReport): string {
  const head = `${safeLine(r.account)}/${safeLine(r.mailbox)}: ${r.on_server} on server, ${r.new} new: `;
  const parts = [
    `${r.new_tickets} new ticket${r.new_tickets === 1 ? '' : 's'}`,
    `${r.threaded} threaded`,
    `${r.auto_generated} auto-generated`,
    `${r.duplicates} duplicate${r.duplicates === 1 ? '' : 's'} skipped`,
    `${r.quarantined} quarantined`,
  ];
  if (r.spam) parts.push(`${r.spam} spam`);
  if (r.ratings) parts.push(`${r.ratings} rating${r.ratings === 1 ? '' : 's'}`);
  let line = head + parts.join(', ');
  if (r.uid_validity_changed) line += ' (UIDVALIDITY changed: all mail re-checked)';
  if (r.error) line += ` — stopped: ${safeLine(r.error)}`;
  return line;
}

export interface ReplayReport {
  retried: number;
  stored: number;
  still_quarantined: number;
}

export function replayLine(r: ReplayReport): string {
  return `replay: ${r.retried} quarantined message${r.retried === 1 ? '' : 's'} retried, ${r.stored} stored, ${r.still_quarantined} still quarantined`;
}
