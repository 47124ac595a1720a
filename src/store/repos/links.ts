// Reading links between tickets (ticket_links, migration 13) and merges; the writes are in
// repos/merges.ts. Dialect-free kysely.
import type { Kysely } from 'kysely';
import { linkSeenFrom, type LinkRow, type StoredLinkKind, type TicketLink } from '../../domain/links.js';
import type { DB } from '../schema.js';

type Db = Kysely<DB>;

const CHUNK = 400;

function toRow(r: { kind: string; from_id: number; to_id: number }): LinkRow {
  return { kind: r.kind as StoredLinkKind, from: Number(r.from_id), to: Number(r.to_id) };
}

/** The links of each of these tickets, as each sees them, by the other ticket's id (an export reads the same after an import). */
export async function linksOfTickets(db: Db, ids: readonly number[]): Promise<Map<number, TicketLink[]>> {
  const out = new Map<number, TicketLink[]>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const part = ids.slice(i, i + CHUNK);
    const rows = await db.selectFrom('ticket_links').select(['kind', 'from_id', 'to_id'])
      .where((eb) => eb.or([eb('from_id', 'in', part), eb('to_id', 'in', part)]))
      .orderBy('id').execute();
    const wanted = new Set(part);
    for (const r of rows.map(toRow)) {
      for (const id of [r.from, r.to]) {
        if (!wanted.has(id)) continue;
        const seen = linkSeenFrom(r, id);
        if (!seen) continue;
        const list = out.get(id) ?? [];
        list.push(seen);
        out.set(id, list);
      }
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.ticket - b.ticket || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  return out;
}

/** The stored link between two tickets (either way round), if any. */
export async function linkBetween(db: Db, a: number, b: number): Promise<(LinkRow & { id: number }) | undefined> {
  const r = await db.selectFrom('ticket_links').select(['id', 'kind', 'from_id', 'to_id'])
    .where((eb) => eb.or([eb.and([eb('from_id', '=', a), eb('to_id', '=', b)]), eb.and([eb('from_id', '=', b), eb('to_id', '=', a)])]))
    .executeTakeFirst();
  return r ? { id: Number(r.id), ...toRow(r) } : undefined;
}

/** The children of a ticket (parent links from it) that are not solved or closed, by id. */
export async function openChildren(db: Db, id: number): Promise<number[]> {
  const rows = await db.selectFrom('ticket_links as l').innerJoin('tickets as t', 't.id', 'l.to_id')
    .select('t.id').where('l.kind', '=', 'parent').where('l.from_id', '=', id)
    .where('t.status', 'not in', ['solved', 'closed']).orderBy('t.id').execute();
  return rows.map((r) => Number(r.id));
}

/** The parent of a ticket, if it has one. */
export async function parentOf(db: Db, id: number): Promise<number | null> {
  const r = await db.selectFrom('ticket_links').select('from_id').where('kind', '=', 'parent').where('to_id', '=', id).orderBy('id').executeTakeFirst();
  return r ? Number(r.from_id) : null;
}
