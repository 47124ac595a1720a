// A ticket's history as the clocks read it (spec/sla.md, Clocks): its status over time from
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
export interface SlaTicket extends Pick<Ticket, 'id' | 'subject' | 'status' | 'priority' | 'tier' | 'queue' | 'assignee' | 'tags' | 'created_at' | 'updated_at'> {
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

interface Change {
  at: number;
  to: Status;
}

/**
 * The status changes of a ticket. The timeline starts in the first event's `from` status
 * (else `open`, or `new` for a ticket still new). When the stored status differs from what
 * the events lead to (a ticket imported without its events), the change is taken to have
 * happened at updated_at: a solved ticket must not look unsolved for want of an event.
 */
function statusChanges(ticket: SlaTicket, created: number): { initial: Status; changes: Change[] } {
  const events = ticket.events
    .map((e, i) => ({ e, i, at: toSeconds(e.at) }))
    .filter(({ e, at }) => e.type === 'status' && isStatus(e.to) && !Number.isNaN(at))
    .sort((a, b) => a.at - b.at || a.i - b.i);
  const first = events[0]?.e.from;
  const initial: Status = isStatus(first) ? first : ticket.status === 'new' ? 'new' : 'open';
  const changes: Change[] = events.map(({ e, at }) => ({ at: Math.max(at, created), to: e.to as Status }));
  const derived = changes.length ? changes[changes.length - 1].to : initial;
  if (derived !== ticket.status) {
    const lastAt = changes.length ? changes[changes.length - 1].at : created;
    const updated = toSeconds(ticket.updated_at);
    changes.push({ at: Math.max(Number.isNaN(updated) ? lastAt : updated, lastAt), to: ticket.status });
  }
  return { initial, changes };
}

export function buildTimeline(ticket: SlaTicket, now: number): Timeline {
  const created = toSeconds(ticket.created_at);
  const { initial, changes } = statusChanges(ticket, created);
  const segments: StatusSegment[] = [];
  let status = initial;
  let since = created;
  for (const change of changes) {
    if (change.at > now) break; // what happens at `now` itself has happened
    if (change.at > since) {
      segments.push({ from: since, to: change.at, status });
      since = change.at;
    }
    status = change.to;
  }
  if (now > since) segments.push({ from: since, to: now, status });
  const messages: PublicMessage[] = [];
  for (const m of ticket.messages) {
    if (m.auto) continue; // auto-acknowledgements, auto-replies and bounces start and stop nothing
    const at = toSeconds(m.date);
    if (Number.isNaN(at) || at > now) continue;
    messages.push({ at: Math.max(at, created), direction: m.direction });
  }
  messages.sort((a, b) => a.at - b.at);
  return { created, now, segments, statusAtNow: status, messages };
}

/** Status in force at instant t (after the changes made at t). */
export function statusAt(timeline: Timeline, t: number): Status {
  for (const s of timeline.segments) if (t >= s.from && t < s.to) return s.status;
  return timeline.statusAtNow;
}
