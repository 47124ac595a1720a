// SQLite's search rows (src/store/dialect/sqlite-search.ts), on SQLite only (PostgreSQL keeps the
// ticket in a column of its own): each ticket's rows take its places in turn, and a ticket whose
// places are used up adds its text to its last row, where search still finds it. And a page of a
// list with a common word (SQLite walks the list's order for it, within a window) is the page
// the word's whole set gives, whether it lies in the window or not.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createMigrationTable } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { sqliteOps } from '../../src/store/dialect/sqlite.js';
import { bindDialect } from '../../src/store/handle.js';
import { PLACES } from '../../src/store/dialect/sqlite-search.js';
import { listTickets } from '../../src/store/repos/tickets.js';
import { COMMON_WORD_FROM } from '../../src/store/common-terms.js';
import { parseQuery } from '../../src/domain/query/index.js';

async function store() {
  const raw = new Database(':memory:');
  const ops = sqliteOps(raw);
  const db = bindDialect(new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) }), ops);
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

test('a page with a common word is the same whether the walk finds it in its window, past it, or not at all', async () => {
  const { raw, db, ops } = await store();
  const n = COMMON_WORD_FROM + 400;
  const at = (i: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + ((i * 7919) % n) * 60_000).toISOString();
  raw.prepare("insert into requesters (id, email) values (1, 'ann@example.com')").run();
  const insert = raw.prepare("insert into tickets (id, subject, status, priority, tier, tags, requester_id, created_at, updated_at) values (?, ?, ?, 'normal', 'L1', '[]', 1, ?, ?)");
  const tickets: { id: number; status: string; updated: string; invoice: boolean }[] = [];
  for (let i = 1; i <= n; i++) {
    tickets.push({ id: i, status: 'open', updated: at(i), invoice: i % 10 !== 0 });
  }
  // the oldest tickets are the closed ones: a page of them lies far past the newest tickets
  const byAge = [...tickets].sort((a, b) => (a.updated < b.updated ? -1 : 1));
  for (const t of byAge.slice(0, 60)) t.status = 'closed';
  for (const t of tickets) insert.run(t.id, `Case ${t.id}`, t.status, t.updated, t.updated);
  await ops.indexSearchText(db, tickets.map((t) => ({ ticket_id: t.id, subject: `Case ${t.id}`, body: t.invoice ? 'the invoice is wrong' : 'hello' })));
  const expected = (keep: (t: (typeof tickets)[number]) => boolean) =>
    tickets.filter((t) => t.invoice && keep(t)).sort((a, b) => (a.updated === b.updated ? b.id - a.id : a.updated < b.updated ? 1 : -1)).slice(0, 25).map((t) => t.id);
  const page = async (q: string, walkWindow: number) =>
    (await listTickets(db, { query: { node: parseQuery(q, { now: new Date('2026-06-01T00:00:00Z') }), now: '2026-06-01T00:00:00Z' } }, 'updated', 25, { walkWindow })).map((t) => t.id);
  for (const walkWindow of [100, 10 * n]) {
    expect({ walkWindow, ids: await page('invoice', walkWindow) }).toEqual({ walkWindow, ids: expected(() => true) });
    expect({ walkWindow, ids: await page('invoice status:closed', walkWindow) }).toEqual({ walkWindow, ids: expected((t) => t.status === 'closed') });
    expect({ walkWindow, ids: await page('invoice status:pending', walkWindow) }).toEqual({ walkWindow, ids: [] });
  }
  expect(expected((t) => t.status === 'closed').length).toBe(25); // the closed page is a full one, all past the window
});
