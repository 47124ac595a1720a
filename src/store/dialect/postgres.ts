// PostgreSQL specifics: identity ids, multi-row bulk inserts and full-text search over a tsvector.
//
// Search matches SQLite's FTS5 (unicode61, remove_diacritics 2) word for word: the text is cut
// into words here, in JavaScript, exactly where SQLite cuts it (words.ts), so that neither the
// server's locale nor its text parser (which keeps "a@b.com" or "3.14" as one token) changes
// what a query finds. The words are stored with the row; the tsvector is generated from them by
// the server through desk_unaccent (an IMMUTABLE wrapper of the unaccent extension, which an index
// expression needs) and the 'simple' configuration (case folded, no stemming, no stop words),
// and a GIN index serves the match. Requesters' addresses are searched by substring (ILIKE),
// through a pg_trgm GIN index where that extension is available.
import { sql, type Kysely } from 'kysely';
import { UsageError } from '../../errors.js';
import type { DialectOps, SearchRow } from './types.js';
import { searchWords, snippetOf, WORD_GAP } from './words.js';
import { yieldToIo } from '../pending-writes.js';

/** PostgreSQL's wire protocol counts bound parameters in 16 bits. */
const MAX_PARAMS = 65535;

const IDENT = /^[a-z_][a-z0-9_]*$/;

/**
 * Rows per COPY statement: all of a table's rows of an import batch in one (up to some 25 MB of
 * text). With 10,000 a batch's messages and events took two or three statements each, and
 * between two of them the server waited until this process, busy building the next batch, read
 * the answer to the first (1.3 and 2.6 s of a million-ticket import).
 */
const COPY_ROWS = 50_000;

/** Rows encoded at a time ahead of their transaction (encodeRows): a millisecond or two of work. */
const ENCODE_ROWS = 500;

/**
 * A `COPY … FROM STDIN` sent through kysely: the statement text starts with this mark and its one
 * parameter is the data, in COPY's text format. The store's connection (../postgres.ts, the one
 * place every statement passes through) runs it with the COPY sub-protocol instead of as a query.
 */
export const COPY_IN_MARK = '/* desk: copy from stdin */ ';

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * One value in COPY's text format: NULL is \N; backslash, newline, carriage return and tab
 * are escaped (no other character is special there: `\.` cannot arise, as every backslash of a
 * value is doubled). A number that JSON would have sent as null (NaN, ±Infinity) is NULL too.
 */
export function copyValue(v: unknown): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '\\N';
  const s = v as string;
  if (!/[\\\n\r\t]/.test(s)) return s; // most values: nothing to escape, nothing to copy
  // JSON's escapes of a string are COPY's for every character JSON escapes by a letter (\\, \n,
  // \r, \t, \b, \f; and \" is read as "), and JSON.stringify is the engine's own loop (a
  // message's text has a newline every few words). Other control characters (and lone
  // surrogates) JSON writes as \uXXXX, which COPY does not read: those few strings are escaped here.
  const json = JSON.stringify(s);
  if (!json.includes('\\u')) return json.slice(1, -1);
  return s.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]!);
}

/** One row as a line of COPY's text format; undefined when a value is not text, a number or null. */
type LineEncoder = (row: Record<string, unknown>) => string | undefined;

const encoders = new Map<string, LineEncoder>();

/** A bulk insert's row without a value for a column fails, as it would as named parameters. */
function noValue(table: string, col: string): never {
  throw new Error(`bulk insert into ${table}: a row has no value for ${col}`);
}

/**
 * The line encoder of a table's columns (names checked to be plain identifiers by the caller),
 * made once per column list: a property read by a fixed name costs a fraction of one read by a
 * name from a list, over the millions of values of an import. Texts
 * become what the driver makes of them as parameters: U+0000, which PostgreSQL's text cannot
 * hold, becomes U+FFFD (as every bound string does, see ../postgres.ts), and so does a lone
 * surrogate (which UTF-8, and so a bound parameter, cannot carry either). A row without a value
 * for a column is an error, as it would be as named parameters.
 */
