// Mail to a tier's lead when a ticket is escalated (by a rule or by hand). Sent straight over
// SMTP after the escalation is committed: the escalation never waits on, or is undone by, a
// mail server. A failed notification is recorded on the ticket so nobody believes it arrived.
import { randomBytes } from 'node:crypto';
import { RemoteError, UsageError } from '../../cli/errors.js';
import { resolveSecret, type Config } from '../../config.js';
import { composeMail, domainOf, headerText } from '../../mail/compose.js';
import { needsTls, outcomeText, sendRaw, type SmtpTarget } from '../../mail/smtp.js';

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

function senderOf(config: Config): string {
  const from = config.smtp?.from ?? config.accounts?.find((a) => a.address)?.address ?? config.smtp?.user;
  if (!from || !from.includes('@')) {
    throw new UsageError("notifications need a sender address: set smtp.from (or an account's address) in the config");
  }
  return from;
}

/** The SMTP mailer of the config; a UsageError before anything is changed when there is none. */
export function smtpMailer(config: Config): Mailer {
  const smtp = config.smtp;
  if (!smtp?.host) throw new UsageError('notifying a lead needs an smtp section in the config (host, port, …)');
  const from = senderOf(config);
  let target: SmtpTarget | undefined;
  const targetOf = (): SmtpTarget => {
    if (target) return target;
    const secure = smtp.secure ?? false;
    const password = resolveSecret(smtp, 'smtp');
    target = { host: smtp.host, port: smtp.port ?? (secure ? 465 : 587), secure, user: smtp.user, password };
    target.requireTLS = needsTls(target);
    return target;
  };
  return {
    async send(n, at) {
      // Not our reply Message-ID nor a [#id] subject tag: a lead answering this mail must not
      // have the answer threaded into the customer's ticket as if the customer had written.
      const mail = await composeMail({
        from: { address: from, name: 'desk' },
        to: { address: n.to[0]! },
        subject: `desk: ticket ${n.ticketId} escalated to ${n.tier}: ${headerText(n.subject)}`,
        text: noticeText(n),
        messageId: `<notify.${n.ticketId}.${randomBytes(6).toString('hex')}@${domainOf(from)}>`,
        date: at,
      });
      const outcome = await sendRaw(targetOf(), { from: mail.envelope.from, to: n.to }, mail.raw);
      if (outcome.kind !== 'sent') throw new RemoteError(`notifying ${n.to.join(', ')} about #${n.ticketId} failed: ${outcomeText(outcome)}`);
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
