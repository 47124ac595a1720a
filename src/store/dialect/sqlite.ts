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

type RowFiller = (values: unknown[], row: Record<string, unknown>, at: number) => void;

/**
 * Copies a row's columns, in order, into `values` from index `at`, failing on a missing one as named parameters
 * would. Generated per column list (names checked to be plain identifiers by the caller): a
 * property read by a fixed name is several times faster than one by a name from a list, which
 * adds up over the ~700,000 rows of an import.
 */
function rowFiller(table: string, cols: readonly string[]): RowFiller {
  const body = cols
    .map((c, i) => `if ((values[at + ${i}] = row.${c}) === undefined) missing(${JSON.stringify(c)});`)
    .join('\n');
  const missing = (col: string) => {
    throw new Error(`bulk insert into ${table}: a row has no value for ${col}`);
  };
  return new Function('missing', `return function fill(values, row, at) {\n${body}\n};`)(missing) as RowFiller;
}

/**
 * Rows per statement of the bulk path: a statement prepared for 16 rows is run once per 16, and
 * the rest one by one. Each run is a call from JavaScript into SQLite that binds, steps and
 * resets; at 200,000 tickets, 16 rows a call took the inserts from 3.6 s to 2.5 s of CPU.
 */
const ROWS_PER_INSERT = 16;

/** Dialect ops bound to one better-sqlite3 connection (the one kysely uses, so the same transaction). */
export function sqliteOps(raw: BetterSqlite3.Database): DialectOps {
  const statements = new Map<string, { stmt: BetterSqlite3.Statement; fill: RowFiller }>();
  /** The insert of `count` rows of these columns into `table`, prepared on first use. */
  const prepared = (table: string, cols: readonly string[], count: number) => {
    const key = `${table}(${cols.join(',')})*${count}`;
    let insert = statements.get(key);
    if (!insert) {
      if (!/^\w+$/.test(table) || cols.some((c) => !/^\w+$/.test(c))) throw new Error(`bad bulk insert target ${key}`);
      const tuple = `(${cols.map(() => '?').join(', ')})`;
      insert = {
        stmt: raw.prepare(`insert into ${table} (${cols.join(', ')}) values ${Array<string>(count).fill(tuple).join(', ')}`),
        fill: rowFiller(table, cols),
      };
      statements.set(key, insert);
    }
    return insert;
  };
  const search = sqliteSearch(raw);
  const ops: DialectOps = {
  name: 'sqlite',
  // Every text as given, except a lone surrogate (JSON's \ud800 escape): written as the three
  // bytes UTF-16 would make of it, which are no UTF-8, it reads back as three U+FFFD.
  storedText: (text) => ((text as unknown as { isWellFormed(): boolean }).isWellFormed() ? text : text.replace(/[\ud800-\udfff]/gu, '\ufffd\ufffd\ufffd')),
  // A rowid is the largest one + 1 (and AUTOINCREMENT's counter is rolled back with the rest).
  alignIds: async () => undefined,
  maxParams: 32000,
  // Prepared once per column list and row count, then only run: far cheaper than building
  // multi-row SQL text for each batch (measured: 2-3x on import).
  async bulkInsert(_db, table, given) {
    // (SQLite encodes no rows ahead: encodeRows is PostgreSQL's)
    if (!Array.isArray(given)) throw new Error('desk bug: SQLite bulk inserts take rows');
    const rows = given;
    if (!rows.length) return;
    const cols = Object.keys(rows[0]!);
    const width = cols.length;
    let i = 0;
    if (rows.length >= ROWS_PER_INSERT) {
      const many = prepared(table, cols, ROWS_PER_INSERT);
      const values: unknown[] = new Array(width * ROWS_PER_INSERT);
      for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
        for (let k = 0; k < ROWS_PER_INSERT; k++) many.fill(values, rows[i + k]!, k * width);
        many.stmt.run(values);
      }
    }
    if (i < rows.length) {
      const one = prepared(table, cols, 1);
      // Positional values bind faster than named ones (measured: a sixth of an import).
      const values: unknown[] = new Array(width);
      for (; i < rows.length; i++) {
        one.fill(values, rows[i]!, 0);
        one.stmt.run(values);
      }
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
