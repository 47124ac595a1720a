// The one module that turns changes into hook events (docs/cli.md, Hooks). The write paths say
// what happened as it happens (ticket created, events on a ticket, a customer's message stored, a
// reply delivered, a mention); the store's write() gathers that per transaction and, just before
// the transaction commits, writes one hook_events row per event and one hook_deliveries row per
// hook destination that wants it. So a rolled-back change fires nothing, and a committed one is
// never lost: delivery happens later, from those rows (src/mail/hook-delivery.ts).
//
// Who listens is the config's business, which the store does not read: whoever opens the store
// passes the destinations in (OpenOptions.hooks). A desk without hooks writes no hook rows.
import type { Kysely } from 'kysely';
import type { DB } from './schema.js';
import {
  hookMessage, hookWants, type HookChange, type HookEvent, type HookEventName, type HookMention, type HookMessage, type HookSla,
  type HookTarget, type HookTicket,
} from '../domain/hooks.js';
import type { TicketEvent } from '../domain/types.js';
import type { SlaFiring } from '../domain/hooks.js';

export interface HookSubscriptions {
  targets: readonly HookTarget[];
  /** told the ids of the deliveries each transaction wrote (just before it commits) */
  queued?: (deliveryIds: number[]) => void;
  /** when the event's time is not the change's own (system events): the clock of the process */
  now?: () => Date;
}

interface Pending {
  subs: HookSubscriptions;
  /** tickets created in this transaction: their later events are part of the creation */
  created: Map<number, { at: string; actor: string | null; messagePk: number | null }>;
  changed: Map<number, HookChange[]>;
  /** message pks of customers' messages stored on existing tickets */
  received: { ticketId: number; messagePk: number }[];
  replies: { ticketId: number; messagePk: number; at: string }[];
  other: { event: HookEventName; ticketId: number | null; at: string; sla?: HookSla; mention?: HookMention }[];
  quiet: boolean;
}

const pending = new WeakMap<Kysely<any>, Pending>();

/** Starts gathering the hook events of this write transaction (store.write does it). */
export function trackHookEvents(tx: Kysely<any>, subs: HookSubscriptions | undefined): void {
  if (!subs?.targets.length) return;
  pending.set(tx, { subs, created: new Map(), changed: new Map(), received: [], replies: [], other: [], quiet: false });
}

/** Whether any hook listens to this event: the write paths skip work nobody wants. */
export function hookWanted(tx: Kysely<any>, event: HookEventName): boolean {
  const p = pending.get(tx);
  return !!p && !p.quiet && p.subs.targets.some((t) => hookWants(t.on, event));
}

/** This transaction fires no hooks (the import of an export: docs/cli.md, Hooks). */
export function quietHooks(tx: Kysely<any>): void {
  const p = pending.get(tx);
  if (p) p.quiet = true;
}

// ---- what the write paths tell -------------------------------------------------------------------

/** New tickets; `messagePk`: the message they came with, if any. */
export function hookTicketsCreated(tx: Kysely<any>, tickets: Iterable<{ id: number; at: string; actor?: string | null; messagePk?: number | null }>): void {
  const p = pending.get(tx);
  if (!p) return;
  for (const t of tickets) p.created.set(t.id, { at: t.at, actor: t.actor ?? null, messagePk: t.messagePk ?? null });
}

/** Events written on a ticket (a ticket created in the same transaction fires ticket.created instead). */
export function hookTicketEvents(tx: Kysely<any>, ticketId: number, events: readonly Pick<TicketEvent, 'type' | 'at' | 'actor' | 'from' | 'to' | 'reason' | 'text'>[]): void {
  const p = pending.get(tx);
  if (!p || !events.length) return;
  const list = p.changed.get(ticketId) ?? [];
  for (const e of events) list.push({ type: e.type, from: e.from ?? null, to: e.to ?? null, actor: e.actor, at: e.at, reason: e.reason ?? null, text: e.text ?? null });
  p.changed.set(ticketId, list);
}

/**
 * Messages stored: the first customer message of a ticket created in this transaction goes with
 * its ticket.created; a customer's message (not automatic mail) on an existing ticket is a
 * message.received.
 */
