// Writes a reply: the outbound message, its events (reply, and a status change if asked) and its
// outbox entry with the finished MIME, all in ONE write transaction, before any SMTP server is
// contacted. Sending happens afterwards (flushOutbox), so a crash or a dead server can delay a
// reply but never lose it, and a reply that was recorded is the exact one that goes out.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isoSeconds, type Status, type TicketWithHistory } from '../../domain/types.js';
import type { Change } from '../../domain/ticket.js';
import {
  composeMail,
  replyMessageId,
  replySubject,
  threadingFor,
  type MailAddress,
  type MailAttachment,
} from '../../mail/compose.js';
import { enqueue, type OutboxKind } from '../../mail/outbox.js';
import type { Store } from '../../store/index.js';
import type { DB } from '../../store/schema.js';
import { addMessage, applyChanges, getTicketHistory } from '../../store/repos/tickets.js';
import { addCc } from '../../store/repos/cc.js';
import { ccPeople, replyRecipients, type CcPerson } from '../../domain/cc.js';

export interface ReplyDraft {
  ticketId: number;
  text: string;
  /** who wrote it (an agent's name; 'desk' for automatic mail) */
  actor: string;
  /** when the agent queued it */
  at: Date;
  from: MailAddress;
  /** the status the ticket takes with this reply, if it changes */
  status?: Status | null;
  kind: OutboxKind;
  attachments?: MailAttachment[];
  /** Who besides the requester gets it; none when absent (the automatic acknowledgement). */
  recipients?: ReplyRecipients;
  /** the knowledge-base article the reply answers with (recorded as a kb_answer event) */
  kbSlug?: string;
}

/** A reply's copies, decided against the ticket's CC list as the write transaction reads it. */
export interface ReplyRecipients {
  /** false (`--no-cc`): the ticket's CC list is left out of this reply */
  keepCc: boolean;
  /** Cc added (`--cc`): they join the ticket's CC list */
  addCc: CcPerson[];
  /** Bcc: in the envelope only, never in a header, never remembered */
  bcc: string[];
  /** our own addresses, never copied */
  ours: ReadonlySet<string>;
}

export interface QueuedReply {
  entryId: number;
  messageId: string;
  subject: string;
  to: string;
  cc: string[];
  bcc: string[];
  status: Status;
}

/** Stores the reply and its outbox entry in the caller's write transaction. */
export async function writeReply(tx: Kysely<DB>, history: TicketWithHistory, draft: ReplyDraft): Promise<QueuedReply> {
  // The message's date is the instant the agent queued the reply, not the moment an SMTP server
  // accepted it: that is when the customer was answered (docs/sla.md's first outbound public
  // reply stops the first-response clock), a server outage or back-off must not count against
  // the agent, and a later flush must not rewrite the ticket's history. The Date header carries
  // the same instant, so the customer sees it too.
  const at = isoSeconds(draft.at);
  const messageId = replyMessageId(history.id, draft.from.address);
  const threading = threadingFor(history.messages);
  const subject = replySubject(history.subject, history.id);
  const to: MailAddress = { address: history.requester.email, name: history.requester.name };
  const auto = draft.kind === 'auto-ack';
  const r = draft.recipients;
  const copies = r
    ? replyRecipients({ requester: { email: to.address, name: to.name }, ticketCc: history.cc ?? [], keepCc: r.keepCc, addCc: r.addCc, bcc: r.bcc, ours: r.ours })
    : { cc: [], bcc: [] };
  const cc: MailAddress[] = copies.cc.map((p) => ({ address: p.email, name: p.name ?? null }));
  const mail = await composeMail({
    from: draft.from,
    to,
    cc,
    bcc: copies.bcc,
    subject,
    text: draft.text,
    messageId,
    inReplyTo: threading.inReplyTo,
    references: threading.references,
    date: new Date(Date.parse(at)),
    autoReply: auto,
    attachments: draft.attachments,
  });

  const messagePk = await addMessage(tx, history.id, {
    message_id: messageId,
    in_reply_to: threading.inReplyTo,
    references: threading.references,
    direction: 'out',
    from: draft.from.address,
    from_name: draft.from.name ?? null,
    to: [to.address],
    cc: cc.map((a) => a.address),
    date: at,
    subject,
    text: draft.text,
    html: null,
    author: draft.actor,
    // An automatic acknowledgement is marked so that it does not stop the SLA clocks.
    auto: auto ? 'auto-ack' : null,
    attachments: (draft.attachments ?? []).map((a) => ({
      filename: a.filename,
      content_type: a.contentType ?? 'application/octet-stream',
      size: a.content.length,
      sha256: createHash('sha256').update(a.content).digest('hex'),
    })),
  });
  const changes: Change[] = [{ type: 'reply', text: messageId }];
  if (draft.kbSlug) changes.push({ type: 'kb_answer', slug: draft.kbSlug });
  if (draft.status) changes.push({ type: 'status', to: draft.status });
  await applyChanges(tx, history.id, changes, draft.actor, at);
  if (r?.addCc.length) await addCc(tx, history.id, ccPeople(r.addCc, to.address, r.ours), at, 'reply');
  const entryId = await enqueue(tx, { ticketId: history.id, messagePk, kind: draft.kind, mail, at });
  return {
    entryId, messageId, subject, to: to.address, cc: cc.map((a) => a.address), bcc: copies.bcc,
    status: draft.status ?? history.status,
  };
}

/** Reads the ticket and writes the reply in one write transaction. */
export async function queueReply(store: Store, draft: ReplyDraft): Promise<QueuedReply> {
  return store.write(async (tx) => writeReply(tx, await getTicketHistory(tx, draft.ticketId), draft));
}
