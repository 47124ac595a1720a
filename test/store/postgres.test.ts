// The PostgreSQL store against a real, throwaway PostgreSQL server: the migrations build the same
// schema as on SQLite, and search finds the same tickets on both for the same data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { openStore, SCHEMA_VERSION, type Store } from '../../src/store/index.js';
import { postgresKysely } from '../../src/store/postgres.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { listTickets } from '../../src/store/repos/tickets.js';
import { searchSnippets } from '../../src/store/repos/search.js';
import type { QueryNode } from '../../src/domain/query/index.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';

let pg: Postgres;
let tmp: string;
const opened: Store[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  tmp = mkdtempSync(join(tmpdir(), 'desk-pgstore-'));
});
afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  pg?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
async function sqliteStore(): Promise<Store> {
  const s = await openStore({ location: join(tmp, `s${++n}.db`) });
  opened.push(s);
  return s;
}
async function postgresStore(url = pg.createDb()): Promise<Store> {
  const s = await openStore({ location: url });
  opened.push(s);
  return s;
}

// ---- schema ----------------------------------------------------------------------------------

/** Each dialect's own search tables and indexes; compared by the search tests instead. */
const searchInternal = (name: string) => /^search_fts/.test(name) || name === 'requesters_email_trgm';
const TYPES: Record<string, string> = { integer: 'integer', text: 'text', blob: 'bytes', bytea: 'bytes', timestamptz: 'timestamp', 'timestamp with time zone': 'timestamp' };

interface Schema {
  columns: string[];
  indexes: string[];
  uniques: string[];
  foreignKeys: string[];
}

