// Bulk import of interchange tickets: a few multi-row statements per batch instead of a few
// per ticket, so that a 100,000-ticket move-in takes seconds. Dialect-neutral (kysely only).
import type { Kysely } from 'kysely';
import type { ImportedTicket } from '../../domain/interchange.js';
import type { DB } from '../schema.js';
import type { DialectOps, SearchRow } from '../dialect/types.js';
import { clockInputsText, refreshClockInputs } from './clock-inputs.js';

export interface BatchResult {
  created: { line: number; id: number; requestedId: number | null }[];
  /**
   * tickets already in the database (matched by a message id, or, without messages, by the import
   * key or requester + subject + time)
   */
  present: { line: number; id: number; addedMessages: number }[];
  messages: number;
}

export interface Numbered {
  line: number;
  ticket: ImportedTicket;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}



async function maxId(tx: Kysely<DB>, table: 'tickets' | 'messages' | 'requesters'): Promise<number> {
  const row = await tx.selectFrom(table).select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
  return Number(row?.m ?? 0);
}

/** A list as the JSON text column holds it; most lists of an import are empty. */
const jsonList = (list: readonly string[] | undefined): string => (list && list.length ? JSON.stringify(list) : '[]');

const ticketKey = (email: string, subject: string, created: string) => `${email}\u0000${subject}\u0000${created}`;
/** A ticket without messages: by its import key when it has one, else requester + subject + time. */
const bareKey = (t: ImportedTicket) => (t.importKey !== null ? `\u0001${t.importKey}` : ticketKey(t.requester.email, t.subject, t.created_at));

/**
 * Imports one batch inside the caller's write transaction. Every batch looks up what it needs,
 * whoever wrote it: the answer never depends on how a file is cut into batches or on what else
 * writes to the database meanwhile.
 */
