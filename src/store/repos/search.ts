// What a search shows beside each ticket: a snippet of its text holding the query's words. The
// tickets themselves are a list's (repos/tickets.ts, with the words in the filter's query), in the
// list's order on both backends; only the few shown get a snippet.
import type { Kysely } from 'kysely';
import { heldWords, type QueryNode } from '../../domain/query/index.js';
import type { Ticket } from '../../domain/types.js';
import { dialectOf } from '../handle.js';

/**
 * Each ticket's snippet, in their order: of its best row holding any of the query's words, the
 * matches in [ ]; for a ticket none of whose rows holds one, its requester's address when a word
 * holding '@' found it there; else ''.
 */
export async function searchSnippets(db: Kysely<any>, node: QueryNode, tickets: readonly Ticket[]): Promise<string[]> {
  const words = heldWords(node);
  const found = await dialectOf(db).snippets(db, words.join(' '), tickets.map((t) => t.id));
  const pieces = words.filter((w) => w.includes('@')).map((w) => w.toLowerCase());
  return tickets.map((t) => found.get(t.id) || (pieces.some((p) => t.requester.email.toLowerCase().includes(p)) ? t.requester.email : ''));
}
