// Notifications: what an agent is told, written in the transaction of what caused it. The
// agent's settings (agents.notify) decide whether it is written at all (off), only listed in
// `desk inbox` (inbox), or also mailed (mail: mail_state 'pending', which the outbox step of
// `desk sync` / `desk outbox flush` turns into mail: src/commands/inbox/mail.ts).
import { hookMention } from '../hook-events.js';
import type { Kysely } from 'kysely';
import { NotFoundError } from '../../errors.js';
import { mentionedAgents } from '../../domain/notify/mentions.js';
import { settingsOf, type NotificationKind, type NotifySettings } from '../../domain/notify/settings.js';
import type { TicketEvent } from '../../domain/types.js';
import type { DB } from '../schema.js';

type Db = Kysely<DB>;

export interface NewNotification {
  agent: string;
  kind: NotificationKind;
  ticket: number;
  actor: string;
  text: string;
  at: string;
  /** given: the notification is made once for this key (an SLA clock) */
  dedupeKey?: string;
}

export interface Notification {
  id: number;
  agent: string;
  kind: NotificationKind;
  ticket: number;
  actor: string;
  text: string;
  created_at: string;
  read_at: string | null;
  /** null: not mailed; pending: to be mailed; queued: in the outbox */
  mail: 'pending' | 'queued' | null;
  outbox_id: number | null;
}

async function settingsFor(db: Db, agents: string[]): Promise<Map<string, NotifySettings>> {
  const out = new Map<string, NotifySettings>();
  if (!agents.length) return out;
  const rows = await db.selectFrom('agents').select(['name', 'notify']).where('name', 'in', agents).execute();
  for (const r of rows) out.set(r.name, settingsOf(r.notify ?? null));
  return out;
}

/**
 * Records notifications (in the caller's write transaction) for agents of the desk, as their
 * settings say; someone who is no agent, or who acted themselves, is not notified. Returns how
 * many were written.
 */
export async function recordNotifications(tx: Db, list: NewNotification[]): Promise<number> {
  const wanted = list.filter((n) => n.agent !== n.actor);
  if (!wanted.length) return 0;
  const settings = await settingsFor(tx, [...new Set(wanted.map((n) => n.agent))]);
  let written = 0;
  for (const n of wanted) {
    const s = settings.get(n.agent);
    if (!s || s.kinds[n.kind] === 'off') continue;
    if (n.dedupeKey) {
      const seen = await tx.selectFrom('notifications').select('id').where('dedupe_key', '=', n.dedupeKey).executeTakeFirst();
      if (seen) continue;
    }
    await tx.insertInto('notifications').values({
      agent: n.agent, kind: n.kind, ticket_id: n.ticket, actor: n.actor, text: n.text, created_at: n.at,
      read_at: null, mail_state: s.kinds[n.kind] === 'mail' ? 'pending' : null, outbox_id: null, dedupe_key: n.dedupeKey ?? null,
    }).execute();
    written++;
  }
  return written;
}

/**
 * A note mentioned agents (`@name`): the one place a mention is recorded, in the note's write
 * transaction. Whatever else should happen on a mention (a webhook's `mention` event) hooks in
 * here. Returns the agents mentioned (known agents only; other @words stay text).
 */
export async function recordMention(tx: Db, m: { ticket: number; actor: string; text: string; at: string }): Promise<string[]> {
  const agents = (await tx.selectFrom('agents').select('name').execute()).map((r) => r.name);
  const named = mentionedAgents(m.text, agents).filter((a) => a !== m.actor);
  await recordNotifications(tx, named.map((agent) => ({ agent, kind: 'mention', ticket: m.ticket, actor: m.actor, text: m.text, at: m.at })));
  for (const name of named) hookMention(tx, m.ticket, { name, by: m.actor, text: m.text }, m.at);
  return named;
}

/** What a ticket's new events tell agents: a note's mentions, an assignment to someone else. */
export async function notifyOfEvents(tx: Db, ticket: number, events: readonly TicketEvent[]): Promise<void> {
  for (const e of events) {
    if (e.type === 'note' && e.text?.includes('@')) await recordMention(tx, { ticket, actor: e.actor, text: e.text, at: e.at });
    else if (e.type === 'assign' && e.to) {
      const why = e.reason ? ` (${e.reason})` : '';
      await recordNotifications(tx, [{ agent: e.to, kind: 'assigned', ticket, actor: e.actor, text: `assigned to you by ${e.actor}${why}`, at: e.at }]);
    }
  }
}

