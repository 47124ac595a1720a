// Migration 21: customer satisfaction. `csat_surveys`: one survey per ticket, sent through the
// outbox (outbox_id) to the customer's address; only the SHA-256 of its token is kept.
// `csat_ratings`: the customer's rating of a survey (one row per survey: a later rating
// replaces it; every rating is also an event on the ticket). Frozen once shipped.
import type { Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  await db.schema
    .createTable('csat_surveys').ifNotExists()
    .$call(dialect.idColumn)
    .addColumn('ticket_id', 'integer', (c) => c.notNull().unique())
    .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
    .addColumn('customer_address', 'text', (c) => c.notNull())
    .addColumn('scale', 'text', (c) => c.notNull())
    .addColumn('outbox_id', 'integer')
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('csat_surveys_address').ifNotExists().on('csat_surveys').columns(['customer_address', 'sent_at']).execute();
  await db.schema
    .createTable('csat_ratings').ifNotExists()
    .$call(dialect.idColumn)
    .addColumn('survey_id', 'integer', (c) => c.notNull().unique().references('csat_surveys.id'))
    .addColumn('ticket_id', 'integer', (c) => c.notNull())
    .addColumn('rating', 'text', (c) => c.notNull())
    .addColumn('score', 'integer', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('message_pk', 'integer')
    .execute();
  await db.schema.createIndex('csat_ratings_ticket').ifNotExists().on('csat_ratings').columns(['ticket_id']).execute();
}
