// set, assign, note, close, reopen: each a list of changes applied in one write transaction.
import type { Ctx } from '../../cli/context.js';
import { badFlagValue, NotFoundError, UsageError } from '../../errors.js';
import { versionedJson } from '../../domain/interchange.js';
import { printJson } from '../../ui/output.js';
import { normaliseTag, type Change } from '../../domain/ticket.js';
import { checkIdentifier } from '../../domain/identifiers.js';
import { PRIORITIES, STATUSES, isoSeconds, type Priority, type Status } from '../../domain/types.js';
import { getAgent, listAgents } from '../../store/repos/agents.js';
import { applyChanges, getTicket, lastEventOf, type Basis } from '../../store/repos/tickets.js';
import { describeChange } from '../../domain/stale.js';
import { ConflictError } from '../../errors.js';
import { parseTicketId, textArg } from '../shared.js';
import { printTicketBrief } from './render.js';
import { checkQueryWords } from '../query/read.js';
import { areTicketIds } from '../bulk/words.js';
import type { ChildrenOptions } from '../links/children.js';
import type { BulkFlags } from '../bulk/run.js';
import type { RuleSet } from '../../domain/rules/types.js';

/** `--if-version N`: act only if the ticket is still at version N (one ticket only). */
export interface VersionOption {
  ifVersion?: string;
}

/** The version --if-version names, checked; undefined when not given. */
export function parseIfVersion(value: string | undefined, ids: readonly number[]): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value.trim()) || Number(value) < 1) throw new UsageError(`invalid value for --if-version: '${value}' (a version as \`desk show ID --json\` prints it: a whole number ≥ 1)`);
  if (ids.length !== 1) throw new UsageError('--if-version goes with one ticket id (each ticket has its own version)');
  return Number(value);
}

/**
 * What each change is based on: the ticket as read now (its fields and version), or with
 * --if-version only the version given (any change since refuses the change).
 */
export async function basesOf(ctx: Ctx, ids: readonly number[], ifVersion: number | undefined): Promise<Map<number, Basis>> {
  const store = await ctx.store();
  const read = await Promise.all(ids.map((id) => getTicket(store.db, id))); // an unknown id: exit 3, nothing written
  return new Map(read.map((t) => [t.id, ifVersion !== undefined ? { version: ifVersion, strict: true } : { version: t.version!, seen: t }]));
}

/**
 * Applies the same changes to every ticket named, in one write transaction: all of them change
 * or none (an unknown id exits 3 and leaves the others as they were). Each change is based on
 * the read of the ticket made first: when another agent changed it before the write, the change
 * is applied to the ticket as it is now unless it rests on what changed (exit 4, saying what
 * changed, by whom, when: src/domain/stale.ts).
 */
async function change(ctx: Ctx, ids: number[], changes: Change[], verb: string, ifVersion?: number, bases?: Map<number, Basis>): Promise<void> {
  const store = await ctx.store();
  const actor = await ctx.actor();
  const at = isoSeconds(ctx.now());
  const basis = bases ?? (await basesOf(ctx, ids, ifVersion));
  const counts = await store.write(async (tx) => {
    const n: number[] = [];
    for (const id of ids) n.push((await applyChanges(tx, id, changes, actor, at, basis.get(id))).length);
    return n;
  }, { concurrent: true });
  const tickets = await Promise.all(ids.map((id) => getTicket(store.db, id)));
  if (ctx.json) return printJson(ctx.io, ids.length === 1 ? versionedJson(tickets[0]!) : tickets.map(versionedJson));
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

/** The flags of the bulk path (src/commands/bulk/). */
export type BulkOptions = BulkFlags;

/**
 * The bulk engine when the words are a query or @VIEW (or ids with --dry-run); null: the id path.
 */
async function bulkPath(ctx: Ctx, words: string[], changes: Change[] | (() => Promise<Change[]>), opts: BulkOptions & VersionOption, verb: string, rules?: RuleSet | null): Promise<boolean> {
  const { runBulk } = await import('../bulk/run.js');
  const ids = areTicketIds(words);
  if (ids && !opts.dryRun) return false;
  if (opts.ifVersion !== undefined) throw new UsageError('--if-version goes with one ticket id, not with a query or --dry-run (a bulk change checks each ticket against the version its plan read)');
  const list = typeof changes === 'function' ? await changes() : changes;
  await runBulk(ctx, words, list, { dryRun: opts.dryRun, yes: opts.yes, verb, rules, ids: ids ? parseTicketIds(words) : undefined });
  return true;
}

export async function runSet(ctx: Ctx, idArgs: string[], opts: SetOptions & VersionOption & BulkOptions): Promise<void> {
  checkQueryWords(idArgs); // a mistyped flag among the words (they may be a query's)
  if (!idArgs.length) throw new UsageError('give at least one ticket id');
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
  if (await bulkPath(ctx, idArgs, changes, opts, 'updated')) return;
  const ids = parseTicketIds(idArgs);
  const ifVersion = parseIfVersion(opts.ifVersion, ids);
  await change(ctx, ids, changes, 'updated', ifVersion);
}

/**
 * `assign ID… AGENT`, `assign ID… --me|--auto|--none`: the agent is the last word when it is
 * not a ticket id. One rule for a name and for --me: the assignee must be an agent of the desk.
 */
export interface AssignOptions {
  /** the agent (the bulk path's way of naming one; ids take it too) */
  to?: string;
  me?: boolean;
  auto?: boolean;
  none?: boolean;
}

export async function runAssign(ctx: Ctx, words: string[], opts: AssignOptions & VersionOption & BulkOptions): Promise<void> {
  checkQueryWords(words);
  const last = words.at(-1);
  const flagged = opts.to !== undefined || !!opts.me || !!opts.auto || !!opts.none;
  // Without --to/--me/--auto/--none the agent is the last word (after ids or a query).
  const lastAgent = !flagged && words.length > 1 && last !== undefined && !/^#?\d+$/.test(last.trim()) ? last : undefined;
  const agent = opts.to ?? lastAgent;
  const targets = lastAgent === undefined ? words : words.slice(0, -1);
  if (opts.to !== undefined && (opts.me || opts.auto || opts.none)) throw new UsageError('say whom to assign: an AGENT name, --me, --auto or --none (exactly one)');
  if (targets.length && (!areTicketIds(targets) || opts.dryRun)) {
    if (opts.auto) throw new UsageError('--auto goes with ticket ids (each ticket gets the least-loaded agent of its tier): give --to AGENT, --me or --none with a query');
    if (!agent && !opts.me && !opts.none) throw new UsageError('say whom to assign: --to AGENT, --me or --none');
    if (agent !== undefined) checkIdentifier('agent name', agent, '--to');
    const resolve = async (): Promise<Change[]> => {
      const store = await ctx.store();
      const to = opts.none ? null : opts.me ? await meAsAgent(ctx) : (await getAgent(store.db, agent!)).name;
      return [{ type: 'assign', to }];
    };
    if (await bulkPath(ctx, targets, resolve, opts, 'assigned')) return;
  }
  const ids = parseTicketIds(targets);
  const ifVersion = parseIfVersion(opts.ifVersion, ids);
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
      await change(ctx, [id], [{ type: 'assign', to }], `assigned to ${to}`, ifVersion);
    }
    return;
  }
  let to: string | null;
  if (opts.none) to = null;
  else if (opts.me) to = await meAsAgent(ctx);
  else to = (await getAgent(store.db, agent!)).name;
  await change(ctx, ids, [{ type: 'assign', to }], to ? `assigned to ${to}` : 'unassigned', ifVersion);
}

