// Presence: who is viewing or replying to a ticket. A row lives until its expires_at (an open
// screen refreshes it); writing one tells live screens (ticketsChanged: NOTIFY on PostgreSQL,
// the file's change counter on SQLite), so other agents' triage shows it.
import type { Kysely } from 'kysely';
import type { Presence, PresenceActivity } from '../../domain/notify/presence.js';
import type { DB } from '../schema.js';
import { ticketsChanged } from '../ticket-changes.js';

type Db = Kysely<DB>;

/**
 * Records (or refreshes) an agent's presence on a ticket. `since` is kept while the activity
 * stays the same; `opened_at` is kept while the presence is live (the agent has the ticket open).
 * Any other presence of the agent (another ticket) ends: one is on one ticket at a time.
 */
export async function setPresence(tx: Db, p: { agent: string; ticket: number; activity: PresenceActivity; at: string; expires_at: string; opened_at?: string }): Promise<Presence> {
  const old = await tx.selectFrom('presence').selectAll().where('agent', '=', p.agent).execute();
  const same = old.find((r) => Number(r.ticket_id) === p.ticket && r.expires_at > p.at);
  const row = {
    agent: p.agent, ticket_id: p.ticket, activity: p.activity,
    since: same && same.activity === p.activity ? same.since : p.at,
    opened_at: p.opened_at ?? (same ? same.opened_at : p.at),
    expires_at: p.expires_at,
  };
  const changed = !same || same.activity !== row.activity || old.length > 1;
  await tx.deleteFrom('presence').where('agent', '=', p.agent).execute();
  await tx.insertInto('presence').values(row).execute();
  if (changed) ticketsChanged(tx, [...new Set([p.ticket, ...old.map((r) => Number(r.ticket_id))])]);
  return row as Presence;
}

/** Ends an agent's presence (on one ticket, or on every one). */
export async function clearPresence(tx: Db, agent: string, ticket?: number): Promise<void> {
  let q = tx.deleteFrom('presence').where('agent', '=', agent);
  if (ticket !== undefined) q = q.where('ticket_id', '=', ticket);
  const gone = await tx.selectFrom('presence').select('ticket_id').where('agent', '=', agent).execute();
  await q.execute();
  const tickets = gone.map((r) => Number(r.ticket_id)).filter((t) => ticket === undefined || t === ticket);
  if (tickets.length) ticketsChanged(tx, tickets);
}

/** The live presences on these tickets at `now` (expired rows are ignored, whoever left them). */
export async function livePresence(db: Db, tickets: number[], now: string): Promise<Presence[]> {
  if (!tickets.length) return [];
  const rows = await db.selectFrom('presence').selectAll().where('ticket_id', 'in', tickets).where('expires_at', '>', now).execute();
  return rows.map((r) => ({ ...r, ticket_id: Number(r.ticket_id) }) as Presence);
}

/** An agent's own live presence on a ticket, if any. */
export async function presenceOf(db: Db, agent: string, ticket: number, now: string): Promise<Presence | undefined> {
  const r = await db.selectFrom('presence').selectAll().where('agent', '=', agent).where('ticket_id', '=', ticket).where('expires_at', '>', now).executeTakeFirst();
  return r ? ({ ...r, ticket_id: Number(r.ticket_id) } as Presence) : undefined;
}
