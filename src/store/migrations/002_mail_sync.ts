// Migration 2: the mailbox sync's own tables (see src/mail/sync-schema.ts). Frozen once shipped.
import type { Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  await db.schema
    .createTable('mail_cursors')
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('mailbox', 'text', (c) => c.notNull())
    .addColumn('uid_validity', 'text', (c) => c.notNull())
    .addColumn('last_uid', 'integer', (c) => c.notNull())
    .addColumn('highest_modseq', 'text')
    .addColumn('synced_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('mail_cursors_pk', ['account', 'mailbox'])
    .execute();

  await db.schema
    .createTable('mail_raw')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('raw', dialect.name === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('mail_keys')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('message_pk', 'integer', (c) => c.notNull().references('messages.id'))
    .execute();
  await db.schema.createIndex('mail_keys_message').on('mail_keys').columns(['message_pk']).execute();

  await db.schema
    .createTable('mail_quarantine')
    .$call(dialect.idColumn)
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('mailbox', 'text', (c) => c.notNull())
    .addColumn('uid_validity', 'text', (c) => c.notNull())
    .addColumn('uid', 'integer', (c) => c.notNull())
    .addColumn('raw_sha256', 'text', (c) => c.notNull().unique())
    .addColumn('content_sha256', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .addColumn('message_pk', 'integer')
    .execute();
  await db.schema.createIndex('mail_quarantine_content').on('mail_quarantine').columns(['content_sha256']).execute();
}
