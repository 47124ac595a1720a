// Migration 8: an agent's display name ("Ana Costa") and signature, which replies and canned
// replies use instead of the login name. Both nullable: an agent without them signs with the
// display name, else the login name, under "Best regards,". Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  const have = dialect.name === 'postgres'
    ? (await sql<{ name: string }>`select column_name as name from information_schema.columns where table_name = 'agents' and table_schema = current_schema()`.execute(db)).rows
    : (await sql<{ name: string }>`select name from pragma_table_info('agents')`.execute(db)).rows;
  const names = new Set(have.map((r) => r.name));
  if (!names.has('display_name')) await db.schema.alterTable('agents').addColumn('display_name', 'text').execute();
  if (!names.has('signature')) await db.schema.alterTable('agents').addColumn('signature', 'text').execute();
}
