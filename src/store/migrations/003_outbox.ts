// Migration 3: the outbox of outgoing mail (see src/mail/outbox.ts). Frozen once shipped.
import type { Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  await db.schema
    .createTable('outbox')
    .$call(dialect.idColumn)
    .addColumn('message_pk', 'integer', (c) => c.notNull().unique().references('messages.id'))
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('envelope_from', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('raw', dialect.name === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  await db.schema.createIndex('outbox_state').on('outbox').columns(['state', 'next_attempt_at']).execute();
  // auto-acknowledgements are rate-limited per sender: "the last one to this address"
  await db.schema.createIndex('outbox_recipient').on('outbox').columns(['recipient', 'kind', 'created_at']).execute();
}
