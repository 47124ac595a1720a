// Spam in the store: the sender lists agents keep (spam_senders), and the spam itself (spam_mail):
// mail the sync judged spam, stored in no ticket, and tickets an agent moved there.
//
// Moving a ticket to spam takes it out of every list, search, triage and SLA figure by taking the
// ticket row away: its events, tags and import keys are kept as a JSON snapshot in its spam row,
// its messages stay (in no ticket), replies still waiting in the outbox are cancelled (nothing
// more goes to a spammer) and sent ones stay on record. Release writes the ticket back from the
// snapshot (its number again when it is free), so nothing an agent did on it is lost; spam the
// sync stored becomes a new ticket built from its mail, as the sync would have made it.
import { sql, type Kysely, type Selectable } from 'kysely';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { DialectOps } from '../dialect/types.js';
import type { DB, SpamMailTable, TicketsTable } from '../schema.js';
import { bulkInsert, TicketWrites } from '../writes.js';
import { ticketsChanged } from '../ticket-changes.js';
import type { EventType } from '../../domain/types.js';

export type SpamSenderRow = Selectable<DB['spam_senders']>;
export type SpamRow = Selectable<SpamMailTable>;

const CHUNK = 500;
function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---- sender lists -----------------------------------------------------------------------

export async function spamSenderLists(db: Kysely<DB>): Promise<{ block: string[]; allow: string[] }> {
  const rows = await db.selectFrom('spam_senders').select(['pattern', 'verdict']).execute();
  return {
    block: rows.filter((r) => r.verdict === 'block').map((r) => r.pattern),
    allow: rows.filter((r) => r.verdict === 'allow').map((r) => r.pattern),
  };
}

export async function spamSenders(db: Kysely<DB>): Promise<SpamSenderRow[]> {
  return db.selectFrom('spam_senders').selectAll().orderBy('verdict').orderBy('pattern').execute();
}

/** Puts a pattern on a list (off the other one); what it was before, or null. */
export async function setSpamSender(tx: Kysely<DB>, pattern: string, verdict: 'block' | 'allow', actor: string, at: string): Promise<SpamSenderRow | null> {
  const before = await tx.selectFrom('spam_senders').selectAll().where('pattern', '=', pattern).executeTakeFirst();
  if (before?.verdict === verdict) return before;
  if (before) await tx.updateTable('spam_senders').set({ verdict, added_by: actor, added_at: at }).where('pattern', '=', pattern).execute();
  else await tx.insertInto('spam_senders').values({ pattern, verdict, added_by: actor, added_at: at }).execute();
  return before ?? null;
}

/** Takes a pattern off the lists; the row it was, or null when it was on none. */
export async function removeSpamSender(tx: Kysely<DB>, pattern: string): Promise<SpamSenderRow | null> {
  const before = await tx.selectFrom('spam_senders').selectAll().where('pattern', '=', pattern).executeTakeFirst();
  if (before) await tx.deleteFrom('spam_senders').where('pattern', '=', pattern).execute();
  return before ?? null;
}

// ---- spam entries ---------------------------------------------------------------------------

export interface NewSpam {
  sender: string;
  subject: string;
  date: string;
  reason: string;
  messagePks: number[];
  createdAt: string;
}

/** Spam the sync stored (its messages are in, in no ticket): through the bulk path, which stores text as the backend can hold it. */
export async function addSpam(tx: Kysely<DB>, ops: DialectOps, rows: readonly NewSpam[]): Promise<void> {
  await bulkInsert(ops, tx, 'spam_mail', rows.map((r) => ({
    sender: r.sender, subject: r.subject, date: r.date, reason: r.reason, message_pks: JSON.stringify(r.messagePks),
    ticket_id: null, snapshot: null, blocked: null, created_at: r.createdAt,
  })));
}

export async function listSpam(db: Kysely<DB>, limit?: number): Promise<SpamRow[]> {
  let q = db.selectFrom('spam_mail').selectAll().orderBy('date', 'desc').orderBy('id', 'desc');
  if (limit !== undefined) q = q.limit(limit);
  return q.execute();
}

export async function getSpam(db: Kysely<DB>, id: number): Promise<SpamRow> {
  const row = await db.selectFrom('spam_mail').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`no spam ${id}`, "see 'desk spam list' for the ids");
  return row;
}

// ---- moving a ticket to spam ---------------------------------------------------------------

