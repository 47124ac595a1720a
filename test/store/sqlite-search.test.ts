// SQLite's search rows (src/store/dialect/sqlite-search.ts), on SQLite only (PostgreSQL keeps the
// ticket in a column of its own): each ticket's rows take its places in turn, and a ticket whose
// places are used up adds its text to its last row, where search still finds it.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createMigrationTable } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { sqliteOps } from '../../src/store/dialect/sqlite.js';
import { PLACES } from '../../src/store/dialect/sqlite-search.js';

async function store() {
  const raw = new Database(':memory:');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
  const ops = sqliteOps(raw);
  await createMigrationTable(db);
  for (const m of MIGRATIONS) await m.up(db, ops);
  return { raw, db, ops };
}

const rows = (raw: Database.Database) => raw.prepare('select rowid as r, ticket_id as t, subject, body from search_fts order by rowid').all();

test("rows take their ticket's places in turn, fresh tickets without a look-up, ids up to 2^31 - 1", async () => {
  const { raw, db, ops } = await store();
  const top = 2 ** 31 - 1;
  await ops.indexSearchText(db, [{ ticket_id: 7, subject: 'a', body: 'one' }, { ticket_id: top, subject: 'b', body: 'two' }], new Set([7, top]));
  await ops.indexSearchText(db, [{ ticket_id: 7, subject: '', body: 'three' }, { ticket_id: 7, subject: '', body: 'four' }]);
  expect(rows(raw)).toEqual([
    { r: 7 * PLACES, t: 7, subject: 'a', body: 'one' },
    { r: 7 * PLACES + 1, t: 7, subject: '', body: 'three' },
    { r: 7 * PLACES + 2, t: 7, subject: '', body: 'four' },
    { r: top * PLACES, t: top, subject: 'b', body: 'two' },
  ]);
  expect(Number.isSafeInteger(top * PLACES + PLACES - 1)).toBe(true);
  expect(await ops.snippets(db, 'four', [7, top])).toEqual(new Map([[7, '[four]'], [top, '']]));
});

test('a ticket whose places are used up adds its text to its last row', async () => {
  const { raw, db, ops } = await store();
  raw.prepare('insert into search_fts (rowid, ticket_id, subject, body) values (?, 3, ?, ?)').run(BigInt(3 * PLACES + PLACES - 1), 'Last', 'full');
  await ops.indexSearchText(db, [{ ticket_id: 3, subject: 'New subject', body: 'wombat' }]);
  expect(rows(raw)).toEqual([{ r: 3 * PLACES + PLACES - 1, t: 3, subject: 'Last', body: 'full\n\nNew subject\n\nwombat' }]);
  expect(raw.prepare("select rowid >> 20 as t from search_fts where search_fts match 'wombat'").all()).toEqual([{ t: 3 }]);
});
