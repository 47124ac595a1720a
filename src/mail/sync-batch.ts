// Stores one batch of prepared mail inside the caller's write transaction: dedupe, threading,
// new tickets, status changes, and the mailbox cursor, all or nothing. A crash at any point
// leaves either the whole batch with its cursor or none of it, so a rerun continues exactly where
// the last commit ended and makes the same rows with the same ids.
//
// Lookups are made once per batch (a few `IN (…)` queries) and inserts go through the dialect's
// bulk path, so the cost per message is a few microseconds of SQL rather than a handful of round trips.
import type { Insertable, Kysely } from 'kysely';
import type { DialectOps } from '../store/dialect/types.js';
import type { DB, MailQuarantineTable } from '../store/schema.js';
import { applyChanges } from '../store/repos/tickets.js';
import { notifyCustomerReplies } from '../store/repos/notifications.js';
import { bulkInsert, IdBlocks, TicketWrites, type NewMessage } from '../store/writes.js';
import { referencedIds, parseOurMessageId, subjectTags, threadMessage, type ThreadLookup } from '../domain/threading.js';
import type { Status } from '../domain/types.js';
import { emptyCounts, type MailboxCounts } from './sync-report.js';
import { syncDb } from './sync-schema.js';
import { dedupeKey } from './sync-key.js';
import type { PreparedItem, PreparedMail, QuarantineItem } from './sync-prepare.js';
import type { TrustAuthResults } from './auth-results.js';
import { judgeOurClaim } from './our-claim.js';
import { claimedOursReason } from '../domain/sender-claim.js';
import { spamJudge, type SpamSettings } from './spam-check.js';
import { addSpam, type NewSpam } from '../store/repos/spam.js';
import { recordRating, surveysByTokenHash, tokenHash, type KnownSurvey } from '../store/repos/csat.js';
import { commentOf, inScale, parseRatingSubject } from '../domain/csat/subject.js';
import { ratingValue } from '../domain/csat/settings.js';

/** The tag of a ticket whose mail failed an authentication check with policy `mark`. */
export const SUSPECT_TAG = 'suspected-spam';
import { ccFromMail } from '../domain/cc.js';

const NO_ADDRESSES: ReadonlySet<string> = new Set();

export interface BatchTarget {
  account: string;
  mailbox: string;
  uidValidity: string;
  /** queue of new tickets from this mailbox */
  queue: string | null;
  /** whose Authentication-Results tell that mail from our address is ours (none: nobody's) */
  trustAuthResults?: TrustAuthResults | null;
  /** the config's spam settings (the database's lists apply besides, read per batch) */
  spam?: SpamSettings | null;
  /** our own addresses (lowercased): never put on a ticket's CC list */
  ourAddresses?: ReadonlySet<string>;
}

/** Where the cursor stands once this batch is committed. */
export interface BatchCursor {
  lastUid: number;
  /** HIGHESTMODSEQ, only when the run is complete (a partial run must not look up to date) */
  highestModseq: string | null;
  syncedAt: string;
}

/** Called for each ticket the batch created, in the same transaction (triage rules). */
export type NewTicketHook = (tx: Kysely<DB>, ticketId: number, at: string) => Promise<void>;

/** Called for each satisfaction rating the batch recorded, in the same transaction (rules on ratings). */
export type RatingHook = (tx: Kysely<DB>, ticketId: number, rating: string, score: number, at: string) => Promise<void>;

export interface StoredOutcome {
  counts: MailboxCounts;
  /** quarantine rows that a replay stored */
  resolved: number;
}

/** Statuses a customer's reply takes back to open (Zendesk/Zammad behaviour). */
const REOPEN_ON_REPLY: ReadonlySet<string> = new Set(['pending', 'on_hold', 'solved']);
/** A reply to a closed ticket opens a follow-up ticket instead: closed is final. */
const FINAL_STATUS = 'closed';
/** Rows per IN (…) lookup: under every dialect's parameter limit. */
const LOOKUP_CHUNK = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface KnownTicket {
  status: string;
  requester: string;
  /** created by this batch */
  fresh: boolean;
  /** the ticket this one was merged into (mail to it goes there), else null */
  mergedInto?: number | null;
}

