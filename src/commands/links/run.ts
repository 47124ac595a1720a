// merge, unmerge, split, link, unlink: each one write transaction (taking turns with every
// other writer), then the ticket printed.
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { versionedJson } from '../../domain/interchange.js';
import { describeLink, normaliseMessageIds, type LinkFlag } from '../../domain/links.js';
import { isoSeconds } from '../../domain/types.js';
import { getTicket } from '../../store/repos/tickets.js';
import { linksOfTickets } from '../../store/repos/links.js';
import { linkTickets, mergeTicket, splitTicket, unlinkTickets, unmergeTicket } from '../../store/repos/merges.js';
import { printJson } from '../../ui/output.js';
import { safeLine } from '../../ui/safe-text.js';
import { parseTicketId } from '../shared.js';
import { parseTicketIds } from '../tickets/change.js';

export interface MergeOptions {
  into: string;
}

async function printOne(ctx: Ctx, id: number, line: string): Promise<void> {
  const store = await ctx.store();
  const t = await getTicket(store.db, id);
  t.links = (await linksOfTickets(store.db, [id])).get(id) ?? [];
  if (ctx.json) return printJson(ctx.io, versionedJson(t));
  ctx.io.out(`${line}\n`);
}

/** `merge SOURCE… --into TARGET`: all sources or none (one refused: nothing merged). */
export async function runMerge(ctx: Ctx, idArgs: string[], opts: MergeOptions): Promise<void> {
  const sources = parseTicketIds(idArgs);
  const target = parseTicketId(opts.into);
  if (sources.includes(target)) throw new UsageError(`#${target} is the target: it cannot be merged into itself`);
  const store = await ctx.store();
  const actor = await ctx.actor();
  const at = isoSeconds(ctx.now());
  const results = await store.write(async (tx) => {
    const out = [];
    for (const s of sources) out.push(await mergeTicket(tx, s, target, actor, at));
    return out;
  });
  const t = await getTicket(store.db, target);
  const said = results.map((r) => `#${r.source} merged into #${r.target} (${r.moved.messages.length} message(s), ${r.moved.notes.length} note(s)${r.moved.tags.length ? `, tags ${r.moved.tags.join(', ')}` : ''}${r.moved.cc.length ? `, ${r.moved.cc.length} on its CC list` : ''}); it is closed and points at #${r.target}`);
  await printOne(ctx, target, [...said, `#${t.id}: ${safeLine(t.subject)} [${t.status}]`].join('\n'));
}

export async function runUnmerge(ctx: Ctx, idArg: string, _opts: object): Promise<void> {
  const id = parseTicketId(idArg);
  const store = await ctx.store();
  const actor = await ctx.actor();
  const r = await store.write((tx) => unmergeTicket(tx, id, actor, isoSeconds(ctx.now())));
  const t = await getTicket(store.db, id);
  await printOne(ctx, id, `#${id} unmerged from #${r.target}: ${r.moved.messages.length} message(s) and ${r.moved.notes.length} note(s) back${r.moved.tags.length ? `, tags ${r.moved.tags.join(', ')} removed from #${r.target}` : ''}${r.moved.cc.length ? `, its CC list as it was` : ''}; it is ${t.status} again`);
}

export interface SplitOptions {
  messages: string[];
}

export async function runSplit(ctx: Ctx, idArg: string, opts: SplitOptions): Promise<void> {
  const id = parseTicketId(idArg);
  const messageIds = normaliseMessageIds(opts.messages);
  const store = await ctx.store();
  const actor = await ctx.actor();
  const newId = await store.write((tx) => splitTicket(tx, id, messageIds, actor, isoSeconds(ctx.now())));
  const t = await getTicket(store.db, newId);
  await printOne(ctx, newId, `#${newId} split from #${id} with ${messageIds.length} message(s): ${safeLine(t.subject)} [${t.status}]; the two are linked as related`);
}

export interface LinkOptions {
  parent?: string;
  child?: string;
  duplicateOf?: string;
  related?: string;
}

const FLAG_OF: Record<keyof LinkOptions, LinkFlag> = { parent: 'parent', child: 'child', duplicateOf: 'duplicate_of', related: 'related' };

export async function runLink(ctx: Ctx, idArg: string, opts: LinkOptions): Promise<void> {
  const id = parseTicketId(idArg);
  const given = (Object.keys(FLAG_OF) as (keyof LinkOptions)[]).filter((k) => opts[k] !== undefined);
  if (given.length !== 1) throw new UsageError('say how the tickets are linked: exactly one of --parent, --child, --duplicate-of, --related OTHER');
  const key = given[0]!;
  const other = parseTicketId(opts[key]!);
  const flag = FLAG_OF[key];
  const store = await ctx.store();
  const actor = await ctx.actor();
  await store.write((tx) => linkTickets(tx, id, flag, other, actor, isoSeconds(ctx.now())));
  const kind = flag === 'parent' ? 'parent' : flag === 'child' ? 'child' : flag;
  await printOne(ctx, id, `#${id} is now ${describeLink({ kind, ticket: other })}`);
}

export async function runUnlink(ctx: Ctx, idArg: string, otherArg: string, _opts: object): Promise<void> {
  const id = parseTicketId(idArg);
  const other = parseTicketId(otherArg);
  const store = await ctx.store();
  const actor = await ctx.actor();
  await store.write((tx) => unlinkTickets(tx, id, other, actor, isoSeconds(ctx.now())));
  await printOne(ctx, id, `#${id} and #${other} are no longer linked`);
}
