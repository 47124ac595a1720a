// Migration 18: saved views (`desk view`): a named query with its sort, an agent's own (owner)
// or the team's (owner null). A name is unique per owner, and once among the shared ones.
// Frozen once shipped.
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
  // The same statement on both backends: an expression index, so that shared views (owner null) are unique too.
  await sql`create unique index if not exists views_owner_name on views (coalesce(owner, ''), name)`.execute(db);
}
