// Notification mail: the notifications waiting to be mailed (mail_state 'pending') become
// outbox entries (kind 'notification'), one per notification, or one digest per agent once
// their digest period is over. Runs before every outbox run of `desk sync` and `desk outbox
// flush`, in one write transaction that marks each notification queued with its outbox entry:
// a notification is mailed once however many runs there are (writers take turns, and a row
// already queued is left alone).
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../../cli/context.js';
import { composeMail, domainOf, headerText, type MailAddress } from '../../mail/compose.js';
import { enqueue } from '../../mail/outbox.js';
import { isoSeconds } from '../../domain/types.js';
import { safeLine, safeText } from '../../domain/safe-text.js';
import { digestDue } from '../../domain/notify/digest.js';
import { settingsOf, type NotificationKind } from '../../domain/notify/settings.js';
import { hasSmtp, senderOf } from '../reply/sender.js';
import type { Notification } from '../../store/repos/notifications.js';

type Pending = Notification & { subject: string };

const WHAT: Record<NotificationKind, string> = {
  mention: 'mentioned you on',
  assigned: 'assigned you',
  customer_reply: 'replied on',
  sla_at_risk: 'SLA at risk on',
};

export function notificationSubject(n: Pending): string {
  return `desk: ${headerText(n.actor)} ${WHAT[n.kind]} #${n.ticket} "${headerText(n.subject)}"`;
}

/** One notification in a mail; outside text (a subject, a note) made harmless as everywhere desk shows it. */
function entryText(n: Pending): string {
  return [`#${n.ticket} "${safeLine(n.subject)}" (${n.created_at})`, `${safeLine(n.actor)}: ${safeText(n.text)}`, `See it with: desk show ${n.ticket}`].join('\n');
}

export function mailText(list: Pending[]): string {
  return [...list.map(entryText), '', `Your notifications: desk inbox (desk inbox read --all marks them read)`, ''].join('\n\n');
}

/** Queues the notification mail that is due; returns how many outbox entries were made. */
export async function queueNotificationMail(ctx: Ctx): Promise<number> {
  const config = await ctx.config();
  if (!hasSmtp(config)) return 0; // they wait, listed in `desk inbox`, until desk can send mail
  const store = await ctx.store();
  const { pendingMail, markQueued } = await import('../../store/repos/notifications.js');
  const first = await pendingMail(store.db);
  if (!first.length) return 0; // nothing waits: no write at all
  const sender = senderOf(config);
  const from: MailAddress = { address: sender.address, name: sender.name ?? 'desk' };
  const now = ctx.now();
  const at = isoSeconds(now);
  const { agentTimeZone } = await import('../sla/policy-file.js');
  const zone = await agentTimeZone(ctx);
  return store.write(async (tx) => {
    const pending = await pendingMail(tx);
    const agents = await tx.selectFrom('agents').select(['name', 'email', 'notify']).execute();
    const byName = new Map(agents.map((a) => [a.name, a]));
    const groups = new Map<string, Pending[]>();
    for (const n of pending) groups.set(n.agent, [...(groups.get(n.agent) ?? []), n]);
    let made = 0;
    for (const [name, list] of groups) {
      const agent = byName.get(name);
      if (!agent) continue;
      const digest = settingsOf(agent.notify ?? null).digest;
      const batches = digest === 'off' ? list.map((n) => [n]) : digestDue(digest, list[0]!.created_at, now, zone) ? [list] : [];
      for (const batch of batches) {
        const one = batch.length === 1 ? batch[0]! : null;
        const subject = one ? notificationSubject(one) : `desk: ${batch.length} notifications (${digest} digest)`;
        const ticketId = one ? one.ticket : null;
        const mail = await composeMail({
          from,
          to: { address: agent.email },
          subject,
          text: mailText(batch),
          // Neither our reply Message-ID nor a [#id] tag: an answer must not thread into a ticket.
          messageId: `<notify.${one ? one.ticket : 'digest'}.${randomBytes(6).toString('hex')}@${domainOf(from.address)}>`,
          date: now,
        });
        const outboxId = await enqueue(tx, { ticketId, messagePk: null, kind: 'notification', mail, at, subject });
        if (!(await markQueued(tx, batch.map((n) => n.id), outboxId))) throw new Error('notification mail queued twice'); // rolls back
        made++;
      }
    }
    return made;
  });
}
