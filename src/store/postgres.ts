// Opens a desk store on PostgreSQL (team mode): kysely's PostgresDialect over a `pg` pool.
//
// Writes take one transaction-scoped advisory lock, WRITE_LOCK, in one of two modes. Changes to
// existing tickets (store.write(fn, { concurrent: true }): set, assign, take, note, close,
// escalate, triage's actions, outbox claims) take it shared: they run side by side, kept apart by
// the tickets' versions (writes.ts writeTicketChange: a row is written only where its version is
// still the one read, else the transaction runs again on a fresh read) and by row locks (the
// outbox is claimed with FOR UPDATE SKIP LOCKED). Every other write (new tickets, the sync's
// batches, import, agents, migrations) reads, then writes (dedupe, ids, "is the ticket still
// open") relying on no other writer in between, so it takes the lock exclusively, as SQLite's
// BEGIN IMMEDIATE serialises writes on a file. Each mailbox's sync is further kept to one host at a
// time by its lease (mail-leases.ts). READ COMMITTED is the right isolation for both: each
// statement sees everything committed before it (REPEATABLE READ would keep a snapshot taken while
// waiting for the lock). Readers never wait.
import { dirname, join } from 'node:path';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { ConflictError, NotFoundError, RemoteError, UsageError } from '../errors.js';
import { defaultDbPath } from '../paths.js';
import type { DB } from './schema.js';
import { COPY_IN_MARK, pgText, postgresOps } from './dialect/postgres.js';
import { applyMigrationsAbove, createMigrationTable, refuseNewer, SCHEMA_VERSION } from './migrate.js';
import type { OpenOptions, Store } from './index.js';
import { bindDialect } from './handle.js';
import { retryStale, type WriteOptions } from './retry.js';
import { notifyTicketChanges, trackTicketChanges } from './ticket-changes.js';
import { withHookEvents } from './hook-events.js';
import { buildLeftoverIndexes, DEFERRED_KEY } from './deferred-indexes.js';

/** pg_advisory_xact_lock key of desk's writers ("desk" in ASCII). */
export const WRITE_LOCK = 0x6465736b;

export interface PgTarget {
  host: string;
  port: string;
  database: string;
  /** the URL with any password masked, for messages */
  shown: string;
}

export function describeUrl(location: string): PgTarget {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new UsageError(`the database URL is not a valid URL: ${location.replace(/:[^:@/]*@/, ':***@')}`, 'write it as postgres://user:password@host:5432/database');
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new UsageError(`the database URL names no database: ${maskUrl(url)}`, 'write it as postgres://user:password@host:5432/database');
  const socketHost = url.searchParams.get('host');
  return { host: url.hostname || socketHost || 'localhost', port: url.port || '5432', database, shown: maskUrl(url) };
}

function maskUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  return copy.href;
}

function errorCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

/** Turns the driver's failures to reach or enter the database into desk's typed errors. */
export function connectError(err: unknown, t: PgTarget, origin: string | undefined): unknown {
  const code = errorCode(err);
  const from = origin ? ` (from ${origin})` : '';
  if (code === '3D000') {
    return new NotFoundError(
      `no PostgreSQL database '${t.database}' on ${t.host}:${t.port}${from}`,
      `create it (createdb ${t.database}), then run \`desk init\` with the same --db or DESK_DB`,
    );
  }
  if (code === '28P01' || code === '28000') return new RemoteError(`PostgreSQL at ${t.host}:${t.port} refused the login: ${(err as Error).message}`, 'check the user and password in the database URL');
  const message = (err as Error | null)?.message ?? '';
  // (a statement sent after the connection broke, such as the next COPY of a batch, fails with
  // "Client has encountered a connection error and is not queryable": the same loss)
  if (code === '57P01' || code === '57P02' || code === 'ECONNRESET' || code === 'EPIPE' || (!code && /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/i.test(message))) {
    return new RemoteError(`lost the connection to PostgreSQL at ${t.host}:${t.port}${from}: ${message}`, 'what was being written was rolled back; run the command again once the server answers');
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENOENT' || code === '57P03') {
    return new RemoteError(`cannot reach PostgreSQL at ${t.host}:${t.port}${from}: ${(err as Error).message}`, 'check that the server runs and that the URL names it');
  }
  return err;
}

/**
 * PostgreSQL's text cannot hold U+0000, which SQLite's can, and mail (a hostile one, or a broken
 * one) does carry it: every string bound to a statement has it replaced with U+FFFD, the
 * replacement character, at the one place all statements pass through. The raw message itself is
 * stored as bytes (bytea), so nothing of the original is lost. (The same wrapper looks after
 * connections that die while in use.)
 */
