// Core vocabulary of a ticket, shared by the store, the commands and the pure domain logic.
// Field names follow docs/interchange.md so JSON output never drifts from the contract.

export const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export type Status = (typeof STATUSES)[number];

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const DEFAULT_TIERS = ['L1', 'L2', 'L3'] as const;

/** Statuses in which a ticket is considered finished (no one needs to act). */
export const DONE_STATUSES: readonly Status[] = ['solved', 'closed'];

/**
 * Event types. A ticket's current status, priority, tier, queue, assignee and tags are the
 * projection of its events (see domain/ticket.ts).
 *  status/priority/queue/assign/escalate: from → to (escalate = tier change, up or down, with reason)
 *  tag: to = tag added; untag: from = tag removed
 *  note: internal text, never mailed
 *  reply: an outbound reply was queued (text = message id)
 *  subject: subject changed
 *  merge/unmerge: from = the merged ticket's id, to = the ticket it went into (on both tickets)
 *  split: from = the ticket split, to = the new ticket (on both); text = the Message-IDs moved
 *  link/unlink: from = what the other ticket is to this one (parent, child, duplicate_of,
 *    duplicate, related), to = the other ticket's id
 *  kb_answer: a reply answered it with a knowledge-base article (to = the article's slug)
 *  rating: the customer's satisfaction rating (csat): to = the rating (1..5, good, bad), from =
 *    the rating it replaces, text = the customer's comment
 */
export const EVENT_TYPES = [
  'status', 'priority', 'queue', 'assign', 'escalate', 'tag', 'untag', 'note', 'reply', 'subject', 'snooze',
  'merge', 'unmerge', 'split', 'link', 'unlink', 'kb_answer', 'rating',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface TicketEvent {
  at: string; // ISO instant, Z
  actor: string;
  type: EventType;
  from?: string | null;
  to?: string | null;
  reason?: string | null;
  text?: string | null;
}

export interface Person {
  email: string;
  name?: string | null;
}

export interface Attachment {
  filename: string | null;
  content_type: string;
  size: number;
  sha256: string;
}

export interface Message {
  message_id: string;
  in_reply_to?: string | null;
  references?: string[];
  direction: 'in' | 'out';
  from: string;
  from_name?: string | null;
  to?: string[];
  cc?: string[];
  date: string;
  subject?: string | null;
  text: string;
  html?: string | null;
  attachments?: Attachment[];
  author?: string | null; // agent who wrote an outbound message
  /** Auto-generated inbound mail (auto-reply, bounce, list): the reason it was classified so. */
  auto?: string | null;
}

export interface Ticket {
  id: number;
  subject: string;
  status: Status;
  priority: Priority;
  tier: string;
  queue: string | null;
  assignee: string | null;
  tags: string[];
  requester: Person;
  /**
   * The requester's customer (migration 15): its name and organisation, as the store has them.
   * Absent where the ticket was not read from a store (nor given on an import line).
   */
  customer?: { name: string | null; organisation: string | null };
  created_at: string;
  updated_at: string;
  /**
   * The store's version of the ticket: one up with every write that changes it (a change based
   * on an older one is judged, src/domain/stale.ts). Absent where the ticket was not read from a store.
   */
  version?: number;
  /** the ticket this one was merged into (its conversation is there now); absent or null: not merged */
  merged_into?: number | null;
  /** links to other tickets (domain/links.ts), when read */
  links?: { kind: 'parent' | 'child' | 'duplicate_of' | 'duplicate' | 'related'; ticket: number }[];
}

export interface TicketWithHistory extends Ticket {
  /** who besides the requester gets its replies (src/domain/cc.ts), in the order they were added */
  cc?: Person[];
  messages: Message[];
  events: TicketEvent[];
}

/** ISO 8601 instant at second precision with Z, the one time format desk writes. */
export function isoSeconds(d: Date | number): string {
  const date = typeof d === 'number' ? new Date(d) : d;
  return date.toISOString().replace(/\.000Z$/, 'Z');
}
