// Migration 23: tickets by assignee and queue together. An agent's part of a queue
// (`queue:billing assignee:ana`, `queue:tech assignee:none`) is found through one index instead of
// reading every ticket of the agent to check its queue; the assignee alone is its first column, so
// it replaces the index on the assignee alone. On PostgreSQL the planner also learns which pairs
// of assignee and queue occur (statistics on the two columns together): judging them apart, it
// expected thousands of tickets for an agent who never works a queue and walked the whole list
// order looking for them. Frozen once shipped.
import { sql, type Kysely } from 'kysely';
import type { DialectOps } from '../dialect/types.js';

export async function up(db: Kysely<any>, dialect: DialectOps): Promise<void> {
  await db.schema.createIndex('tickets_assignee_queue').ifNotExists().on('tickets').columns(['assignee', 'queue']).execute();
  await db.schema.dropIndex('tickets_assignee').ifExists().execute();
  if (dialect.name === 'postgres') {
    await sql`create statistics if not exists tickets_assignee_queue_pairs (mcv, dependencies) on assignee, queue from tickets`.execute(db);
  }
}
