// PostgreSQL: an import into a desk with no tickets yet loads its rows first and builds the
// secondary indexes after, once, and adds the foreign keys of the tables it loads after, checked
// in one pass, as a restore of a dump does (building an index over a million rows at once costs a
// fraction of keeping it up to date row by row; a foreign key's trigger per row cost a fifth of
// the server's time of an import).
//
// Crash-safe by construction. The transaction that drops the indexes records their definitions
// in the meta row DEFERRED_KEY; the import builds them again and deletes the row in one
// transaction at its end, whether it succeeded or failed. If the import dies (kill -9, a lost
// server), the row stays, and the next import, or any store open (openPostgres), builds whatever
// is still missing before it does anything else. Whether an import still runs is known by a
// lease (a row of the leases table, as a sync holds a mailbox: src/store/mail-leases.ts), which
// the import renews while it runs and which lapses by itself when it dies: a session advisory
// lock would tie it to one connection, which a transaction-pooling proxy hands to other clients
// between transactions. Only the holder of the lease defers, builds, or builds what a dead import
// left; another import at the same time loads beside it with the indexes as they are (its lookups
// stay fast: see below). Indexes the import's own lookups need stay live: the unique ones
// (import keys, requesters' addresses, ids), tickets by creation time, messages and events by
// ticket (what the clock inputs are computed from): a rerun after a kill finds the committed
// batches as quickly as ever (it builds what the killed import left first). The Message-ID
// index too, except in a desk without messages either: there the import's batches skip their
// Message-ID lookups while that provably changes nothing, and the first that cannot builds the
// index (./own-message-ids.ts). On PostgreSQL such an import defers the by-ticket indexes and
// tickets by creation time as well (READ_INDEXES): its batches read by them only on rarer paths,
// each of which builds them first (OwnMessageIds.needReads). Other commands during such an
// import see every row (nothing else changes): only their queries that an index served are
// slower until it ends.
//
// SQLite: the same, on one machine. The import that defers writes its holder (host and pid) in
// the meta row DEFERRED_HOLDER_KEY beside the record, in the same transaction; an open that
// finds the record builds what is missing once that process is gone, and another import loads
// beside a live one.
import { sql, type Kysely } from 'kysely';
import type { Store } from './index.js';
import type { DialectOps } from './dialect/types.js';
import { dropLeases, holderGoneHere, newHolder, renewLeases, takeLeases, type LeaseKey } from './mail-leases.js';
import { OwnMessageIds, messageWritesMark } from './own-message-ids.js';

/** The lease of the import that defers indexes (a key no mailbox has: account names are never empty). */
const IMPORT_LEASE: LeaseKey = { account: '', mailbox: 'import: deferred indexes' };

/** How long the lease lasts unrenewed; the import renews it four times as often. */
const LEASE_TTL_MS = 60_000;

/** The meta row listing the indexes an import dropped and has not built again yet. */
export const DEFERRED_KEY = 'deferred_indexes';

/** SQLite: the meta row naming the import (host and pid) that wrote DEFERRED_KEY. */
export const DEFERRED_HOLDER_KEY = 'deferred_indexes_holder';

/** The index an import into a desk without messages either builds after loading (see above). */
const MESSAGE_ID_INDEX = 'messages_message_id';

/**
 * PostgreSQL: what an import into a desk without messages either also builds after loading: a
 * ticket's messages and events, tickets by creation time. Kept up to date row by row they cost
 * the server as much as loading the rows did (a million tickets: the events' COPYs took 6.4 s
 * against a restore's 1.4 s, the messages' 8.7 s against 4.8 s); built at the end, about 2 s,
 * beside the full-text index. The import's batches read by them only to compute clock inputs
 * from times that are not canonical, to run triage rules, to find lines without messages by
 * requester and time, and to restore merges and links: each of those builds them first
 * (OwnMessageIds.needReads), and so does the end of skipping (someone else writes).
 */
const READ_INDEXES: readonly string[] = ['messages_ticket', 'events_ticket', 'tickets_created'];

type Dialect = DialectOps['name'];

/** Secondary indexes an import into an empty desk builds after loading (those that exist). */
export const DEFERRABLE: readonly string[] = [
  'search_fts_document', 'search_fts_ticket', 'requesters_email_trgm',
  'tickets_updated', 'tickets_requester', 'tickets_assignee', 'tickets_assignee_queue', 'tickets_merged_into',
  'ticket_tags_tag', 'attachments_message', 'events_snooze',
];

