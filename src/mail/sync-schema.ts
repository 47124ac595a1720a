// The tables the mailbox sync owns (created by the mail_sync migration) are part of the store's
// one schema type (src/store/schema.ts); these names stay for the sync's code.
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';

export type { MailCursorsTable, MailRawTable, MailQuarantineTable } from '../store/schema.js';

export type SyncDB = DB;

/** The store's kysely handle: it knows the sync's tables. */
export function syncDb(db: Kysely<DB>): Kysely<SyncDB> {
  return db;
}