function lineEncoder(table: string, cols: readonly string[], asStored = false): LineEncoder {
  const key = `${table}(${cols.join(',')})${asStored ? ' as stored' : ''}`;
  let encode = encoders.get(key);
  if (!encode) {
    // Each value into a slot, then one join: a flat line (appending piece by piece leaves a
    // tree of string pieces that the collector then chases, at millions of rows).
    const body = cols
      .map((c, i) => `v = row.${c};
  if (typeof v === 'string') out[${i}] = text(v);
  else if (v === null) out[${i}] = NULL;
  else if (typeof v === 'number') out[${i}] = number(v);
  else if (v === undefined) missing(${JSON.stringify(c)});
  else return undefined;`)
      .join('\n');
    const missing = (col: string) => noValue(table, col);
    // (texts known to be as stored already, pgText(t) === t: not scanned again)
    const text = asStored ? copyValue : (v: string) => copyValue(pgText(v));
    const number = (v: number) => copyValue(v);
    encode = new Function('missing', 'text', 'number', 'NULL', `return function encode(row) {\nconst out = new Array(${cols.length});\nlet v;\n${body}\nreturn out.join('\\t') + '\\n';\n};`)(missing, text, number, copyValue(null)) as LineEncoder;
    encoders.set(key, encode);
  }
  return encode;
}

/** The columns of bulk rows (those of the first row), checked to be plain identifiers, as the table's name. */
function columnsOf(table: string, rows: readonly Record<string, unknown>[]): string[] {
  const cols = Object.keys(rows[0]!);
  if (!IDENT.test(table) || cols.some((c) => !IDENT.test(c))) throw new Error(`bad bulk insert target ${table}(${cols.join(',')})`);
  return cols;
}

/**
 * The size of the pieces COPY data is written into. Lines go straight into pieces this small,
 * which the allocator hands out again from memory it already holds. Before, 500 rows' data was
 * one string (hundreds of kilobytes) flattened, then copied into a buffer as large: fresh pages
 * each time, and an extra pass over every byte (pieces: 7% fewer page faults in an import).
 */
const PIECE_BYTES = 64 * 1024;

/** The most bytes a line of `length` UTF-16 units can take in UTF-8. */
const mostBytes = (length: number) => length * 3;

/**
 * Rows `from` to `to` (excluded) as COPY data, in pieces of at most PIECE_BYTES (a longer line
 * a piece of its own); undefined when a value is not text, a number or null.
 */
function copyPieces(encode: LineEncoder, rows: readonly Record<string, unknown>[], from: number, to: number): Buffer[] | undefined {
  const pieces: Buffer[] = [];
  let piece: Buffer | undefined;
  let used = 0;
  for (let i = from; i < to; i++) {
    const line = encode(rows[i]!);
    if (line === undefined) return undefined;
    if (piece === undefined || mostBytes(line.length) > PIECE_BYTES - used) {
      if (piece !== undefined && used > 0) pieces.push(piece.subarray(0, used));
      if (mostBytes(line.length) > PIECE_BYTES) {
        pieces.push(Buffer.from(line));
        piece = undefined;
        continue;
      }
      piece = Buffer.allocUnsafeSlow(PIECE_BYTES);
      used = 0;
    }
    used += piece.write(line, used);
  }
  if (piece !== undefined && used > 0) pieces.push(piece.subarray(0, used));
  return pieces;
}

/** Tables whose rows the bulk path inserts with ids the database gives (DialectOps.alignIds). */
const ALIGNED = new Set(['requesters', 'events', 'attachments', 'mail_quarantine']);

/**
 * The text PostgreSQL stores for a string. Its text cannot hold U+0000, which SQLite's can: it is
 * stored as U+FFFD, the replacement character (every string bound to a statement passes through
 * the same replacement: ../postgres.ts); and a lone surrogate, which UTF-8 cannot carry, arrives
 * as U+FFFD too.
 */
export function pgText(text: string): string {
  const t = text as unknown as { isWellFormed(): boolean; toWellFormed(): string };
  if (!text.includes('\0') && t.isWellFormed()) return text;
  return t.toWellFormed().replace(/\0/g, '\uFFFD');
}

/**
 * The words a row is indexed by: subject and text, cut as SQLite cuts them (searchWords), lower
 * case, one space between. Lower-cased once, joined: the same text as each word lower-cased
 * (words hold only letters and numbers, and a space ends a word for every casing rule,
 * final sigma too: test/store/indexed-words.test.ts), without a string per word.
 */
export function indexedWords(row: { subject: string; body: string }): string {
  return `${row.subject}\n${row.body}`.normalize('NFKC').split(WORD_GAP).join(' ').trim().toLowerCase();
}

/** Runs fn in a savepoint: a failed statement would otherwise abort the whole transaction. */
async function attempt(db: Kysely<any>, name: string, fn: () => Promise<void>): Promise<boolean> {
  await sql.raw(`savepoint ${name}`).execute(db);
  try {
    await fn();
    await sql.raw(`release savepoint ${name}`).execute(db);
    return true;
  } catch {
    await sql.raw(`rollback to savepoint ${name}`).execute(db);
    return false;
  }
}