/**
 * The tables an import writes: their foreign keys are checked once, after loading (as a restore
 * adds them), instead of by a trigger per row.
 */
const LOADED_TABLES: readonly string[] = ['tickets', 'ticket_tags', 'messages', 'attachments', 'events', 'import_keys', 'ticket_cc', 'customers', 'customer_addresses'];

/** An index (its CREATE statement), or a constraint (`table` set; its definition as pg_get_constraintdef gives it). */
interface Deferred {
  name: string;
  definition: string;
  table?: string;
}

/** Memory for building an index (sorting its entries): the server's default is 64 MB. */
const BUILD_MEMORY = '256MB';

/**
 * PostgreSQL: the index an import's end builds on a second connection, beside the others: the
 * full-text index (GIN, built by one process, about half the work). It takes no lock that the
 * others' builds and foreign keys take in a conflicting mode (no foreign key involves search_fts,
 * and two index builds share their table), so neither waits for the other.
 */
const BUILT_ASIDE: ReadonlySet<string> = new Set(['search_fts_document']);

/** Runs an index's CREATE statement on another connection, in a transaction of its own. */
export type BuildAside = (definition: string) => Promise<void>;

/**
 * Builds every deferred index still missing (or, with `only`, those of them) and deletes the
 * record (or takes them off it), inside the caller's write transaction (which holds the writers'
 * lock exclusively). With `aside` (PostgreSQL), the indexes BUILT_ASIDE are built on another
 * connection meanwhile, and the record goes only once they are in: if one fails, so does this
 * transaction, and the record stays for the next open to build what is missing. Returns how many
 * it built.
 */
export async function buildDeferredIndexes(tx: Kysely<any>, dialect: Dialect = 'postgres', only?: readonly string[], aside?: BuildAside): Promise<number> {
  const row = await tx.selectFrom('meta').select('value').where('key', '=', DEFERRED_KEY).executeTakeFirst();
  if (!row) return 0;
  const all = JSON.parse(row.value) as Deferred[];
  const list = only ? all.filter((d) => only.includes(d.name)) : all;
  const present = new Set((dialect === 'sqlite'
    ? await sql<{ name: string }>`select name from sqlite_master where type = 'index'`.execute(tx)
    : await sql<{ name: string }>`
    select indexname as name from pg_indexes where schemaname = current_schema()
    union all select conname from pg_constraint where connamespace = current_schema()::regnamespace`.execute(tx)).rows.map((r) => r.name));
  let built = 0;
  if (dialect === 'postgres') await sql`select set_config('maintenance_work_mem', ${BUILD_MEMORY}, true)`.execute(tx);
  // (started once this transaction holds the writers' lock: no writer is in the tables then)
  const besides = aside ? list.filter((d) => BUILT_ASIDE.has(d.name) && d.table === undefined && !present.has(d.name)) : [];
  const elsewhere = Promise.allSettled(besides.map((d) => aside!(d.definition)));
  for (const d of list) {
    if (present.has(d.name) || besides.includes(d)) continue;
    if (d.table === undefined) await sql.raw(d.definition).execute(tx);
    else {
      // Added unchecked (it holds for every row written from now on), then checked over the rows
      // in one pass. A row that broke it meanwhile (a writer while it was off) leaves it
      // unchecked, as it would have been refused, rather than the desk unusable.
      await sql`alter table ${sql.raw(d.table)} add constraint ${sql.id(d.name)} ${sql.raw(d.definition)} not valid`.execute(tx);
      await sql`savepoint desk_validate`.execute(tx);
      try {
        await sql`alter table ${sql.raw(d.table)} validate constraint ${sql.id(d.name)}`.execute(tx);
        await sql`release savepoint desk_validate`.execute(tx);
      } catch {
        await sql`rollback to savepoint desk_validate`.execute(tx);
      }
    }
    built++;
  }
  const failed = (await elsewhere).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  built += besides.length;
  const left = all.filter((d) => !list.includes(d));
  if (left.length) await tx.updateTable('meta').set({ value: JSON.stringify(left) }).where('key', '=', DEFERRED_KEY).execute();
  else await tx.deleteFrom('meta').where('key', 'in', [DEFERRED_KEY, DEFERRED_HOLDER_KEY]).execute();
  return built;
}

/**
 * Where the Message-ID index is among the indexes just deferred: what lets the import's batches
 * skip their Message-ID lookups (./own-message-ids.ts), starting from now.
 */
