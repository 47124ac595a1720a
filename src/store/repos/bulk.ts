// Bulk import of interchange tickets: a few lookups and the dialect's bulk path per batch instead
// of a few statements per ticket, so that a 100,000-ticket move-in takes seconds. Rows are made
// by the store's one write module (../writes.ts); ids come from the database.
//
// A batch is built from answers (which tickets, requesters and ids exist; which ids to take),
// then written. The answers come from lookups in the batch's write transaction, or, for an
// import's planned batch, from what the import knows it wrote (../import-plan.ts): built ahead,
// while the batch before it is still being written.
import type { Kysely } from 'kysely';
import type { ImportedTicket } from '../../domain/interchange.js';
import type { DB } from '../schema.js';
import type { DialectOps, IdTable } from '../dialect/types.js';
import { IdBlocks, TicketWrites, type BatchWrites, type IdAllocator } from '../writes.js';
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
export const storableLine = (line: string): boolean => !line.includes('\\u') || !UNSTORABLE_ESCAPE.test(line); // (most lines have no escape at all: a quicker scan first)

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

/** What building a batch asks of the database. */
export interface BatchAnswers {
  /** the tickets holding these Message-IDs (a list that may name one twice): of several, the highest id */
  messageOwners(ids: string[]): Promise<Map<string, number>>;
  /** tickets already here for lines without messages, by bareKey: of several, the highest id */
  bareOwners(bare: readonly ImportedTicket[]): Promise<Map<string, number>>;
  /** the requesters with these addresses */
  requesterIds(emails: string[]): Promise<Map<string, number>>;
  /** which of these ticket ids are taken */
  takenTicketIds(wanted: number[]): Promise<Set<number>>;
  /** a block of `count` new ids of the table, above `floor`: its first (DialectOps.allocateIds) */
  allocate(table: IdTable, count: number, floor: number): Promise<number>;
  /** lets statements pending meanwhile go on, now and then (a batch built ahead of its transaction) */
  pause?(): Promise<void>;
}

/** The answers of the database, in the batch's write transaction `tx`. */
export function databaseAnswers(tx: Kysely<DB>, ops: DialectOps, ownMessageIds?: OwnMessageIds): BatchAnswers {
  return {
    async messageOwners(ids) {
      const owners = new Map<string, number>();
      const skip = ownMessageIds !== undefined && (await ownMessageIds.skipsLookup(tx, ids));
      for (const part of lookupParts(ops, skip ? [] : [...new Set(ids)])) {
        // In a defined order on every backend: of several tickets holding one Message-ID, the highest id wins.
        const rows = await tx.selectFrom('messages').select(['message_id', 'ticket_id']).where(inKeys(ops, 'message_id', part, 'text')).orderBy('ticket_id').execute();
        for (const r of rows) if (r.ticket_id !== null) owners.set(r.message_id, Number(r.ticket_id));
      }
      return owners;
    },
    async bareOwners(bare) {
      const owners = new Map<string, number>();
      for (const part of lookupParts(ops, [...new Set(bare.filter((t) => t.importKey !== null).map((t) => t.importKey!))])) {
        const rows = await tx.selectFrom('import_keys').select(['key', 'ticket_id']).where(inKeys(ops, 'key', part, 'text')).execute();
        for (const r of rows) owners.set(`\u0001${r.key}`, Number(r.ticket_id));
      }
      const times = [...new Set(bare.filter((t) => t.importKey === null).map((t) => t.created_at))];
      if (times.length) await ownMessageIds?.needReads(tx); // tickets by creation time
      for (const part of lookupParts(ops, times)) {
        const rows = await tx
          .selectFrom('tickets as t').innerJoin('requesters as r', 'r.id', 't.requester_id')
          .select(['t.id', 't.subject', 't.created_at', 'r.email']).where(inKeys(ops, 't.created_at', part, 'text')).orderBy('t.id').execute();
        // Of several tickets with one key, the highest id (as below, for the tickets this batch makes).
        for (const r of rows) owners.set(ticketKey(r.email, r.subject, r.created_at), Number(r.id));
      }
      return owners;
    },
    async requesterIds(emails) {
      const ids = new Map<string, number>();
      for (const part of lookupParts(ops, emails)) {
        for (const r of await tx.selectFrom('requesters').select(['id', 'email']).where(inKeys(ops, 'email', part, 'text')).execute()) ids.set(r.email, Number(r.id));
      }
      return ids;
    },
    async takenTicketIds(wanted) {
      const taken = new Set<number>();
      for (const part of lookupParts(ops, wanted)) {
        for (const r of await tx.selectFrom('tickets').select('id').where(inKeys(ops, 'id', part, 'integer')).execute()) taken.add(Number(r.id));
      }
      return taken;
    },
    allocate: (table, count, floor) => ops.allocateIds(tx, table, count, floor),
  };
}

