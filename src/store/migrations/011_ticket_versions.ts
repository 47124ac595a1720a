// Migration 11: optimistic versions. Every ticket has a `version` that each write changing it
// (fields, events, messages, notes) raises by one (src/store/writes.ts); a change based on an
// older read is refused or re-planned (src/domain/stale.ts). Events carry the version their
// write gave the ticket, so "what changed since version N" is a query. Events written before
// this migration, and those of imported or synced new tickets, have none (null).
// Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';
import { columnsOf } from './columns.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  // The same statements on both backends; a column already there (a migration run again) is kept.
  if (!(await columnsOf(db, dialect, 'tickets')).has('version')) {
    await sql`alter table tickets add column version integer not null default 1`.execute(db);
  }
  if (!(await columnsOf(db, dialect, 'events')).has('version')) {
    await sql`alter table events add column version integer`.execute(db);
  }
}
