// Optimistic versions: what desk does when a change was planned on a read of a ticket that
// another writer changed before the change was written (docs/cli.md, "When two agents act on one
// ticket at once"). Pure: the store hands in the ticket as it was read, as it is now, and the
// events written since.
//
// The rules:
// - A change of a field (status, priority, queue, subject, tier, assignee) rests on the value
//   that was read. Another writer changed that field since: when it now holds what this change
//   asks for, this change has nothing left to do there; otherwise it is refused (exit 4) naming
//   what changed, by whom, when. ("Set status from a stale status", "take a ticket someone else
//   took meanwhile".)
// - A change that rests on no field (a note, adding or removing a tag, a snooze) is applied to
//   the ticket as it is now: it contradicts nothing another writer can have done.
// - `--if-version N`: the change rests on the whole ticket as version N showed it; any write
//   since refuses it, naming what changed.
import type { Change, Projection } from './ticket.js';
import type { TicketEvent } from './types.js';

/** What a change was planned on. */
export interface Basis {
  /** the ticket's version when it was read */
  version: number;
  /** the fields as read; absent with `strict` (only the version number was given) */
  seen?: Projection;
  /** --if-version: any change since the read refuses the change */
  strict?: boolean;
}

export type Field = 'status' | 'priority' | 'queue' | 'subject' | 'tier' | 'assignee';

/** The field a change rests on, if any. */
export function fieldOf(c: Change): Field | null {
  switch (c.type) {
    case 'status': case 'priority': case 'queue': case 'subject': return c.type;
    case 'escalate': return 'tier';
    case 'assign': return 'assignee';
    default: return null;
  }
}

const EVENT_OF: Record<Field, TicketEvent['type']> = {
  status: 'status', priority: 'priority', queue: 'queue', subject: 'subject', tier: 'escalate', assignee: 'assign',
};

/** The value a change asks its field to have. */
function target(c: Change): string | null {
  return 'to' in c ? (c.to as string | null) : null;
}

/** Why a change is refused: the field (or the whole ticket, with --if-version) that changed. */
export interface StaleVerdict {
  field: Field | null;
  /** the value read, and the value now (field verdicts only) */
  was?: string | null;
  now?: string | null;
  /** the change this process wanted to make, as words ("setting it to closed") */
  doing: string;
}

/** null: apply the changes to the ticket as it is now; else why they are refused. */
export function judgeStale(basis: Basis, nowVersion: number, now: Projection, changes: readonly Change[]): StaleVerdict | null {
  if (nowVersion === basis.version) return null;
  if (basis.strict || !basis.seen) return { field: null, doing: doingOf(changes) };
  for (const c of changes) {
    const field = fieldOf(c);
    if (!field) continue;
    const was = basis.seen[field] as string | null;
    const is = now[field] as string | null;
    if (is === was || is === target(c)) continue;
    return { field, was, now: is, doing: doingOf([c]) };
  }
  return null;
}

/** "setting the status to closed", "taking it", "noting"… for the message. */
export function doingOf(changes: readonly Change[]): string {
  const c = changes.find((x) => fieldOf(x)) ?? changes[0];
  if (!c) return 'changing it';
  switch (c.type) {
    case 'status': return `setting its status to ${c.to}`;
    case 'priority': return `setting its priority to ${c.to}`;
    case 'queue': return c.to ? `moving it to queue ${c.to}` : 'clearing its queue';
    case 'subject': return 'changing its subject';
    case 'escalate': return `moving it to ${c.to}`;
    case 'assign': return c.to ? `assigning it to ${c.to}` : 'unassigning it';
    case 'note': return 'adding a note';
    case 'tag': case 'untag': return 'changing its tags';
    case 'reply': return 'replying';
    case 'kb_answer': return 'recording the article that answered it';
    case 'snooze': case 'unsnooze': return 'snoozing it';
  }
}

/** One event as the message says it: "taken by ana at 2026-03-30T14:02:00Z". */
export function describeChange(e: TicketEvent): string {
  const by = `by ${e.actor} at ${e.at}`;
  const v = (x: string | null | undefined) => (x == null || x === '' ? 'none' : x);
  switch (e.type) {
    case 'assign':
      if (!e.to) return `unassigned ${by}`;
      return e.to === e.actor ? `taken by ${e.to} at ${e.at}` : `assigned to ${e.to} ${by}`;
    case 'status': return `set ${v(e.to)} (was ${v(e.from)}) ${by}`;
    case 'priority': return `given priority ${v(e.to)} (was ${v(e.from)}) ${by}`;
    case 'queue': return `moved to queue ${v(e.to)} ${by}`;
    case 'escalate': return `moved to ${v(e.to)} (was ${v(e.from)}) ${by}`;
    case 'subject': return `given a new subject ${by}`;
    case 'tag': return `tagged ${v(e.to)} ${by}`;
    case 'untag': return `untagged ${v(e.from)} ${by}`;
    case 'note': return `noted ${by}`;
    case 'reply': return `replied to ${by}`;
    case 'kb_answer': return `answered with article ${v(e.to)} ${by}`;
    case 'snooze': return e.to ? `snoozed ${by}` : `back from a snooze ${by}`;
    default: return `changed ${by}`;
  }
}

/**
 * The message of a refused change: "#12 was taken by ana at 2026-03-30T14:02:00Z while you were
 * assigning it to ben". `since`: the events written after the read (in order); the ones that
 * explain the verdict are named (for a field, its latest change).
 */
export function staleMessage(id: number, verdict: StaleVerdict, since: readonly TicketEvent[], versions: { read: number; now: number }): string {
  const tail = ` while you were ${verdict.doing}`;
  if (verdict.field) {
    const e = since.filter((x) => x.type === EVENT_OF[verdict.field!]).at(-1);
    if (e) return `#${id} was ${describeChange(e)}${tail}`;
    return `the ${verdict.field} of #${id} changed from ${verdict.was ?? 'none'} to ${verdict.now ?? 'none'}${tail}`;
  }
  const named = since.slice(-3).map(describeChange);
  const more = since.length > named.length ? `, and ${since.length - named.length} more change(s)` : '';
  const what = named.length ? `was ${named.join('; ')}${more}` : 'got mail or a reply';
  return `#${id} changed since version ${versions.read} (now ${versions.now}): it ${what}${tail}`;
}
