// Migration 14: a ticket's CC list (ticket_cc), the people besides the requester that replies go
// to (reply-all), kept from customer mail (To/Cc, minus our addresses and the requester), from
// import (`cc`) and from `desk reply --cc`; and the outbox's further envelope recipients (Cc and
// Bcc of a reply, JSON list), so a resend goes to exactly the recipients of the first attempt.
// The same statements on both backends. Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';
import { columnsOf } from './columns.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  await sql`create table if not exists ticket_cc (
    ticket_id integer not null references tickets (id),
    address text not null,
    name text,
    added_at text not null,
    source text not null,
    primary key (ticket_id, address)
  )`.execute(db);
  if (!(await columnsOf(db, dialect, 'outbox')).has('more_recipients')) {
    await sql`alter table outbox add column more_recipients text not null default '[]'`.execute(db);
  }
}
