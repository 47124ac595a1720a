// A canonical dump of what a sync writes, for "same database" comparisons: every row of the
// ticket and mail tables in id order, minus the wall-clock time a run finished (synced_at) and
// the tickets' and events' versions (they count writes: a run interrupted and run again writes in
// more transactions than one clean run, to the same end).
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/store/schema.js';

export interface DumpOptions {
  /** include the mailbox cursors (not comparable across a UIDVALIDITY reset) */
  withCursors?: boolean;
  /** include the search index (the search_fts table: its rows in the order written on SQLite, by content on PostgreSQL; default true) */
  withSearch?: boolean;
}

export async function canonicalDump(db: Kysely<DB>, options: DumpOptions = {}): Promise<Record<string, unknown[]>> {
  const all = async (table: string, order: string) =>
    (await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by ${sql.raw(order)}`.execute(db)).rows;
  const dump: Record<string, unknown[]> = {
    requesters: await all('requesters', 'id'),
    tickets: (await all('tickets', 'id')).map(({ version: _v, ...rest }) => rest),
    ticket_tags: await all('ticket_tags', 'ticket_id, tag'),
    ticket_cc: await all('ticket_cc', 'ticket_id, address'),
    events: (await all('events', 'id')).map(({ version: _v, ...rest }) => rest),
    messages: await all('messages', 'id'),
    attachments: await all('attachments', 'id'),
    mail_quarantine: (await all('mail_quarantine', 'id')).map(({ uid: _uid, uid_validity: _v, raw, ...rest }) => ({ ...rest, raw_size: (raw as Buffer).length })),
    mail_raw: (await sql<Record<string, unknown>>`select message_pk, length(raw) as size from mail_raw order by message_pk`.execute(db)).rows,
  };
  if (options.withSearch !== false) {
    // In a fixed order on both backends (PostgreSQL's search table has no rowid).
    dump.search = (await sql<Record<string, unknown>>`select ticket_id, subject, body from search_fts order by ticket_id, subject, body`.execute(db)).rows;
  }
  if (options.withCursors !== false) {
    dump.mail_cursors = (await all('mail_cursors', 'account, mailbox')).map(({ synced_at: _s, ...rest }) => rest);
  }
  return dump;
}
