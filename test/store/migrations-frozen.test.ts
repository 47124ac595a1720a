// Migrations are frozen once shipped: rewriting how one expresses itself (for PostgreSQL, say)
// must leave what it builds on SQLite byte for byte as it was, or existing desks and new ones
// would differ. The schema text SQLite keeps for versions 1–11 is pinned here by its hash (11: the tickets' and events' version columns).
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { sqliteOps } from '../../src/store/dialect/sqlite.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';

const SHIPPED = 11;

it('versions 1 to 11 build on SQLite exactly the schema they always built', async () => {
  const raw = new Database(':memory:');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
  const ops = sqliteOps(raw);
  for (const m of MIGRATIONS.filter((m) => m.version <= SHIPPED)) await m.up(db, ops);
  const rows = (await sql<{ type: string; name: string; tbl_name: string; sql: string | null }>`
    select type, name, tbl_name, sql from sqlite_master order by type, name`.execute(db)).rows;
  const text = rows.map((r) => `${r.type}\t${r.name}\t${r.tbl_name}\t${r.sql}`).join('\n');
  expect(rows.length).toBeGreaterThan(30);
  expect(createHash('sha256').update(text).digest('hex')).toBe('24e479a0e53d3df0066e5fbc2409525419a4e814ca95ab2ff15e50136a0a3cd7');
  await db.destroy();
});
