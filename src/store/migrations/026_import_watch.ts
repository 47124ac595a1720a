// Migration 26: the count of migration 25 (the sequence desk_message_writes) also moves with every
// other write that an import's planned batches rely on (src/store/import-plan.ts): requesters,
// tickets' ids, customers' addresses, organisations' domain rules and import keys, and messages
// deleted or renumbered. A planned batch is built before its transaction from what the import
// knows it wrote; it is written as planned only while this count shows that nobody else wrote
// any of these since the import's previous batch. As in migration 25, a write that was rolled
// back still counts (sequences are not rolled back): the import then plans less, never wrongly.
// Statement triggers: one step of the sequence per statement, whatever its row count. Written to
// run again over itself. Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

/** Each watched table and the columns whose change counts (inserts, deletes and truncates always do). */
const WATCHED: [table: string, columns: string][] = [
  ['messages', 'id, message_id'],
  ['tickets', 'id'],
  ['requesters', 'id, email, name'],
  ['customer_addresses', 'address, customer_id'],
  ['org_domains', 'domain, org_id'],
  ['import_keys', 'key, ticket_id'],
];

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  if (dialect.name !== 'postgres') return;
  for (const [table, columns] of WATCHED) {
    await sql.raw(`drop trigger if exists ${table}_count_writes on ${table}`).execute(db);
    await sql.raw(`create trigger ${table}_count_writes after insert or delete or truncate or update of ${columns} on ${table}
      for each statement execute function desk_count_message_writes()`).execute(db);
  }
}
