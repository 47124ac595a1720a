// The columns a table has, on either backend: how a migration that adds a column runs again
// without failing (a migration may be replayed over its own tables). Frozen with the migrations
// that use it: they must build today what they built when they shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function columnsOf(db: Kysely<any>, dialect: DialectOps, table: string): Promise<Set<string>> {
  const rows = dialect.name === 'postgres'
    ? (await sql<{ name: string }>`select column_name as name from information_schema.columns where table_name = ${table} and table_schema = current_schema()`.execute(db)).rows
    : (await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db)).rows;
  return new Set(rows.map((r) => r.name));
}