/** How many merges deep the sync follows a merged ticket to the one it went into. */
const MAX_MERGE_HOPS = 20;

/** What the database already knows that this batch's decisions depend on. */
async function prefetch(tx: Kysely<DB>, items: readonly PreparedItem[]) {
  const db = syncDb(tx);
  const mails = items.filter((i): i is PreparedMail => i.kind === 'mail');
  const failures = items.filter((i): i is QuarantineItem => i.kind === 'quarantine');

  /** content hashes of mail already in quarantine: unreadable mail delivered twice is kept once */
  const quarantined = new Set<string>();
  for (const part of chunks([...new Set(failures.map((f) => f.contentSha256))], LOOKUP_CHUNK)) {
    for (const r of await db.selectFrom('mail_quarantine').select('content_sha256').where('content_sha256', 'in', part).execute()) quarantined.add(r.content_sha256);
  }

  // Message-IDs: those the batch refers to (threading) and its own (mail desk stored without raw).
  const ids = new Set<string>();
  for (const m of mails) {
    ids.add(m.messageId);
    for (const r of referencedIds(m.parsed, { reportedMessageId: m.reportedMessageId })) ids.add(r.id);
  }
  const ticketOfMessage = new Map<string, number>();
  /** dedupe keys (Message-ID + content hash) of the mail already stored under these ids */
  const knownKeys = new Set<string>();
  /** Message-IDs of mail desk holds without raw: its own replies, imported history. */
  const withoutRaw = new Set<string>();
  for (const part of chunks([...ids], LOOKUP_CHUNK)) {
    const rows = await db
      .selectFrom('messages')
      .select(['message_id', 'ticket_id', 'raw_sha256', 'content_sha256'])
      .where('message_id', 'in', part)
      .orderBy('id')
      .execute();
    for (const r of rows) {
      if (r.ticket_id !== null && !ticketOfMessage.has(r.message_id)) ticketOfMessage.set(r.message_id, Number(r.ticket_id));
      if (r.raw_sha256 === null) withoutRaw.add(r.message_id);
      if (r.content_sha256 !== null) knownKeys.add(dedupeKey(r.message_id, r.content_sha256));
    }
  }

  // Tickets named by our Message-IDs, subject tags, or found above.
  const ticketIds = new Set<number>(ticketOfMessage.values());
  for (const id of ids) {
    const ours = parseOurMessageId(id);
    if (ours) ticketIds.add(ours.ticketId);
  }
  for (const m of mails) for (const t of subjectTags(m.parsed.subject)) ticketIds.add(t);
  const tickets = new Map<number, KnownTicket>();
  // Merged tickets point at where their conversation went: those tickets are read too, hop by hop.
  let toRead = [...ticketIds];
  for (let hop = 0; toRead.length && hop < MAX_MERGE_HOPS; hop++) {
    const next: number[] = [];
    for (const part of chunks(toRead, LOOKUP_CHUNK)) {
      const rows = await tx
        .selectFrom('tickets as t')
        .innerJoin('requesters as r', 'r.id', 't.requester_id')
        .select(['t.id', 't.status', 'r.email', 't.merged_into'])
        .where('t.id', 'in', part)
        .execute();
      for (const r of rows) {
        const into = r.merged_into == null ? null : Number(r.merged_into);
        tickets.set(Number(r.id), { status: r.status, requester: r.email, fresh: false, mergedInto: into });
        if (into !== null && !tickets.has(into)) next.push(into);
      }
    }
    toRead = [...new Set(next)];
  }
  // Message-IDs desk sent, among the mail from our addresses: that mail is ours for sure.
  const inOutbox = new Set<string>();
  for (const part of chunks([...new Set(mails.filter((m) => m.fromUs).map((m) => m.messageId))], LOOKUP_CHUNK)) {
    const outbox = tx as unknown as Kysely<{ outbox: { message_id: string } }>; // (outbox.ts owns the table)
    for (const r of await outbox.selectFrom('outbox').select('message_id').where('message_id', 'in', part).execute()) inOutbox.add(r.message_id);
  }
  // Surveys named by rating subjects ("Rating 4 [#42] <token>"), by the hash of their token.
  const hashes = new Set<string>();
  for (const m of mails) {
    const r = m.fromUs ? null : parseRatingSubject(m.parsed.subject);
    if (r) hashes.add(tokenHash(r.token));
  }
  const surveys: Map<string, KnownSurvey> = hashes.size ? await surveysByTokenHash(tx, [...hashes]) : new Map();
  return { knownKeys, quarantined, ticketOfMessage, withoutRaw, tickets, inOutbox, surveys };

}