async function messageIdsOwned(tx: Kysely<any>, dialect: Dialect, deferred: readonly Deferred[]): Promise<OwnMessageIds | undefined> {
  if (!deferred.some((d) => d.name === MESSAGE_ID_INDEX)) return undefined;
  const onStop = async (t: Kysely<any>) => void (await buildDeferredIndexes(t, dialect, [MESSAGE_ID_INDEX, ...READ_INDEXES]));
  const buildReads = async (t: Kysely<any>) => void (await buildDeferredIndexes(t, dialect, READ_INDEXES));
  return new OwnMessageIds(dialect, await messageWritesMark(tx, dialect), onStop, buildReads);
}

/** SQLite: whether a record of deferred indexes is left by an import that is gone (or names none). */
async function leftBehind(tx: Kysely<any>): Promise<'none' | 'gone' | 'live'> {
  const rows = await tx.selectFrom('meta').select(['key', 'value']).where('key', 'in', [DEFERRED_KEY, DEFERRED_HOLDER_KEY]).execute();
  if (!rows.some((r) => r.key === DEFERRED_KEY)) return 'none';
  const holder = rows.find((r) => r.key === DEFERRED_HOLDER_KEY)?.value;
  return holder === undefined || holderGoneHere(holder) ? 'gone' : 'live';
}

/**
 * Drops the deferrable indexes when the desk has no tickets (and the Message-ID index too when it
 * has no messages either), and on PostgreSQL the loaded tables' foreign keys, recording their
 * definitions (and on SQLite `holder`) in the same (the caller's write) transaction. Returns
 * whether it dropped them, and, where the Message-ID index is among them, what lets an import's
 * batches skip their Message-ID lookups.
 */
export async function deferIndexesIfEmpty(tx: Kysely<any>, dialect: Dialect = 'postgres', holder?: string): Promise<{ deferred: boolean; ownMessageIds?: OwnMessageIds }> {
  const state = (await sql<{ tickets: unknown; messages: unknown; pending: unknown }>`
    select exists (select 1 from tickets) as tickets, exists (select 1 from messages) as messages,
      exists (select 1 from meta where key = ${DEFERRED_KEY}) as pending`.execute(tx)).rows[0]!;
  if (state.tickets || state.pending) return { deferred: false };
  const names = state.messages ? DEFERRABLE : [...DEFERRABLE, MESSAGE_ID_INDEX, ...(dialect === 'postgres' ? READ_INDEXES : [])];
  const defs = dialect === 'sqlite'
    ? (await sql<Deferred>`select name, sql as definition from sqlite_master where type = 'index' and sql is not null order by name`.execute(tx)).rows.filter((d) => names.includes(d.name))
    : (await sql<Deferred>`
      select indexname as name, indexdef as definition from pg_indexes
      where schemaname = current_schema() and indexname = any(${names}::text[]) order by indexname`.execute(tx)).rows;
  // (SQLite checks no foreign keys during an import: src/store/dialect/sqlite.ts)
  const constraints = dialect === 'sqlite' ? [] : (await sql<Required<Deferred>>`
    select c.conname as name, pg_get_constraintdef(c.oid) as definition, c.conrelid::regclass::text as "table"
    from pg_constraint c where c.contype = 'f' and c.connamespace = current_schema()::regnamespace
      and c.conrelid::regclass::text = any(${[...LOADED_TABLES]}::text[]) order by c.conname`.execute(tx)).rows;
  if (!defs.length && !constraints.length) return { deferred: false };
  await tx.insertInto('meta').values({ key: DEFERRED_KEY, value: JSON.stringify([...defs, ...constraints]) }).execute();
  if (holder !== undefined) await tx.insertInto('meta').values({ key: DEFERRED_HOLDER_KEY, value: holder }).execute();
  for (const c of constraints) await sql`alter table ${sql.raw(c.table)} drop constraint ${sql.id(c.name)}`.execute(tx);
  for (const d of defs) await sql`drop index ${sql.id(d.name)}`.execute(tx);
  return { deferred: true, ownMessageIds: await messageIdsOwned(tx, dialect, defs) };
}

/**
 * Runs `work` holding the import lease, or returns null at once when another process holds it
 * (an import that defers, or builds what a dead one left).
 */