async function extensionSchema(db: Kysely<any>, name: string): Promise<string | undefined> {
  const r = await sql<{ schema: string }>`
    select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = ${name}`.execute(db);
  return r.rows[0]?.schema;
}

export function postgresOps(): DialectOps {
  const ops: DialectOps = {
    name: 'postgres',
    storedText: pgText,
    async alignIds(db, table) {
      await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(db);
    },
    maxParams: MAX_PARAMS,
    // `by default`: imports and restores write ids they allocated themselves (bulkInsert then
    // moves the sequence past them).
    idColumn: (tb) => tb.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity()),

    // The identity sequence moved past the block (and past rows written with ids of their own),
    // inside the caller's write transaction: the writers' lock keeps two blocks from meeting.
    async allocateIds(db, table, count, floor = 0) {
      const r = await sql<{ first: string }>`
        with m as (select greatest(coalesce(max(id), 0), ${floor}::bigint) as base from ${sql.table(table)})
        select base + 1 as first,
          setval(pg_get_serial_sequence(${table}, 'id'), greatest(base + ${count}::bigint, 1), base + ${count}::bigint >= 1)
        from m`.execute(db);
      return Number(r.rows[0]!.first);
    },

    async createSearchIndex(db) {
      const hasUnaccent = await attempt(db, 'desk_unaccent_ext', () => sql`create extension if not exists unaccent`.execute(db).then(() => undefined));
      const schema = hasUnaccent ? await extensionSchema(db, 'unaccent') : undefined;
      if (!schema) {
        throw new UsageError(
          'this PostgreSQL server lacks the unaccent extension, which desk search needs to ignore accents',
          'install the server\'s contrib modules (Debian: apt-get install postgresql-contrib), or have an administrator run CREATE EXTENSION unaccent in this database',
        );
      }
      // Schema-qualified, so that the result cannot depend on a caller's search_path: that is
      // what makes declaring it IMMUTABLE (needed for the generated column) true.
      const q = `"${schema.replace(/"/g, '""')}"`;
      await sql.raw(`create or replace function desk_unaccent(text) returns text
        language sql immutable parallel safe strict
        as $$ select ${q}.unaccent('${q}.unaccent'::regdictionary, $1) $$`).execute(db);
      await sql`create table search_fts (
        ticket_id integer not null,
        subject text not null,
        body text not null,
        words text not null,
        document tsvector generated always as (to_tsvector('simple'::regconfig, desk_unaccent(words))) stored)`.execute(db);
      await sql`create index search_fts_document on search_fts using gin (document)`.execute(db);
      await sql`create index search_fts_ticket on search_fts (ticket_id)`.execute(db);
      // Addresses by substring: without pg_trgm the same query runs, only by a scan.
      await attempt(db, 'desk_trgm', async () => {
        await sql`create extension if not exists pg_trgm`.execute(db);
        const trgm = await extensionSchema(db, 'pg_trgm');
        const ops = `"${trgm!.replace(/"/g, '""')}".gin_trgm_ops`;
        await sql.raw(`create index requesters_email_trgm on requesters using gin (email ${ops})`).execute(db);
      });
    },

    async indexSearchText(db, rows: SearchRow[], _fresh, pending) {
      const search = ops.searchTableRows!(rows);
      await ops.bulkInsert(db, search.table, search.rows, pending);
    },

    searchTableRows: (rows) => ({ table: 'search_fts', rows: rows.map((r) => ({ ticket_id: r.ticket_id, subject: r.subject, body: r.body, words: indexedWords(r) })) }),

    async snippets(db, text, ticketIds) {
      const words = searchWords(text).map((w) => w.toLowerCase());
      const out = new Map<number, string>();
      if (!words.length || !ticketIds.length) return out;
      // Each word a quoted lexeme (a word has only letters and numbers, so no quote to escape),
      // folded by the same function as the index; the last one matches as a prefix. Any of them:
      // a ticket's words may lie in different rows (its messages), and one of them makes a snippet.
      const terms = words.map((w, i) => sql`to_tsquery('simple'::regconfig, quote_literal(desk_unaccent(${w})) || ${i === words.length - 1 ? ':*' : ''})`);
      // The best-ranked matching row of each ticket, all in one statement.
      const r = await sql<{ ticket_id: number; subject: string; body: string }>`
        with q as (select ${sql.join(terms, sql` || `)} as q)
        select distinct on (s.ticket_id) s.ticket_id, s.subject, s.body from search_fts s, q
        where s.ticket_id = any(${[...ticketIds]}::integer[]) and s.document @@ q.q
        order by s.ticket_id, ts_rank(s.document, q.q) desc`.execute(db);
      for (const row of r.rows) out.set(Number(row.ticket_id), snippetOf(row.body, words) ?? snippetOf(row.subject, words) ?? row.subject);
      return out;
    },

    // Rows of plain values (text, numbers, null) go in by COPY, PostgreSQL's bulk load: the rows
    // stream to the server in its text format and are inserted without a statement per row or a
    // parameter per value (as fast as a restore of a dump loads its tables, indexes kept up to date
    // as they go). Earlier, as one JSON parameter per 10,000 rows (json_populate_recordset); before
    // that, multi-row VALUES of up to 65,535 parameters, which cost more to parse and bind than to
    // insert. COPY fills columns it is not given with their defaults (identity ids, generated
    // columns), as INSERT does, fires the same constraints and rolls back with the transaction.
    // Rows holding anything else (bytes) are inserted as multi-row VALUES, as many rows per
    // statement as the parameter limit allows.
    async bulkInsert(db, table, given, pending) {
      const encoded = Array.isArray(given) ? undefined : given;
      const rows = Array.isArray(given) ? given : [];
      if (encoded ? !encoded.parts.length : !rows.length) return;
      const cols = encoded ? encoded.columns : columnsOf(table, rows);
      // Left running when the caller keeps pending writes (the next rows are built meanwhile).
      const send = async (statement: Promise<unknown>) => {
        if (!pending) return void (await statement);
        pending.add(statement);
        await yieldToIo();
      };
      if (!cols.includes('id') && ALIGNED.has(table)) await send(ops.alignIds(db, table as Parameters<DialectOps['alignIds']>[1]));
      const copy = sql.raw(`${COPY_IN_MARK}copy ${table} (${cols.join(', ')}) from stdin`);
      if (encoded) for (const data of encoded.parts) await send(sql`${copy}${data}`.execute(db));
      else {
        const per = Math.max(1, Math.floor(MAX_PARAMS / cols.length));
        const encode = lineEncoder(table, cols);
        for (let i = 0; i < rows.length; i += COPY_ROWS) {
          const part = rows.slice(i, i + COPY_ROWS);
          const data = copyPieces(encode, part, 0, part.length);
          if (data !== undefined) await send(sql`${copy}${data}`.execute(db));
          else {
            for (const r of part) for (const c of cols) if (r[c] === undefined) noValue(table, c);
            for (let k = 0; k < part.length; k += per) await send(db.insertInto(table).values(part.slice(k, k + per)).execute());
          }
        }
      }
      // Ids written explicitly do not move an identity's sequence: move it past them, never back.
      if (cols.includes('id')) {
        await send(sql`select setval(s::regclass, greatest(coalesce(pg_sequence_last_value(s::regclass), 0), m))
          from (select pg_get_serial_sequence(${table}, 'id') as s, (select max(id) from ${sql.table(table)}) as m) x
          where s is not null and m is not null`.execute(db));
      }
    },

    async encodeRows(table, rows, asStored) {
      if (!rows.length) return { columns: [], parts: [] };
      const columns = columnsOf(table, rows);
      const encode = lineEncoder(table, columns, asStored);
      const parts: Buffer[][] = [];
      for (let i = 0; i < rows.length; i += COPY_ROWS) {
        const pieces: Buffer[] = [];
        for (let k = i; k < Math.min(i + COPY_ROWS, rows.length); k += ENCODE_ROWS) {
          const data = copyPieces(encode, rows, k, Math.min(k + ENCODE_ROWS, i + COPY_ROWS, rows.length));
          if (data === undefined) return undefined;
          for (const piece of data) pieces.push(piece);
          await yieldToIo(); // (pending statements go on meanwhile)
        }
        parts.push(pieces);
      }
      return { columns, parts };
    },

    // Kept on, on purpose. Turning checks off in PostgreSQL means session_replication_role =
    // replica, which needs a superuser and silences every trigger of the session; and in team
    // mode other processes write at the same time, so the "ids we allocated ourselves" argument
    // that makes this safe on a one-process SQLite file does not hold. (An import into a desk with
    // no tickets drops the foreign keys of the tables it loads and adds them back, checked in one
    // pass, at its end: ../deferred-indexes.ts.)
    async withoutForeignKeyChecks(fn) {
      return fn();
    },
  };
  return ops;
}