/** What a moved ticket's spam row keeps to bring it back (JSON in spam_mail.snapshot). */
interface Snapshot {
  ticket: Omit<Selectable<TicketsTable>, 'clock_inputs' | 'version'>;
  requester: string;
  tags: string[];
  events: { at: string; actor: string; type: string; from_value: string | null; to_value: string | null; reason: string | null; text: string | null }[];
  import_keys: string[];
  /** outbox rows (sent, or cancelled by the move) that belonged to the ticket */
  outbox: number[];
  /** its links to other tickets (desk link), restored on release while the other ticket is there */
  links?: { kind: string; from_id: number; to_id: number; created_at: string; actor: string }[];
  /** its CC list (ticket_cc), back with it on release */
  cc?: { address: string; name: string | null; added_at: string; source: string }[];
}

export interface MoveOptions {
  actor: string;
  at: string;
  reason: string;
  /** also block this pattern (the sender's address), recorded so that release can undo it */
  block?: string | null;
}

export interface Moved {
  spamId: number;
  ticketId: number;
  sender: string;
  subject: string;
  /** the pattern this move put on the block list (null: none, or it was there already) */
  blocked: string | null;
  /** replies waiting in the outbox that will not be sent now */
  cancelled: number;
}

/** Moves one ticket to spam in the caller's transaction. NotFoundError when there is no such ticket. */
export async function moveTicketToSpam(tx: Kysely<DB>, ticketId: number, o: MoveOptions): Promise<Moved> {
  return (await moveTicketsToSpam(tx, [ticketId], { ...o, block: undefined }, o.block ? new Map([[ticketId, o.block]]) : undefined))[0]!;
}

/**
 * Moves these tickets to spam in the caller's transaction, a few statements per 500 tickets (a
 * flood of thousands is one command). `blocks`: the pattern to block per ticket (its sender).
 * NotFoundError naming the ids that are no ticket; ConflictError when a reply of one is being sent.
 */
