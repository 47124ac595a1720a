// Mail to a tier's lead when a ticket is escalated (by a rule or by hand). Like every mail desk
// sends, it goes through the outbox (kind 'notification'): queued in the escalation's own write
// transaction, sent right after, and retried by `desk sync` / `desk outbox flush` when the SMTP
// server is down, so a lead is told even when the server was away at the time. A notification is
// not a message of the ticket: it stops no SLA clock, and a lead's answer does not thread into
// the customer's ticket.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { UsageError } from '../../errors.js';
import type { Config } from '../../config.js';
import { composeMail, domainOf, headerText, type MailAddress } from '../../mail/compose.js';
import { enqueue } from '../../mail/outbox.js';
import type { DB } from '../../store/schema.js';
import { isoSeconds } from '../../domain/types.js';
import { hasSmtp, senderOf } from '../reply/sender.js';
import { timeoutsFor } from '../../mail/timeouts.js';

export interface LeadNotice {
  to: string[];
  ticketId: number;
  subject: string;
  fromTier: string | null;
  tier: string;
  /** who or what escalated, and why */
  by: string;
  why: string;
}

/** Who notifications come from; a UsageError before anything is changed when desk cannot send mail. */
export function notificationSender(config: Config): MailAddress {
  if (!hasSmtp(config)) throw new UsageError('notifying a lead needs an smtp section in the config (host, port, …)');
  timeoutsFor(config.smtp?.timeoutSeconds, 'smtp.timeoutSeconds'); // a bad value is found before anything changes
  const from = senderOf(config);
  return { address: from.address, name: from.name ?? 'desk' };
}

/** Queues one mail per lead, each addressed to them, in the caller's write transaction; returns the outbox ids. */
export async function queueNotice(tx: Kysely<DB>, n: LeadNotice, from: MailAddress, at: Date): Promise<number[]> {
  const ids: number[] = [];
  const subject = `desk: ticket ${n.ticketId} escalated to ${n.tier}: ${headerText(n.subject)}`;
  for (const to of n.to) {
    // Not our reply Message-ID nor a [#id] subject tag: a lead answering must not have the
    // answer threaded into the customer's ticket.
    const mail = await composeMail({
      from,
      to: { address: to },
      subject,
      text: noticeText(n),
      messageId: `<notify.${n.ticketId}.${randomBytes(6).toString('hex')}@${domainOf(from.address)}>`,
      date: at,
    });
    ids.push(await enqueue(tx, { ticketId: n.ticketId, messagePk: null, kind: 'notification', mail, at: isoSeconds(at), subject }));
  }
  return ids;
}

export function noticeText(n: LeadNotice): string {
  return [
    `Ticket #${n.ticketId} "${headerText(n.subject)}" was escalated ${n.fromTier ? `from ${n.fromTier} ` : ''}to ${n.tier}.`,
    '',
    `By: ${n.by}`,
    `Why: ${n.why}`,
    '',
    `See it with: desk show ${n.ticketId}`,
    '',
  ].join('\n');
}
