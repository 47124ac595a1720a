// Writing the ends of snoozes into ticket histories (see src/domain/snooze.ts): lazily, by the
// commands that run often (desk sync, desk escalate --auto) and by desk snooze. Views never
// depend on it: they compute from `now` whether a snooze is over.
import { sql, type Kysely } from 'kysely';
import { snoozeEndChanges, SNOOZE_ACTOR } from '../domain/snooze.js';
import { isoSeconds } from '../domain/types.js';
import type { Store } from './index.js';
import type { DB } from './schema.js';
import { applyChanges, getTicketHistory } from './repos/tickets.js';

/** Tickets whose latest snooze event sets a time that has come (partial index events_snooze). */
async function dueSnoozes(db: Kysely<DB>, now: string): Promise<number[]> {
  const rows = await sql<{ ticket_id: number }>`
    select e.ticket_id from events e
    where e.type = 'snooze' and e.to_value is not null and e.to_value <= ${now}
      and e.id = (select max(l.id) from events l where l.ticket_id = e.ticket_id and l.type = 'snooze')`.execute(db);
  return [...new Set(rows.rows.map((r) => Number(r.ticket_id)))];
}

/** Writes the end of one ticket's snooze, if it ended and is not written yet, in the caller's transaction. */
export async function recordSnoozeEnd(tx: Kysely<DB>, id: number, now: Date): Promise<boolean> {
  const end = snoozeEndChanges(await getTicketHistory(tx, id), now);
  if (!end) return false;
  return (await applyChanges(tx, id, end.changes, SNOOZE_ACTOR, end.at)).length > 0;
}

/** Writes every snooze end that has happened by `now`; returns how many tickets got one. */
export async function recordSnoozeEnds(store: Store, now: Date): Promise<number> {
  let n = 0;
  for (const id of await dueSnoozes(store.db, isoSeconds(now))) {
    if (await store.write((tx) => recordSnoozeEnd(tx, id, now))) n++;
  }
  return n;
}