/** A batch ready to write. */
export interface BatchToWrite {
  result: BatchResult;
  writes: BatchWrites;
  /** the largest ticket id kept from the file (0: none) */
  keptAbove: number;
}

/** A batch built (buildBatch), ready to write. */
export interface BuiltBatch extends BatchToWrite {
  writes: TicketWrites;
  /** every requester of the batch, by address (as stored) */
  requesterId: Map<string, number>;
}

/**
 * Imports one batch inside the caller's write transaction. Every batch looks up what it needs,
 * whoever wrote it: the answer never depends on how a file is cut into batches or on what else
 * writes to the database meanwhile. With `ownMessageIds` (an import into a desk that had no
 * messages), a batch skips its Message-ID lookup where that provably finds nothing.
 */
export async function importBatch(tx: Kysely<DB>, ops: DialectOps, given: Numbered[], ownMessageIds?: OwnMessageIds): Promise<BatchResult> {
  const built = await buildBatch(databaseAnswers(tx, ops, ownMessageIds), ops, given, ownMessageIds);
  return writeBatch(tx, ops, built, ownMessageIds);
}

/** A batch's rows, made from `answers`: nothing is written yet. */
export async function buildBatch(answers: BatchAnswers, ops: DialectOps, given: Numbered[], ownMessageIds?: OwnMessageIds): Promise<BuiltBatch> {
  // Requesters, message ids and import keys are matched against what the database gives back
  // (PostgreSQL keeps U+0000 as U+FFFD; a lone surrogate comes back as U+FFFD, or three on
  // SQLite): the batch is keyed by the text as stored.
  const batch = given.map((b) => (b.storable ? b : { line: b.line, ticket: asStored(b.ticket, ops.storedText) }));
  const result: BatchResult = { created: [], present: [], messages: 0 };

  // 1. Which tickets are already here? By message id, else by requester + subject + creation time.
  // (not made unique here: a planned batch only checks each against what the import wrote)
  const ids: string[] = [];
  for (const b of batch) for (const m of b.ticket.messages) ids.push(m.message_id);
  const seenMsg = await answers.messageOwners(ids);
  const seenBare = await answers.bareOwners(batch.filter((b) => b.ticket.messages.length === 0).map((b) => b.ticket));

  // 2. Requesters. A new requester takes the name of its first line, as when each line came in a
  // batch of its own.
  const emails = [...new Set(batch.map((b) => b.ticket.requester.email))];
  const requesterId = await answers.requesterIds(emails);
  const w = new TicketWrites(ops);
  const missing = emails.filter((e) => !requesterId.has(e));
  if (missing.length) {
    const names = new Map<string, string | null>();
    for (const b of batch) if (!names.has(b.ticket.requester.email)) names.set(b.ticket.requester.email, b.ticket.requester.name ?? null);
    const first = await answers.allocate('requesters', missing.length, 0);
    for (const [i, email] of missing.entries()) {
      requesterId.set(email, first + i);
      w.requesters.push({ id: first + i, email, name: names.get(email) ?? null });
    }
  }

  // 3. Ticket ids: kept when free, else the next free one.
  const taken = await answers.takenTicketIds([...new Set(batch.map((b) => b.ticket.requestedId).filter((x): x is number => x !== null))]);
  // A ticket whose id is not kept gets an id from the database above every ticket before its
  // line (in the database or earlier in the file): never one that depends on where a batch ends.
  const blocks = (table: IdTable): IdAllocator => (count, floor) => answers.allocate(table, count, floor);
  const ticketIds = new IdBlocks(blocks('tickets'));
  const messageIds = new IdBlocks(blocks('messages'));
  let keptAbove = 0; // the largest id kept so far in this batch
  await messageIds.reserve(batch.reduce((n, b) => n + b.ticket.messages.length, 0)); // every message may be new

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
    if (i % 250 === 249) await answers.pause?.(); // every few milliseconds
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
  return { result, writes: w, keptAbove, requesterId };
}

/** Writes a built batch in the caller's write transaction. */
export async function writeBatch(tx: Kysely<DB>, ops: DialectOps, built: BatchToWrite, ownMessageIds?: OwnMessageIds): Promise<BatchResult> {
  quietHooks(tx); // an import fires no hooks (docs/cli.md, Hooks): it restores tickets, nothing happens to them
  await built.writes.flush(tx);
  // Ids kept from the file: ids the database gives later (any writer) stay above them.
  if (built.keptAbove > 0) await ops.allocateIds(tx, 'tickets', 0, built.keptAbove);
  if (built.writes.refreshes) await ownMessageIds?.needReads(tx); // clock inputs: a ticket's messages and events
  await built.writes.refreshDerived(tx);
  await ownMessageIds?.afterBatch(tx);
  return built.result;
}
