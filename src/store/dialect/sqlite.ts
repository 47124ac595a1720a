// SQLite specifics: pragmas, BEGIN IMMEDIATE write transactions and FTS5 search.
import { sql, type Kysely } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { DialectOps, SearchRow } from './types.js';
import { sqliteSearch } from './sqlite-search.js';

/** How many distinct SQL texts keep their prepared statement (lists of `?` vary in length). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The connection as kysely's SqliteDialect sees it, with prepared statements kept by SQL text.
 * Kysely prepares every query anew; on a sync or import that is the same few dozen statements
 * tens of thousands of times, and preparing (parsing, planning) costs about as much as running.
 */
export function withStatementCache(raw: BetterSqlite3.Database): { prepare(sql: string): BetterSqlite3.Statement; close(): void } {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(text: string) {
      const hit = cache.get(text);
      // A statement still iterating (a streamed query) cannot run twice at once: give a fresh one.
      if (hit && !hit.busy) return hit;
      const stmt = raw.prepare(text);
      if (!hit) {
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(text, stmt);
      }
      return stmt;
    },
    close() {
      cache.clear();
      raw.close();
    },
  };
}

type RowFiller = (values: unknown[], row: Record<string, unknown>) => void;

/**
 * Copies a row's columns, in order, into `values`, failing on a missing one as named parameters
 * would. Generated per column list (names checked to be plain identifiers by the caller): a
 * property read by a fixed name is several times faster than one by a name from a list, which
 * adds up over the ~700,000 rows of an import.
 */
function rowFiller(table: string, cols: readonly string[]): RowFiller {
  const body = cols
    .map((c, i) => `if ((values[${i}] = row.${c}) === undefined) missing(${JSON.stringify(c)});`)
    .join('\n');
  const missing = (col: string) => {
    throw new Error(`bulk insert into ${table}: a row has no value for ${col}`);
  };
  return new Function('missing', `return function fill(values, row) {\n${body}\n};`)(missing) as RowFiller;
}

/** Dialect ops bound to one better-sqlite3 connection (the one kysely uses, so the same transaction). */
export function sqliteOps(raw: BetterSqlite3.Database): DialectOps {
  const statements = new Map<string, { stmt: BetterSqlite3.Statement; fill: RowFiller }>();
  const search = sqliteSearch(raw);
  const ops: DialectOps = {
  name: 'sqlite',
  storedText: (text) => text,
  // A rowid is the largest one + 1 (and AUTOINCREMENT's counter is rolled back with the rest).
  alignIds: async () => undefined,
  maxParams: 32000,
  // Prepared once, run per row: far cheaper than building multi-row SQL (measured: 2-3x on import).
  async bulkInsert(_db, table, rows) {
    if (!rows.length) return;
    const cols = Object.keys(rows[0]!);
    const key = `${table}(${cols.join(',')})`;
    let insert = statements.get(key);
    if (!insert) {
      if (!/^\w+$/.test(table) || cols.some((c) => !/^\w+$/.test(c))) throw new Error(`bad bulk insert target ${key}`);
      insert = {
        stmt: raw.prepare(`insert into ${table} (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`),
        fill: rowFiller(table, cols),
      };
      statements.set(key, insert);
    }
    // Positional values bind faster than named ones (measured: a sixth of an import).
    const values: unknown[] = new Array(cols.length);
    for (const r of rows) {
      insert.fill(values, r);
      insert.stmt.run(values);
    }
  },
  // The write transaction holds SQLite's write lock: nobody else can take these ids meanwhile.
  async allocateIds(db, table, count, floor = 0) {
    if (count === 0) return floor + 1; // later ids are max(id) + 1: above every row written
    const row = await db.selectFrom(table).select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
    return Math.max(Number(row?.m ?? 0), floor) + 1;
  },
  idColumn: (tb) => tb.addColumn('id', 'integer', (c) => c.primaryKey()),
  async createSearchIndex(db) {
    // remove_diacritics 2 folds accents (é → e) including on combining characters.
    await sql`create virtual table search_fts using fts5(
      ticket_id unindexed, subject, body, detail = column, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
  },
  // An import checks ~600,000 references it has just allocated itself; skipping that is 10 %.
  async withoutForeignKeyChecks(fn) {
    raw.pragma('foreign_keys = OFF');
    try {
      return await fn();
    } finally {
      raw.pragma('foreign_keys = ON');
    }
  },
  async indexSearchText(_db, rows: SearchRow[], fresh) {
    search.index(rows, fresh);
  },
  async snippets(_db, text, ticketIds) {
    return search.snippets(text, ticketIds);
  },
};
  return ops;
}