export async function moveTicketsToSpam(tx: Kysely<DB>, ids: readonly number[], o: Omit<MoveOptions, 'block'> & { block?: undefined }, blocks?: ReadonlyMap<number, string | null>): Promise<Moved[]> {
  const out: Moved[] = [];
  const blockedNow = new Set<string>();
  for (const part of chunks([...new Set(ids)])) {
    const rows = await tx.selectFrom('tickets').selectAll().where('id', 'in', part).execute();
    if (rows.length !== part.length) {
      const found = new Set(rows.map((r) => Number(r.id)));
      const missing = part.filter((id) => !found.has(id));
      throw new NotFoundError(`no ticket ${missing.slice(0, 10).map((id) => `#${id}`).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`,
        "nothing was moved; it may be in spam already: see 'desk spam list'");
    }
    // A merge's record points at both tickets and is what unmerge undoes: a ticket that took part
    // in one is refused rather than cut out of it (a merged ticket is a customer's, not spam).
    const merge = await tx.selectFrom('ticket_merges').select(['source_id', 'target_id'])
      .where((eb) => eb.or([eb('source_id', 'in', part), eb('target_id', 'in', part)])).executeTakeFirst();
    if (merge) {
      const which = part.includes(Number(merge.source_id)) ? merge.source_id : merge.target_id;
      throw new ConflictError(`ticket #${which} took part in a merge (#${merge.source_id} into #${merge.target_id})`, 'nothing was moved; a merged ticket is not spam: close it instead');
    }
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    const emails = new Map((await tx.selectFrom('requesters').select(['id', 'email']).where('id', 'in', [...new Set(rows.map((r) => Number(r.requester_id)))]).execute())
      .map((r) => [Number(r.id), r.email]));
    const group = <T extends { ticket_id: number | null }>(list: T[]) => {
      const m = new Map<number, T[]>();
      for (const r of list) { const k = Number(r.ticket_id); let l = m.get(k); if (!l) m.set(k, (l = [])); l.push(r); }
      return m;
    };
    const tags = group(await tx.selectFrom('ticket_tags').select(['ticket_id', 'tag']).where('ticket_id', 'in', part).execute());
    const events = group(await tx.selectFrom('events').select(['ticket_id', 'at', 'actor', 'type', 'from_value', 'to_value', 'reason', 'text'])
      .where('ticket_id', 'in', part).orderBy('id').execute());
    const keys = group(await tx.selectFrom('import_keys').select(['ticket_id', 'key']).where('ticket_id', 'in', part).execute());
    const messages = group(await tx.selectFrom('messages').select(['id', 'ticket_id']).where('ticket_id', 'in', part).orderBy('id').execute());
    const ccRows = group(await tx.selectFrom('ticket_cc').select(['ticket_id', 'address', 'name', 'added_at', 'source']).where('ticket_id', 'in', part).execute());
    const linkRows = await tx.selectFrom('ticket_links').select(['kind', 'from_id', 'to_id', 'created_at', 'actor'])
      .where((eb) => eb.or([eb('from_id', 'in', part), eb('to_id', 'in', part)])).orderBy('id').execute();
    const linksOf = (id: number) => linkRows.filter((l) => Number(l.from_id) === id || Number(l.to_id) === id)
      .map((l) => ({ ...l, from_id: Number(l.from_id), to_id: Number(l.to_id) }));
    const outboxDb = tx as unknown as Kysely<{ outbox: { id: number; ticket_id: number | null; state: string; updated_at: string } }>; // (outbox.ts owns the table)
    const outboxRows = await outboxDb.selectFrom('outbox').select(['id', 'ticket_id', 'state']).where('ticket_id', 'in', part).orderBy('id').execute();
    const sending = outboxRows.find((r) => r.state === 'sending');
    if (sending) throw new ConflictError(`ticket #${sending.ticket_id} has a reply being sent right now`, 'nothing was moved; try again in a minute');
    const outbox = group(outboxRows);
    const waiting = outboxRows.filter((r) => r.state === 'queued' || r.state === 'failed' || r.state === 'unknown').map((r) => Number(r.id));
    if (waiting.length) await outboxDb.updateTable('outbox').set({ state: 'cancelled', updated_at: o.at }).where('id', 'in', waiting).execute();
    if (outboxRows.length) await outboxDb.updateTable('outbox').set({ ticket_id: null }).where('ticket_id', 'in', part).execute();

    await tx.updateTable('messages').set({ ticket_id: null }).where('ticket_id', 'in', part).execute();
    await tx.deleteFrom('events').where('ticket_id', 'in', part).execute();
    await tx.deleteFrom('ticket_cc').where('ticket_id', 'in', part).execute();
    if (linkRows.length) await tx.deleteFrom('ticket_links').where((eb) => eb.or([eb('from_id', 'in', part), eb('to_id', 'in', part)])).execute();
    // What agents were told of, and who was looking at it, is about a ticket that is gone.
    await tx.deleteFrom('notifications').where('ticket_id', 'in', part).execute();
    await tx.deleteFrom('presence').where('ticket_id', 'in', part).execute();
    await tx.deleteFrom('ticket_tags').where('ticket_id', 'in', part).execute();
    await tx.deleteFrom('import_keys').where('ticket_id', 'in', part).execute();
    await (tx as unknown as Kysely<{ search_fts: { ticket_id: number } }>).deleteFrom('search_fts').where('ticket_id', 'in', part).execute();
    await tx.deleteFrom('tickets').where('id', 'in', part).execute();
    ticketsChanged(tx, part);

    const values = [];
    const moved: Omit<Moved, 'spamId'>[] = [];
    for (const id of part) {
      const t = byId.get(id)!;
      const email = emails.get(Number(t.requester_id))!;
      const { clock_inputs: _c, version: _v, ...row } = t;
      const snapshot: Snapshot = {
        ticket: { ...row, id, requester_id: Number(row.requester_id) }, requester: email,
        tags: (tags.get(id) ?? []).map((r) => r.tag),
        events: (events.get(id) ?? []).map(({ ticket_id: _t, ...e }) => e),
        import_keys: (keys.get(id) ?? []).map((r) => r.key), outbox: (outbox.get(id) ?? []).map((r) => Number(r.id)),
        links: linksOf(id),
        cc: (ccRows.get(id) ?? []).map(({ ticket_id: _t, ...c }) => c),
      };
      let blocked: string | null = null;
      const pattern = blocks?.get(id) ?? null;
      if (pattern && !blockedNow.has(pattern)) {
        const before = await setSpamSender(tx, pattern, 'block', o.actor, o.at);
        blockedNow.add(pattern);
        if (before?.verdict !== 'block') blocked = pattern;
      }
      const cancelled = (outbox.get(id) ?? []).filter((r) => waiting.includes(Number(r.id))).length;
      moved.push({ ticketId: id, sender: email, subject: t.subject, blocked, cancelled });
      values.push({
        sender: email, subject: t.subject, date: t.created_at, reason: o.reason,
        message_pks: JSON.stringify((messages.get(id) ?? []).map((m) => Number(m.id))), ticket_id: id, snapshot: JSON.stringify(snapshot),
        blocked, created_at: o.at,
      });
    }
    const spamIds = new Map<number, number>();
    for (const vpart of chunks(values, 100)) {
      for (const r of await tx.insertInto('spam_mail').values(vpart).returning(['id', 'ticket_id']).execute()) spamIds.set(Number(r.ticket_id), Number(r.id));
    }
    for (const m of moved) out.push({ ...m, spamId: spamIds.get(m.ticketId)! });
  }
  return out;
}

