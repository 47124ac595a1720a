// Migration 22: the knowledge base on the team backend. `kb_articles`: one row per article (its
// slug is its name and key; tags and queues as JSON lists; audience internal|public; the Markdown
// body). On SQLite the table exists too but stays empty: there the articles are files in kb/ next
// to the config. Frozen once shipped.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('kb_articles')
    .ifNotExists()
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('queues', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();
}
