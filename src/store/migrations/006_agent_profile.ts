// Migration 6: an agent's display name ("Ana Costa") and signature, which replies and canned
// replies use instead of the login name. Both nullable: an agent without them signs with the
// display name, else the login name, under "Best regards,".
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('display_name', 'text').execute();
  await db.schema.alterTable('agents').addColumn('signature', 'text').execute();
}