/**
 * Candidates for `desk spam --from`: open tickets (not solved or closed) whose requester's address
 * ends with one of these texts (lowercased), with that address; the caller checks each exactly.
 */
export async function openTicketsEndingWith(db: Kysely<DB>, endings: readonly string[]): Promise<{ id: number; email: string }[]> {
  const email = sql<string>`lower(r.email)`;
  const rows = await db.selectFrom('tickets as t').innerJoin('requesters as r', 'r.id', 't.requester_id').select(['t.id', 'r.email'])
    .where('t.status', 'not in', ['solved', 'closed'])
    .where((eb) => eb.or(endings.map((e) => eb(email, 'like', `%${e}`))))
    .orderBy('t.id').execute();
  return rows.map((r) => ({ id: Number(r.id), email: r.email }));
}

// ---- release ----------------------------------------------------------------------------------

export interface Released {
  ticketId: number;
  /** the pattern taken off the block list (it was put there by the move) */
  unblocked: string | null;
  /** the ticket's number changed (its old one was taken meanwhile) */
  renumbered: boolean;
}

/** Brings spam back as a ticket, in the caller's transaction; `onNewTicket` for spam the sync stored (triage rules). */
export async function releaseSpam(
  tx: Kysely<DB>, ops: DialectOps, spamId: number, actor: string, at: string,
  onNewTicket?: (tx: Kysely<DB>, ticketId: number, at: string) => Promise<void>,
): Promise<Released> {
  const s = await getSpam(tx, spamId);
  const pks = (JSON.parse(s.message_pks) as number[]).map(Number);
  const messages = pks.length
    ? await tx.selectFrom('messages').select(['id', 'subject', 'text', 'date', 'direction', 'from_addr', 'from_name']).where('id', 'in', pks).orderBy('id').execute()
    : [];
  const snapshot = s.snapshot ? (JSON.parse(s.snapshot) as Snapshot) : null;
  const w = new TicketWrites(ops);

  let ticketId: number;
  let renumbered = false;
  const wanted = snapshot?.ticket.id ?? null;
  if (wanted !== null && !(await tx.selectFrom('tickets').select('id').where('id', '=', wanted).executeTakeFirst())) ticketId = wanted;
  else {
    ticketId = await ops.allocateIds(tx, 'tickets', 1);
    renumbered = wanted !== null;
  }
  const requesterId = await requesterOf(tx, ops, snapshot?.requester ?? s.sender, messages.find((m) => m.direction === 'in')?.from_name ?? null);

  if (snapshot) {
    const t = snapshot.ticket;
    w.addTicket(ticketId, {
      subject: t.subject, status: t.status, priority: t.priority, tier: t.tier, queue: t.queue, assignee: t.assignee,
      tags: snapshot.tags, created_at: t.created_at, updated_at: t.updated_at,
    }, requesterId);
    for (const e of snapshot.events) {
      w.addEvent(ticketId, { at: e.at, actor: e.actor, type: e.type as EventType, from: e.from_value, to: e.to_value, reason: e.reason, text: e.text });
    }
    for (const key of snapshot.import_keys) w.importKeys.push({ key, ticket_id: ticketId });
  } else {
    const first = messages.find((m) => m.direction === 'in') ?? messages[0];
    const last = messages.reduce((a, m) => (m.date > a ? m.date : a), s.date);
    w.addTicket(ticketId, {
      subject: first?.subject || s.subject || '(no subject)', status: 'new', priority: 'normal', tier: 'L1', queue: null, assignee: null, tags: [],
      created_at: s.date, updated_at: last > s.date ? last : s.date,
    }, requesterId);
  }
  w.addEvent(ticketId, { at, actor, type: 'note', text: `released from spam (${s.reason})` });
  w.addSearch(ticketId, snapshot?.ticket.subject ?? s.subject, messages.map((m) => m.text));
  w.refreshClockInputs([ticketId]);
  await w.flush(tx);
  for (const part of chunks(pks)) await tx.updateTable('messages').set({ ticket_id: ticketId }).where('id', 'in', part).where('ticket_id', 'is', null).execute();
  if (snapshot?.outbox.length) {
    const outboxDb = tx as unknown as Kysely<{ outbox: { id: number; ticket_id: number | null } }>;
    for (const part of chunks(snapshot.outbox)) await outboxDb.updateTable('outbox').set({ ticket_id: ticketId }).where('id', 'in', part).where('ticket_id', 'is', null).execute();
  }
  if (snapshot?.links?.length) await restoreLinks(tx, snapshot.links, wanted!, ticketId);
  if (snapshot?.cc?.length) await tx.insertInto('ticket_cc').values(snapshot.cc.map((c) => ({ ...c, ticket_id: ticketId }))).execute();
  if (!snapshot && onNewTicket) await onNewTicket(tx, ticketId, s.date);
  await w.refreshDerived(tx);

  let unblocked: string | null = null;
  if (s.blocked) {
    const gone = await tx.deleteFrom('spam_senders').where('pattern', '=', s.blocked).where('verdict', '=', 'block').executeTakeFirst();
    if (Number(gone.numDeletedRows) > 0) unblocked = s.blocked;
  }
  await tx.deleteFrom('spam_mail').where('id', '=', spamId).execute();
  ticketsChanged(tx, [ticketId]);
  return { ticketId, unblocked, renumbered };
}