export function hookMessagesStored(tx: Kysely<any>, messages: Iterable<{ id: number; ticket_id?: number | null; direction: string; auto_reason?: string | null }>): void {
  const p = pending.get(tx);
  if (!p) return;
  for (const m of messages) {
    if (m.ticket_id == null || m.direction !== 'in') continue;
    const created = p.created.get(Number(m.ticket_id));
    if (created) {
      if (created.messagePk === null) created.messagePk = m.id;
    } else if (!m.auto_reason) p.received.push({ ticketId: Number(m.ticket_id), messagePk: m.id });
  }
}

/** A customer's message stored on a ticket (not automatic mail). */
export function hookMessageReceived(tx: Kysely<any>, ticketId: number, messagePk: number): void {
  pending.get(tx)?.received.push({ ticketId, messagePk });
}

/** The outbox delivered a reply (its message pk), at `at`. */
export function hookReplySent(tx: Kysely<any>, ticketId: number, messagePk: number, at: string): void {
  pending.get(tx)?.replies.push({ ticketId, messagePk, at });
}

/** An agent was mentioned (the mentions feature calls this in the transaction that stores the mention). */
export function hookMention(tx: Kysely<any>, ticketId: number, mention: HookMention, at: string): void {
  pending.get(tx)?.other.push({ event: 'mention', ticketId, at, mention });
}

/** An SLA clock at risk or breached (fired once per clock run: the caller keeps hook_sla_fired). */
export function hookSla(tx: Kysely<any>, event: 'sla.at_risk' | 'sla.breached', ticketId: number, sla: HookSla, at: string): void {
  pending.get(tx)?.other.push({ event, ticketId, at, sla });
}

/** Runs fn on the store's bound transaction, gathering its hook events and writing them before the commit. */
export async function withHookEvents<T>(tx: Kysely<DB>, subs: HookSubscriptions | undefined, fn: (tx: Kysely<DB>) => Promise<T>): Promise<T> {
  trackHookEvents(tx, subs);
  try {
    const result = await fn(tx);
    await writeHookEvents(tx);
    return result;
  } finally {
    pending.delete(tx);
  }
}

/**
 * Records that this SLA event fired (hook_sla_fired) and, when it had not fired before, tells the
 * hooks. True when it fired now. Two runners at once: the key lets one insert, the other waits and finds it.
 */
export async function recordSlaFiring(tx: Kysely<DB>, f: SlaFiring, at: string): Promise<boolean> {
  const row = await tx
    .insertInto('hook_sla_fired')
    .values({ ticket_id: f.ticketId, clock: f.clock, cycle: f.cycle, kind: f.kind, fired_at: at })
    .onConflict((oc) => oc.doNothing())
    .returning('ticket_id')
    .executeTakeFirst();
  if (!row) return false;
  hookSla(tx, f.kind === 'breached' ? 'sla.breached' : 'sla.at_risk', f.ticketId, f.sla, at);
  return true;
}

// ---- written before commit ---------------------------------------------------------------------

const CHUNK = 500;

async function ticketsOf(tx: Kysely<DB>, ids: number[]): Promise<Map<number, HookTicket>> {
  const out = new Map<number, HookTicket>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await tx
      .selectFrom('tickets as t')
      .innerJoin('requesters as r', 'r.id', 't.requester_id')
      .select(['t.id', 't.version', 't.subject', 't.status', 't.priority', 't.tier', 't.queue', 't.assignee', 't.tags', 't.created_at', 't.updated_at', 'r.email', 'r.name'])
      .where('t.id', 'in', ids.slice(i, i + CHUNK))
      .execute();
    for (const r of rows) {
      out.set(Number(r.id), {
        id: Number(r.id), version: Number(r.version), subject: r.subject, status: r.status, priority: r.priority, tier: r.tier,
        queue: r.queue, assignee: r.assignee, tags: JSON.parse(r.tags) as string[], requester: { email: r.email, name: r.name },
        created_at: r.created_at, updated_at: r.updated_at,
      });
    }
  }
  return out;
}