/** Customers' replies synced onto tickets: their assignees are told (sync's write transaction). */
export async function notifyCustomerReplies(tx: Db, replies: readonly { ticket: number; from: string; subject: string | null; at: string }[]): Promise<void> {
  if (!replies.length) return;
  const ids = [...new Set(replies.map((r) => r.ticket))];
  const rows = await tx.selectFrom('tickets').select(['id', 'assignee']).where('id', 'in', ids).where('assignee', 'is not', null).execute();
  const assignee = new Map(rows.map((r) => [Number(r.id), r.assignee!]));
  await recordNotifications(tx, replies.filter((r) => assignee.has(r.ticket)).map((r) => ({
    agent: assignee.get(r.ticket)!, kind: 'customer_reply' as const, ticket: r.ticket, actor: r.from,
    text: `${r.from} replied${r.subject ? `: ${r.subject}` : ''}`, at: r.at,
  })));
}

const rowOf = (r: any): Notification => ({
  id: Number(r.id), agent: r.agent, kind: r.kind, ticket: Number(r.ticket_id), actor: r.actor, text: r.text,
  created_at: r.created_at, read_at: r.read_at ?? null, mail: r.mail_state ?? null, outbox_id: r.outbox_id == null ? null : Number(r.outbox_id),
});

/** An agent's notifications: unread first (newest first), then, with `all`, the read ones. */
export async function listNotifications(db: Db, agent: string, opts: { all?: boolean; limit?: number } = {}): Promise<Notification[]> {
  const unread = await db.selectFrom('notifications').selectAll().where('agent', '=', agent).where('read_at', 'is', null).orderBy('id', 'desc').execute();
  const read = opts.all
    ? await db.selectFrom('notifications').selectAll().where('agent', '=', agent).where('read_at', 'is not', null).orderBy('id', 'desc').execute()
    : [];
  return [...unread, ...read].map(rowOf);
}

/** Marks the agent's notifications read (ids: those; none: all unread); an id not theirs is exit 3. Returns how many changed. */
export async function markRead(tx: Db, agent: string, ids: number[] | 'all', at: string): Promise<number> {
  if (ids !== 'all') {
    const found = ids.length
      ? await tx.selectFrom('notifications').select('id').where('agent', '=', agent).where('id', 'in', ids).execute()
      : [];
    const have = new Set(found.map((r) => Number(r.id)));
    const missing = ids.filter((id) => !have.has(id));
    if (missing.length) throw new NotFoundError(`no notification ${missing.join(', ')} in ${agent}'s inbox`, "see 'desk inbox --all'");
  }
  let q = tx.updateTable('notifications').set({ read_at: at }).where('agent', '=', agent).where('read_at', 'is', null);
  if (ids !== 'all') q = q.where('id', 'in', ids);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0);
}

/** Notifications waiting to be mailed, oldest first, with their ticket's subject. */
export async function pendingMail(db: Db): Promise<(Notification & { subject: string })[]> {
  const rows = await db.selectFrom('notifications as n').innerJoin('tickets as t', 't.id', 'n.ticket_id')
    .selectAll('n').select('t.subject as subject').where('n.mail_state', '=', 'pending').orderBy('n.id').execute();
  return rows.map((r) => ({ ...rowOf(r), subject: (r as any).subject as string }));
}

/** Marks notifications as put in the outbox entry `outboxId`; false when another run did so first. */
export async function markQueued(tx: Db, ids: number[], outboxId: number): Promise<boolean> {
  const r = await tx.updateTable('notifications').set({ mail_state: 'queued', outbox_id: outboxId })
    .where('id', 'in', ids).where('mail_state', '=', 'pending').executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0) === ids.length;
}

export async function agentSettings(db: Db, agent: string): Promise<NotifySettings> {
  const r = await db.selectFrom('agents').select('notify').where('name', '=', agent).executeTakeFirst();
  if (!r) throw new NotFoundError(`no agent named '${agent}'`, "see 'desk agent list', or add one with 'desk agent add NAME --email E'");
  return settingsOf(r.notify ?? null);
}

export async function setAgentSettings(tx: Db, agent: string, json: string): Promise<void> {
  await agentSettings(tx, agent);
  await tx.updateTable('agents').set({ notify: json }).where('name', '=', agent).execute();
}
