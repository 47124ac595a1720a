// Migration 10: per-mailbox sync leases for PostgreSQL (team mode), so that cron on several hosts
// syncs different mailboxes in parallel and one mailbox never twice at once (src/store/mail-leases.ts).
// On SQLite the table exists unused: the sync lock there is a file lock in the data dir.
// Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, _dialect: DialectOps): Promise<void> {
  // The same statement on both backends (SQLite takes the type name as it is).
  await sql`create table if not exists mail_leases (
    account text not null,
    mailbox text not null,
    holder text not null,
    expires_at timestamptz not null,
    primary key (account, mailbox)
  )`.execute(db);
}
