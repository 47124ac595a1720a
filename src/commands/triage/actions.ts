// What an agent does to a ticket from the triage screen, applied only if the ticket still looks
// the way the screen showed it: a compare-and-set inside the write transaction. Several agents
// work the same queue; a change made by someone else in the meantime is never overwritten
// silently, it is reported (ConflictError, exit 4) so the agent can look again.
import type { Kysely } from 'kysely';
import { ConflictError } from '../../errors.js';
import type { RuleSet } from '../../domain/rules/types.js';
import type { Change } from '../../domain/ticket.js';
import type { Ticket, TicketEvent } from '../../domain/types.js';
import type { Store } from '../../store/index.js';
import type { DB } from '../../store/schema.js';
import { getTicket } from '../../store/repos/tickets.js';
import { applyChangesWithHandover } from '../../store/rules.js';
import { moveTicketToSpam, type Moved } from '../../store/repos/spam.js';
import { normaliseAddress } from '../../domain/spam.js';
import { linkTickets, mergeTicket } from '../../store/repos/merges.js';
import type { LinkFlag } from '../../domain/links.js';

/** The fields the agent saw and based the action on. */
export type Seen = Partial<Pick<Ticket, 'status' | 'priority' | 'tier' | 'queue' | 'assignee'>>;

const EVENT_OF_FIELD = { status: 'status', priority: 'priority', tier: 'escalate', queue: 'queue', assignee: 'assign' } as const;

async function whoChanged(tx: Kysely<DB>, id: number, field: keyof Seen): Promise<string | null> {
  const row = await tx
    .selectFrom('events')
    .select('actor')
    .where('ticket_id', '=', id)
    .where('type', '=', EVENT_OF_FIELD[field])
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row?.actor ?? null;
}

function conflictMessage(id: number, field: keyof Seen, now: string | null, by: string | null): string {
  const who = by ? ` by ${by}` : '';
  if (field === 'assignee') {
    if (!now) return `#${id} was just unassigned${who}`;
    return by && by !== now ? `#${id} was just assigned to ${now} by ${by}` : `#${id} was just taken by ${now}`;
  }
  return `the ${field === 'tier' ? 'tier' : field} of #${id} was just changed to ${now ?? 'none'}${who}`;
}

/**
 * Applies `changes` as `actor` unless a field in `seen` changed since the agent looked. `rules`
 * reads the desk's rules (their tier_assignment hands an escalated ticket over); it is read only
 * for a move to another tier, before the transaction. Without it, no rules.
 */
export async function applyIfUnchanged(
  store: Store, id: number, seen: Seen, changes: Change[], actor: string, at: string,
  rules: () => Promise<RuleSet | null> = async () => null,
): Promise<TicketEvent[]> {
  const ruleSet = changes.some((c) => c.type === 'escalate') ? await rules() : null;
  return store.write(async (tx) => {
    const current = await getTicket(tx, id);
    for (const field of Object.keys(seen) as (keyof Seen)[]) {
      if (current[field] !== seen[field]) {
        throw new ConflictError(conflictMessage(id, field, current[field], await whoChanged(tx, id, field)), 'the screen shows it as it is now; decide again');
      }
    }
    // A move to another tier hands the ticket to that tier (see applyChangesWithHandover).
    return (await applyChangesWithHandover(tx, id, changes, actor, at, { rules: ruleSet })).events;
  }, { concurrent: true }); // on PostgreSQL beside other agents' changes; a write in between runs this again
}

/** Take: assign to me, if it is still assigned to whom the screen showed. */
export function take(store: Store, ticket: Pick<Ticket, 'id' | 'assignee'>, me: string, at: string): Promise<TicketEvent[]> {
  return applyIfUnchanged(store, ticket.id, { assignee: ticket.assignee }, [{ type: 'assign', to: me }], me, at);
}

/** "+vip -spam api" → tag changes; bare words add. */
export function tagChanges(text: string, normalise: (t: string) => string): Change[] {
  const changes: Change[] = [];
  for (const word of text.split(/[\s,]+/).filter(Boolean)) {
    const remove = word.startsWith('-');
    const tag = normalise(word.replace(/^[+-]/, ''));
    if (tag) changes.push(remove ? { type: 'untag', tag } : { type: 'tag', tag });
  }
  return changes;
}

/**
 * Spam: moves the ticket to spam (desk spam ID), blocking its sender's address when asked, if its
 * status is still the one the screen showed.
 */
export function markSpam(store: Store, ticket: Pick<Ticket, 'id' | 'status' | 'requester'>, block: boolean, me: string, at: string): Promise<Moved> {
  return store.write(async (tx) => {
    const current = await getTicket(tx, ticket.id);
    if (current.status !== ticket.status) {
      throw new ConflictError(conflictMessage(ticket.id, 'status', current.status, await whoChanged(tx, ticket.id, 'status')), 'the screen shows it as it is now; decide again');
    }
    const pattern = block ? normaliseAddress(current.requester.email) : null;
    return moveTicketToSpam(tx, ticket.id, { actor: me, at, reason: `moved by ${me} (triage)`, block: pattern });
  });
}

/** A ticket id as typed in a triage question (42 or #42), else null. */
export function typedTicketId(text: string | undefined): number | null {
  const m = /^\s*#?(\d{1,15})\s*$/.exec(text ?? '');
  return m ? Number(m[1]) : null;
}

/** Merge the ticket on the screen into another (takes turns with every writer, as `desk merge`). */
export async function mergeInto(store: Store, id: number, target: number, actor: string, at: string): Promise<void> {
  await store.write((tx) => mergeTicket(tx, id, target, actor, at));
}

/** Link the ticket on the screen to another, as `desk link`. */
export async function linkTo(store: Store, id: number, flag: LinkFlag, other: number, actor: string, at: string): Promise<void> {
  await store.write((tx) => linkTickets(tx, id, flag, other, actor, at));
}
