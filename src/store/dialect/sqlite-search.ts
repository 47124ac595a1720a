// SQLite's search rows (FTS5 table search_fts): where a row goes and how a shown ticket's snippet
// is made. A row's rowid says whose it is (migration 24): the ticket's id times 2^20 plus the
// row's place among that ticket's rows, so that the tickets holding a word are known from FTS5's
// index alone (`rowid >> 20`), without reading a stored column of every matching row. Ticket ids
// stay below 2^31 (docs/interchange.md), so rowids stay below 2^51: exact as JS numbers too.
import type BetterSqlite3 from 'better-sqlite3';
import type { SearchRow } from './types.js';
import { searchWords } from './words.js';

/** Places for one ticket's rows; the last place takes every later text (never reached in practice). */
export const PLACES = 2 ** 20;
/** The SQL giving the ticket of a search row (the column is `rowid`). */
export const TICKET_OF_ROW = 'rowid >> 20';

const first = (ticketId: number) => ticketId * PLACES;

/**
 * FTS5's match text of words, each quoted (a word is one token as the unicode61 tokenizer cuts
 * it), the last one as a prefix when asked: all of them in one row (`join` ' '), or any (' OR ').
 */
export function ftsMatch(words: readonly string[], prefix: boolean, join: ' ' | ' OR ' = ' '): string {
  return words.map((w, i) => `"${w}"${prefix && i === words.length - 1 ? '*' : ''}`).join(join);
}

/**
 * The statements of one connection. (JS numbers bind as reals: FTS5 skips a rowid constraint
 * given as a real, and wants a whole rowid; every rowid goes through a cast.)
 */
export function sqliteSearch(raw: BetterSqlite3.Database) {
  let prepared: ReturnType<typeof prepare> | undefined;
  function prepare() {
    return {
      last: raw.prepare(`select rowid as r from search_fts where rowid >= cast(? as integer) and rowid < cast(? as integer) order by rowid desc limit 1`),
      insert: raw.prepare(`insert into search_fts (rowid, ticket_id, subject, body) values (cast(? as integer), cast(? as integer), ?, ?)`),
      append: raw.prepare(`update search_fts set body = body || char(10, 10) || ? where rowid = cast(? as integer)`),
      snippet: raw.prepare(`select snippet(search_fts, -1, '[', ']', '…', 12) as s from search_fts
        where search_fts match ? and rowid >= cast(? as integer) and rowid < cast(? as integer) order by rank limit 1`),
    };
  }
  const statements = () => (prepared ??= prepare());

  return {
    /**
     * Adds the rows, each in its ticket's next place. `fresh`: tickets created in this very write,
     * which have no rows yet (an import's million tickets are not looked up one by one).
     */
    index(rows: readonly SearchRow[], fresh?: ReadonlySet<number>): void {
      const s = statements();
      const next = new Map<number, number>();
      for (const r of rows) {
        const id = r.ticket_id;
        let place = next.get(id);
        if (place === undefined) {
          const last = fresh?.has(id) ? undefined : (s.last.get(first(id), first(id + 1)) as { r: number } | undefined);
          place = last ? last.r - first(id) + 1 : 0;
        }
        if (place < PLACES) {
          s.insert.run(first(id) + place, id, r.subject, r.body);
          next.set(id, place + 1);
        } else {
          s.append.run([r.subject, r.body].filter(Boolean).join('\n\n'), first(id) + PLACES - 1);
        }
      }
    },

    /**
     * A snippet for each of these tickets: of its best-ranked row holding any of the words,
     * the matches in [ ] ('' where no row holds one: a ticket found by its requester's address).
     */
    snippets(text: string, ticketIds: readonly number[]): Map<number, string> {
      const words = searchWords(text);
      const out = new Map<number, string>();
      if (!words.length) return out;
      const match = ftsMatch(words, true, ' OR ');
      const s = statements();
      for (const id of ticketIds) out.set(id, (s.snippet.get(match, first(id), first(id + 1)) as { s: string } | undefined)?.s ?? '');
      return out;
    },
  };
}
