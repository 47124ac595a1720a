// Merge, unmerge, split and links: the writes, each in the caller's write transaction (the
// commands run them with store.write without `concurrent`, so they take turns with every other
// writer: two merges of the same tickets at once see each other, and the second is refused).
//
// A merge moves the source's messages (their attachments with them), notes and CC list to the
// target (the people the target's list lacks join it), adds the source's tags the target lacks, gives the target the earlier creation time of the
// two, closes the source and points it at the target (tickets.merged_into). What moved is kept
// (ticket_merges.moved) so that unmerge restores exactly that. Every change is an event on each
// ticket it touches, raises its version, and re-derives its SLA clock inputs.
import type { Kysely } from 'kysely';
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { describeLink, linkRow, linkSeenFrom, parseMoved, rowOfSeen, type LinkFlag, type MergeMoved, type MovedCc, type TicketLink } from '../../domain/links.js';
import type { Status, TicketEvent } from '../../domain/types.js';
import type { DB } from '../schema.js';
import { dialectOf } from '../handle.js';
import { insertCcRows, searchRow } from '../writes.js';
import { ticketsChanged } from '../ticket-changes.js';
import { refreshClockInputs } from './clock-inputs.js';
import { applyChanges, createTicket, getTicket, insertEvents } from './tickets.js';
import { linkBetween, parentOf } from './links.js';

type Db = Kysely<DB>;

async function mergedInto(tx: Db, id: number): Promise<number | null> {
  const r = await tx.selectFrom('tickets').select('merged_into').where('id', '=', id).executeTakeFirst();
  if (!r) throw new NotFoundError(`no ticket #${id}`);
  return r.merged_into == null ? null : Number(r.merged_into);
}

/** Where the chain of merges from a ticket ends (itself when not merged). */
export async function mergeEnd(tx: Db, id: number): Promise<number> {
  let at = id;
  for (let hops = 0; hops < 100; hops++) {
    const next = await mergedInto(tx, at);
    if (next === null) return at;
    at = next;
  }
  return at;
}

