// Migration 1: the ticket store. Frozen: never edit a migration that has shipped; add a new one.
import type { Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  await db.schema
    .createTable('requesters')
    .$call(dialect.idColumn)
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .execute();

  await db.schema
    .createTable('tickets')
    .$call(dialect.idColumn)
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('queue', 'text')
    .addColumn('assignee', 'text')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('requester_id', 'integer', (c) => c.notNull().references('requesters.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // (time, id) matches `list`'s order exactly, so the newest 50 are read straight off the index.
  await db.schema.createIndex('tickets_updated').on('tickets').columns(['updated_at', 'id']).execute();
  await db.schema.createIndex('tickets_created').on('tickets').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('tickets_requester').on('tickets').columns(['requester_id']).execute();
  await db.schema.createIndex('tickets_assignee').on('tickets').columns(['assignee']).execute();

  await db.schema
    .createTable('ticket_tags')
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ticket_tags_pk', ['ticket_id', 'tag'])
    .execute();
  await db.schema.createIndex('ticket_tags_tag').on('ticket_tags').columns(['tag']).execute();

  await db.schema
    .createTable('events')
    .$call(dialect.idColumn)
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('from_value', 'text')
    .addColumn('to_value', 'text')
    .addColumn('reason', 'text')
    .addColumn('text', 'text')
    .execute();
  await db.schema.createIndex('events_ticket').on('events').columns(['ticket_id', 'id']).execute();

  await db.schema
    .createTable('messages')
    .$call(dialect.idColumn)
    .addColumn('ticket_id', 'integer', (c) => c.references('tickets.id'))
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('in_reply_to', 'text')
    .addColumn('refs', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('from_addr', 'text', (c) => c.notNull())
    .addColumn('from_name', 'text')
    .addColumn('to_addrs', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('cc_addrs', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('html', 'text')
    .addColumn('author', 'text')
    .addColumn('auto_reason', 'text')
    .addColumn('thread_rule', 'text')
    .addColumn('raw_sha256', 'text')
    .execute();
  await db.schema.createIndex('messages_ticket').on('messages').columns(['ticket_id', 'id']).execute();
  await db.schema.createIndex('messages_message_id').on('messages').columns(['message_id', 'ticket_id']).execute();
  // Partial: only mail desk received raw carries a hash, and imports should not pay for the rest.
  await db.schema.createIndex('messages_raw_sha256').on('messages').columns(['raw_sha256']).where('raw_sha256', 'is not', null).execute();

  await db.schema
    .createTable('attachments')
    .$call(dialect.idColumn)
    .addColumn('message_id', 'integer', (c) => c.notNull().references('messages.id'))
    .addColumn('filename', 'text')
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('path', 'text')
    .execute();
  await db.schema.createIndex('attachments_message').on('attachments').columns(['message_id']).execute();

  await db.schema
    .createTable('agents')
    .$call(dialect.idColumn)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('away', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  // Full-text search is dialect-specific (FTS5 on SQLite, tsvector on PostgreSQL).
  await dialect.createSearchIndex(db);
}
