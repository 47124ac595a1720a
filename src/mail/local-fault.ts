// Whose fault is a failure while storing mail? The message's (quarantine it, go on) or this
// machine's (a full disk, a permission, a file where a directory belongs, a database that cannot
// write): then the batch fails as a whole, nothing of it is recorded, the cursor stays, and the
// run stops naming the cause. Quarantine is only for mail desk cannot read.
import { ConflictError, DeskError, LocalFaultError, RemoteError } from '../errors.js';

/** SQLite errors that a particular row can cause: the mail's fault, not the machine's. */
const ROW_SQLITE_ERRORS = /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH|RANGE)/;

/** A PostgreSQL error's SQLSTATE: five digits or capital letters. */
const SQLSTATE = /^[0-9A-Z]{5}$/;
/**
 * SQLSTATE classes a particular row can cause: data exceptions (22), constraint violations (23),
 * program limits such as an index row too large (54). Every other class is the server's or this
 * desk's: no space (53100), a cancelled statement (57014), a lost connection (08, 57P01), a lock.
 */
const ROW_SQLSTATE = /^(22|23|54)/;

export function isLocalFault(err: unknown): boolean {
  // A RemoteError out of the store is the database's (a lost connection), never the mail's.
  if (err instanceof LocalFaultError || err instanceof ConflictError || err instanceof RemoteError) return true;
  const e = err as { code?: unknown; syscall?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code.startsWith('SQLITE_')) return !ROW_SQLITE_ERRORS.test(code);
  if (SQLSTATE.test(code) && typeof e?.syscall !== 'string') return !ROW_SQLSTATE.test(code);
  // Node's system errors (ENOSPC, EACCES, EROFS, ENOTDIR, EIO, EDQUOT, EMFILE…) name a syscall.
  return /^E[A-Z0-9]+$/.test(code) && typeof e?.syscall === 'string';
}

/** A failure's own words, with its code when the words leave it out. */
export function describeFault(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown } | null;
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  const code = typeof e?.code === 'string' ? e.code : '';
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * The error to stop a sync with: another DeskError passes as it is (its exit code stands, e.g. a
 * lock held), anything local becomes a LocalFaultError that says where, why, and that nothing
 * of the batch was recorded.
 */
export function localFault(err: unknown, where: string): DeskError {
  if (err instanceof DeskError && !(err instanceof LocalFaultError)) return err;
  const cause = err instanceof LocalFaultError ? err.message : `could not store mail: ${describeFault(err)}`;
  return new LocalFaultError(
    `${where}: ${cause}; nothing of the batch was recorded`,
    'fix the cause (disk space, permissions, the database) and run desk sync again: it fetches the same mail again',
  );
}