/**
 * Stores the batch; returns what happened to each message, bucketed. `cursor`: advance the
 * mailbox cursor in the same transaction (null on replay).
 */
export async function storeBatch(
  tx: Kysely<DB>,
  ops: DialectOps,
  target: BatchTarget,
  items: readonly PreparedItem[],
  cursor: BatchCursor | null,
  onNewTicket: NewTicketHook,
  onRating?: RatingHook,
): Promise<StoredOutcome> {
  const db = syncDb(tx);
  const counts = emptyCounts();
  counts.new = items.length;
  let resolved = 0;
  const known = await prefetch(tx, items);

  // Ids from the database; a block as large as the batch could need, one query each.
  const ticketIds = IdBlocks.of(tx, ops, 'tickets');
  const messageIds = IdBlocks.of(tx, ops, 'messages');

  const lookup: ThreadLookup = {
    // Only a reply desk really sent for that ticket: another desk installation uses the same
    // id shape, and its ticket numbers mean nothing here.
    ticketForOurMessageId: (id) => {
      const ours = parseOurMessageId(id);
      return ours && known.tickets.has(ours.ticketId) && known.ticketOfMessage.get(id) === ours.ticketId ? ours.ticketId : null;
    },
    ticketForKnownMessageId: (id) => known.ticketOfMessage.get(id) ?? null,
    ticketForTagFromRequester: (ticketId, fromEmail) =>
      known.tickets.get(ticketId)?.requester === fromEmail.toLowerCase() ? ticketId : null,
  };

  const newTickets: { id: number; subject: string; requester: { email: string; name: string | null }; at: string; tags: string[] }[] = [];
  // Spam is judged on every mail not from us, before threading: it opens, reopens and joins nothing.
  const judge = items.some((i) => i.kind === 'mail' && !i.fromUs) ? await spamJudge(tx, target.spam ?? null) : null;
  const spamRows: NewSpam[] = [];
  const w = new TicketWrites(ops);
  const messageTickets: number[] = [];
  const raws: { message_pk: number; raw: Buffer }[] = [];
  const quarantineRows: Insertable<MailQuarantineTable>[] = [];
  /** tickets created by this batch: their updated_at is their latest message's arrival */
  const lastArrival = new Map<number, string>();
  const resolvedRows: { id: number; message_pk: number; at: string }[] = [];
  /** customers' replies onto existing tickets: their assignees are told */
  const customerReplies: { ticket: number; from: string; subject: string | null; at: string }[] = [];
  const ratingRows: { survey: KnownSurvey; rating: string; comment: string | null; at: string; pk: number; from: string }[] = [];

  for (const [index, item] of items.entries()) {
    const left = items.length - index; // at most this many tickets and messages still to come
    if (item.kind === 'quarantine') {
      if (item.quarantineId !== undefined) continue; // replay: still unreadable, row stays as it is
      if (known.quarantined.has(item.contentSha256)) {
        counts.duplicates++;
        continue;
      }
      known.quarantined.add(item.contentSha256);
      quarantineRows.push({
        account: target.account, mailbox: target.mailbox, uid_validity: target.uidValidity, uid: item.uid,
        raw_sha256: item.rawSha256, content_sha256: item.contentSha256, raw: item.raw, reason: item.reason, received_at: item.receivedAt, resolved_at: null, message_pk: null,
      });
      counts.quarantined++;
      continue;
    }

    const m = item;
    const p = m.parsed;
    // Exactly once: the same Message-ID with the same content is here already; mail that desk
    // holds without raw under this Message-ID (its own sent reply, imported history) too.
    if (known.knownKeys.has(m.key) || known.withoutRaw.has(m.messageId)) {
      counts.duplicates++;
      continue;
    }
    known.knownKeys.add(m.key);

    const verdict = judge && !m.fromUs ? judge.judge(m, target.trustAuthResults ?? null) : null;
    if (verdict?.spam) {
      const pk = messageIds.next() ?? (await messageIds.take(left));
      w.addMessage(pk, null, {
        message_id: m.messageId, in_reply_to: p.in_reply_to, references: p.references, direction: 'in',
        from: p.from.email, from_name: p.from.name, to: p.to.map((a) => a.email), cc: p.cc.map((a) => a.email),
        date: p.date, subject: p.subject || null, text: p.text, html: p.html, author: null, auto: m.auto,
        thread_rule: `spam: ${verdict.reason}`, raw_sha256: p.sha256, content_sha256: p.content_sha256,
        attachments: p.attachments, attachment_paths: p.attachments.map((_, i) => m.attachmentPaths[i] ?? null),
      });
      raws.push({ message_pk: pk, raw: m.raw });
      spamRows.push({ sender: p.from.email, subject: p.subject || '(no subject)', date: m.receivedAt, reason: verdict.reason, messagePks: [pk], createdAt: cursor?.syncedAt ?? m.receivedAt });
      counts.spam++;
      if (m.quarantineId !== undefined) {
        resolvedRows.push({ id: m.quarantineId, message_pk: pk, at: cursor?.syncedAt ?? m.receivedAt });
        resolved++;
      }
      continue;
    }

    // A satisfaction rating (the subject of a survey's link, with a token of a survey of that
    // ticket, from the address the survey went to, on its scale): recorded on the ticket, it opens,
    // reopens and joins no conversation. Anything short of that is ordinary mail (threaded below).
    const rated = !m.fromUs && m.auto === null ? ratingOf(p.subject, p.from.email, known.surveys) : null;
    if (rated) {
      const pk = messageIds.next() ?? (await messageIds.take(left));
      w.addMessage(pk, null, {
        message_id: m.messageId, in_reply_to: p.in_reply_to, references: p.references, direction: 'in',
        from: p.from.email, from_name: p.from.name, to: p.to.map((a) => a.email), cc: p.cc.map((a) => a.email),
        date: p.date, subject: p.subject || null, text: p.text, html: p.html, author: null, auto: `satisfaction rating ${rated.rating} of ticket ${rated.survey.ticketId}`,
        thread_rule: `csat: rating ${rated.rating} of ticket ${rated.survey.ticketId}`, raw_sha256: p.sha256, content_sha256: p.content_sha256,
        attachments: p.attachments, attachment_paths: p.attachments.map((_, i) => m.attachmentPaths[i] ?? null),
      });
      raws.push({ message_pk: pk, raw: m.raw });
      ratingRows.push({ survey: rated.survey, rating: rated.rating, comment: commentOf(p.text), at: m.receivedAt, pk, from: p.from.email.toLowerCase() });
      counts.ratings++;
      if (m.quarantineId !== undefined) {
        resolvedRows.push({ id: m.quarantineId, message_pk: pk, at: cursor?.syncedAt ?? m.receivedAt });
        resolved++;
      }
      continue;
    }

    const decision = await threadMessage(p, lookup, { reportedMessageId: m.reportedMessageId });
    let ticketId = decision.ticketId;
    let rule = `${decision.rule}: ${decision.detail}`;
    // From one of our addresses: ours only when desk can tell (our-claim.ts). Mail that only
    // claims it stays inbound, marked, and like automatic mail opens, reopens and stops nothing.
    const claim = m.fromUs
      ? judgeOurClaim({ from: p.from.email.toLowerCase(), authResults: p.auth_results ?? [], inOutbox: known.inOutbox.has(m.messageId) }, target.account, target.trustAuthResults ?? null)
      : null;
    const fromUs = claim?.ours === true;
    const claimed = claim !== null && !claim.ours;
    const person = m.auto === null && !m.fromUs;

    // Mail to a merged ticket goes where its conversation went (`desk merge`).
    for (let hop = 0; ticketId !== null && hop < MAX_MERGE_HOPS; hop++) {
      const into = known.tickets.get(ticketId)?.mergedInto;
      if (into == null || !known.tickets.has(into)) break;
      rule = `${rule}; #${ticketId} is merged into #${into}`;
      ticketId = into;
    }
    const existing = ticketId !== null ? known.tickets.get(ticketId) : undefined;
    if (ticketId !== null && !existing) ticketId = null; // the lookup and the prefetch always agree; be safe
    if (existing && person) {
      const t = existing;
      if (t.status === FINAL_STATUS) {
        rule = `new: follow-up to closed ticket ${ticketId} (${rule})`;
        ticketId = null;
      } else if (REOPEN_ON_REPLY.has(t.status)) {
        await applyChanges(tx, ticketId!, [{ type: 'status', to: 'open' as Status, reason: 'the customer replied by mail' }], p.from.email, m.receivedAt);
        t.status = 'open';
      }
    }

    if (ticketId === null && person) {
      ticketId = ticketIds.next() ?? (await ticketIds.take(left));
      newTickets.push({ id: ticketId, subject: p.subject || '(no subject)', requester: { email: p.from.email, name: p.from.name }, at: m.receivedAt, tags: verdict?.suspect ? [SUSPECT_TAG] : [] });
      known.tickets.set(ticketId, { status: 'new', requester: p.from.email, fresh: true });
      w.addSearch(ticketId, p.subject || '(no subject)', []);
      counts.new_tickets++;
    } else if (person) {
      counts.threaded++;
      customerReplies.push({ ticket: ticketId!, from: p.from.email.toLowerCase(), subject: p.subject || null, at: m.receivedAt });
    } else if (m.fromUs) {
      // Our own mail (an agent answering from a mail client with the support address), or mail
      // that only claims to be.
      if (ticketId !== null) counts.threaded++;
      else {
        counts.auto_generated++;
        rule = `not attached: ${decision.detail}`;
      }
    } else {
      counts.auto_generated++;
      if (ticketId === null) rule = `not attached: ${decision.detail}`;
    }
    if (ticketId !== null && person) {
      // Whoever else the customer wrote to joins the ticket's CC list (reply-all).
      w.addCc(ticketId, ccFromMail(p, known.tickets.get(ticketId)!.requester, target.ourAddresses ?? NO_ADDRESSES), m.receivedAt, 'mail');
    }
    if (ticketId !== null) {
      // updated_at follows the latest arrival: set at insert for new tickets, updated for others.
      if (known.tickets.get(ticketId)?.fresh) {
        const prev = lastArrival.get(ticketId);
        if (!prev || prev < m.receivedAt) lastArrival.set(ticketId, m.receivedAt);
      } else w.touch(ticketId, m.receivedAt);
    }

    if (claim) rule = `${rule}; ${claimed ? 'claims to be from us, not believed' : 'ours'}: ${claim.detail}`;

    const pk = messageIds.next() ?? (await messageIds.take(left));
    const message: NewMessage = {
      message_id: m.messageId,
      in_reply_to: p.in_reply_to,
      references: p.references,
      direction: fromUs ? 'out' : 'in',
      from: p.from.email,
      from_name: p.from.name,
      to: p.to.map((a) => a.email),
      cc: p.cc.map((a) => a.email),
      date: p.date,
      subject: p.subject || null,
      text: p.text,
      html: p.html,
      author: null,
      auto: claimed ? claimedOursReason(p.from.email.toLowerCase()) : fromUs && ticketId === null ? 'sent from our own address' : m.auto,
      thread_rule: rule,
      raw_sha256: p.sha256,
      content_sha256: p.content_sha256,
      attachments: p.attachments,
      attachment_paths: p.attachments.map((_, i) => m.attachmentPaths[i] ?? null),
    };
    w.addMessage(pk, ticketId, message);
    raws.push({ message_pk: pk, raw: m.raw });
    if (ticketId !== null) {
      w.addSearch(ticketId, p.subject, [p.text]);
      messageTickets.push(ticketId);
      known.ticketOfMessage.set(m.messageId, ticketId);
    }
    if (m.quarantineId !== undefined) {
      resolvedRows.push({ id: m.quarantineId, message_pk: pk, at: cursor?.syncedAt ?? m.receivedAt });
      resolved++;
    }
  }

  // Requesters of the new tickets: existing ones looked up, the rest inserted.
  const requesterIds = new Map<string, number>();
  const emails = [...new Set(newTickets.map((t) => t.requester.email))];
  for (const part of chunks(emails, LOOKUP_CHUNK)) {
    for (const r of await tx.selectFrom('requesters').select(['id', 'email']).where('email', 'in', part).execute()) requesterIds.set(r.email, Number(r.id));
  }
  const missing = emails.filter((e) => !requesterIds.has(e));
  if (missing.length) await ops.alignIds(tx, 'requesters');
  for (const part of chunks(missing, LOOKUP_CHUNK)) {
    const names = new Map(newTickets.map((t) => [t.requester.email, t.requester.name]));
    const rows = await tx
      .insertInto('requesters')
      .values(part.map((email) => ({ email, name: names.get(email) ?? null })))
      .returning(['id', 'email'])
      .execute();
    for (const r of rows) requesterIds.set(r.email, Number(r.id));
  }

  for (const t of newTickets) {
    w.addTicket(t.id, {
      subject: t.subject, status: 'new', priority: 'normal', tier: 'L1', queue: target.queue, assignee: null, tags: t.tags,
      created_at: t.at, updated_at: lastArrival.get(t.id) ?? t.at,
    }, requesterIds.get(t.requester.email)!);
    for (const tag of t.tags) w.addEvent(t.id, { at: t.at, actor: 'desk', type: 'tag', to: tag, reason: 'an authentication check of our receiving server failed (spam settings: mark)' });
  }
  // The store's bulk path: prepared once, one row per run on SQLite, so raw mail of any size
  // never builds one giant statement.
  await w.flush(tx);
  await bulkInsert(ops, tx, 'mail_raw', raws);
  await bulkInsert(ops, tx, 'mail_quarantine', quarantineRows);
  await addSpam(tx, ops, spamRows);
  for (const r of resolvedRows) {
    await db.updateTable('mail_quarantine').set({ resolved_at: r.at, message_pk: r.message_pk }).where('id', '=', r.id).execute();
  }

  await notifyCustomerReplies(tx, customerReplies);
  // Ratings on their tickets (a later one replaces the earlier), then the rules on ratings.
  for (const r of ratingRows) {
    const score = ratingValue(r.rating);
    const recorded = await recordRating(tx, { survey: r.survey, rating: r.rating, score, comment: r.comment, at: r.at, messagePk: r.pk, actor: r.from });
    if (recorded && onRating) await onRating(tx, r.survey.ticketId, r.rating, score, r.at);
  }
  // New tickets through the triage rules, now that their first message is stored.
  for (const t of newTickets) await onNewTicket(tx, t.id, t.at);
  // What the SLA clocks read of every ticket that got mail, in the same transaction.
  w.refreshClockInputs(messageTickets);
  await w.refreshDerived(tx);

  if (cursor) {
    const row = {
      account: target.account, mailbox: target.mailbox, uid_validity: target.uidValidity,
      last_uid: cursor.lastUid, highest_modseq: cursor.highestModseq, synced_at: cursor.syncedAt,
    };
    await db
      .insertInto('mail_cursors')
      .values(row)
      .onConflict((oc) => oc.columns(['account', 'mailbox']).doUpdateSet({
        uid_validity: row.uid_validity, last_uid: row.last_uid, highest_modseq: row.highest_modseq, synced_at: row.synced_at,
      }))
      .execute();
  }
  return { counts, resolved };
}

/** The survey a mail rates, when its subject, token, ticket, sender and scale all agree; else null. */
function ratingOf(subject: string | null | undefined, from: string, surveys: ReadonlyMap<string, KnownSurvey>): { survey: KnownSurvey; rating: string } | null {
  const r = parseRatingSubject(subject);
  if (!r) return null;
  const survey = surveys.get(tokenHash(r.token));
  if (!survey || survey.ticketId !== r.ticketId || survey.address !== from.toLowerCase() || !inScale(r.rating, survey.scale)) return null;
  return { survey, rating: r.rating };
}
