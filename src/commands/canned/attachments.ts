// The files a canned reply attaches (front matter `attachments`). A canned reply is text anyone
// on the team may edit, and what it attaches goes to a customer: so an attachment must be a
// regular file inside the templates directory the reply comes from, judged after every symlink
// is followed (`../../etc/passwd`, `/etc/hostname`, a symlink to /etc or to a device all fail).
// Anything else is refused as bad input (exit 2) before a reply is written or queued.
import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { UsageError } from '../../errors.js';
import type { CannedEntry } from '../../domain/canned/library.js';

export interface CannedAttachment {
  /** the name the customer sees: the file name as written in the front matter */
  filename: string;
  content: Buffer;
}

/** Is `path` (a real path) the directory `root` (a real path) or inside it? */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function refuse(entry: CannedEntry, written: string, why: string): UsageError {
  return new UsageError(
    `canned reply '${entry.name}': attachment '${written}' ${why}; nothing was queued`,
    `attachments must be files inside the templates directory ${entry.root}`,
  );
}

/**
 * Reads the attachments of a canned reply, each confined to the reply's templates directory.
 * Throws UsageError naming the first that is missing, outside, or not a regular file.
 */
export function readCannedAttachments(entry: CannedEntry): CannedAttachment[] {
  let root: string;
  try {
    root = realpathSync(entry.root);
  } catch (err) {
    throw refuse(entry, entry.attachments[0] ?? '', `cannot be checked: the templates directory is unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return entry.attachments.map((written) => {
    if (written.includes('\0')) throw refuse(entry, written.replace(/\0/g, '\\0'), 'is not a file name');
    const path = isAbsolute(written) ? written : resolve(dirname(entry.file), written);
    let real: string;
    try {
      real = realpathSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      // Say "outside" rather than "missing" for a path that leads out whatever is there.
      if (!isInside(root, resolve(path)) && !isInside(resolve(entry.root), resolve(path))) throw refuse(entry, written, 'is outside the templates directory');
      throw new UsageError(`canned reply '${entry.name}': cannot read the attachment ${path}: ${code}`);
    }
    if (!isInside(root, real)) throw refuse(entry, written, 'is outside the templates directory');
    let fd: number;
    try {
      // No symlink may be swapped in after the check; a FIFO must not block the reply.
      fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      throw new UsageError(`canned reply '${entry.name}': cannot read the attachment ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    try {
      if (!fstatSync(fd).isFile()) throw refuse(entry, written, 'is not a regular file');
      return { filename: basename(path), content: readFileSync(fd) };
    } finally {
      closeSync(fd);
    }
  });
}
