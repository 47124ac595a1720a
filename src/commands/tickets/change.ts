// set, assign, note, close, reopen: each a list of changes applied in one write transaction.
import type { Ctx } from '../../cli/context.js';
import { badFlagValue, NotFoundError, UsageError } from '../../errors.js';
import { ticketJson } from '../../domain/interchange.js';
import { printJson } from '../../ui/output.js';
import { normaliseTag, type Change } from '../../domain/ticket.js';
import { checkIdentifier } from '../../domain/identifiers.js';
import { PRIORITIES, STATUSES, isoSeconds, type Priority, type Status } from '../../domain/types.js';
import { getAgent, listAgents } from '../../store/repos/agents.js';
import { applyChanges, getTicket, type Expectation } from '../../store/repos/tickets.js';
import { parseTicketId, textArg } from '../shared.js';
import { printTicketBrief } from './render.js';

/**
 * Applies the same changes to every ticket named, in one write transaction: all of them change
 * or none (an unknown id exits 3 and leaves the others as they were).
 */
async function change(ctx: Ctx, ids: number[], changes: Change[], verb: string, expect?: Expectation): Promise<void> {
  const store = await ctx.store();
  const actor = await ctx.actor();
  const at = isoSeconds(ctx.now());
  const counts = await store.write(async (tx) => {
    const n: number[] = [];
    for (const id of ids) n.push((await applyChanges(tx, id, changes, actor, at, expect)).length);
    return n;
  });
  const tickets = await Promise.all(ids.map((id) => getTicket(store.db, id)));
  if (ctx.json) return printJson(ctx.io, ids.length === 1 ? ticketJson(tickets[0]!) : tickets.map(ticketJson));
  for (const [i, t] of tickets.entries()) {
    if (counts[i] === 0) ctx.io.err(`#${t.id}: nothing to change\n`);
    else await printTicketBrief(ctx, t, verb);
  }
}

/** Ticket ids as given (42 or #42), each once, in the order named. */
export function parseTicketIds(args: readonly string[]): number[] {
  if (!args.length) throw new UsageError('give at least one ticket id');
  return [...new Set(args.map(parseTicketId))];
}

export interface SetOptions {
  status?: string;
  priority?: string;
  queue?: string;
  subject?: string;
  tag?: string[];
}

export async function runSet(ctx: Ctx, idArgs: string[], opts: SetOptions): Promise<void> {
  const ids = parseTicketIds(idArgs);
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
  await change(ctx, ids, changes, 'updated');
}

/**
 * `assign ID… AGENT`, `assign ID… --me|--auto|--none`: the agent is the last word when it is
 * not a ticket id. One rule for a name and for --me: the assignee must be an agent of the desk.
 */
export interface AssignOptions {
  me?: boolean;
  auto?: boolean;
  none?: boolean;
}

export async function runAssign(ctx: Ctx, words: string[], opts: AssignOptions): Promise<void> {
  const last = words.at(-1);
  const agent = words.length > 1 && last !== undefined && !/^#?\d+$/.test(last.trim()) ? last : undefined;
  const ids = parseTicketIds(agent === undefined ? words : words.slice(0, -1));
  const given = [agent !== undefined, !!opts.me, !!opts.auto, !!opts.none].filter(Boolean).length;
  if (given !== 1) throw new UsageError('say whom to assign: an AGENT name, --me, --auto or --none (exactly one)');
  if (agent !== undefined) checkIdentifier('agent name', agent, 'AGENT');
  const store = await ctx.store();
  if (opts.auto) {
    // Least loaded per ticket (each may be of another tier, and each assignment adds load);
    // every id is checked first, so an unknown one changes nothing.
    for (const id of ids) await getTicket(store.db, id);
    for (const id of ids) {
      const to = await leastLoadedAgent(ctx, id);
      await change(ctx, [id], [{ type: 'assign', to }], `assigned to ${to}`);
    }
    return;
  }
  let to: string | null;
  if (opts.none) to = null;
  else if (opts.me) to = await meAsAgent(ctx);
  else to = (await getAgent(store.db, agent!)).name;
  await change(ctx, ids, [{ type: 'assign', to }], to ? `assigned to ${to}` : 'unassigned');
}

/** --me: who acts, who must be an agent of the desk like any name given (else exit 3). */
async function meAsAgent(ctx: Ctx): Promise<string> {
  const me = await ctx.actor();
  const store = await ctx.store();
  try {
    return (await getAgent(store.db, me)).name;
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(`you act as '${me}', who is no agent of this desk`,
        `add yourself with 'desk agent add ${me} --email E', or act as an agent: 'desk config set agent NAME' (or DESK_AGENT)`);
    }
    throw err;
  }
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

/** `note ID TEXT…`: the words after the id are the note (`-` alone reads standard input). */
export async function runNote(ctx: Ctx, idArg: string, words: string[]): Promise<void> {
  const id = parseTicketId(idArg);
  const text = await textArg(ctx.io, words.join(' '), 'the note');
  await change(ctx, [id], [{ type: 'note', text }], 'noted');
}

export async function runStatus(ctx: Ctx, idArgs: string[], to: Status, _opts: object): Promise<void> {
  const ids = parseTicketIds(idArgs);
  if (to === 'open') {
    const store = await ctx.store();
    const tickets = await Promise.all(ids.map((id) => getTicket(store.db, id)));
    const done = tickets.filter((t) => t.status === 'solved' || t.status === 'closed');
    for (const t of tickets) {
      if (done.includes(t)) continue;
      if (!ctx.json) ctx.io.err(`#${t.id} is ${t.status}, not solved or closed: nothing to reopen\n`);
    }
    if (!done.length) {
      if (ctx.json) printJson(ctx.io, ids.length === 1 ? ticketJson(tickets[0]!) : tickets.map(ticketJson));
      return;
    }
    return change(ctx, done.map((t) => t.id), [{ type: 'status', to }], 'reopened');
  }
  await change(ctx, ids, [{ type: 'status', to }], 'closed');
}
