// Small values of the sync that every part needs, kept apart from the parser so that a sync with
// nothing new never loads it (a cron run every minute should cost next to nothing).
import { isoSeconds } from '../domain/types.js';

/** Message-ID + content hash: the identity of a message for dedupe (see PreparedMail.key). */
export function dedupeKey(storedMessageId: string, contentSha256: string): string {
  return `${storedMessageId} ${contentSha256}`;
}

/** When the server got a message (INTERNALDATE), never later than now, at second precision. */
export function receivedAtOf(internalDate: Date | null, now: Date): string {
  const t = internalDate && internalDate.getTime() <= now.getTime() ? internalDate : now;
  return isoSeconds(new Date(Math.floor(t.getTime() / 1000) * 1000));
}