async function sqliteSchema(db: Kysely<any>): Promise<Schema> {
  const q = async <T>(text: string) => (await sql.raw<T>(text).execute(db)).rows;
  const tables = (await q<{ name: string }>(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`))
    .map((t) => t.name)
    .filter((t) => !searchInternal(t));
  const s: Schema = { columns: [], indexes: [], uniques: [], foreignKeys: [] };
  for (const t of tables) {
    for (const c of await q<{ name: string; type: string; notnull: number; pk: number; dflt_value: string | null }>(`select * from pragma_table_info('${t}')`)) {
      // SQLite lets an integer primary key (the rowid) be null in its declaration; it never is.
      s.columns.push(`${t}.${c.name} ${TYPES[c.type.toLowerCase()]}${c.notnull || c.pk ? ' not null' : ''}${c.pk ? ` pk${c.pk}` : ''}${c.dflt_value !== null ? ` default ${c.dflt_value}` : ''}`);
    }
    for (const i of await q<{ name: string; unique: number; origin: string }>(`select * from pragma_index_list('${t}')`)) {
      const cols = (await q<{ name: string }>(`select name from pragma_index_info('${i.name}') order by seqno`)).map((c) => c.name).join(',');
      if (i.origin === 'u') s.uniques.push(`${t}(${cols})`);
      else if (i.origin === 'c') s.indexes.push(`${i.name} on ${t}(${cols})${i.unique ? ' unique' : ''}`);
    }
    for (const f of await q<{ from: string; table: string; to: string }>(`select * from pragma_foreign_key_list('${t}')`)) {
      s.foreignKeys.push(`${t}.${f.from} -> ${f.table}.${f.to}`);
    }
  }
  for (const k of Object.values(s)) k.sort();
  return s;
}

async function postgresSchema(db: Kysely<any>): Promise<Schema> {
  const q = async <T>(text: string) => (await sql.raw<T>(text).execute(db)).rows;
  const s: Schema = { columns: [], indexes: [], uniques: [], foreignKeys: [] };
  const pk = new Map<string, number>();
  for (const k of await q<{ t: string; c: string; pos: number }>(`
      select k.table_name as t, k.column_name as c, k.ordinal_position as pos from information_schema.table_constraints tc
      join information_schema.key_column_usage k on k.constraint_name = tc.constraint_name and k.table_schema = tc.table_schema
      where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = current_schema()`)) {
    pk.set(`${k.t}.${k.c}`, k.pos);
  }
  for (const c of await q<{ t: string; c: string; type: string; nullable: string; dflt: string | null }>(`
      select table_name as t, column_name as c, data_type as type, is_nullable as nullable, column_default as dflt
      from information_schema.columns where table_schema = current_schema()`)) {
    if (searchInternal(c.t)) continue;
    const p = pk.get(`${c.t}.${c.c}`);
    const dflt = c.dflt === null ? '' : ` default ${c.dflt.replace(/::text$/, '')}`;
    s.columns.push(`${c.t}.${c.c} ${TYPES[c.type]}${c.nullable === 'NO' ? ' not null' : ''}${p ? ` pk${p}` : ''}${dflt}`);
  }
  for (const i of await q<{ name: string; t: string; cols: string; uniq: boolean; constraint: string | null }>(`
      select i.relname as name, t.relname as t, ix.indisunique as uniq,
        (select string_agg(a.attname, ',' order by k.ord) from unnest(ix.indkey) with ordinality k(attnum, ord)
          join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum) as cols,
        (select c.contype::text from pg_constraint c where c.conindid = ix.indexrelid and c.contype in ('p', 'u')) as constraint
      from pg_index ix join pg_class i on i.oid = ix.indexrelid join pg_class t on t.oid = ix.indrelid
      where t.relnamespace = current_schema()::regnamespace`)) {
    if (searchInternal(i.name) || searchInternal(i.t)) continue;
    if (i.constraint === 'u') s.uniques.push(`${i.t}(${i.cols})`);
    else if (!i.constraint) s.indexes.push(`${i.name} on ${i.t}(${i.cols})${i.uniq ? ' unique' : ''}`);
  }
  for (const f of await q<{ t: string; c: string; rt: string; rc: string }>(`
      select tc.relname as t, a.attname as c, rt.relname as rt, ra.attname as rc from pg_constraint c
      join pg_class tc on tc.oid = c.conrelid join pg_class rt on rt.oid = c.confrelid
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
      join pg_attribute ra on ra.attrelid = c.confrelid and ra.attnum = c.confkey[1]
      where c.contype = 'f' and tc.relnamespace = current_schema()::regnamespace`)) {
    s.foreignKeys.push(`${f.t}.${f.c} -> ${f.rt}.${f.rc}`);
  }
  for (const k of Object.values(s)) k.sort();
  return s;
}

describe('PostgreSQL schema', () => {
  it('the migrations build on a new database the tables, columns, keys and indexes they build on SQLite', async () => {
    const lite = await sqliteStore();
    const post = await postgresStore();
    const a = await sqliteSchema(lite.db);
    const b = await postgresSchema(post.db);
    expect(a.columns.length).toBeGreaterThan(80);
    expect(a.indexes).toContain('outbox_state on outbox(state,next_attempt_at)');
    expect(a.columns).toContain("tickets.tags text not null default '[]'");
    expect(b).toEqual(a);
    const versions = await sql<{ version: number }>`select version from desk_migrations order by version`.execute(post.db);
    expect(versions.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('search is a tsvector over unaccented words with a GIN index, and addresses have a trigram index', async () => {
    const post = await postgresStore();
    const idx = await sql<{ def: string }>`select indexdef as def from pg_indexes where schemaname = current_schema() and tablename in ('search_fts', 'requesters')`.execute(post.db);
    const defs = idx.rows.map((r) => r.def).join('\n');
    expect(defs).toMatch(/search_fts_document ON \S+ USING gin \(document\)/);
    expect(defs).toMatch(/requesters_email_trgm ON \S+ USING gin \(email \S*gin_trgm_ops\)/);
    const fn = await sql<{ v: string }>`select provolatile as v from pg_proc where proname = 'desk_unaccent'`.execute(post.db);
    expect(fn.rows).toEqual([{ v: 'i' }]);
  });

  it("desk's sessions in its database plan no parallel workers (a command's queries take milliseconds); its other databases keep the server's default", async () => {
    const workers = async (db: Kysely<any>) => (await sql<{ v: string }>`select current_setting('max_parallel_workers_per_gather') as v`.execute(db)).rows[0]!.v;
    const url = pg.createDb();
    await (await postgresStore(url)).close(); // migrates
    const again = await postgresStore(url); // new sessions, as every desk command opens
    expect(await workers(again.db)).toBe('0');
    const other = await postgresKysely(pg.createDb(), 1); // the same role, another database: not migrated
    try {
      expect(await workers(other)).not.toBe('0');
    } finally {
      await other.destroy();
    }
  });

  it('opening a database again leaves it as it was; a database of a newer desk is refused untouched', async () => {
    const url = pg.createDb();
    const first = await postgresStore(url);
    await first.close();
    const again = await postgresStore(url);
    expect((await sql<{ n: number }>`select count(*) as n from desk_migrations`.execute(again.db)).rows[0]!.n).toBe(MIGRATIONS.length);
    await sql`insert into desk_migrations (version, name, applied_at) values (99, 'future', 'x')`.execute(again.db);
    await expect(openStore({ location: url })).rejects.toThrow(`newer desk (schema version 99; this desk knows versions up to ${SCHEMA_VERSION})`);
  });

  it('explicit ids of a bulk insert move the id sequence past them', async () => {
    const post = await postgresStore();
    await post.write(async (tx) => {
      await post.ops.bulkInsert(tx, 'requesters', [{ id: 41, email: 'a@x.test', name: null }, { id: 42, email: 'b@x.test', name: null }]);
    });
    const row = await post.db.insertInto('requesters').values({ email: 'c@x.test', name: null }).returning('id').executeTakeFirstOrThrow();
    expect(row.id).toBe(43);
  });

  it('text with U+0000 in it, as broken or hostile mail carries, is stored with U+FFFD in its place, by every write path', async () => {
    const post = await postgresStore();
    const r = rng(7);
    const texts = Array.from({ length: 40 }, (_, i) =>
      Array.from({ length: 1 + Math.floor(r() * 6) }, () => ['\0', 'abc', '\0\0', 'é', ' ', '\u0001'][Math.floor(r() * 6)]).join('') + (i % 2 ? '\0' : ''));
    await post.write(async (tx) => {
      await post.ops.bulkInsert(tx, 'requesters', texts.map((t, i) => ({ id: i + 1, email: `${i}${t}@x.test`, name: t })));
      await tx.insertInto('meta').values(texts.map((t, i) => ({ key: `k${i}${t}`, value: t }))).execute();
      await post.ops.indexSearchText(tx, texts.map((t, i) => ({ ticket_id: i + 1, subject: t, body: t })));
    });
    const fffd = (t: string) => t.replace(/\0/g, '\uFFFD');
    const people = await post.db.selectFrom('requesters').select(['id', 'email', 'name']).orderBy('id').execute();
    expect(people).toEqual(texts.map((t, i) => ({ id: i + 1, email: `${i}${fffd(t)}@x.test`, name: fffd(t) })));
    const meta = await post.db.selectFrom('meta').select(['key', 'value']).where('key', 'like', 'k%').execute();
    expect(meta.map((m) => m.value).sort()).toEqual(texts.map(fffd).sort());
  });
});

// ---- search parity ---------------------------------------------------------------------------

/** A small seeded generator, so that a failure names data that can be made again. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Letters with and without the accents both indexes fold (those with a canonical decomposition),
// in both cases; separators that both cut words at.
const PLAIN = 'aceinousyz';
const ACCENTED: Record<string, string> = { a: 'àáâäå', c: 'ç', e: 'èéêë', i: 'ìíîï', n: 'ñ', o: 'òóôöõ', u: 'ùúûü', s: 'ś', y: 'ýÿ', z: 'žź' };
const SEPARATORS = [' ', ', ', '. ', ' — ', '\n', ' (', ') ', '/', '-', '«', '» ', '  '];

function generate(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const vocabulary = Array.from({ length: 40 }, () => Array.from({ length: 3 + Math.floor(r() * 5) }, () => pick([...PLAIN])).join(''));
  const dress = (w: string) =>
    [...w].map((ch) => {
      let c = r() < 0.3 && ACCENTED[ch] ? pick([...ACCENTED[ch]!]) : ch;
      if (r() < 0.25) c = c.toUpperCase();
      return c;
    }).join('');
  const text = (words: number) => Array.from({ length: words }, () => dress(pick(vocabulary)) + pick(SEPARATORS)).join('') + dress(pick(vocabulary));
  const domains = ['acme.test', 'Example.TEST', 'mail.acme.test', 'b_c.test'];
  const tickets = Array.from({ length: 60 }, (_, i) => ({
    id: i + 1,
    email: `${pick(vocabulary)}${i}@${pick(domains)}`,
    subject: text(2 + Math.floor(r() * 4)),
    body: text(5 + Math.floor(r() * 30)),
  }));
  const queries: string[] = [];
  for (let i = 0; i < 60; i++) {
    const count = 1 + Math.floor(r() * 3);
    const words = Array.from({ length: count }, () => dress(pick(vocabulary)));
    if (r() < 0.4) words[words.length - 1] = words[words.length - 1]!.slice(0, 2 + Math.floor(r() * 2)); // a prefix
    queries.push(words.join(pick([' ', ', ', ' - '])));
  }
  for (const t of tickets.slice(0, 12)) {
    const [local, domain] = t.email.split('@') as [string, string];
    queries.push(`${local.slice(1)}@`, `@${domain.toUpperCase()}`, `${local.slice(-2)}@${domain.slice(0, 3)}`);
  }
  queries.push('@acme', '@b_c', '@b%c', '_@', '\\@');
  return { tickets, queries };
}

async function fill(store: Store, data: ReturnType<typeof generate>): Promise<void> {
  await store.write(async (tx) => {
    const db = tx as Kysely<any>;
    const at = '2026-01-01T00:00:00.000Z';
    for (const t of data.tickets) {
      await db.insertInto('requesters').values({ id: t.id, email: t.email, name: null }).execute();
      await db.insertInto('tickets').values({
        id: t.id, subject: t.subject, status: 'open', priority: 'normal', tier: 'l1', requester_id: t.id, created_at: at, updated_at: at,
      }).execute();
    }
    await store.ops.indexSearchText(db, data.tickets.map((t) => ({ ticket_id: t.id, subject: t.subject, body: '' })));
    await store.ops.indexSearchText(db, data.tickets.map((t) => ({ ticket_id: t.id, subject: t.subject, body: t.body })));
  });
}

/**
 * What `desk search` finds for a query of this one free word (the text as typed, whatever it
 * holds: every word in it must be in one row, the last as a prefix; with '@' also requesters'
 * addresses), in its order, each with its snippet.
 */
async function search(store: Store, text: string): Promise<{ ticket_id: number; snippet: string }[]> {
  const node: QueryNode = { kind: 'word', text, prefix: true };
  const tickets = await listTickets(store.db, { query: { node, now: '2026-06-01T00:00:00Z' } }, 'updated');
  const snippets = await searchSnippets(store.db, node, tickets);
  return tickets.map((t, i) => ({ ticket_id: t.id, snippet: snippets[i]! }));
}

describe('search on PostgreSQL finds what it finds on SQLite', () => {
  it.each([1, 2, 3])('generated tickets and queries, seed %i: accents, case, several words, prefixes, address pieces', async (seed) => {
    const data = generate(seed);
    const lite = await sqliteStore();
    const post = await postgresStore();
    await fill(lite, data);
    await fill(post, data);
    let found = 0;
    for (const q of data.queries) {
      // the same tickets in the same order (most recently updated first, then the higher id)
      const a = (await search(lite, q)).map((h) => h.ticket_id);
      const b = await search(post, q);
      expect({ q, ids: b.map((h) => h.ticket_id) }).toEqual({ q, ids: a });
      for (const h of b) expect(h.snippet.length).toBeGreaterThan(0);
      found += a.length ? 1 : 0;
    }
    // the generated queries do find things (a sweep that matches nothing proves nothing)
    expect(found).toBeGreaterThan(data.queries.length / 2);
  });

  it('queries full of the syntax of tsquery, FTS5 and LIKE are words like any other, never operators or errors', async () => {
    const data = generate(4);
    const lite = await sqliteStore();
    const post = await postgresStore();
    await fill(lite, data);
    await fill(post, data);
    const r = rng(99);
    const SPECIAL = [...`&|!:*()<->'"\\%_@.^$[]{};,-+~/\0\u0000\u202e\ud800`, "'' or 1=1 --", ' AND ', ' OR ', ' NOT ', ' NEAR ', '<2>', ':*', ':A', 'E\'', '$$'];
    const words = data.tickets.flatMap((t) => t.subject.split(/\s+/)).filter(Boolean);
    const queries = ['a\u0000@acme', '\u0000', 'x@\ud800', '@%', '@_', "@'", '@\\'];
    for (let i = 0; i < 150; i++) {
      const parts = Array.from({ length: 1 + Math.floor(r() * 6) }, () => (r() < 0.5 ? words[Math.floor(r() * words.length)]! : SPECIAL[Math.floor(r() * SPECIAL.length)]!));
      queries.push(parts.join(r() < 0.5 ? '' : ' '));
    }
    for (const q of queries) {
      const a = (await search(lite, q)).map((h) => h.ticket_id);
      const b = (await search(post, q)).map((h) => h.ticket_id);
      expect({ q, ids: b }).toEqual({ q, ids: a });
    }
  });

  it('a snippet marks the matched words in the text as written', async () => {
    const post = await postgresStore();
    await fill(post, { tickets: [{ id: 1, email: 'ana@acme.test', subject: 'Rückerstattung', body: 'Bonjour, la facture du Café Noël est fausse. Merci' }], queries: [] });
    const [hit] = await search(post, 'cafe NOEL');
    expect(hit).toEqual({ ticket_id: 1, snippet: 'Bonjour, la facture du [Café] [Noël] est fausse. Merci' });
    expect(await search(post, 'ruckerst')).toEqual([{ ticket_id: 1, snippet: '[Rückerstattung]' }]);
    expect(await search(post, 'NA@ACME')).toEqual([{ ticket_id: 1, snippet: 'ana@acme.test' }]);
  });
});
