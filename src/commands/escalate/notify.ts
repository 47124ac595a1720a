// Mail to a tier's lead when a ticket is escalated (by a rule or by hand). Sent straight over
// SMTP after the escalation is committed: the escalation never waits on, or is undone by, a
// mail server. A failed notification is recorded on the ticket so nobody believes it arrived.
import { randomBytes } from 'node:crypto';
import { RemoteError, UsageError } from '../../cli/errors.js';
import type { Config } from '../../config.js';
import { composeMail, domainOf, headerText } from '../../mail/compose.js';
import { outcomeText, sendRaw, type SmtpTarget } from '../../mail/smtp.js';
import { timeoutsFor } from '../../mail/timeouts.js';
import { hasSmtp, senderOf, smtpTargetOf } from '../reply/sender.js';

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

export interface Mailer {
  send(notice: LeadNotice, at: Date): Promise<void>;
}

/** The SMTP mailer of the config (the one replies use); a UsageError before anything is changed when there is none. */
export function smtpMailer(config: Config): Mailer {
  const from = senderOf(config);
  if (!hasSmtp(config)) throw new UsageError('notifying a lead needs an smtp section in the config (host, port, …)');
  timeoutsFor(config.smtp?.timeoutSeconds, 'smtp.timeoutSeconds'); // a bad value is found before anything changes
  let target: SmtpTarget | undefined;
  return {
    async send(n, at) {
      // One mail per lead, each addressed to them. Not our reply Message-ID nor a [#id] subject
      // tag: a lead answering must not have the answer threaded into the customer's ticket.
      const failed: string[] = [];
      for (const to of n.to) {
        const mail = await composeMail({
          from: { address: from.address, name: from.name ?? 'desk' },
          to: { address: to },
          subject: `desk: ticket ${n.ticketId} escalated to ${n.tier}: ${headerText(n.subject)}`,
          text: noticeText(n),
          messageId: `<notify.${n.ticketId}.${randomBytes(6).toString('hex')}@${domainOf(from.address)}>`,
          date: at,
        });
        const outcome = await sendRaw((target ??= smtpTargetOf(config)), mail.envelope, mail.raw);
        if (outcome.kind !== 'sent') failed.push(`${to}: ${outcomeText(outcome)}`);
      }
      if (failed.length) throw new RemoteError(`notifying about #${n.ticketId} failed for ${failed.join('; ')}`);
    },
  };
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
