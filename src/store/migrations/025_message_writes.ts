// Migration 25: on PostgreSQL, a count of the statements that write Message-IDs (a sequence moved
// by a statement trigger on messages). An import into a desk without messages reads it between
// its batches to know whether anyone else has written one since (src/store/own-message-ids.ts);
// SQLite tells the same by its data_version and needs nothing. Sequences are not rolled back, so
// a write that was undone still counts: the import then looks up when it need not, never the
// reverse. Written to run again over itself (as migrations 12 and up are rerun over a copy in the
// tests). Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  if (dialect.name !== 'postgres') return;
  await sql`create sequence if not exists desk_message_writes`.execute(db);
  await sql.raw(`create or replace function desk_count_message_writes() returns trigger language plpgsql as $$
    begin
      perform nextval('desk_message_writes');
      return null;
    end $$`).execute(db);
  await sql`drop trigger if exists messages_count_writes on messages`.execute(db);
  await sql`create trigger messages_count_writes after insert or update of message_id on messages
    for each statement execute function desk_count_message_writes()`.execute(db);
}