async function withImportLease<T>(store: Store, work: () => Promise<T>): Promise<{ value: T } | null> {
  const holder = newHolder();
  let busy = await takeLeases(store.db, [IMPORT_LEASE], holder, LEASE_TTL_MS);
  // An import of this host that was killed: its lease need not be waited out (a rerun builds now).
  if (busy && holderGoneHere(busy.holder)) {
    await dropLeases(store.db, [IMPORT_LEASE], busy.holder);
    busy = await takeLeases(store.db, [IMPORT_LEASE], holder, LEASE_TTL_MS);
  }
  if (busy) return null;
  const renew = setInterval(() => void renewLeases(store.db, [IMPORT_LEASE], holder, LEASE_TTL_MS).catch(() => undefined), LEASE_TTL_MS / 4);
  renew.unref();
  try {
    return { value: await work() };
  } finally {
    clearInterval(renew);
    await dropLeases(store.db, [IMPORT_LEASE], holder).catch(() => undefined); // else it lapses
  }
}

/**
 * Runs a bulk load (import) with its indexes deferred where the desk has no tickets yet (see
 * above). The indexes are back when this returns or throws, unless the process dies or the
 * connection to the server was lost (then the next open builds them). `load` is given what lets
 * its batches skip their Message-ID lookups when the desk had no messages either.
 */
export async function withDeferredIndexes<T>(store: Store, load: (ownMessageIds?: OwnMessageIds) => Promise<T>): Promise<T> {
  if (store.dialect === 'sqlite') return withDeferredSqliteIndexes(store, load);
  const held = await withImportLease(store, async () => {
    // What an import that died left, first: nobody else builds it now (this import holds the lease).
    await store.write((tx) => buildDeferredIndexes(tx));
    return loadThenBuild(store, await store.write((tx) => deferIndexesIfEmpty(tx)), load);
  });
  // Another import defers (or builds) right now: this one loads beside it, deferring nothing.
  return held ? held.value : load();
}

async function withDeferredSqliteIndexes<T>(store: Store, load: (ownMessageIds?: OwnMessageIds) => Promise<T>): Promise<T> {
  const started = await store.write(async (tx) => {
    const left = await leftBehind(tx);
    if (left === 'live') return { deferred: false }; // another import defers right now: this one loads beside it
    if (left === 'gone') await buildDeferredIndexes(tx, 'sqlite');
    return deferIndexesIfEmpty(tx, 'sqlite', newHolder());
  });
  return loadThenBuild(store, started, load);
}

/** PostgreSQL: index builds on another of the store's connections (buildDeferredIndexes). */
export function buildsAside(store: Store): BuildAside | undefined {
  if (store.dialect !== 'postgres') return undefined;
  return (definition) => store.db.transaction().execute(async (t) => {
    await sql`select set_config('maintenance_work_mem', ${BUILD_MEMORY}, true)`.execute(t);
    await sql.raw(definition).execute(t);
  });
}

/**
 * Runs the load, then builds what was deferred (also when the load failed; if that build fails
 * too, the next open builds it).
 */
async function loadThenBuild<T>(store: Store, started: { deferred: boolean; ownMessageIds?: OwnMessageIds }, load: (ownMessageIds?: OwnMessageIds) => Promise<T>): Promise<T> {
  if (!started.deferred) return load();
  const build = () => store.write((tx) => buildDeferredIndexes(tx, store.dialect, undefined, buildsAside(store)));
  let result: T;
  try {
    result = await load(started.ownMessageIds);
  } catch (err) {
    await build().catch(() => undefined);
    throw err;
  }
  await build();
  return result;
}

/**
 * At a store's open that found the record DEFERRED_KEY: builds the indexes an import dropped if
 * that import is gone (its lease lapsed; on SQLite, its process ended). While it runs, nothing is
 * done: it builds them itself at its end.
 */
export async function buildLeftoverIndexes(store: Store): Promise<void> {
  if (store.dialect === 'sqlite') {
    // (read first without the write lock: during a live import, other commands only read)
    if ((await leftBehind(store.db)) !== 'gone') return;
    await store.write(async (tx) => {
      if ((await leftBehind(tx)) === 'gone') await buildDeferredIndexes(tx, 'sqlite');
    });
    return;
  }
  await withImportLease(store, () => store.write((tx) => buildDeferredIndexes(tx)));
}

/** SQLite: whether an open must look at leftover deferred indexes (one cheap read, no write). */
export async function hasDeferredIndexes(db: Kysely<any>): Promise<boolean> {
  return (await db.selectFrom('meta').select('key').where('key', '=', DEFERRED_KEY).executeTakeFirst()) !== undefined;
}
