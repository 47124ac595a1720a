// Bulk import of interchange tickets: a few lookups and the dialect's bulk path per batch instead
// of a few statements per ticket, so that a 100,000-ticket move-in takes seconds. Rows are made
// by the store's one write module (../writes.ts); ids come from the database.
import type { Kysely } from 'kysely';
import type { ImportedTicket } from '../../domain/interchange.js';
import type { DB } from '../schema.js';
import type { DialectOps } from '../dialect/types.js';
import { IdBlocks, TicketWrites } from '../writes.js';
import { quietHooks } from '../hook-events.js';
import { clockInputsText } from './clock-inputs.js';
import { ccPeople } from '../../domain/cc.js';
import { inKeys, lookupParts } from '../lookup.js';
import type { OwnMessageIds } from '../own-message-ids.js';

/** Import knows no mailbox of ours: only the requester is left off a line's CC list. */
const NONE: ReadonlySet<string> = new Set();

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
  /**
   * The line holds no text PostgreSQL would store differently (U+0000 or a lone surrogate: in
   * JSON only as a \\u escape), so its ticket needs no copy as stored.
   */
  storable?: boolean;
}

const UNSTORABLE_ESCAPE = /\\u(?:0000|d[89a-f])/i;

/** Whether a JSON line's strings are all stored as they are (see Numbered.storable). */
export const storableLine = (line: string): boolean => !UNSTORABLE_ESCAPE.test(line);

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Every text of a value (plain objects and arrays, as parsed from JSON) as the store keeps it:
 * what the batch is matched against is what the database gives back, never what it was given.
 */
function asStored<T>(value: T, text: (s: string) => string): T {
  // A value none of whose texts change is returned as it is (no copy): the common case, and on
  // SQLite, which stores every text as given, the only one.
  if (typeof value === 'string') return text(value) as T;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = asStored(value[i], text);
      if (v !== value[i]) (copy ??= value.slice())[i] = v;
    }
    return (copy ?? value) as T;
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    let copy: Record<string, unknown> | undefined;
    for (const k in value) {
      const old = (value as Record<string, unknown>)[k];
      const v = asStored(old, text);
      if (v !== old) (copy ??= { ...(value as Record<string, unknown>) })[k] = v;
    }
    return (copy ?? value) as T;
  }
  return value;
}

const ticketKey = (email: string, subject: string, created: string) => `${email}\u0000${subject}\u0000${created}`;
/** A ticket without messages: by its import key when it has one, else requester + subject + time. */
const bareKey = (t: ImportedTicket) => (t.importKey !== null ? `\u0001${t.importKey}` : ticketKey(t.requester.email, t.subject, t.created_at));

/**
 * Imports one batch inside the caller's write transaction. Every batch looks up what it needs,
 * whoever wrote it: the answer never depends on how a file is cut into batches or on what else
 * writes to the database meanwhile. With `ownMessageIds` (an import into a desk that had no
 * messages), a batch skips its Message-ID lookup where that provably finds nothing.
 */
