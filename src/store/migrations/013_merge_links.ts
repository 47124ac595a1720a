// Migration 13: merged tickets and links between tickets (src/store/repos/links.ts).
// - tickets.merged_into: the ticket a merged ticket's conversation went to (null: not merged).
// - ticket_merges: one row per merge, with what it moved (JSON: message row ids, note event ids,
//   tags added to the target, the source's status and the target's creation time before it), so
//   that `desk unmerge` restores exactly that; undone_at is set by the unmerge.
// - ticket_links: one row per link. kind 'parent' (from = parent, to = child), 'duplicate_of'
//   (from = the duplicate, to = the original), 'related' (symmetric: from < to). At most one
//   link between two tickets.
// Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';
import { columnsOf } from './columns.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  if (!(await columnsOf(db, dialect, 'tickets')).has('merged_into')) {
    await sql`alter table tickets add column merged_into integer`.execute(db);
  }
  await db.schema.createIndex('tickets_merged_into').ifNotExists().on('tickets').columns(['merged_into']).execute();

  await db.schema
    .createTable('ticket_merges')
    .ifNotExists()
    .$call(dialect.idColumn)
    .addColumn('source_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('target_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('moved', 'text', (c) => c.notNull())
    .addColumn('undone_at', 'text')
    .execute();
  await db.schema.createIndex('ticket_merges_source').ifNotExists().on('ticket_merges').columns(['source_id', 'id']).execute();
  await db.schema.createIndex('ticket_merges_target').ifNotExists().on('ticket_merges').columns(['target_id', 'id']).execute();

  await db.schema
    .createTable('ticket_links')
    .ifNotExists()
    .$call(dialect.idColumn)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('from_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('to_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addUniqueConstraint('ticket_links_pair', ['from_id', 'to_id'])
    .execute();
  await db.schema.createIndex('ticket_links_to').ifNotExists().on('ticket_links').columns(['to_id']).execute();
}
