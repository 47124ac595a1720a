// Migration 20: spam. `spam_senders`: the block and allow lists agents keep with `desk spam
// block|allow` (the config's lists apply besides). `spam_mail`: what is spam — mail the sync
// judged spam (stored, raw kept, in no ticket) and tickets an agent moved there (the ticket's rows
// kept as a snapshot so that `desk spam release` brings it back whole). Frozen once shipped.
import type { Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  await db.schema
    .createTable('spam_senders')
    .ifNotExists()
    .addColumn('pattern', 'text', (c) => c.primaryKey())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('added_by', 'text', (c) => c.notNull())
    .addColumn('added_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('spam_mail')
    .ifNotExists()
    .$call(dialect.idColumn)
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('message_pks', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'integer')
    .addColumn('snapshot', 'text')
    .addColumn('blocked', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('spam_mail_sender').ifNotExists().on('spam_mail').columns(['sender']).execute();
}
