// Migration 6: the outbox also carries mail that is not a message of the ticket, such as the
// notice to a tier's lead when a ticket is escalated (kind 'notification'). Such an entry has no
// messages row (it must not count as a reply to the customer), so message_pk may be null, and it
// keeps its own subject. Also a small partial index over snooze events, so that the ends of
// snoozes are found (src/store/snoozes.ts) without scanning every event. Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

const COLUMNS = [
  'id', 'message_pk', 'ticket_id', 'message_id', 'kind', 'envelope_from', 'recipient', 'raw', 'state', 'attempts',
  'next_attempt_at', 'last_error', 'claimed_by', 'claimed_at', 'created_at', 'updated_at', 'sent_at',
].join(', ');

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  await sql`create index if not exists events_snooze on events (ticket_id, id) where type = 'snooze'`.execute(db);
  if (dialect.name === 'postgres') {
    await sql`alter table outbox alter column message_pk drop not null`.execute(db);
    await db.schema.alterTable('outbox').addColumn('subject', 'text').execute();
    return;
  }
  // SQLite cannot drop a NOT NULL constraint: the table is rebuilt with the same rows and ids.
  await db.schema
    .createTable('outbox_new')
    .$call(dialect.idColumn)
    .addColumn('message_pk', 'integer', (c) => c.unique().references('messages.id'))
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id'))
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('envelope_from', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('raw', 'blob', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('subject', 'text')
    .execute();
  await sql.raw(`insert into outbox_new (${COLUMNS}) select ${COLUMNS} from outbox`).execute(db);
  await db.schema.dropTable('outbox').execute();
  await sql`alter table outbox_new rename to outbox`.execute(db);
  await db.schema.createIndex('outbox_state').on('outbox').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('outbox_recipient').on('outbox').columns(['recipient', 'kind', 'created_at']).execute();
}
