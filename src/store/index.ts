// Opens the store: SQLite file by default (kysely over better-sqlite3), PostgreSQL for teams.
// Writes go through `write`, which hands its callback a kysely Transaction (on SQLite one that
// takes the write lock up front, BEGIN IMMEDIATE: see sqlite-driver.ts). Inside the callback
// everything goes through that transaction: the root handle waits until it ends.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { Kysely, type Transaction } from 'kysely';
import { ConflictError, NotFoundError, UsageError } from '../errors.js';
import type { DB } from './schema.js';
import type { DialectOps } from './dialect/types.js';
import { sqliteOps, withStatementCache } from './dialect/sqlite.js';
import { applyMigrationsAbove, createMigrationTable, refuseNewer, SCHEMA_VERSION } from './migrate.js';
import { networkFsUnder } from './network-fs.js';
import { bindDialect } from './handle.js';
import { ImmediateSqliteDialect } from './sqlite-driver.js';
import { retryStale, type WriteOptions } from './retry.js';
import { withHookEvents, type HookSubscriptions } from './hook-events.js';
import { buildLeftoverIndexes, hasDeferredIndexes } from './deferred-indexes.js';

export interface Store {
  db: Kysely<DB>;
  dialect: 'sqlite' | 'postgres';
  ops: DialectOps;
  /** Directory for attachments, raw mail and other files that belong to this database. */
  dataDir: string;
  /** This open created the desk: no database file (SQLite) or no desk tables (PostgreSQL) before. */
  created: boolean;
  /**
   * Runs fn in one write transaction (BEGIN IMMEDIATE on SQLite), handed to it; commits when fn
   * resolves, rolls back when it throws. The transaction is dead once fn is done.
   */
  write<T>(fn: (tx: Transaction<DB>) => Promise<T>, opts?: WriteOptions): Promise<T>;
  close(): Promise<void>;
}

export type { WriteOptions };

export interface OpenOptions {
  /** File path, or a postgres:// URL. */
  location: string;
  allowNetworkFs?: boolean;
  /** How long to wait for another process's write lock before giving up (exit 4). */
  busyTimeoutMs?: number;
  /** For tests: /proc/mounts text to check the file system against. */
  mountsText?: string;
  /**
   * Refuse (NotFoundError, exit 3) instead of creating a missing database file: only `desk init`
   * creates one, so a mistyped --db or DESK_DB never turns into an empty desk.
   */
  mustExist?: boolean;
  /** where the location came from (--db, DESK_DB, the config…), for that message */
  origin?: string;
  /** the hook destinations (the config's `hooks`): writes record events for them (hook-events.ts) */
  hooks?: HookSubscriptions;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

function lockedError(timeoutMs: number): ConflictError {
  return new ConflictError(
    `the database is locked by another desk process (waited ${Math.round(timeoutMs / 1000)}s)`,
    'try again in a moment; if it persists, look for a stuck desk process',
  );
}

export async function openStore(opts: OpenOptions): Promise<Store> {
  if (isPostgresUrl(opts.location)) return (await import('./postgres.js')).openPostgres(opts);
  return openSqlite(opts);
}

async function openSqlite(opts: OpenOptions): Promise<Store> {
  const file = opts.location;
  const timeout = opts.busyTimeoutMs ?? Number(process.env.DESK_BUSY_TIMEOUT_MS ?? 10000);
  const fsType = networkFsUnder(file, opts.mountsText);
  if (fsType && !opts.allowNetworkFs) {
    throw new UsageError(
      `the database ${file} is on a network file system (${fsType}); SQLite's locking is not safe there and tickets could be lost`,
      'put the file on a local disk, or point db at PostgreSQL (postgres://…) for a shared desk; --allow-network-fs overrides this check',
    );
  }
  const existed = existsSync(file);
  if (opts.mustExist && !existed) throw missingDatabase(file, opts.origin);
  if (!opts.mustExist) mkdirSync(dirname(file), { recursive: true });
  const { default: Database } = await import('better-sqlite3');
  let raw: import('better-sqlite3').Database;
  try {
    raw = new Database(file, { timeout, fileMustExist: !!opts.mustExist });
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('cache_size = -65536'); // 64 MiB: index maintenance on big imports stays in memory
  } catch (err) {
    if (isBusyError(err)) throw lockedError(timeout);
    if (opts.mustExist && !existsSync(file)) throw missingDatabase(file, opts.origin);
    throw err;
  }
  const ops = sqliteOps(raw);
  const db = bindDialect(new Kysely<DB>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(raw) }, () => raw.inTransaction) }), ops);

  // One connection: kysely hands it to one transaction at a time, so this process's writers queue.
  // A ticket change re-runs on a StaleWrite as on PostgreSQL (here one cannot happen inside
  // BEGIN IMMEDIATE; the versions judge reads made before the transaction).
  async function write<T>(fn: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    try {
      return await retryStale(() => db.transaction().execute((tx) => withHookEvents(bindDialect(tx, ops), opts.hooks, fn as (tx: Kysely<DB>) => Promise<T>)));
    } catch (err) {
      if (isBusyError(err)) throw lockedError(timeout);
      throw err;
    }
  }

  const name = basename(file).replace(/\.(db|sqlite3?)$/i, '');
  const store: Store = {
    db,
    dialect: 'sqlite',
    ops,
    dataDir: join(dirname(file), `${name}-data`),
    created: !existed,
    write,
    close: () => db.destroy(),
  };
  try {
    await migrate(store, file);
    // Indexes an import dropped to build after loading, if it died before it built them.
    if (await hasDeferredIndexes(db)) await buildLeftoverIndexes(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

function missingDatabase(file: string, origin: string | undefined): NotFoundError {
  return new NotFoundError(
    `no desk database at ${file}${origin ? ` (from ${origin})` : ''}`,
    'create one with `desk init` (with the same --db or DESK_DB), or point --db / DESK_DB at an existing database',
  );
}

async function currentVersion(db: Kysely<any>): Promise<number> {
  try {
    const row = await db.selectFrom('desk_migrations').select((eb) => eb.fn.max('version').as('v')).executeTakeFirst();
    return Number(row?.v ?? 0);
  } catch {
    return 0; // no migrations table yet: a new database
  }
}

export { SCHEMA_VERSION };

/**
 * Brings the schema up to date; safe when several processes open a new database at once. A
 * database of a newer schema is refused (UsageError naming both versions), never used.
 */
export async function migrate(store: Store, where = 'in use'): Promise<void> {
  const db = store.db as Kysely<any>;
  const version = await currentVersion(db);
  refuseNewer(version, where);
  if (version >= SCHEMA_VERSION) return;
  await store.write(async (tx) => {
    const t = tx as Kysely<any>;
    await createMigrationTable(t);
    const have = await currentVersion(t); // re-read under the write lock
    refuseNewer(have, where);
    await applyMigrationsAbove(t, store.ops, have);
  });
}
