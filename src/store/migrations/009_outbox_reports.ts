// Migration 9: the outbox also carries mail that belongs to no ticket, such as an SLA report
// mailed to a lead (kind 'report'): ticket_id and message_pk may be null, and such an entry keeps
// its own subject. (Version 6 is left to the outbox notifications of escalations, which make
// message_pk nullable and add the subject the same way; this one does whatever is still needed.)
// Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  if (dialect.name === 'postgres') {
    await sql`alter table outbox alter column ticket_id drop not null`.execute(db);
    await sql`alter table outbox alter column message_pk drop not null`.execute(db);
    await sql`alter table outbox add column if not exists subject text`.execute(db);
    return;
  }
  const columns = (await sql<{ name: string }>`select name from pragma_table_info('outbox')`.execute(db)).rows.map((r) => r.name);
  if (!columns.includes('subject')) await db.schema.alterTable('outbox').addColumn('subject', 'text').execute();
  // SQLite cannot drop a NOT NULL constraint: the table is rebuilt from its own definition with
  // those two constraints dropped, with the same rows, ids and indexes.
  const table = (await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'outbox'`.execute(db)).rows[0]!.sql;
  const relaxed = table
    .replace(/("ticket_id"\s+integer)\s+not null/i, '$1')
    .replace(/("message_pk"\s+integer)\s+not null/i, '$1')
    .replace(/^create table\s+"?outbox"?/i, 'create table "outbox_rebuilt"');
  const indexes = (await sql<{ sql: string }>`select sql from sqlite_master where type = 'index' and tbl_name = 'outbox' and sql is not null`.execute(db)).rows.map((r) => r.sql);
  const all = [...columns, ...(columns.includes('subject') ? [] : ['subject'])].map((c) => `"${c}"`).join(', ');
  await sql.raw(relaxed).execute(db);
  await sql.raw(`insert into outbox_rebuilt (${all}) select ${all} from outbox`).execute(db);
  await db.schema.dropTable('outbox').execute();
  await sql`alter table outbox_rebuilt rename to outbox`.execute(db);
  for (const index of indexes) await sql.raw(index).execute(db);
}