export async function importBatch(tx: Kysely<DB>, ops: DialectOps, given: Numbered[], ownMessageIds?: OwnMessageIds): Promise<BatchResult> {
  quietHooks(tx); // an import fires no hooks (docs/cli.md, Hooks): it restores tickets, nothing happens to them
  // Requesters, message ids and import keys are matched against what the database gives back
  // (PostgreSQL keeps U+0000 as U+FFFD): the batch is keyed by the text as stored.
  // (SQLite stores every text as given: nothing to make.)
  const batch = ops.name === 'sqlite' ? given : given.map((b) => (b.storable ? b : { line: b.line, ticket: asStored(b.ticket, ops.storedText) }));
  const result: BatchResult = { created: [], present: [], messages: 0 };
  const P = ops.maxParams;

  // 1. Which tickets are already here? By message id, else by requester + subject + creation time.
  const seenMsg = new Map<string, number>();
  const seenBare = new Map<string, number>();
  {
    const ids = new Set<string>();
    for (const b of batch) for (const m of b.ticket.messages) ids.add(m.message_id);
    const allMsgIds = [...ids];
    const bare = batch.filter((b) => b.ticket.messages.length === 0);
    const skip = ownMessageIds !== undefined && (await ownMessageIds.skipsLookup(tx, allMsgIds));
    for (const part of lookupParts(ops, skip ? [] : allMsgIds)) {
      // In a defined order on every backend: of several tickets holding one Message-ID, the highest id wins.
      const rows = await tx.selectFrom('messages').select(['message_id', 'ticket_id']).where(inKeys(ops, 'message_id', part, 'text')).orderBy('ticket_id').execute();
      for (const r of rows) if (r.ticket_id !== null) seenMsg.set(r.message_id, Number(r.ticket_id));
    }
    for (const part of lookupParts(ops, [...new Set(bare.filter((b) => b.ticket.importKey !== null).map((b) => b.ticket.importKey!))])) {
      const rows = await tx.selectFrom('import_keys').select(['key', 'ticket_id']).where(inKeys(ops, 'key', part, 'text')).execute();
      for (const r of rows) seenBare.set(`\u0001${r.key}`, Number(r.ticket_id));
    }
    for (const part of lookupParts(ops, [...new Set(bare.filter((b) => b.ticket.importKey === null).map((b) => b.ticket.created_at))])) {
      const rows = await tx
        .selectFrom('tickets as t').innerJoin('requesters as r', 'r.id', 't.requester_id')
        .select(['t.id', 't.subject', 't.created_at', 'r.email']).where(inKeys(ops, 't.created_at', part, 'text')).orderBy('t.id').execute();
      // Of several tickets with one key, the highest id (as below, for the tickets this batch makes).
      for (const r of rows) seenBare.set(ticketKey(r.email, r.subject, r.created_at), Number(r.id));
    }
  }

  // 2. Requesters.
  const emails = [...new Set(batch.map((b) => b.ticket.requester.email))];
  const requesterId = new Map<string, number>();
  for (const part of lookupParts(ops, emails)) {
    for (const r of await tx.selectFrom('requesters').select(['id', 'email']).where(inKeys(ops, 'email', part, 'text')).execute()) requesterId.set(r.email, Number(r.id));
  }
  // A new requester takes the name of its first line, as when each line came in a batch of its own.
  const names = new Map<string, string | null>();
  for (const b of batch) if (!names.has(b.ticket.requester.email)) names.set(b.ticket.requester.email, b.ticket.requester.name ?? null);
  const missing = emails.filter((e) => !requesterId.has(e));
  if (missing.length) await ops.alignIds(tx, 'requesters');
  for (const part of chunks(missing, Math.floor(P / 2))) {
    const rows = await tx.insertInto('requesters').values(part.map((email) => ({ email, name: names.get(email) ?? null }))).returning(['id', 'email']).execute();
    for (const r of rows) requesterId.set(r.email, Number(r.id));
  }

  // 3. Ticket ids: kept when free, else the next free one.
  const wanted = [...new Set(batch.map((b) => b.ticket.requestedId).filter((x): x is number => x !== null))];
  const taken = new Set<number>();
  for (const part of lookupParts(ops, wanted)) {
    for (const r of await tx.selectFrom('tickets').select('id').where(inKeys(ops, 'id', part, 'integer')).execute()) taken.add(Number(r.id));
  }
  // A ticket whose id is not kept gets an id from the database above every ticket before its
  // line (in the database or earlier in the file): never one that depends on where a batch ends.
  const ticketIds = new IdBlocks(tx, ops, 'tickets');
  const messageIds = new IdBlocks(tx, ops, 'messages');
  let keptAbove = 0; // the largest id kept so far in this batch
  await messageIds.reserve(batch.reduce((n, b) => n + b.ticket.messages.length, 0)); // every message may be new
  const w = new TicketWrites(ops);

  // One search row per ticket and batch (subject + all new message text): a third of the rows
  // that one per message would take, and search ranks tickets anyway.
  const addMessages = (ticketId: number, t: ImportedTicket): { texts: string[]; added: ImportedTicket['messages'] } => {
    const texts: string[] = [];
    const added: ImportedTicket['messages'] = [];
    for (const m of t.messages) {
      if (seenMsg.has(m.message_id)) continue;
      seenMsg.set(m.message_id, ticketId);
      ownMessageIds?.remember(m.message_id);
      w.addMessage(messageIds.next()!, ticketId, m);
      added.push(m);
      texts.push(m.text);
    }
    return { texts, added };
  };

  // Only a line without messages is found by its key: a batch without one keeps no keys.
  const keysWanted = batch.some((b) => b.ticket.messages.length === 0);
  for (const [i, { line, ticket: t }] of batch.entries()) {
    let existing: number | undefined;
    for (const m of t.messages) if ((existing = seenMsg.get(m.message_id)) !== undefined) break;
    if (t.messages.length === 0) existing = seenBare.get(bareKey(t));
    if (existing !== undefined) {
      w.addCc(existing, ccPeople(t.cc ?? [], t.requester.email, NONE), t.created_at, 'import');
      const { texts } = addMessages(existing, t);
      if (texts.length) {
        w.addSearch(existing, '', texts);
        w.refreshClockInputs([existing]);
      }
      result.messages += texts.length;
      result.present.push({ line, id: existing, addedMessages: texts.length });
      continue;
    }
    let id: number;
    if (t.requestedId !== null && !taken.has(t.requestedId)) id = t.requestedId;
    else id = ticketIds.next(keptAbove) ?? (await ticketIds.take(batch.length - i, keptAbove));
    taken.add(id);
    if (id > keptAbove) keptAbove = id;
    // A later line without messages finds this ticket by requester + subject + time, whether or
    // not it has messages: as the lookup above finds the tickets of earlier batches.
    // Of several tickets with one key, the highest id: as a later batch's lookup finds them.
    if (keysWanted) {
      const key = ticketKey(t.requester.email, t.subject, t.created_at);
      if ((seenBare.get(key) ?? -Infinity) < id) seenBare.set(key, id);
    }
    if (t.importKey !== null) {
      seenBare.set(bareKey(t), id);
      w.importKeys.push({ key: t.importKey, ticket_id: id });
    }
    const row = w.addTicket(id, t, requesterId.get(t.requester.email)!);
    w.addCc(id, ccPeople(t.cc ?? [], t.requester.email, NONE), t.created_at, 'import');
    const { texts, added } = addMessages(id, t);
    result.messages += texts.length;
    w.addSearch(id, t.subject, texts);
    for (const e of t.events) w.addEvent(id, e);
    // What the SLA clocks read, made from what is inserted here (cheaper than reading it back);
    // the database computes it where a time is not canonical text.
    row.clock_inputs = clockInputsText(id, t, added);
    if (row.clock_inputs == null) w.refreshClockInputs([id]);
    result.created.push({ line, id, requestedId: t.requestedId });
  }

  await w.flush(tx);
  // Ids kept from the file: ids the database gives later (any writer) stay above them.
  if (keptAbove > 0) await ops.allocateIds(tx, 'tickets', 0, keptAbove);
  await w.refreshDerived(tx);
  await ownMessageIds?.afterBatch(tx);
  return result;
}
