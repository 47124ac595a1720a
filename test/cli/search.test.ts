// `desk search` through the CLI, on both backends (this file runs in both jest projects): it
// finds what `list` finds for the same query, in list's order (most recently updated first, then
// the higher id), the same on SQLite and PostgreSQL, whether a word is common (SQLite then walks
// the list's order) or rare; each hit has a snippet; a cut result says how many there are. And a
// SQLite desk as version 23 left it (search rows numbered as they came) is searched the same after
// the upgrade (migration 24 numbers each ticket's rows by the ticket).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { tempDesk, type TempDesk } from '../helpers/cli.js';
import { freshStoreLocation, onPostgres } from '../helpers/backend.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { createMigrationTable } from '../../src/store/migrate.js';
import { sqliteOps } from '../../src/store/dialect/sqlite.js';
import { COMMON_WORD_FROM } from '../../src/store/common-terms.js';

const NOW = '2026-06-01T12:00:00Z';
const TICKETS = COMMON_WORD_FROM + 150;

interface Made {
  id: number;
  updated_at: string;
  status: string;
  texts: string[];
}

/**
 * Tickets whose updated_at is not in id order (so that the order of a search is not the order of
 * ids by chance): `invoice` in most of them (a common word: more search rows than
 * COMMON_WORD_FROM), `refund` in 30, spread out.
 */
function made(): Made[] {
  const out: Made[] = [];
  for (let i = 1; i <= TICKETS; i++) {
    const minute = (i * 7919) % TICKETS; // a permutation of the ids
    const updated = new Date(Date.parse('2026-03-01T00:00:00Z') + minute * 60_000).toISOString().replace('.000', '');
    const texts = [`Hello, ticket ${i} here.`];
    if (i % 20 !== 0) texts.push(`The invoice of case ${i} is wrong.`);
    if (i % 71 === 0) texts.push(`I would like a refund for case ${i}.`);
    out.push({ id: i, updated_at: updated, status: ['open', 'pending', 'solved'][i % 3]!, texts });
  }
  return out;
}

function lines(tickets: Made[]): string {
  return tickets.map((t) => JSON.stringify({
    id: t.id, subject: `Case ${t.id}`, status: t.status, priority: 'normal', tier: 'L1', queue: null, assignee: null, tags: [],
    requester: { email: `user${t.id % 50}@example.com`, name: null }, created_at: '2026-02-01T00:00:00Z', updated_at: t.updated_at,
    messages: t.texts.map((text, k) => ({
      message_id: `<m${t.id}-${k}@example.com>`, in_reply_to: null, references: [], direction: 'in', from: `user${t.id % 50}@example.com`,
      to: ['support@desk.example'], cc: [], subject: `Case ${t.id}`, date: '2026-02-01T00:00:00Z', text, attachments: [],
    })),
    events: [],
  })).join('\n') + '\n';
}

/** ids in list order: most recently updated first, then the higher id */
const inListOrder = (tickets: Made[]) =>
  [...tickets].sort((a, b) => (a.updated_at === b.updated_at ? b.id - a.id : a.updated_at < b.updated_at ? 1 : -1)).map((t) => t.id);

let desk: TempDesk;
const tickets = made();

beforeAll(() => {
  desk = tempDesk({ DESK_NOW: NOW });
  const file = join(desk.dir, 'tickets.jsonl');
  writeFileSync(file, lines(tickets));
  ok(['import', file]);
});
afterAll(() => desk.cleanup());

function ok(args: string[]) {
  const r = desk.run(args);
  if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}
const json = (args: string[]) => JSON.parse(ok([...args, '--json']).stdout) as { id: number; snippet?: string }[];

