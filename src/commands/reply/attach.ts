// The files an agent attaches to a reply (`desk reply --attach FILE…`). Read like a canned reply's
// attachments (commands/canned/attachments.ts): opened once, without following a symlink swapped
// in at the last moment, never blocking on a FIFO, a regular file only, its size checked before a
// byte is read. Everything wrong is refused (exit 2) before the reply is written or queued.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { detectMimeType } from 'nodemailer/lib/mime-funcs/mime-types.js';
import { UsageError } from '../../errors.js';
import type { MailAttachment } from '../../mail/compose.js';
import { safeLine } from '../../ui/safe-text.js';

/**
 * At most this many bytes of attachments per reply, all files together: encoded for mail
 * (base64, a third more) they still fit the 25 MB most providers accept.
 */
export const MAX_ATTACH_BYTES = 18 * 1024 * 1024;

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

function cannot(path: string, why: string): UsageError {
  return new UsageError(`--attach ${safeLine(path)}: ${why}; nothing was sent`);
}

/** Reads the files, in order, each as a MIME part named by its file name and typed by its extension. */
export function readReplyAttachments(paths: readonly string[], cwd = process.cwd()): MailAttachment[] {
  let total = 0;
  return paths.map((given) => {
    if (!given || given.includes('\0')) throw cannot(given.replace(/\0/g, '\\0'), 'is not a file name');
    const path = resolve(cwd, given);
    let real: string;
    let fd: number;
    try {
      real = realpathSync(path);
      // O_NOFOLLOW: the file checked is the file read; O_NONBLOCK: a FIFO cannot hang the reply.
      fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw cannot(given, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot be read (${code ?? (err as Error).message})`);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw cannot(given, st.isDirectory() ? 'is a directory' : 'is not a regular file');
      total += st.size;
      if (total > MAX_ATTACH_BYTES) {
        throw cannot(given, `the attachments come to ${mib(total)}, more than the ${mib(MAX_ATTACH_BYTES)} a reply may carry`);
      }
      const content = Buffer.alloc(st.size);
      let read = 0;
      while (read < st.size) {
        const n = readSync(fd, content, read, st.size - read, read);
        if (n === 0) break;
        read += n;
      }
      if (read !== st.size) throw cannot(given, 'changed while it was read');
      const filename = basename(path);
      return { filename, content, contentType: detectMimeType(filename) };
    } finally {
      closeSync(fd);
    }
  });
}
