// Migration 17: hooks (src/store/hook-events.ts). An event is written in the transaction of the
// change that causes it, with one delivery per hook destination that wants it; deliveries are
// claimed and recorded like the outbox's entries. hook_sla_fired holds the SLA events already
// fired, one per ticket, clock, clock run (its start) and kind. It may run again over its own
// tables (as 11 does), so every statement is guarded. Frozen once shipped.
import type { Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  await db.schema
    .createTable('hook_events')
    .ifNotExists()
    .$call(dialect.idColumn)
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'integer') // no foreign key: the event outlives what it tells of
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('hook_deliveries')
    .ifNotExists()
    .$call(dialect.idColumn)
    .addColumn('event_id', 'integer', (c) => c.notNull().references('hook_events.id'))
    .addColumn('hook', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  await db.schema.createIndex('hook_deliveries_state').ifNotExists().on('hook_deliveries').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('hook_deliveries_event').ifNotExists().on('hook_deliveries').column('event_id').execute();
  await db.schema
    .createTable('hook_sla_fired')
    .ifNotExists()
    .addColumn('ticket_id', 'integer', (c) => c.notNull())
    .addColumn('clock', 'text', (c) => c.notNull())
    .addColumn('cycle', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('fired_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('hook_sla_fired_pk', ['ticket_id', 'clock', 'cycle', 'kind'])
    .execute();
}
