// One `desk sync` at a time: per database on SQLite, per mailbox on PostgreSQL. Cron every minute
// plus an agent running it by hand must not fetch and insert the same mail twice, and a crashed
// (kill -9) run must not leave the lock stuck:
//  - SQLite: an EXCLUSIVE transaction held open on a small lock database in the data dir. SQLite
//    locks are OS file locks (fcntl on Unix, LockFileEx on Windows), released by the kernel on
//    exit, and they also exclude a second connection in the same process.
//  - PostgreSQL (team mode, several hosts): a lease per mailbox, a row of mail_leases taken and
//    renewed in short transactions (src/store/mail-leases.ts), so that it holds behind a
//    transaction-pooling proxy; a killed sync's lease runs out by itself. Hosts sync different
//    mailboxes in parallel; a second sync of the same mailbox is refused at once.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import { ConflictError, LocalFaultError } from '../errors.js';
import { describeFault } from './local-fault.js';
import { dropLeases, holderShown, newHolder, renewLeases, takeLeases, type LeaseKey } from '../store/mail-leases.js';

export interface SyncLock {
  release(): Promise<void>;
  /** PostgreSQL: run inside each of the sync's write transactions; throws when the lease is lost. */
  check?(tx: Kysely<any>): Promise<void>;
}

export interface LockableStore {
  dialect: 'sqlite' | 'postgres';
  dataDir: string;
  db: Kysely<any>;
}

function alreadyRunning(pid: string | null): ConflictError {
  return new ConflictError(
    `sync already running${pid ? ` (pid ${pid})` : ''}`,
    'another desk sync is working on this database; this run did nothing',
  );
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/**
 * Takes the sync lock at once or throws ConflictError "sync already running" (exit 4). On SQLite
 * one lock for the database; on PostgreSQL a lease per mailbox in `mailboxes` (all or none).
 */
export async function acquireSyncLock(store: LockableStore, mailboxes: readonly LeaseKey[] = []): Promise<SyncLock> {
  return store.dialect === 'postgres' ? acquirePostgres(store.db, mailboxes) : acquireSqlite(store.dataDir);
}

/** The data dir cannot hold the lock (a file in its place, no permission, a full disk). */
function lockFault(dataDir: string, err: unknown): LocalFaultError {
  return new LocalFaultError(`cannot take the sync lock in ${dataDir}: ${describeFault(err)}`, 'the data dir next to the database must be a writable directory');
}

async function acquireSqlite(dataDir: string): Promise<SyncLock> {
  const lockFile = join(dataDir, 'sync.lock');
  const pidFile = join(dataDir, 'sync.pid');
  const { default: Database } = await import('better-sqlite3');
  let conn: import('better-sqlite3').Database;
  try {
    mkdirSync(dataDir, { recursive: true });
    // timeout 0: a second run must fail at once, not queue behind the first.
    conn = new Database(lockFile, { timeout: 0 });
  } catch (err) {
    throw lockFault(dataDir, err);
  }
  try {
    // Rollback-journal mode so that EXCLUSIVE really excludes (WAL would still allow readers).
    conn.pragma('journal_mode = DELETE');
    conn.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    conn.close();
    if (isBusy(err)) throw alreadyRunning(readPid(pidFile));
    throw lockFault(dataDir, err);
  }
  // Only for the message a second run prints; the lock itself is the open transaction.
  try {
    writeFileSync(pidFile, String(process.pid));
  } catch {
    /* informative only */
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        rmSync(pidFile, { force: true });
      } catch {
        /* informative only */
      }
      try {
        conn.exec('ROLLBACK');
      } finally {
        conn.close();
      }
    },
  };
}

function readPid(file: string): string | null {
  try {
    const pid = readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** How long a sync's lease on PostgreSQL lasts unless renewed (DESK_SYNC_LEASE_MS, default 60 s). */
function leaseTtlMs(): number {
  const v = Number(process.env.DESK_SYNC_LEASE_MS ?? '');
  return Number.isFinite(v) && v >= 1000 ? v : 60_000;
}

function leaseBusy(key: LeaseKey, holder: string): ConflictError {
  return new ConflictError(
    `sync already running for ${key.account}/${key.mailbox} (${holderShown(holder)})`,
    'another desk sync is working on this mailbox; this run did nothing',
  );
}

function leaseLost(keys: LeaseKey[]): ConflictError {
  return new ConflictError(
    `the sync lease of ${keys.map((k) => `${k.account}/${k.mailbox}`).join(', ')} ran out and another sync took it; this run stopped storing mail`,
    'what was stored is kept; the other sync carries on from there',
  );
}

async function acquirePostgres(db: Kysely<any>, keys: readonly LeaseKey[]): Promise<SyncLock> {
  const holder = newHolder();
  const ttl = leaseTtlMs();
  const busy = await takeLeases(db, keys, holder, ttl);
  if (busy) throw leaseBusy(busy.key, busy.holder);
  // Renewed well before it runs out, between the batches too (a slow server, a large message).
  const timer = setInterval(() => void renewLeases(db, keys, holder, ttl).catch(() => undefined), Math.floor(ttl / 3));
  timer.unref();
  let released = false;
  return {
    async check(tx) {
      const lost = await renewLeases(tx, keys, holder, ttl);
      if (lost.length) throw leaseLost(lost);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      // A connection that cannot drop it leaves a lease that lapses by itself.
      await dropLeases(db, keys, holder).catch(() => undefined);
    },
  };
}

/**
 * The store as the sync under `lock` writes to it: on PostgreSQL each write transaction first
 * checks (and renews) the sync's leases, so a sync whose lease was taken over stores nothing.
 */
export function underLock<S extends { write<T>(fn: (tx: Transaction<any>) => Promise<T>): Promise<T> }>(store: S, lock: SyncLock): S {
  const check = lock.check;
  if (!check) return store;
  return {
    ...store,
    write: <T>(fn: (tx: Transaction<any>) => Promise<T>) =>
      store.write(async (tx) => {
        await check(tx);
        return fn(tx);
      }),
  };
}
