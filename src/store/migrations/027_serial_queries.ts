// Migration 27 (PostgreSQL): desk's sessions plan no parallel workers. Every desk command is a
// process with a session of its own, and its queries read a page of tickets through an index in
// milliseconds; starting parallel workers costs more than that. At a million tickets a search
// whose semi-join the planner judged big enough to share out took 82 ms with two workers and
// 9 ms without; the long reads (the SLA report, an export) took as long either way.
//
// Set as the session default of desk's role in desk's database: a role may set its own defaults
// (no owner or superuser needed), it holds for every session, also behind a transaction-pooling
// proxy (where a SET would leak to other clients or be lost), and it costs a command nothing.
// A server that refuses it leaves desk as it was. Written to run again over itself.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  if (dialect.name !== 'postgres') return;
  await sql.raw(`do $$ begin
    execute format('alter role %I in database %I set max_parallel_workers_per_gather = 0', current_user, current_database());
  exception when insufficient_privilege then null;
  end $$`).execute(db);
}
