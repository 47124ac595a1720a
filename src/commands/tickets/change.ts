// set, assign, note, close, reopen: each a list of changes applied in one write transaction.
import type { Ctx } from '../../cli/context.js';
import { badFlagValue, UsageError } from '../../cli/errors.js';
import { normaliseTag, type Change } from '../../domain/ticket.js';
import { checkIdentifier } from '../../domain/identifiers.js';
import { PRIORITIES, STATUSES, isoSeconds, type Priority, type Status } from '../../domain/types.js';
import { getAgent, listAgents } from '../../store/repos/agents.js';
import { applyChanges, getTicket, type Expectation } from '../../store/repos/tickets.js';
import { parseTicketId, textArg } from '../shared.js';
import { printTicketBrief } from './render.js';

async function change(ctx: Ctx, id: number, changes: Change[], verb: string, expect?: Expectation): Promise<void> {
  const store = await ctx.store();
  const actor = await ctx.actor();
  const at = isoSeconds(ctx.now());
  const events = await store.write((tx) => applyChanges(tx, id, changes, actor, at, expect));
  const t = await getTicket(store.db, id);
  if (events.length === 0 && !ctx.json) {
    ctx.io.err(`#${id}: nothing to change\n`);
    return;
  }
  await printTicketBrief(ctx, t, verb);
}

export interface SetOptions {
  status?: string;
  priority?: string;
  queue?: string;
  subject?: string;
  tag?: string[];
}

export async function runSet(ctx: Ctx, idArg: string, opts: SetOptions): Promise<void> {
  const id = parseTicketId(idArg);
  const changes: Change[] = [];
  if (opts.status !== undefined) {
    if (!STATUSES.includes(opts.status as Status)) throw badFlagValue('--status', opts.status, STATUSES);
    changes.push({ type: 'status', to: opts.status as Status });
  }
  if (opts.priority !== undefined) {
    if (!PRIORITIES.includes(opts.priority as Priority)) throw badFlagValue('--priority', opts.priority, PRIORITIES);
    changes.push({ type: 'priority', to: opts.priority as Priority });
  }
  if (opts.queue !== undefined) changes.push({ type: 'queue', to: opts.queue.trim() ? checkIdentifier('queue', opts.queue.trim(), '--queue') : null });
  if (opts.subject !== undefined) {
    if (!opts.subject.trim()) throw new UsageError('--subject cannot be empty');
    changes.push({ type: 'subject', to: opts.subject.trim() });
  }
  for (const raw of opts.tag ?? []) {
    const remove = raw.startsWith('-');
    if (!remove) checkIdentifier('tag', raw, '--tag');
    const tag = normaliseTag(raw.replace(/^[+-]/, ''));
    if (!tag) throw new UsageError(`invalid value for --tag: '${raw}' (use +name to add, -name to remove)`);
    changes.push(remove ? { type: 'untag', tag } : { type: 'tag', tag });
  }
  if (changes.length === 0) throw new UsageError('nothing to set: give --status, --priority, --queue, --subject or --tag');
  await change(ctx, id, changes, 'updated');
}

export async function runAssign(ctx: Ctx, idArg: string, agent: string | undefined, opts: { me?: boolean; auto?: boolean; none?: boolean }): Promise<void> {
  const id = parseTicketId(idArg);
  const given = [agent !== undefined, !!opts.me, !!opts.auto, !!opts.none].filter(Boolean).length;
  if (given !== 1) throw new UsageError('say whom to assign: an AGENT name, --me, --auto or --none (exactly one)');
  if (agent !== undefined) checkIdentifier('agent name', agent, 'AGENT');
  const store = await ctx.store();
  let to: string | null;
  if (opts.me) to = await ctx.actor();
  else if (opts.none) to = null;
  else if (opts.auto) to = await leastLoadedAgent(ctx, id);
  else to = (await getAgent(store.db, agent!)).name;
  await change(ctx, id, [{ type: 'assign', to }], to ? `assigned to ${to}` : 'unassigned');
}

/** The available agent of the ticket's tier with the fewest unfinished tickets (name breaks ties). */
async function leastLoadedAgent(ctx: Ctx, id: number): Promise<string> {
  const store = await ctx.store();
  const t = await getTicket(store.db, id);
  const candidates = (await listAgents(store.db)).filter((a) => a.tier === t.tier && !a.away);
  if (!candidates.length) throw new UsageError(`no available agent in tier ${t.tier} to assign #${id} to`, "add one with 'desk agent add NAME --email E --tier " + t.tier + "'");
  const loads = await store.db
    .selectFrom('tickets')
    .select(['assignee', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', 'not in', ['solved', 'closed'])
    .where('assignee', 'in', candidates.map((a) => a.name))
    .groupBy('assignee')
    .execute();
  const load = new Map(loads.map((r) => [r.assignee, Number(r.n)]));
  candidates.sort((a, b) => (load.get(a.name) ?? 0) - (load.get(b.name) ?? 0) || a.name.localeCompare(b.name));
  return candidates[0]!.name;
}

export async function runNote(ctx: Ctx, idArg: string, textValue: string): Promise<void> {
  const id = parseTicketId(idArg);
  const text = await textArg(ctx.io, textValue, 'the note');
  await change(ctx, id, [{ type: 'note', text }], 'noted');
}

export async function runStatus(ctx: Ctx, idArg: string, to: Status, _opts: object): Promise<void> {
  const id = parseTicketId(idArg);
  if (to === 'open') {
    const store = await ctx.store();
    const t = await getTicket(store.db, id);
    if (t.status !== 'solved' && t.status !== 'closed') {
      if (!ctx.json) ctx.io.err(`#${id} is ${t.status}, not solved or closed: nothing to reopen\n`);
      else await printTicketBrief(ctx, t, 'unchanged');
      return;
    }
  }
  await change(ctx, id, [{ type: 'status', to }], to === 'closed' ? 'closed' : 'reopened');
}
