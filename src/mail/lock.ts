// One `desk sync` per database at a time. Cron every minute plus an agent running it by hand must
// not fetch and insert the same mail twice, and a crashed (kill -9) run must not leave the lock
// stuck. So the lock is one the operating system drops when its process dies:
//  - SQLite: an EXCLUSIVE transaction held open on a small lock database in the data dir. SQLite
//    locks are OS file locks (fcntl on Unix, LockFileEx on Windows), released by the kernel on
//    exit, and they also exclude a second connection in the same process.
//  - PostgreSQL: a session advisory lock on a connection held for the run; the server releases it
//    when that connection ends, however it ends.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { ConflictError, LocalFaultError } from '../errors.js';
import { describeFault } from './local-fault.js';

export interface SyncLock {
  release(): Promise<void>;
}

export interface LockableStore {
  dialect: 'sqlite' | 'postgres';
  dataDir: string;
  db: Kysely<any>;
}

/** Advisory lock key for PostgreSQL: any constant that no other desk lock uses ("desk" + 1). */
const PG_SYNC_LOCK_KEY = 0x6465736b01;

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

/** Takes the sync lock at once or throws ConflictError "sync already running" (exit 4). */
export async function acquireSyncLock(store: LockableStore): Promise<SyncLock> {
  return store.dialect === 'postgres' ? acquirePostgres(store.db) : acquireSqlite(store.dataDir);
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

async function acquirePostgres(db: Kysely<any>): Promise<SyncLock> {
  // Hold one pooled connection for the whole run: the advisory lock belongs to that session.
  let releaseConnection!: () => void;
  const held = new Promise<void>((resolve) => (releaseConnection = resolve));
  let reportAcquired!: (got: boolean) => void;
  const acquired = new Promise<boolean>((resolve) => (reportAcquired = resolve));
  const session = db.connection().execute(async (conn) => {
    const r = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${PG_SYNC_LOCK_KEY}) as ok`.execute(conn);
    const got = r.rows[0]?.ok === true;
    reportAcquired(got);
    if (!got) return;
    await held;
    await sql`select pg_advisory_unlock(${PG_SYNC_LOCK_KEY})`.execute(conn);
  });
  // Whichever settles first: the answer to try_lock, or a failure to get a connection at all.
  const got = await Promise.race([acquired, session.then(() => false)]);
  if (!got) {
    await session;
    throw alreadyRunning(null);
  }
  return {
    async release() {
      releaseConnection();
      await session;
    },
  };
}
