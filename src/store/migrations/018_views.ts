// Migration 18: saved views (`desk view`): a named query with its sort, an agent's own (owner)
// or the team's (owner null). A name is unique per owner (the index; shared ones, whose owner is
// null, are kept unique by the writer, which checks inside the write transaction). Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  await dialect.idColumn(db.schema.createTable('views').ifNotExists())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('sort', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`create unique index if not exists views_owner_name on views (owner, name)`.execute(db);
}
