// How set, assign, close and escalate tell ticket ids from a query (docs/cli.md, Bulk changes):
// every word a ticket id (42, #42): the ids; else a query or @VIEW. Words that start with an id
// and go on with something else are a mistyped id list, refused, not run as a query.
import { UsageError } from '../../errors.js';

const TICKET_ID = /^#?\d{1,15}$/;

export function isTicketId(word: string): boolean {
  return TICKET_ID.test(word.trim());
}

/** true: the words are ticket ids; false: a query. */
export function areTicketIds(words: readonly string[]): boolean {
  if (!words.length || !isTicketId(words[0]!)) return false;
  const bad = words.find((w) => !isTicketId(w));
  if (bad === undefined) return true;
  throw new UsageError(`invalid ticket id '${bad}' (a number, like 42 or #42)`,
    `a query starts with a term or a word, not an id (id:${words[0]!.trim().replace(/^#/, '')} names a ticket inside a query)`);
}
