// The one table that maps failures to exit codes (docs/cli.md, Conventions).
// Commands throw these; only cli/program.ts turns them into a message and an exit code.

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  remote: 5,
} as const;

export class DeskError extends Error {
  readonly exitCode: number = EXIT.failed;
  /** An optional second line telling the user what to do about it. */
  hint?: string;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** Bad usage or bad input: the message names the flag, line or field. Exit 2. */
export class UsageError extends DeskError {
  override readonly exitCode = EXIT.usage;
}

/** Unknown ticket, canned reply, agent… Exit 3. */
export class NotFoundError extends DeskError {
  override readonly exitCode = EXIT.notFound;
}

/** A lock is held or the ticket changed under you. Exit 4. */
export class ConflictError extends DeskError {
  override readonly exitCode = EXIT.conflict;
}

/** IMAP/SMTP unreachable or refused; nothing was lost. Exit 5. */
export class RemoteError extends DeskError {
  override readonly exitCode = EXIT.remote;
}

/**
 * This machine failed desk, not the input: a full disk, a permission, a file where a directory
 * belongs, a database error. The work in hand is not recorded, so a rerun after the fault is
 * fixed ends as if it had never happened. Exit 1.
 */
export class LocalFaultError extends DeskError {
  override readonly exitCode = EXIT.failed;
}

/** Build the message for a flag value outside its allowed set. */
export function badFlagValue(flag: string, value: string, allowed: readonly string[]): UsageError {
  return new UsageError(`invalid value for ${flag}: '${value}' (allowed: ${allowed.join(', ')})`);
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof DeskError) return err.exitCode;
  return EXIT.failed;
}
