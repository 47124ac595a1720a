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
// session advisory lock, IMPORT_LOCK, which the importing connection holds and the server
// releases when that connection ends, however it ends: an import that defers holds it
// exclusively, any other import shared (so it waits for a deferring import to end, then builds
// what a dead one left). Indexes the import's own lookups need stay live: the Message-IDs', the
// unique ones (import keys, requesters' addresses, ids), tickets by creation time, messages and
// events by ticket (what the clock inputs are computed from): a rerun after a kill finds the
// committed batches as quickly as ever. Other commands during such an import see every row
// (nothing else changes): only their queries that an index served are slower until it ends.
import { sql, type Kysely } from 'kysely';
import type { Store } from './index.js';

/** pg_advisory_lock key of imports ("dimp" in ASCII); the writers' lock is another key. */
export const IMPORT_LOCK = 0x64696d70;

/** The meta row listing the indexes an import dropped and has not built again yet. */
export const DEFERRED_KEY = 'deferred_indexes';

/** Secondary indexes an import into an empty desk builds after loading (those that exist). */
export const DEFERRABLE: readonly string[] = [
  'search_fts_document', 'search_fts_ticket', 'requesters_email_trgm',
  'tickets_updated', 'tickets_requester', 'tickets_assignee', 'tickets_merged_into',
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
 * Builds every deferred index still missing and deletes the record, inside the caller's write
 * transaction (which holds the writers' lock exclusively). Returns how many it built.
 */
export async function buildDeferredIndexes(tx: Kysely<any>): Promise<number> {
  const row = await tx.selectFrom('meta').select('value').where('key', '=', DEFERRED_KEY).executeTakeFirst();
  if (!row) return 0;
  const list = JSON.parse(row.value) as Deferred[];
  const present = new Set((await sql<{ name: string }>`
    select indexname as name from pg_indexes where schemaname = current_schema()
    union all select conname from pg_constraint where connamespace = current_schema()::regnamespace`.execute(tx)).rows.map((r) => r.name));
  let built = 0;
  await sql`select set_config('maintenance_work_mem', ${BUILD_MEMORY}, true)`.execute(tx);
  for (const d of list) {
    if (present.has(d.name)) continue;
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
  await tx.deleteFrom('meta').where('key', '=', DEFERRED_KEY).execute();
  return built;
}

/**
 * Drops the deferrable indexes when the desk has no tickets, recording their definitions in the
 * same (the caller's write) transaction. Returns whether it dropped them.
 */
export async function deferIndexesIfEmpty(tx: Kysely<any>): Promise<boolean> {
  const state = await sql<{ tickets: boolean; pending: boolean }>`
    select exists (select 1 from tickets) as tickets, exists (select 1 from meta where key = ${DEFERRED_KEY}) as pending`.execute(tx);
  if (state.rows[0]!.tickets || state.rows[0]!.pending) return false;
  const defs = (await sql<Deferred>`
    select indexname as name, indexdef as definition from pg_indexes
    where schemaname = current_schema() and indexname = any(${[...DEFERRABLE]}::text[]) order by indexname`.execute(tx)).rows;
  const constraints = (await sql<Required<Deferred>>`
    select c.conname as name, pg_get_constraintdef(c.oid) as definition, c.conrelid::regclass::text as "table"
    from pg_constraint c where c.contype = 'f' and c.connamespace = current_schema()::regnamespace
      and c.conrelid::regclass::text = any(${[...LOADED_TABLES]}::text[]) order by c.conname`.execute(tx)).rows;
  if (!defs.length && !constraints.length) return false;
  await tx.insertInto('meta').values({ key: DEFERRED_KEY, value: JSON.stringify([...defs, ...constraints]) }).execute();
  for (const c of constraints) await sql`alter table ${sql.raw(c.table)} drop constraint ${sql.id(c.name)}`.execute(tx);
  for (const d of defs) await sql`drop index ${sql.id(d.name)}`.execute(tx);
  return true;
}

/**
 * Runs a bulk load (import) with its indexes deferred where the desk has no tickets yet (see
 * above); on SQLite it just runs it. The indexes are back when this returns or throws, unless
 * the connection to the server was lost (then the next open builds them).
 */
export async function withDeferredIndexes<T>(store: Store, load: () => Promise<T>): Promise<T> {
  if (store.dialect !== 'postgres') return load();
  return store.db.connection().execute(async (conn) => {
    const empty = !(await sql<{ e: boolean }>`select exists (select 1 from tickets) as e`.execute(conn)).rows[0]!.e;
    const exclusive = empty && (await sql<{ ok: boolean }>`select pg_try_advisory_lock(${IMPORT_LOCK}) as ok`.execute(conn)).rows[0]!.ok;
    if (!exclusive) await sql`select pg_advisory_lock_shared(${IMPORT_LOCK})`.execute(conn);
    let deferred = false;
    try {
      // What an import that died left: nobody builds it now (this connection holds the lock).
      await store.write((tx) => buildDeferredIndexes(tx));
      if (exclusive) deferred = await store.write((tx) => deferIndexesIfEmpty(tx));
      let result: T;
      try {
        result = await load();
      } catch (err) {
        if (deferred) await store.write((tx) => buildDeferredIndexes(tx)).catch(() => undefined); // else the next open builds them
        throw err;
      }
      if (deferred) await store.write((tx) => buildDeferredIndexes(tx));
      return result;
    } finally {
      await sql`select ${sql.raw(exclusive ? 'pg_advisory_unlock' : 'pg_advisory_unlock_shared')}(${IMPORT_LOCK})`.execute(conn).catch(() => undefined);
    }
  });
}

/**
 * At a store's open: builds the indexes an import dropped if that import is gone (its lock is
 * free). While it runs, nothing is done: it builds them itself at its end.
 */
export async function buildLeftoverIndexes(store: Store): Promise<void> {
  const db = store.db;
  const row = await db.selectFrom('meta').select('key').where('key', '=', DEFERRED_KEY).executeTakeFirst();
  if (!row) return;
  await db.connection().execute(async (conn) => {
    const free = (await sql<{ ok: boolean }>`select pg_try_advisory_lock(${IMPORT_LOCK}) as ok`.execute(conn)).rows[0]!.ok;
    if (!free) return;
    try {
      await store.write((tx) => buildDeferredIndexes(tx));
    } finally {
      await sql`select pg_advisory_unlock(${IMPORT_LOCK})`.execute(conn).catch(() => undefined);
    }
  });
}