async function messagesOf(tx: Kysely<DB>, pks: number[]): Promise<Map<number, HookMessage>> {
  const out = new Map<number, HookMessage>();
  for (let i = 0; i < pks.length; i += CHUNK) {
    const rows = await tx
      .selectFrom('messages')
      .select(['id', 'message_id', 'from_addr', 'from_name', 'subject', 'date', 'text'])
      .where('id', 'in', pks.slice(i, i + CHUNK))
      .execute();
    for (const r of rows) out.set(Number(r.id), hookMessage({ message_id: r.message_id, from: r.from_addr, from_name: r.from_name, subject: r.subject, date: r.date, text: r.text }));
  }
  return out;
}

/**
 * Writes the gathered events and their deliveries, in the transaction (store.write calls it
 * last, before the commit). Returns the delivery ids written.
 */
export async function writeHookEvents(tx: Kysely<DB>): Promise<number[]> {
  const p = pending.get(tx);
  pending.delete(tx);
  if (!p || p.quiet) return [];
  const events: { type: HookEventName; ticketId: number | null; at: string; body: Omit<HookEvent, 'event' | 'id' | 'at'> & { messagePk?: number } }[] = [];
  const wants = (e: HookEventName) => p.subs.targets.some((t) => hookWants(t.on, e));
  const now = () => (p.subs.now ? p.subs.now() : new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');

  if (wants('ticket.created')) {
    for (const [id, c] of p.created) events.push({ type: 'ticket.created', ticketId: id, at: c.at, body: c.messagePk !== null ? { messagePk: c.messagePk } : {} });
  }
  if (wants('ticket.changed')) {
    for (const [id, changes] of p.changed) {
      if (p.created.has(id)) continue;
      events.push({ type: 'ticket.changed', ticketId: id, at: changes[changes.length - 1]!.at, body: { changes } });
    }
  }
  if (wants('message.received')) {
    for (const r of p.received) if (!p.created.has(r.ticketId)) events.push({ type: 'message.received', ticketId: r.ticketId, at: now(), body: { messagePk: r.messagePk } });
  }
  if (wants('reply.sent')) for (const r of p.replies) events.push({ type: 'reply.sent', ticketId: r.ticketId, at: r.at, body: { messagePk: r.messagePk } });
  for (const o of p.other) {
    if (wants(o.event)) events.push({ type: o.event, ticketId: o.ticketId, at: o.at, body: { ...(o.sla ? { sla: o.sla } : {}), ...(o.mention ? { mention: o.mention } : {}) } });
  }
  if (!events.length) return [];

  const tickets = await ticketsOf(tx, [...new Set(events.flatMap((e) => (e.ticketId === null ? [] : [e.ticketId])))]);
  const messages = await messagesOf(tx, [...new Set(events.flatMap((e) => (e.body.messagePk === undefined ? [] : [e.body.messagePk])))]);
  const written = now();
  const deliveryIds: number[] = [];
  for (const e of events) {
    const { messagePk, ...rest } = e.body;
    const ticket = e.ticketId === null ? undefined : tickets.get(e.ticketId);
    const message = messagePk === undefined ? undefined : messages.get(messagePk);
    const row = await tx
      .insertInto('hook_events')
      .values({ type: e.type, ticket_id: e.ticketId, payload: '{}', created_at: written })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = Number(row.id);
    const payload: HookEvent = { event: e.type, id, at: e.at, ...(ticket ? { ticket } : {}), ...rest, ...(message ? { message } : {}) };
    await tx.updateTable('hook_events').set({ payload: JSON.stringify(payload) }).where('id', '=', id).execute();
    const targets = p.subs.targets.filter((t) => hookWants(t.on, e.type));
    const rows = await tx
      .insertInto('hook_deliveries')
      .values(targets.map((t) => ({
        event_id: id, hook: t.hook, kind: t.kind, target: t.target, state: 'pending', attempts: 0, next_attempt_at: null,
        last_error: null, claimed_by: null, claimed_at: null, created_at: written, updated_at: written, delivered_at: null,
      })))
      .returning('id')
      .execute();
    for (const r of rows) deliveryIds.push(Number(r.id));
  }
  p.subs.queued?.(deliveryIds);
  return deliveryIds;
}