function guardedPool(pool: import('pg').Pool): import('kysely').PostgresPool {
  const broken = new WeakMap<object, boolean>();
  const clean = (v: unknown) => (typeof v === 'string' ? pgText(v) : v);
  return {
    async connect() {
      const client = await pool.connect();
      if (!broken.has(client)) {
        broken.set(client, false);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as { query: unknown }).query = (text: unknown, params?: unknown) =>
          typeof text === 'string' && text.startsWith(COPY_IN_MARK)
            ? copyIn(query, text, params)
            : query(text, Array.isArray(params) ? params.map(clean) : params);
        // A connection lost while checked out: the statement in flight fails (and desk reports
        // it); the client's own 'error' event must not crash the process, and the dead
        // connection goes back to the pool only to be discarded.
        client.on('error', () => broken.set(client, true));
      }
      const release = client.release; // the pool sets a new one at every checkout
      (client as { release: unknown }).release = (err?: Error | boolean) => release.call(client, broken.get(client) ? true : err);
      return client;
    },
    end: () => pool.end(),
  };
}

/**
 * Runs a bulk insert's `COPY … FROM STDIN` (dialect/postgres.ts: the statement after
 * COPY_IN_MARK, its one parameter the rows in COPY's text format) with the COPY sub-protocol, and
 * answers as a query would. A COPY the server refuses fails the statement, and so the caller's
 * transaction, as a refused INSERT does.
 */
async function copyIn(query: (...args: unknown[]) => unknown, text: string, params: unknown): Promise<{ command: string; rowCount: number; rows: [] }> {
  const statement = text.slice(COPY_IN_MARK.length);
  const data = Array.isArray(params) && params.length === 1 ? params[0] : undefined;
  const pieces = typeof data === 'string' ? [data] : Array.isArray(data) && data.every((d) => Buffer.isBuffer(d)) ? (data as Buffer[]) : undefined;
  if (!statement.endsWith(' from stdin$1') || !pieces) throw new Error('desk bug: a COPY needs its statement and its data (text, or pieces of it) as the one parameter');
  const lib = await import('pg-copy-streams');
  const { from } = lib.default ?? lib; // CommonJS: bundled, only its default export has `from`
  const stream = query(from(statement.slice(0, -2))) as import('pg-copy-streams').CopyStreamQuery;
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('finish', resolve);
    // The rows' texts were made storable (U+0000 and lone surrogates) as their lines were made.
    for (const piece of pieces) stream.write(piece);
    stream.end();
  });
  return { command: 'COPY', rowCount: stream.rowCount, rows: [] };
}

function lockedError(timeoutMs: number): ConflictError {
  return new ConflictError(
    `the database is locked by another desk process (waited ${Math.round(timeoutMs / 1000)}s)`,
    'try again in a moment; if it persists, look for a stuck desk process',
  );
}

/** The schema version, or undefined where desk has never been initialised in this database. */
/**
 * The schema version (undefined: no desk here), and whether an import left indexes to build
 * (deferred-indexes.ts): read together, so that opening a desk costs no round trip more for it.
 */
async function schemaState(db: Kysely<any>): Promise<{ version: number | undefined; leftoverIndexes: boolean }> {
  const t = await sql<{ t: string | null; m: string | null }>`select to_regclass('desk_migrations')::text as t, to_regclass('meta')::text as m`.execute(db);
  if (!t.rows[0]?.t) return { version: undefined, leftoverIndexes: false };
  // (a desk being created has its migrations table before the first migration made meta)
  return versionAndLeftover(db, !!t.rows[0].m);
}

/** The schema version and the leftover indexes' record, in one statement (`meta`: whether that table exists). */
async function versionAndLeftover(db: Kysely<any>, meta: boolean): Promise<{ version: number; leftoverIndexes: boolean }> {
  const leftover = meta ? sql`exists (select 1 from meta where key = ${DEFERRED_KEY})` : sql`false`;
  const row = await sql<{ v: number | null; d: boolean }>`select max(version) as v, ${leftover} as d from desk_migrations`.execute(db);
  return { version: Number(row.rows[0]?.v ?? 0), leftoverIndexes: !!row.rows[0]?.d };
}

/**
 * schemaState in one round trip where the desk exists (every command but the first `desk init`
 * of a database): the statement naming both tables is sent first, and only when a table is
 * missing (42P01) is the state read the careful way. Outside a transaction only, which the failed
 * statement would abort.
 */
async function schemaStateAtOpen(db: Kysely<any>): Promise<{ version: number | undefined; leftoverIndexes: boolean }> {
  try {
    return await versionAndLeftover(db, true);
  } catch (err) {
    if (errorCode(err) !== '42P01') throw err;
    return schemaState(db);
  }
}

async function schemaVersion(db: Kysely<any>): Promise<number | undefined> {
  return (await schemaState(db)).version;
}

/**
 * The pg module. On loading, pg asks whether it runs on Cloudflare Workers: by `navigator`, and
 * where there is none (Node 20) by building a fetch Response, which loads all of fetch and cost
 * every command on PostgreSQL 50-100 ms. A navigator that is not Cloudflare's, for the time of
 * the import only, answers it at once.
 */
