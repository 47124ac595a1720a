// Migration 2: the mailbox sync's own tables (see src/mail/sync-schema.ts). Frozen once shipped.
//
// Few indexes on purpose: a big sync inserts tens of thousands of rows, and every index keyed by
// a hash or a Message-ID is written all over at each commit. Raw mail is keyed by the message's
// row id (appended in order); dedupe reads the existing Message-ID index of messages.
import type { Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  const blob = dialect.name === 'postgres' ? 'bytea' : 'blob';

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

  // The content hash of synced mail (parse.ts contentHash): with message_id, its dedupe key.
  await db.schema.alterTable('messages').addColumn('content_sha256', 'text').execute();

  await db.schema
    .createTable('mail_raw')
    .addColumn('message_pk', 'integer', (c) => c.primaryKey().references('messages.id'))
    .addColumn('raw', blob, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('mail_quarantine')
    .$call(dialect.idColumn)
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('mailbox', 'text', (c) => c.notNull())
    .addColumn('uid_validity', 'text', (c) => c.notNull())
    .addColumn('uid', 'integer', (c) => c.notNull())
    .addColumn('raw_sha256', 'text', (c) => c.notNull())
    .addColumn('content_sha256', 'text', (c) => c.notNull())
    .addColumn('raw', blob, (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .addColumn('message_pk', 'integer')
    .execute();
  await db.schema.createIndex('mail_quarantine_content').on('mail_quarantine').columns(['content_sha256']).execute();
}