/** Puts a released ticket's links back where the other ticket is still there and not linked to it meanwhile. */
async function restoreLinks(tx: Kysely<DB>, links: NonNullable<Snapshot['links']>, oldId: number, newId: number): Promise<void> {
  for (const l of links) {
    const from = l.from_id === oldId ? newId : l.from_id;
    const to = l.to_id === oldId ? newId : l.to_id;
    const other = from === newId ? to : from;
    if (!(await tx.selectFrom('tickets').select('id').where('id', '=', other).executeTakeFirst())) continue;
    const taken = await tx.selectFrom('ticket_links').select('id')
      .where((eb) => eb.or([eb.and([eb('from_id', '=', from), eb('to_id', '=', to)]), eb.and([eb('from_id', '=', to), eb('to_id', '=', from)])]))
      .executeTakeFirst();
    if (!taken) await tx.insertInto('ticket_links').values({ kind: l.kind, from_id: from, to_id: to, created_at: l.created_at, actor: l.actor }).execute();
  }
}

async function requesterOf(tx: Kysely<DB>, ops: DialectOps, email: string, name: string | null): Promise<number> {
  const found = await tx.selectFrom('requesters').select('id').where('email', '=', email).executeTakeFirst();
  if (found) return Number(found.id);
  await ops.alignIds(tx, 'requesters');
  const row = await tx.insertInto('requesters').values({ email, name }).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

// ---- purge ------------------------------------------------------------------------------------

/** Spam that became spam before `before` (ISO). */
export async function spamOlderThan(db: Kysely<DB>, before: string): Promise<SpamRow[]> {
  return db.selectFrom('spam_mail').selectAll().where('created_at', '<', before).orderBy('id').execute();
}

/** Deletes these spam entries and their mail (messages, raw, attachment rows) for good. */
export async function purgeSpam(tx: Kysely<DB>, rows: readonly SpamRow[]): Promise<number> {
  const pks = rows.flatMap((r) => (JSON.parse(r.message_pks) as number[]).map(Number));
  const outboxDb = tx as unknown as Kysely<{ outbox: { message_pk: number | null } }>;
  for (const part of chunks(pks)) {
    // Only mail in no ticket: a message a release or a later sync put into a ticket stays.
    const loose = (await tx.selectFrom('messages').select('id').where('id', 'in', part).where('ticket_id', 'is', null).execute()).map((r) => Number(r.id));
    if (!loose.length) continue;
    await outboxDb.updateTable('outbox').set({ message_pk: null }).where('message_pk', 'in', loose).execute();
    await tx.deleteFrom('attachments').where('message_id', 'in', loose).execute();
    await tx.deleteFrom('mail_raw').where('message_pk', 'in', loose).execute();
    await tx.deleteFrom('messages').where('id', 'in', loose).execute();
  }
  for (const part of chunks(rows.map((r) => r.id))) await tx.deleteFrom('spam_mail').where('id', 'in', part).execute();
  return rows.length;
}
