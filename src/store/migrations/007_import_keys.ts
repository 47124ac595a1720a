// Migration 7: keys of imported tickets that name themselves by nothing else. A ticket line
// without messages and without `created_at` takes now as its time, so requester + subject + time
// cannot find it again; its key (derived from the line's content) is kept here, and importing the
// line again finds the ticket instead of adding it twice.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('import_keys')
    .ifNotExists() // tests rewind desk_migrations to replay older steps
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .execute();
}