test('search shows the tickets list finds, most recently updated first, for common and rare words, each with a snippet', () => {
  const has = (word: string) => tickets.filter((t) => t.texts.some((x) => x.includes(word)));
  expect(has('invoice').length).toBeGreaterThanOrEqual(COMMON_WORD_FROM); // the common form is the one tested
  const cases: { args: string[]; word: string; keep: (t: Made) => boolean }[] = [
    { args: ['invoice'], word: 'invoice', keep: () => true },
    { args: ['refund'], word: 'refund', keep: () => true },
    { args: ['invoice', 'status:open'], word: 'invoice', keep: (t) => t.status === 'open' },
  ];
  for (const { args, word, keep } of cases) {
    const expected = inListOrder(has(word).filter(keep)).slice(0, 25);
    const found = json(['search', ...args, '--limit', '25']);
    expect({ args, ids: found.map((t) => t.id) }).toEqual({ args, ids: expected });
    // list gives the same page for the same query (SQLite walks its sort index for a common word)
    expect({ args, ids: json(['list', ...args, '--all', '--limit', '25']).map((t) => t.id) }).toEqual({ args, ids: expected });
    for (const t of found) expect(t.snippet).toContain(`[${word}]`);
  }
  // the cut says how many there are, up to 1,000
  expect(ok(['search', 'refund', '--limit', '25']).stderr).toContain('showing 25 of 30');
  expect(ok(['search', 'invoice', '--limit', '25']).stderr).toContain('showing 25 of 1000+');
  // (PostgreSQL counts a common word's tickets among its first 2,002 search rows, unless the rest
  // of the query is too narrow to reach 1,000 there: then all of them)
  const openInvoices = has('invoice').filter((t) => t.status === 'open').length;
  expect(openInvoices).toBeGreaterThan(25);
  expect(ok(['search', 'invoice', 'status:open', '--limit', '25']).stderr).toBe(`showing 25 of ${openInvoices}; --limit to see more\n`);
  expect(ok(['list', 'status:open', 'invoice', '--limit', '25']).stderr).toBe(`showing 25 of ${openInvoices}; --limit to see more\n`);
  expect(ok(['search', '"the invoice"', '--limit', '25']).stderr).toBe('showing 25 of 1000+; --limit to see more\n');
  expect(ok(['search', 'refund', 'status:open,pending,solved', '--limit', '25']).stderr).toBe('showing 25 of 30; --limit to see more\n');
  // and says nothing when the page holds them all
  expect(ok(['search', 'refund', '--limit', '30']).stderr).toBe('');
  expect(ok(['search', 'refund', '--limit', '31']).stderr).toBe('');
  expect(ok(['list', 'refund', '--all', '--limit', '30']).stderr).toBe('');
  expect(ok(['list', 'refund', '--all', '--limit', '29']).stderr).toBe('showing 29 of 30; --limit to see more\n');
  const table = ok(['search', 'refund', '--limit', '2']).stdout;
  expect(table).toContain(`#${inListOrder(has('refund'))[0]}`);
  expect(table).toContain('[refund]');
});

test("a ticket's words may lie in different search rows (its subject as changed, its messages)", () => {
  const refund = tickets.find((t) => t.texts.some((x) => x.includes('refund')))!.id;
  expect(json(['search', 'zebra', 'refund'])).toEqual([]);
  ok(['set', String(refund), '--subject', 'Zebra crossing']); // a row of its own
  expect(json(['search', 'zebra', 'refund']).map((t) => t.id)).toEqual([refund]);
  expect(json(['search', 'zebra']).map((t) => [t.id, t.snippet])).toEqual([[refund, '[Zebra] crossing']]);
});