export async function importBatch(tx: Kysely<DB>, ops: DialectOps, batch: Numbered[]): Promise<BatchResult> {
  const result: BatchResult = { created: [], present: [], messages: 0 };
  const P = ops.maxParams;
  const lookup = Math.min(900, P);

  // 1. Which tickets are already here? By message id, else by requester + subject + creation time.
  const seenMsg = new Map<string, number>();
  const seenBare = new Map<string, number>();
  {
    const allMsgIds = [...new Set(batch.flatMap((b) => b.ticket.messages.map((m) => m.message_id)))];
    const bare = batch.filter((b) => b.ticket.messages.length === 0);
    for (const part of chunks(allMsgIds, lookup)) {
      const rows = await tx.selectFrom('messages').select(['message_id', 'ticket_id']).where('message_id', 'in', part).execute();
      for (const r of rows) if (r.ticket_id !== null) seenMsg.set(r.message_id, Number(r.ticket_id));
    }
    for (const part of chunks([...new Set(bare.filter((b) => b.ticket.importKey !== null).map((b) => b.ticket.importKey!))], lookup)) {
      const rows = await tx.selectFrom('import_keys').select(['key', 'ticket_id']).where('key', 'in', part).execute();
      for (const r of rows) seenBare.set(`\u0001${r.key}`, Number(r.ticket_id));
    }
    for (const part of chunks([...new Set(bare.filter((b) => b.ticket.importKey === null).map((b) => b.ticket.created_at))], lookup)) {
      const rows = await tx
        .selectFrom('tickets as t').innerJoin('requesters as r', 'r.id', 't.requester_id')
        .select(['t.id', 't.subject', 't.created_at', 'r.email']).where('t.created_at', 'in', part).execute();
      for (const r of rows) seenBare.set(ticketKey(r.email, r.subject, r.created_at), Number(r.id));
    }
  }

  // 2. Requesters.
  const emails = [...new Set(batch.map((b) => b.ticket.requester.email))];
  const requesterId = new Map<string, number>();
  for (const part of chunks(emails, lookup)) {
    for (const r of await tx.selectFrom('requesters').select(['id', 'email']).where('email', 'in', part).execute()) requesterId.set(r.email, Number(r.id));
  }
  // A new requester takes the name of its first line, as when each line came in a batch of its own.
  const names = new Map<string, string | null>();
  for (const b of batch) if (!names.has(b.ticket.requester.email)) names.set(b.ticket.requester.email, b.ticket.requester.name ?? null);
  const missing = emails.filter((e) => !requesterId.has(e));
  for (const part of chunks(missing, Math.floor(P / 2))) {
    const rows = await tx.insertInto('requesters').values(part.map((email) => ({ email, name: names.get(email) ?? null }))).returning(['id', 'email']).execute();
    for (const r of rows) requesterId.set(r.email, Number(r.id));
  }

  // 3. Ticket ids: kept when free, else the next free one.
  const wanted = [...new Set(batch.map((b) => b.ticket.requestedId).filter((x): x is number => x !== null))];
  const taken = new Set<number>();
  for (const part of chunks(wanted, lookup)) {
    for (const r of await tx.selectFrom('tickets').select('id').where('id', 'in', part).execute()) taken.add(Number(r.id));
  }
  // A ticket whose id is not kept gets the next id after every ticket before its line (in the
  // database or earlier in the file): never an id that depends on where a batch ends.
  let nextTicket = (await maxId(tx, 'tickets')) + 1;
  let nextMessage = (await maxId(tx, 'messages')) + 1;

  const tickets: Record<string, unknown>[] = [];
  const tags: Record<string, unknown>[] = [];
  const messages: Record<string, unknown>[] = [];
  const attachments: Record<string, unknown>[] = [];
  const events: Record<string, unknown>[] = [];
  const search: SearchRow[] = [];
  const importKeys: Record<string, unknown>[] = [];
  /** tickets whose clock inputs SQLite computes at the end: existing ones that got messages, odd times */
  const refresh: number[] = [];

  // One search row per ticket and batch (subject + all new message text): a third of the rows
  // that one per message would take, and search ranks tickets anyway.
  let body: string[] = [];
  let added: ImportedTicket['messages'] = [];
  const addMessages = (ticketId: number, t: ImportedTicket): number => {
    let n = 0;
    added = [];
    for (const m of t.messages) {
      if (seenMsg.has(m.message_id)) continue;
      seenMsg.set(m.message_id, ticketId);
      const pk = nextMessage++;
      n++;
      added.push(m);
      messages.push({
        id: pk, ticket_id: ticketId, message_id: m.message_id, in_reply_to: m.in_reply_to ?? null,
        refs: jsonList(m.references), direction: m.direction, from_addr: m.from, from_name: m.from_name ?? null,
        to_addrs: jsonList(m.to), cc_addrs: jsonList(m.cc), date: m.date, subject: m.subject ?? null,
        text: m.text, html: m.html ?? null, author: m.author ?? null, auto_reason: m.auto ?? null, thread_rule: null, raw_sha256: null,
      });
      for (const a of m.attachments ?? []) {
        attachments.push({ message_id: pk, filename: a.filename, content_type: a.content_type, size: a.size, sha256: a.sha256, path: null });
      }
      body.push(m.text);
    }
    return n;
  };

  for (const { line, ticket: t } of batch) {
    const existing =
      t.messages.map((m) => seenMsg.get(m.message_id)).find((x) => x !== undefined) ??
      (t.messages.length === 0 ? seenBare.get(bareKey(t)) : undefined);
    if (existing !== undefined) {
      body = [];
      const n = addMessages(existing, t);
      if (n) {
        search.push({ ticket_id: existing, subject: '', body: body.join('\n\n') });
        refresh.push(existing);
      }
      result.messages += n;
      result.present.push({ line, id: existing, addedMessages: n });
      continue;
    }
    let id: number;
    if (t.requestedId !== null && !taken.has(t.requestedId)) id = t.requestedId;
    else {
      while (taken.has(nextTicket)) nextTicket++;
      id = nextTicket;
    }
    taken.add(id);
    if (id >= nextTicket) nextTicket = id + 1;
    // A later line without messages finds this ticket by requester + subject + time, whether or
    // not it has messages: as the lookup above finds the tickets of earlier batches.
    seenBare.set(ticketKey(t.requester.email, t.subject, t.created_at), id);
    if (t.importKey !== null) {
      seenBare.set(bareKey(t), id);
      importKeys.push({ key: t.importKey, ticket_id: id });
    }
    const row: Record<string, unknown> = {
      id, subject: t.subject, status: t.status, priority: t.priority, tier: t.tier, queue: t.queue, assignee: t.assignee,
      tags: JSON.stringify(t.tags), requester_id: requesterId.get(t.requester.email)!, created_at: t.created_at, updated_at: t.updated_at,
      clock_inputs: null,
    };
    tickets.push(row);
    for (const tag of new Set(t.tags)) tags.push({ ticket_id: id, tag });
    body = [];
    result.messages += addMessages(id, t);
    search.push({ ticket_id: id, subject: t.subject, body: body.join('\n\n') });
    for (const e of t.events) {
      events.push({
        ticket_id: id, at: e.at, actor: e.actor, type: e.type, from_value: e.from ?? null, to_value: e.to ?? null,
        reason: e.reason ?? null, text: e.text ?? null,
      });
    }
    if (ops.name === 'sqlite') {
      // What the SLA clocks read, made from what is inserted here (cheaper than reading it back).
      row.clock_inputs = clockInputsText(id, t, added);
      if (row.clock_inputs === null) refresh.push(id);
    }
    result.created.push({ line, id, requestedId: t.requestedId });
  }

  await ops.bulkInsert(tx, 'tickets', tickets);
  await ops.bulkInsert(tx, 'ticket_tags', tags);
  await ops.bulkInsert(tx, 'messages', messages);
  await ops.bulkInsert(tx, 'attachments', attachments);
  await ops.bulkInsert(tx, 'events', events);
  await ops.bulkInsert(tx, 'import_keys', importKeys);
  await ops.indexSearchText(tx, search);
  await refreshClockInputs(tx, ops, refresh);
  return result;
}