async function refuseMerged(tx: Db, id: number, doing: string): Promise<void> {
  const into = await mergedInto(tx, id);
  if (into === null) return;
  const end = await mergeEnd(tx, into);
  throw new ConflictError(`#${id} is merged into #${into}${end !== into ? ` (which is merged into #${end})` : ''}: ${doing}`,
    `\`desk show ${end}\` shows the ticket it became; \`desk unmerge ${id}\` undoes the merge`);
}

async function event(tx: Db, id: number, e: TicketEvent): Promise<void> {
  await insertEvents(tx, id, [e]);
}

export interface MergeResult {
  source: number;
  target: number;
  moved: MergeMoved;
}

/** Merges `source` into `target` (see the top of this file). */
export async function mergeTicket(tx: Db, sourceId: number, targetId: number, actor: string, at: string): Promise<MergeResult> {
  if (sourceId === targetId) throw new UsageError(`cannot merge #${sourceId} into itself`);
  const source = await getTicket(tx, sourceId);
  const target = await getTicket(tx, targetId);
  await refuseMerged(tx, sourceId, `it cannot be merged into #${targetId} as well`);
  if ((await mergeEnd(tx, targetId)) === sourceId) {
    throw new ConflictError(`#${targetId} is already merged into #${sourceId}: the two are one ticket now`, `\`desk show ${sourceId}\` shows it; \`desk unmerge ${targetId}\` undoes that merge`);
  }
  await refuseMerged(tx, targetId, `merge into the ticket it became instead`);

  const messages = (await tx.selectFrom('messages').select('id').where('ticket_id', '=', sourceId).orderBy('id').execute()).map((r) => Number(r.id));
  const notes = (await tx.selectFrom('events').select('id').where('ticket_id', '=', sourceId).where('type', '=', 'note').orderBy('id').execute()).map((r) => Number(r.id));
  const tags = source.tags.filter((t) => !target.tags.includes(t));
  const cc = await ccToMove(tx, sourceId, targetId, target.requester.email);
  const moved: MergeMoved = { messages, notes, tags, status: source.status, target_created_at: target.created_at, cc };

  if (messages.length) await tx.updateTable('messages').set({ ticket_id: targetId }).where('id', 'in', messages).execute();
  if (notes.length) await tx.updateTable('events').set({ ticket_id: targetId }).where('id', 'in', notes).execute();
  if (cc.length) {
    await tx.deleteFrom('ticket_cc').where('ticket_id', '=', sourceId).execute();
    await insertCc(tx, targetId, cc.filter((c) => c.added));
  }
  if (messages.length) {
    const texts = (await tx.selectFrom('messages').select('text').where('id', 'in', messages).orderBy('id').execute()).map((r) => r.text);
    await dialectOf(tx).indexSearchText(tx, [searchRow(targetId, '', texts)]);
  }
  const reason = `merged from #${sourceId}`;
  if (tags.length) await applyChanges(tx, targetId, tags.map((tag) => ({ type: 'tag' as const, tag, reason })), actor, at);
  const created = source.created_at < target.created_at ? source.created_at : target.created_at;
  const latest = [target.updated_at, source.updated_at, at].sort().at(-1)!;
  await tx.updateTable('tickets').set({ created_at: created, updated_at: latest }).where('id', '=', targetId).execute();

  await applyChanges(tx, sourceId, [{ type: 'status', to: 'closed', reason: `merged into #${targetId}` }], actor, at);
  await tx.updateTable('tickets').set({ merged_into: targetId }).where('id', '=', sourceId).execute();
  const text = summary(moved);
  const e: TicketEvent = { at, actor, type: 'merge', from: String(sourceId), to: String(targetId), text };
  await event(tx, sourceId, e);
  await event(tx, targetId, e);
  await tx.insertInto('ticket_merges').values({ source_id: sourceId, target_id: targetId, at, actor, moved: JSON.stringify(moved), undone_at: null }).execute();
  await refreshClockInputs(tx, dialectOf(tx), [sourceId, targetId]);
  return { source: sourceId, target: targetId, moved };
}

/** The source's CC list, each marked whether the target lacks the person (and it is not the target's requester). */
async function ccToMove(tx: Db, sourceId: number, targetId: number, targetRequester: string): Promise<MovedCc[]> {
  const rows = await tx.selectFrom('ticket_cc').select(['ticket_id', 'address', 'name', 'added_at', 'source'])
    .where('ticket_id', 'in', [sourceId, targetId]).orderBy('added_at').orderBy('address').execute();
  const has = new Set(rows.filter((r) => Number(r.ticket_id) === targetId).map((r) => r.address));
  has.add(targetRequester.trim().toLowerCase());
  return rows.filter((r) => Number(r.ticket_id) === sourceId)
    .map((r) => ({ email: r.address, name: r.name, added_at: r.added_at, source: r.source, added: !has.has(r.address) }));
}

/** CC rows as they were (when added, from where) on another ticket. */
async function insertCc(tx: Db, ticketId: number, people: readonly MovedCc[]): Promise<void> {
  await insertCcRows(tx, people.map((c) => ({ ticket_id: ticketId, address: c.email, name: c.name, added_at: c.added_at, source: c.source })));
}

function summary(m: Pick<MergeMoved, 'messages' | 'notes' | 'tags'>): string {
  const n = (k: number, one: string) => `${k} ${one}${k === 1 ? '' : 's'}`;
  return `${n(m.messages.length, 'message')}, ${n(m.notes.length, 'note')}${m.tags.length ? `, tags ${m.tags.join(', ')}` : ''}`;
}

/**
 * Undoes the latest merge of `sourceId`: what that merge moved and is still on the target goes
 * back (mail that reached the target after the merge stays there), the tags it added are
 * removed, the source gets its status back, and the target's creation time is what it was
 * before its merges, or the earliest of the tickets still merged into it.
 */
export async function unmergeTicket(tx: Db, sourceId: number, actor: string, at: string): Promise<MergeResult> {
  const targetId = await mergedInto(tx, sourceId);
  if (targetId === null) throw new ConflictError(`#${sourceId} is not merged into another ticket`);
  await refuseMerged(tx, targetId, `unmerge #${targetId} first, then #${sourceId}`);
  const row = await tx.selectFrom('ticket_merges').selectAll().where('source_id', '=', sourceId).where('target_id', '=', targetId)
    .where('undone_at', 'is', null).orderBy('id', 'desc').executeTakeFirst();
  if (!row) throw new ConflictError(`#${sourceId} is marked merged into #${targetId}, but desk holds no record of what was moved`, 'nothing was changed');
  const moved = parseMoved(row.moved);
  const messages = moved.messages.length
    ? (await tx.selectFrom('messages').select('id').where('id', 'in', moved.messages).where('ticket_id', '=', targetId).execute()).map((r) => Number(r.id))
    : [];
  const notes = moved.notes.length
    ? (await tx.selectFrom('events').select('id').where('id', 'in', moved.notes).where('ticket_id', '=', targetId).execute()).map((r) => Number(r.id))
    : [];
  if (messages.length) await tx.updateTable('messages').set({ ticket_id: sourceId }).where('id', 'in', messages).execute();
  if (notes.length) await tx.updateTable('events').set({ ticket_id: sourceId }).where('id', 'in', notes).execute();
  // The CC list: the people the merge added leave the target, and the source's list is as it was.
  const addedCc = moved.cc.filter((c) => c.added).map((c) => c.email);
  if (addedCc.length) await tx.deleteFrom('ticket_cc').where('ticket_id', '=', targetId).where('address', 'in', addedCc).execute();
  await insertCc(tx, sourceId, moved.cc);
  const reason = `unmerged #${sourceId}`;
  if (moved.tags.length) await applyChanges(tx, targetId, moved.tags.map((tag) => ({ type: 'untag' as const, tag, reason })), actor, at);

  await tx.updateTable('ticket_merges').set({ undone_at: at }).where('id', '=', row.id).execute();
  // The target's own creation time: as its first merge found it; earlier only for tickets still merged into it.
  const first = await tx.selectFrom('ticket_merges').select('moved').where('target_id', '=', targetId).orderBy('id').executeTakeFirst();
  let created = first ? parseMoved(first.moved).target_created_at : '';
  const still = await tx.selectFrom('tickets').select('created_at').where('merged_into', '=', targetId).where('id', '<>', sourceId).execute();
  for (const s of still) if (!created || s.created_at < created) created = s.created_at;
  if (created) await tx.updateTable('tickets').set({ created_at: created }).where('id', '=', targetId).execute();

  await tx.updateTable('tickets').set({ merged_into: null }).where('id', '=', sourceId).execute();
  await applyChanges(tx, sourceId, [{ type: 'status', to: moved.status as Status, reason: `unmerged from #${targetId}` }], actor, at);
  const e: TicketEvent = { at, actor, type: 'unmerge', from: String(sourceId), to: String(targetId), text: summary({ messages, notes, tags: moved.tags }) };
  await event(tx, sourceId, e);
  await event(tx, targetId, e);
  await refreshClockInputs(tx, dialectOf(tx), [sourceId, targetId]);
  return { source: sourceId, target: targetId, moved: { ...moved, messages, notes } };
}

/**
 * Moves the messages with these Message-IDs from ticket `id` into a new ticket: same requester,
 * priority, tier and queue; its subject is the first moved message's (else the ticket's); its
 * creation the earliest moved message's date. The two are linked `related`. Returns the new id.
 */
export async function splitTicket(tx: Db, id: number, messageIds: readonly string[], actor: string, at: string): Promise<number> {
  const t = await getTicket(tx, id);
  await refuseMerged(tx, id, 'split the ticket it became instead');
  const all = await tx.selectFrom('messages').select(['id', 'message_id', 'date', 'subject', 'text']).where('ticket_id', '=', id).orderBy('id').execute();
  const unknown = messageIds.filter((m) => !all.some((r) => r.message_id === m));
  if (unknown.length) throw new NotFoundError(`#${id} has no message ${unknown.join(', ')}`, `\`desk show ${id} --why\` prints the message ids of the ticket`);
  const chosen = all.filter((r) => messageIds.includes(r.message_id));
  if (chosen.length === all.length) throw new UsageError(`that is every message of #${id}: leave at least one on it (a split moves some of a thread into a new ticket)`);
  const created = chosen.map((r) => r.date).sort()[0]!;
  const newId = await createTicket(tx, {
    subject: chosen.find((r) => r.subject?.trim())?.subject?.trim() ?? t.subject,
    requester: t.requester, priority: t.priority, tier: t.tier, queue: t.queue, status: 'open', created_at: created,
  });
  const pks = chosen.map((r) => Number(r.id));
  await tx.updateTable('messages').set({ ticket_id: newId }).where('id', 'in', pks).execute();
  await dialectOf(tx).indexSearchText(tx, [searchRow(newId, '', chosen.map((r) => r.text))]);
  const latest = chosen.map((r) => r.date).sort().at(-1)!;
  await tx.updateTable('tickets').set({ updated_at: latest > at ? latest : at }).where('id', '=', newId).execute();
  await tx.updateTable('tickets').set({ updated_at: at > t.updated_at ? at : t.updated_at }).where('id', '=', id).execute();
  const e: TicketEvent = { at, actor, type: 'split', from: String(id), to: String(newId), text: chosen.map((r) => r.message_id).join(' ') };
  await event(tx, id, e);
  await event(tx, newId, e);
  await writeLink(tx, newId, 'related', id, actor, at);
  await refreshClockInputs(tx, dialectOf(tx), [id, newId]);
  return newId;
}

/** Links: "OTHER is ID's <flag>". One link between two tickets; a parent chain has no loop. */
export async function linkTickets(tx: Db, id: number, flag: LinkFlag, other: number, actor: string, at: string): Promise<void> {
  linkRow(id, flag, other); // refuses a ticket linked to itself
  await getTicket(tx, id);
  await getTicket(tx, other);
  const existing = await linkBetween(tx, id, other);
  if (existing) {
    const seen = linkSeenFrom(existing, id)!;
    throw new ConflictError(`#${id} is already ${describeLink(seen)}`, `\`desk unlink ${id} ${other}\` removes that link first`);
  }
  await writeLink(tx, id, flag, other, actor, at);
}

async function writeLink(tx: Db, id: number, flag: LinkFlag, other: number, actor: string, at: string): Promise<void> {
  const row = linkRow(id, flag, other);
  if (row.kind === 'parent') {
    // The child may not be an ancestor of the parent.
    let up: number | null = row.from;
    for (let hops = 0; up !== null && hops < 1000; hops++) {
      if (up === row.to) throw new UsageError(`#${row.to} is already above #${row.from} (a parent, or a parent's parent): a loop of parents cannot be`);
      up = await parentOf(tx, up);
    }
    const has = await parentOf(tx, row.to);
    if (has !== null) throw new ConflictError(`#${row.to} already has a parent, #${has}`, `\`desk unlink ${row.to} ${has}\` first`);
  }
  await tx.insertInto('ticket_links').values({ kind: row.kind, from_id: row.from, to_id: row.to, created_at: at, actor }).execute();
  for (const [me, them] of [[row.from, row.to], [row.to, row.from]] as const) {
    await event(tx, me, { at, actor, type: 'link', from: linkSeenFrom(row, me)!.kind, to: String(them) });
  }
  ticketsChanged(tx, [row.from, row.to]);
}

/** Removes the link between two tickets (exit 3 when there is none). */
export async function unlinkTickets(tx: Db, id: number, other: number, actor: string, at: string): Promise<void> {
  const row = await linkBetween(tx, id, other);
  if (!row) throw new NotFoundError(`#${id} and #${other} are not linked`);
  await tx.deleteFrom('ticket_links').where('id', '=', row.id).execute();
  for (const [me, them] of [[row.from, row.to], [row.to, row.from]] as const) {
    await event(tx, me, { at, actor, type: 'unlink', from: linkSeenFrom(row, me)!.kind, to: String(them) });
  }
}


/** A ticket's merge and links as an import line gave them, with the id the line asked for. */
export interface ImportedRelations {
  id: number;
  merged_into: number | null;
  links: readonly TicketLink[];
}

/**
 * After an import: points imported merged tickets at their targets and makes their links. The
 * ids the lines name are mapped through `ids` (the id each line asked for → the id it got); a
 * relation to a ticket that is not in the import is skipped (in another desk, that number is
 * another ticket). A link already there is kept once. No events: the lines carry their history.
 */
export async function restoreRelations(tx: Db, relations: readonly ImportedRelations[], ids: ReadonlyMap<number, number>, actor: string, at: string): Promise<number> {
  let skipped = 0;
  for (const r of relations) {
    if (r.merged_into !== null) {
      const into = ids.get(r.merged_into);
      if (into === undefined || into === r.id) skipped++;
      else await tx.updateTable('tickets').set({ merged_into: into }).where('id', '=', r.id).execute();
    }
    for (const l of r.links) {
      const other = ids.get(l.ticket);
      if (other === undefined || other === r.id) {
        skipped++;
        continue;
      }
      if (await linkBetween(tx, r.id, other)) continue;
      const row = rowOfSeen(r.id, { kind: l.kind, ticket: other });
      await tx.insertInto('ticket_links').values({ kind: row.kind, from_id: row.from, to_id: row.to, created_at: at, actor }).execute();
    }
  }
  return skipped;
}