test('an import line with a ticket id beyond 2,147,483,647 is a bad line on both backends', () => {
  const file = join(desk.dir, 'big-ids.jsonl');
  const line = (id: number) => JSON.stringify({ id, subject: `Big ${id}`, requester: { email: 'big@example.com' }, created_at: '2026-02-01T00:00:00Z' });
  writeFileSync(file, [line(2 ** 31), line(2 ** 31 - 1)].join('\n') + '\n');
  const r = desk.run(['import', file]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("line 1: 'id' must be a whole number from 1 to 2147483647");
  expect(json(['show', String(2 ** 31 - 1)])).toMatchObject({ id: 2 ** 31 - 1, subject: `Big ${2 ** 31 - 1}` });
});

test('a desk as version 23 left it is searched the same after the upgrade, and its tickets take new rows', async () => {
  if (onPostgres()) {
    // Migration 24 changes nothing on PostgreSQL (its rows carry the ticket in an indexed column);
    // a search after a subject change there is the same test as below without the old file.
    ok(['set', '1', '--subject', 'Quokka sighting']);
    expect(json(['search', 'quokka']).map((t) => t.id)).toEqual([1]);
    return;
  }
  const d = tempDesk({ DESK_NOW: NOW }, { init: false });
  const location = freshStoreLocation(d.dir);
  try {
    const raw = new Database(location);
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
    const ops = sqliteOps(raw);
    await db.transaction().execute(async (tx) => {
      await createMigrationTable(tx);
      for (const m of MIGRATIONS.filter((x) => x.version <= 23)) {
        await m.up(tx, ops);
        await tx.insertInto('desk_migrations').values({ version: m.version, name: m.name, applied_at: NOW }).execute();
      }
      await sql`insert into requesters (id, email, name) values (1, 'ann@example.com', 'Ann')`.execute(tx);
      await sql`insert into tickets (id, subject, status, priority, tier, tags, requester_id, created_at, updated_at) values
        (1, 'Printer on fire', 'open', 'normal', 'L1', '[]', 1, '2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z'),
        (2, 'Toner low', 'open', 'normal', 'L1', '[]', 1, '2026-03-02T10:00:00Z', '2026-03-05T10:00:00Z'),
        (3, 'Paper jam', 'open', 'normal', 'L1', '[]', 1, '2026-03-03T10:00:00Z', '2026-03-03T10:00:00Z')`.execute(tx);
      // rows as they came: ticket 1's second row after the others', with plain rowids
      await sql`insert into search_fts (ticket_id, subject, body) values
        (1, 'Printer on fire', 'smoke everywhere'), (2, 'Toner low', 'the printer says toner'),
        (3, 'Paper jam', 'paper stuck'), (1, '', 'the printer is fine now')`.execute(tx);
    });
    await db.destroy();
    const run = (args: string[]) => {
      const r = d.run(args, { env: { DESK_DB: location } });
      if (r.code !== 0) throw new Error(`desk ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r;
    };
    const found = (args: string[]) => (JSON.parse(run([...args, '--json']).stdout) as { id: number; snippet: string }[]);
    const printer = found(['search', 'printer']);
    expect(printer.map((t) => t.id)).toEqual([2, 1]); // ticket 2 was updated last
    expect(printer[0]!.snippet).toBe('the [printer] says toner');
    expect(printer[1]!.snippet).toMatch(/\[printer\]/i);
    expect(found(['search', 'fine']).map((t) => t.id)).toEqual([1]);
    // each ticket's rows now sit in its own places: ticket × 2^20 + place
    const check = new Database(location, { readonly: true });
    expect(check.prepare('select rowid as r, ticket_id as t from search_fts order by rowid').all())
      .toEqual([{ r: 2 ** 20, t: 1 }, { r: 2 ** 20 + 1, t: 1 }, { r: 2 * 2 ** 20, t: 2 }, { r: 3 * 2 ** 20, t: 3 }]);
    check.close();
    // a new row of an old ticket takes its next place, and is found
    run(['set', '1', '--subject', 'Quokka sighting']);
    expect(found(['search', 'quokka']).map((t) => t.id)).toEqual([1]);
    const after = new Database(location, { readonly: true });
    expect(after.prepare('select rowid as r from search_fts where ticket_id = 1 order by rowid').all()).toEqual([{ r: 2 ** 20 }, { r: 2 ** 20 + 1 }, { r: 2 ** 20 + 2 }]);
    after.close();
  } finally {
    d.cleanup();
  }
});
