// Which tickets a write transaction changes, told to whoever watches the desk (team mode): on
// PostgreSQL every write transaction that changes a ticket sends one `pg_notify('desk_tickets',
// '<ids>')` just before it commits, so the notification is delivered on commit only (a rolled-back
// write tells nobody). SQLite needs nothing: its readers see the file's data_version move.
//
// The writers record what they change with `ticketsChanged(tx, ids)`; the store's write()
// tracks its transaction and sends the notification at the end (notifyTicketChanges). Outside a
// tracked transaction (SQLite, a read handle) recording does nothing.
import { sql, type Kysely } from 'kysely';

/** The LISTEN/NOTIFY channel of ticket changes. */
export const TICKETS_CHANNEL = 'desk_tickets';

/**
 * The payload when the ids do not fit in one notification (PostgreSQL allows under 8000 bytes):
 * "re-read everything".
 */
export const ALL_TICKETS = '*';
const MAX_PAYLOAD = 7000;

/** More ids than this never fit in MAX_PAYLOAD (each takes a digit and a comma at least). */
const MOST_IDS = Math.floor((MAX_PAYLOAD + 1) / 2);

const changed = new WeakMap<Kysely<any>, Set<number>>();

/** Starts recording the ticket changes of this write transaction. */
export function trackTicketChanges(tx: Kysely<any>): void {
  changed.set(tx, new Set());
}

/** Records that this write transaction changes these tickets. */
export function ticketsChanged(tx: Kysely<any>, ids: Iterable<number | null | undefined>): void {
  const set = changed.get(tx);
  if (!set) return;
  for (const id of ids) {
    // Past MOST_IDS the payload says "all tickets" whatever else is added (an import's batch
    // changes ten thousand): no use growing the set further.
    if (set.size > MOST_IDS) return;
    if (id != null) set.add(Number(id));
  }
}

/** The payload naming these tickets: ids separated by commas, or ALL_TICKETS when too many. */
export function changePayload(ids: Iterable<number>): string {
  const list = [...ids];
  // (an import's batch is too many: not sorted first)
  if (list.length > MOST_IDS) return ALL_TICKETS;
  const text = list.sort((a, b) => a - b).join(',');
  return text.length > MAX_PAYLOAD ? ALL_TICKETS : text;
}

/** Which tickets a payload names; 'all' for ALL_TICKETS or anything unreadable (a hint only). */
export function parsePayload(payload: string | undefined): number[] | 'all' {
  if (!payload || !/^\d+(?:,\d+)*$/.test(payload)) return 'all';
  const ids = payload.split(',').map(Number);
  return ids.every(Number.isSafeInteger) ? ids : 'all';
}

/** Sends the notification of what this transaction changed (inside it: delivered on commit). */
export async function notifyTicketChanges(tx: Kysely<any>): Promise<void> {
  const set = changed.get(tx);
  changed.delete(tx);
  if (!set?.size) return;
  await sql`select pg_notify(${TICKETS_CHANNEL}, ${changePayload(set)})`.execute(tx);
}
