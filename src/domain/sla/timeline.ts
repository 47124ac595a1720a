// A ticket's history as the clocks read it (docs/sla.md, Clocks): its status over time from
// created_at up to now, and its public messages. Everything after `now` is ignored so that a
// report run with --now in the past shows what was true then.
import { DONE_STATUSES, STATUSES, type Message, type Status, type Ticket, type TicketEvent } from '../types.js';

/** Epoch seconds of an ISO instant; clocks count whole seconds. */
export function toSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

export function isoOfSeconds(t: number): string {
  return new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * What the clocks read of a ticket: a TicketWithHistory is one, and the report reads just these
 * columns from the store (no bodies, no attachments).
 */
export interface SlaTicket extends Pick<Ticket, 'id' | 'subject' | 'status' | 'priority' | 'tier' | 'queue' | 'assignee' | 'tags' | 'created_at' | 'updated_at' | 'customer'> {
  messages: readonly Pick<Message, 'direction' | 'date' | 'auto'>[];
  events: readonly Pick<TicketEvent, 'at' | 'type' | 'from' | 'to'>[];
}

export interface StatusSegment {
  from: number;
  to: number;
  status: Status;
}

export interface PublicMessage {
  at: number;
  direction: 'in' | 'out';
}

export interface Timeline {
  created: number;
  now: number;
  /** consecutive, covering [created, now) */
  segments: StatusSegment[];
  statusAtNow: Status;
  /** messages that can start or stop a clock, in time order; automatic mail is left out */
  messages: PublicMessage[];
}

export function isDone(status: Status): boolean {
  return DONE_STATUSES.includes(status);
}

function isStatus(v: unknown): v is Status {
  return typeof v === 'string' && (STATUSES as readonly string[]).includes(v);
}

/**
 * A ticket's history reduced to what the clocks read, in epoch seconds: the bulk report reads
 * it straight from the store as numbers (no ISO text to parse, no bodies), and a full
 * TicketWithHistory converts to it with compactHistory().
 */
export interface CompactHistory {
  created: number;
  updated: number;
  /** the stored (projected) status */
  status: Status;
  /** status events in the order they were recorded; `to` not a status: left out */
  changes: { at: number; from: Status | null; to: Status }[];
  /** messages that are not automatic, in any order */
  messages: PublicMessage[];
}

export function compactHistory(ticket: SlaTicket): CompactHistory {
  const changes: CompactHistory['changes'] = [];
  for (const e of ticket.events) {
    if (e.type !== 'status' || !isStatus(e.to)) continue;
    const at = toSeconds(e.at);
    if (!Number.isNaN(at)) changes.push({ at, from: isStatus(e.from) ? e.from : null, to: e.to });
  }
  const messages: PublicMessage[] = [];
  for (const m of ticket.messages) {
    if (m.auto) continue; // auto-acknowledgements, auto-replies and bounces start and stop nothing
    const at = toSeconds(m.date);
    if (!Number.isNaN(at)) messages.push({ at, direction: m.direction });
  }
  return { created: toSeconds(ticket.created_at), updated: toSeconds(ticket.updated_at), status: ticket.status, changes, messages };
}

/**
 * The timeline starts in the first status event's `from` status (else `open`, or `new` for a
 * ticket still new). When the stored status differs from what the events lead to (a ticket
 * imported without its events), the change is taken to have happened at updated_at: a solved
 * ticket must not look unsolved for want of an event.
 */
export function timelineOf(h: CompactHistory, now: number): Timeline {
  const created = h.created;
  // Events in time order (recorded order among equals); usually they already are.
  const changes = h.changes.length > 1 && !isSortedByAt(h.changes)
    ? h.changes.map((c, i) => ({ c, i })).sort((a, b) => a.c.at - b.c.at || a.i - b.i).map(({ c }) => c)
    : h.changes;
  const initial: Status = changes[0]?.from ?? (h.status === 'new' ? 'new' : 'open');
  const segments: StatusSegment[] = [];
  let status = initial;
  let since = created;
  const apply = (at: number, to: Status): boolean => {
    at = Math.max(at, created);
    if (at > now) return false; // what happens at `now` itself has happened
    if (at > since) {
      segments.push({ from: since, to: at, status });
      since = at;
    }
    status = to;
    return true;
  };
  let lastAt = created;
  let reachedNow = false;
  for (const c of changes) {
    lastAt = Math.max(c.at, created);
    if (!apply(c.at, c.to)) { reachedNow = true; break; }
  }
  const derived = changes.length ? changes[changes.length - 1]!.to : initial;
  if (!reachedNow && derived !== h.status) apply(Math.max(Number.isNaN(h.updated) ? lastAt : h.updated, lastAt), h.status);
  if (now > since) segments.push({ from: since, to: now, status });
  // The common case (every message between created and now, in order) reuses the array as it is.
  let messages = h.messages;
  if (!isSortedByAt(messages) || messages.some((m) => m.at > now || m.at < created)) {
    messages = messages.filter((m) => m.at <= now).map((m) => (m.at >= created ? m : { at: created, direction: m.direction }));
    messages.sort((a, b) => a.at - b.at);
  }
  return { created, now, segments, statusAtNow: status, messages };
}

function isSortedByAt(list: readonly { at: number }[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i]!.at < list[i - 1]!.at) return false;
  return true;
}

export function buildTimeline(ticket: SlaTicket, now: number): Timeline {
  return timelineOf(compactHistory(ticket), now);
}

/** Status in force at instant t (after the changes made at t). */
export function statusAt(timeline: Timeline, t: number): Status {
  for (const s of timeline.segments) if (t >= s.from && t < s.to) return s.status;
  return timeline.statusAtNow;
}
