// A ticket is its history: every change is an event, and the ticket's fields are the
// projection of those events. planChanges is the one place that turns requested changes
// into events and the next projection; the store only persists what it returns.
import type { Priority, Status, Ticket, TicketEvent } from './types.js';
import { checkIdentifier } from './identifiers.js';

export type Change =
  | { type: 'status'; to: Status; reason?: string }
  | { type: 'priority'; to: Priority; reason?: string }
  | { type: 'queue'; to: string | null; reason?: string }
  | { type: 'assign'; to: string | null; reason?: string }
  | { type: 'escalate'; to: string; reason?: string }
  | { type: 'tag'; tag: string; reason?: string }
  | { type: 'untag'; tag: string; reason?: string }
  | { type: 'subject'; to: string; reason?: string }
  | { type: 'note'; text: string }
  | { type: 'reply'; text: string }
  /** a reply answered the ticket with this knowledge-base article */
  | { type: 'kb_answer'; slug: string }
  | { type: 'snooze'; until: string; reason?: string }
  /** a snooze ends (its time came, the customer wrote, or it was cancelled): from = the time it was set for */
  | { type: 'unsnooze'; until: string; reason?: string };

export type Projection = Pick<Ticket, 'subject' | 'status' | 'priority' | 'tier' | 'queue' | 'assignee' | 'tags'>;

export interface Plan {
  events: TicketEvent[];
  next: Projection;
}

/** Turns changes into events against the current projection; changes that change nothing are dropped. */
export function planChanges(current: Projection, changes: Change[], actor: string, at: string): Plan {
  const next: Projection = { ...current, tags: [...current.tags] };
  const events: TicketEvent[] = [];
  const push = (e: Omit<TicketEvent, 'at' | 'actor'>) => events.push({ at, actor, ...e });
  for (const c of changes) {
    switch (c.type) {
      case 'status':
      case 'priority':
      case 'queue':
      case 'subject': {
        const field = c.type;
        if (field === 'queue' && c.to !== null) checkIdentifier('queue', c.to as string);
        const from = next[field] as string | null;
        if (from === c.to) break;
        (next as Record<string, unknown>)[field] = c.to;
        push({ type: c.type, from, to: c.to, reason: c.reason ?? null });
        break;
      }
      case 'assign':
        if (c.to !== null) checkIdentifier('agent name', c.to);
        if (next.assignee === c.to) break;
        push({ type: 'assign', from: next.assignee, to: c.to, reason: c.reason ?? null });
        next.assignee = c.to;
        break;
      case 'escalate':
        checkIdentifier('tier', c.to);
        if (next.tier === c.to) break;
        push({ type: 'escalate', from: next.tier, to: c.to, reason: c.reason ?? null });
        next.tier = c.to;
        break;
      case 'tag':
        checkIdentifier('tag', c.tag);
        if (next.tags.includes(c.tag)) break;
        next.tags.push(c.tag);
        push({ type: 'tag', to: c.tag, reason: c.reason ?? null });
        break;
      case 'untag':
        if (!next.tags.includes(c.tag)) break;
        next.tags = next.tags.filter((t) => t !== c.tag);
        push({ type: 'untag', from: c.tag, reason: c.reason ?? null });
        break;
      case 'note':
        push({ type: 'note', text: c.text });
        break;
      case 'reply':
        push({ type: 'reply', text: c.text });
        break;
      case 'kb_answer':
        push({ type: 'kb_answer', to: c.slug });
        break;
      case 'snooze':
        push({ type: 'snooze', to: c.until, reason: c.reason ?? null });
        break;
      case 'unsnooze':
        push({ type: 'snooze', from: c.until, to: null, reason: c.reason ?? null });
        break;
    }
  }
  return { events, next };
}

/** Normalises a tag as users type it: trimmed, lower case, inner spaces as dashes. */
export function normaliseTag(tag: string): string {
  return tag.trim().toLowerCase().replace(/\s+/g, '-');
}
