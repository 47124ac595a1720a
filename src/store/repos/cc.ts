// A ticket's CC list (table ticket_cc, migration 14): read for show, export and replies; written
// through the one derivation of src/store/writes.ts (ccRows).
import type { Kysely } from 'kysely';
import type { CcEntry, CcPerson, CcSource } from '../../domain/cc.js';
import type { DB } from '../schema.js';
import { ccRows, insertCcRows } from '../writes.js';

/** The CC lists of these tickets, each in the order people were added. */
export async function ccOfTickets(db: Kysely<DB>, ids: readonly number[]): Promise<Map<number, CcEntry[]>> {
  const out = new Map<number, CcEntry[]>();
  for (let i = 0; i < ids.length; i += 900) {
    const rows = await db.selectFrom('ticket_cc').selectAll().where('ticket_id', 'in', ids.slice(i, i + 900))
      .orderBy('ticket_id').orderBy('added_at').orderBy('address').execute();
    for (const r of rows) {
      const list = out.get(Number(r.ticket_id)) ?? [];
      list.push({ email: r.address, name: r.name, added_at: r.added_at, source: r.source as CcSource });
      out.set(Number(r.ticket_id), list);
    }
  }
  return out;
}

/** Adds people to a ticket's CC list in the caller's write transaction (those on it stay as they are). */
export async function addCc(tx: Kysely<DB>, ticketId: number, people: readonly CcPerson[], at: string, source: CcSource): Promise<void> {
  await insertCcRows(tx, ccRows(ticketId, people, at, source));
}