/**
 * `take ID…`: assign to me the tickets nobody has (or I have). One that another agent has is
 * refused (exit 4, naming who took it when): taking it over is `assign ID --me`. Another agent
 * taking it between the read and the write is refused the same way (src/domain/stale.ts).
 */
export async function runTake(ctx: Ctx, idArgs: string[], opts: VersionOption): Promise<void> {
  const ids = parseTicketIds(idArgs);
  const ifVersion = parseIfVersion(opts.ifVersion, ids);
  const me = await meAsAgent(ctx);
  const store = await ctx.store();
  const bases = await basesOf(ctx, ids, ifVersion);
  for (const id of ids) {
    const t = await getTicket(store.db, id);
    if (t.assignee === null || t.assignee === me) continue;
    const e = await lastEventOf(store.db, id, 'assign');
    const what = e && e.to === t.assignee ? describeChange(e) : `assigned to ${t.assignee}`;
    throw new ConflictError(`#${id} was ${what}: not yours to take`, `\`desk assign ${id} --me\` takes it over, if that is what you and ${t.assignee} agreed`);
  }
  await change(ctx, ids, [{ type: 'assign', to: me }], 'taken', ifVersion, bases);
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
export async function runNote(ctx: Ctx, idArg: string, words: string[], opts: VersionOption = {}): Promise<void> {
  const id = parseTicketId(idArg);
  const ifVersion = parseIfVersion(opts.ifVersion, [id]);
  const text = await textArg(ctx.io, words.join(' '), 'the note');
  await change(ctx, [id], [{ type: 'note', text }], 'noted', ifVersion);
}

export async function runStatus(ctx: Ctx, idArgs: string[], to: Status, opts: VersionOption & ChildrenOptions & BulkOptions): Promise<void> {
  checkQueryWords(idArgs);
  if (to !== 'open' && idArgs.length && (!areTicketIds(idArgs) || opts.dryRun)) { // reopen: ids only
    if (opts.withChildren) throw new UsageError('--with-children goes with ticket ids: a bulk change closes the tickets its query matches, and only those');
    if (await bulkPath(ctx, idArgs, [{ type: 'status', to }], opts, 'closed')) return;
  }
  const ids = parseTicketIds(idArgs);
  const ifVersion = parseIfVersion(opts.ifVersion, ids);
  if (to === 'open') {
    const store = await ctx.store();
    const tickets = await Promise.all(ids.map((id) => getTicket(store.db, id)));
    const done = tickets.filter((t) => t.status === 'solved' || t.status === 'closed');
    for (const t of tickets) {
      if (done.includes(t)) continue;
      if (!ctx.json) ctx.io.err(`#${t.id} is ${t.status}, not solved or closed: nothing to reopen\n`);
    }
    if (!done.length) {
      if (ctx.json) printJson(ctx.io, ids.length === 1 ? versionedJson(tickets[0]!) : tickets.map(versionedJson));
      return;
    }
    const bases = new Map(done.map((t) => [t.id, ifVersion !== undefined ? { version: ifVersion, strict: true } : { version: t.version!, seen: t }]));
    return change(ctx, done.map((t) => t.id), [{ type: 'status', to }], 'reopened', ifVersion, bases);
  }
  const { childrenToClose } = await import('../links/children.js');
  const children = await childrenToClose(ctx, ids, opts);
  if (children.length && ifVersion !== undefined) throw new UsageError('--if-version goes with one ticket: close the children on their own, or give --without-children');
  await change(ctx, [...ids, ...children], [{ type: 'status', to }], 'closed', ifVersion);
}
