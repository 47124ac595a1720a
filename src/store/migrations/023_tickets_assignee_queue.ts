// Migration 23: tickets by assignee and queue together. An agent's part of a queue
// (`queue:billing assignee:ana`, `queue:tech assignee:none`) is found through one index instead of
// reading every ticket of the agent to check its queue; the assignee alone is its first column, so
// it replaces the index on the assignee alone. Frozen once shipped.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('tickets_assignee_queue').ifNotExists().on('tickets').columns(['assignee', 'queue']).execute();
  await db.schema.dropIndex('tickets_assignee').ifExists().execute();
}
