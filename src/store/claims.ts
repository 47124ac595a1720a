// Claiming a row of a delivery queue (the outbox's mail, the hooks' deliveries) for one sender: a
// compare-and-set on (id, state, attempts) in its own committed transaction, so two processes
// never deliver one row twice. On PostgreSQL (several hosts at once) the row is also locked in
// the claiming transaction, and one that another sender has locked is skipped, not waited for
// (FOR UPDATE SKIP LOCKED). The claimed row is `sending`, its attempts one up, claimed_by/at set.
import type { Kysely } from 'kysely';
import type { Store } from './index.js';

/**
 * The queues claimed this way: each row has an id and the claim columns (ClaimColumns of
 * schema.ts: HookDeliveriesTable here, OutboxTable of src/mail/outbox.ts).
 */
export type ClaimedTable = 'outbox' | 'hook_deliveries';

export async function claimRow(
  store: Store,
  table: ClaimedTable,
  id: number,
  expect: { state: string; attempts: number },
  claim: { by: string; at: string },
): Promise<boolean> {
  const n = await store.write(async (tx) => {
    const db = tx as unknown as Kysely<any>;
    if (store.dialect === 'postgres') {
      const row = await db
        .selectFrom(table)
        .select('id')
        .where('id', '=', id)
        .where('state', '=', expect.state)
        .where('attempts', '=', expect.attempts)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!row) return 0;
    }
    const r = await db
      .updateTable(table)
      .set((eb: any) => ({ state: 'sending', claimed_by: claim.by, claimed_at: claim.at, updated_at: claim.at, attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .where('state', '=', expect.state)
      .where('attempts', '=', expect.attempts)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }, { concurrent: true }); // claimers run side by side: the row lock and SKIP LOCKED keep them apart
  return n === 1;
}
