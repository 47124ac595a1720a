// Row types of the tables the mailbox sync owns (created by the mail_sync migration). Kept apart
// from store/schema.ts so the sync can evolve them without touching the shared schema file.
import type { Kysely } from 'kysely';
import type { DB, MessagesTable } from '../store/schema.js';

/** Where each account's mailbox sync stands: written in the same transaction as its messages. */
export interface MailCursorsTable {
  account: string;
  mailbox: string;
  uid_validity: string;
  /** every UID up to this one (of this UIDVALIDITY) has been handled */
  last_uid: number;
  /** CONDSTORE HIGHESTMODSEQ at the end of the last complete run, if the server has it */
  highest_modseq: string | null;
  synced_at: string;
}

/** Raw mail of each synced message, by the message's row id, so it can be re-parsed later. */
export interface MailRawTable {
  message_pk: number;
  raw: Buffer;
}

/** Mail that could not be stored, with the reason; `desk sync --replay` retries it. */
export interface MailQuarantineTable {
  id: number;
  account: string;
  mailbox: string;
  uid_validity: string;
  uid: number;
  raw_sha256: string;
  /** content hash (parse.ts contentHash): the same mail delivered twice is quarantined once */
  content_sha256: string;
  raw: Buffer;
  reason: string;
  received_at: string;
  /** set when a replay stored it */
  resolved_at: string | null;
  message_pk: number | null;
}

export interface SyncTables {
  mail_cursors: MailCursorsTable;
  mail_raw: MailRawTable;
  mail_quarantine: MailQuarantineTable;
}

/** messages as the sync sees it: with the content hash its migration adds. */
export interface SyncMessagesTable extends MessagesTable {
  /** parse.ts contentHash of synced mail; with message_id, its dedupe key (null otherwise) */
  content_sha256: string | null;
}

export type SyncDB = Omit<DB, 'messages'> & SyncTables & { messages: SyncMessagesTable };

/** The store's kysely handle seen with the sync's tables too. */
export function syncDb(db: Kysely<DB>): Kysely<SyncDB> {
  return db as unknown as Kysely<SyncDB>;
}
