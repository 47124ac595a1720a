// SQLite specifics: pragmas, BEGIN IMMEDIATE write transactions and FTS5 search.
import { sql, type Kysely } from 'kysely';
import type { DialectOps, SearchHit, SearchRow } from './types.js';

/** Turns free text into an FTS5 query: every word must match (prefix match on the last one). */
export function toFtsQuery(query: string): string {
  const words = query
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}_@.-]+/u)
    .map((w) => w.replace(/"/g, ''))
    .filter((w) => w.length > 0);
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}

export const sqliteOps: DialectOps = {
  name: 'sqlite',
  maxParams: 32000,
  idColumn: (tb) => tb.addColumn('id', 'integer', (c) => c.primaryKey()),
  async createSearchIndex(db) {
    // remove_diacritics 2 folds accents (é → e) including on combining characters.
    await sql`create virtual table search_fts using fts5(
      ticket_id unindexed, subject, body, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
  },
  async indexSearchText(db: Kysely<any>, rows: SearchRow[]) {
    const chunk = 3000;
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      await db.insertInto('search_fts').values(part).execute();
    }
  },
  async search(db, query, limit): Promise<SearchHit[]> {
    const match = toFtsQuery(query);
    if (!match) return [];
    const rows = await sql<{ ticket_id: number; snippet: string }>`
      select ticket_id, snippet(search_fts, -1, '[', ']', '…', 12) as snippet, bm25(search_fts) as rank
      from search_fts where search_fts match ${match}
      order by rank limit ${limit * 5}`.execute(db);
    const seen = new Set<number>();
    const hits: SearchHit[] = [];
    for (const r of rows.rows) {
      const id = Number(r.ticket_id);
      if (seen.has(id)) continue;
      seen.add(id);
      hits.push({ ticket_id: id, snippet: r.snippet });
      if (hits.length >= limit) break;
    }
    return hits;
  },
};
