// Migration 16: agents are told what concerns them, and see who else is on a ticket.
// - notifications: one row per thing an agent is told (a mention, a ticket assigned to them, a
//   customer's reply on their ticket, an SLA clock at risk on their ticket), written in the same
//   transaction as its cause; read_at when they read it; mail_state says whether it is to be
//   mailed ('pending'), was put in the outbox ('queued', with outbox_id), or is not mailed (null);
//   dedupe_key makes a notification that must be given once (an SLA clock) unique.
// - presence: who is viewing or replying to a ticket, since when, until when (it expires by
//   itself); opened_at is when they opened the ticket (a reply checks for mail arrived since).
// - agents.notify: the agent's notification settings (JSON; null: the defaults).
// The same statements on both backends. Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';
import { columnsOf } from './columns.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  await db.schema
    .createTable('notifications')
    .ifNotExists()
    .$call(dialect.idColumn)
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'integer', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('read_at', 'text')
    .addColumn('mail_state', 'text')
    .addColumn('outbox_id', 'integer')
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .execute();
  await sql`create index if not exists notifications_agent on notifications (agent, read_at, id)`.execute(db);
  await sql`create index if not exists notifications_mail on notifications (mail_state, agent) where mail_state = 'pending'`.execute(db);
  await sql`create table if not exists presence (
    agent text not null,
    ticket_id integer not null,
    activity text not null,
    since text not null,
    opened_at text not null,
    expires_at text not null,
    primary key (agent, ticket_id)
  )`.execute(db);
  if (!(await columnsOf(db, dialect, 'agents')).has('notify')) await db.schema.alterTable('agents').addColumn('notify', 'text').execute();
}