async function loadPg(): Promise<typeof import('pg').default> {
  const g = globalThis as { navigator?: unknown };
  if (g.navigator !== undefined) return (await import('pg')).default;
  g.navigator = { userAgent: 'Node.js' };
  try {
    return (await import('pg')).default;
  } finally {
    delete g.navigator;
  }
}

/**
 * A kysely over a pool of at most `max` connections to the database at `location`, built as the
 * store's own (NUL guard, bigints as numbers, dead connections discarded). Does not migrate.
 */
export async function postgresKysely(location: string, max: number, applicationName?: string): Promise<Kysely<DB>> {
  const pg = await loadPg();
  const pool = new pg.Pool({
    connectionString: location,
    max,
    connectionTimeoutMillis: 30000, // a server that never answers is an error, not a hang
    ...(applicationName ? { application_name: applicationName } : {}),
    // count(*) and other bigints as numbers, as SQLite gives them (desk's counts stay far below 2^53)
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser },
  });
  pool.on('error', () => undefined); // an idle connection dropped by the server: the next query reconnects
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: guardedPool(pool) }) });
}

/** Where a PostgreSQL desk keeps its attachment files on this machine. */
export function postgresDataDir(location: string): string {
  const target = describeUrl(location);
  const safeName = `${target.host}-${target.port}-${target.database}`.replace(/[^A-Za-z0-9._-]+/g, '_');
  return join(dirname(defaultDbPath()), `pg-${safeName}-data`);
}

export async function openPostgres(opts: OpenOptions): Promise<Store> {
  const target = describeUrl(opts.location);
  const timeout = opts.busyTimeoutMs ?? Number(process.env.DESK_BUSY_TIMEOUT_MS ?? 10000);
  const ops = postgresOps();
  const db = bindDialect(await postgresKysely(opts.location, 4), ops);

  // This process's own writers queue here, as on SQLite, so that they hold one connection of the
  // pool between them and never wait on the lock with connections a running writer may need.
  let queue: Promise<unknown> = Promise.resolve();
  function write<T>(fn: (tx: Transaction<DB>) => Promise<T>, opts: WriteOptions = {}): Promise<T> {
    const run = () => retryStale(() => writeNow(fn, !!opts.concurrent));
    const next = queue.then(run, run);
    queue = next.catch(() => undefined);
    return next;
  }

  async function writeNow<T>(fn: (tx: Transaction<DB>) => Promise<T>, concurrent: boolean): Promise<T> {
    try {
      return await db.transaction().setIsolationLevel('read committed').execute(async (tx) => {
        await sql`select set_config('lock_timeout', ${`${Math.max(1, timeout)}ms`}, true)`.execute(tx);
        if (concurrent) await sql`select pg_advisory_xact_lock_shared(${WRITE_LOCK})`.execute(tx);
        else await sql`select pg_advisory_xact_lock(${WRITE_LOCK})`.execute(tx);
        const bound = bindDialect(tx, ops);
        trackTicketChanges(bound);
        const result = await withHookEvents(bound, opts.hooks, fn as (tx: Kysely<DB>) => Promise<T>);
        await notifyTicketChanges(bound); // delivered to the listeners (triage) on commit only
        return result;
      });
    } catch (err) {
      if (errorCode(err) === '55P03') throw lockedError(timeout);
      throw connectError(err, target, opts.origin);
    }
  }

  const store: Store = {
    db,
    dialect: 'postgres',
    ops,
    dataDir: postgresDataDir(opts.location),
    created: false,
    write,
    close: () => db.destroy(),
  };
  try {
    let version: number | undefined;
    let leftoverIndexes = false;
    try {
      ({ version, leftoverIndexes } = await schemaStateAtOpen(db));
    } catch (err) {
      throw connectError(err, target, opts.origin);
    }
    if (version === undefined && opts.mustExist) {
      throw new NotFoundError(
        `no desk database at ${target.shown}${opts.origin ? ` (from ${opts.origin})` : ''}: desk was never initialised in it`,
        'create the tables with `desk init` (with the same --db or DESK_DB), or point --db / DESK_DB at an existing desk database',
      );
    }
    store.created = version === undefined;
    refuseNewer(version ?? 0, target.shown);
    if ((version ?? 0) < SCHEMA_VERSION) await migrate(store, target.shown);
    // Indexes an import dropped to build after loading, if it died before it built them.
    if (leftoverIndexes) await buildLeftoverIndexes(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/** Applies the missing migrations in one transaction under the writers' lock. */
async function migrate(store: Store, where: string): Promise<void> {
  await store.write(async (tx) => {
    const t = tx as Kysely<any>;
    await createMigrationTable(t);
    const have = (await schemaVersion(t)) ?? 0; // again, now that this process holds the lock
    refuseNewer(have, where);
    await applyMigrationsAbove(t, store.ops, have);
  });
}
