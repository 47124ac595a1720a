// Tickets, their events and messages: rows in, domain objects out.
import { sql, type Kysely, type Selectable, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { ConflictError, NotFoundError } from '../../errors.js';
import { planChanges, type Change } from '../../domain/ticket.js';
import { judgeStale, staleMessage, type Basis } from '../../domain/stale.js';
import { checkIdentifier } from '../../domain/identifiers.js';
import type { TicketFilter } from '../../domain/filters.js';
import type { Attachment, Message, Priority, Status, Ticket, TicketEvent, TicketWithHistory } from '../../domain/types.js';
import type { DB, EventsTable } from '../schema.js';
import { dialectOf } from '../handle.js';
import { bumpVersion, eventRow, searchRow, tagRows, TicketWrites, writeTicketChange, type NewMessage } from '../writes.js';
import { refreshClockInputs } from './clock-inputs.js';
import { ccOfTickets } from './cc.js';
import { ticketsChanged } from '../ticket-changes.js';
import { linksOfTickets } from './links.js';
import { notifyOfEvents } from './notifications.js';
import { hookTicketEvents } from '../hook-events.js';
import { queryCondition, requiredWords } from '../query.js';
import { commonTerms, type CommonTerms } from '../common-terms.js';

type Db = Kysely<DB>;

const TICKET_COLUMNS = [
  't.id', 't.subject', 't.status', 't.priority', 't.tier', 't.queue', 't.assignee', 't.tags',
  't.created_at', 't.updated_at', 't.version', 't.merged_into', 'r.email as requester_email', 'r.name as requester_name',
  'c.name as customer_name', 'o.name as organisation',
] as const;

interface TicketRow {
  id: number; subject: string; status: string; priority: string; tier: string; queue: string | null;
  assignee: string | null; tags: string; created_at: string; updated_at: string; version: number;
  merged_into: number | null; requester_email: string; requester_name: string | null;
  customer_name: string | null; organisation: string | null;
}

export function rowToTicket(r: TicketRow): Ticket {
  return {
    id: Number(r.id),
    subject: r.subject,
    status: r.status as Status,
    priority: r.priority as Priority,
    tier: r.tier,
    queue: r.queue,
    assignee: r.assignee,
    tags: JSON.parse(r.tags) as string[],
    requester: { email: r.requester_email, name: r.requester_name },
    customer: { name: r.customer_name ?? null, organisation: r.organisation ?? null },
    created_at: r.created_at,
    updated_at: r.updated_at,
    version: Number(r.version),
    merged_into: r.merged_into == null ? null : Number(r.merged_into),
  };
}

function baseQuery(db: Db) {
  return db.selectFrom('tickets as t').innerJoin('requesters as r', 'r.id', 't.requester_id')
    .leftJoin('customer_addresses as ca', 'ca.address', 'r.email')
    .leftJoin('customers as c', 'c.id', 'ca.customer_id')
    .leftJoin('organisations as o', 'o.id', 'c.org_id')
    .select(TICKET_COLUMNS);
}

export async function getTicket(db: Db, id: number): Promise<Ticket> {
  const row = await baseQuery(db).where('t.id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`no ticket #${id}`);
  return rowToTicket(row as TicketRow);
}

export async function ticketExists(db: Db, id: number): Promise<boolean> {
  return !!(await db.selectFrom('tickets').select('id').where('id', '=', id).executeTakeFirst());
}

function applyFilter<O>(db: Db, q: SelectQueryBuilder<any, any, O>, f: TicketFilter, common?: Partial<CommonTerms> & { wordSets?: boolean }): SelectQueryBuilder<any, any, O> {
  if (f.query) q = q.where(queryCondition(f.query.node, { dialect: dialectOf(db).name, now: f.query.now, commonTags: common?.tags, commonWords: common?.words, wordSets: common?.wordSets }));
  if (f.ids) q = q.where('t.id', 'in', f.ids.length ? f.ids : [-1]);
  if (f.statuses) q = q.where('t.status', 'in', f.statuses.length ? f.statuses : ['']);
  if (f.priorities) q = q.where('t.priority', 'in', f.priorities);
  if (f.queues) q = q.where('t.queue', 'in', f.queues);
  if (f.tiers) q = q.where('t.tier', 'in', f.tiers);
  if (f.assignee === null) q = q.where('t.assignee', 'is', null);
  else if (f.assignee !== undefined) q = q.where('t.assignee', '=', f.assignee);
  if (f.requester) q = q.where('r.email', '=', f.requester);
  if (f.org !== undefined) {
    const org = f.org;
    q = q.where('t.requester_id', 'in', (eb: any) => eb.selectFrom('requesters as r2')
      .innerJoin('customer_addresses as ca2', 'ca2.address', 'r2.email')
      .innerJoin('customers as c2', 'c2.id', 'ca2.customer_id')
      .select('r2.id')
      .where('c2.org_id', '=', org));
  }
  if (f.linkedTo !== undefined) {
    const other = f.linkedTo;
    q = q.where((eb) => eb.or([
      eb('t.id', 'in', eb.selectFrom('ticket_links').select('to_id').where('from_id', '=', other)),
      eb('t.id', 'in', eb.selectFrom('ticket_links').select('from_id').where('to_id', '=', other)),
    ]));
  }
  for (const tag of f.tags ?? []) {
    q = q.where(({ exists, selectFrom }) =>
      exists(selectFrom('ticket_tags as tt').select('tt.ticket_id').whereRef('tt.ticket_id', '=', 't.id').where('tt.tag', '=', tag)),
    );
  }
  return q;
}

export type ListSort = 'updated' | 'created' | 'priority';

/** `walkWindow`: how many tickets a walk looks at before it reads a word's set (WALK_WINDOW). */
export async function listTickets(db: Db, filter: TicketFilter, sort: ListSort, limit?: number, { walkWindow = WALK_WINDOW } = {}): Promise<Ticket[]> {
  // A page in the order of an index: a common tag or word is checked per ticket along it
  // (store/common-terms.ts). Walking costs in proportion to how far the page lies, and the query's
  // other terms may put it far away (or nowhere): for a word, the walk looks at the newest
  // WALK_WINDOW tickets of that order first. Found there, the page is the page (every ticket
  // outside the window comes later); else the word's tickets are read as a set and sorted, unless
  // the word is in so much of the desk that walking on costs less. (A common tag's set is large by
  // definition: its walk goes on.)
  if (limit !== undefined && sort !== 'priority' && filter.query && dialectOf(db).name === 'sqlite') {
    let common: CommonTerms = await commonTerms(db, filter.query.node);
    if (common.words.size) {
      const edge = await windowEdge(db, sort, walkWindow);
      if (edge) {
        const page = await listQuery(db, filter, sort, limit, common, edge);
        if (page.length === limit) return page;
        common = { ...common, words: common.widespreadWords };
      }
    }
    return listQuery(db, filter, sort, limit, common);
  }
  return listQuery(db, filter, sort, limit);
}

/** How many tickets of a list's order a walk along its index looks at, at most. */
export const WALK_WINDOW = 20_000;

/** The time of the last of the first `window` tickets in this order (undefined: the desk has no more). */
async function windowEdge(db: Db, sort: 'updated' | 'created', window: number): Promise<WindowEdge | undefined> {
  const column = sort === 'updated' ? 't.updated_at' : 't.created_at';
  const row = await db.selectFrom('tickets as t').select(sql<string>`${sql.ref(column)}`.as('at'))
    .orderBy(column, 'desc').offset(window - 1).limit(1).executeTakeFirst();
  return row ? { column, at: row.at } : undefined;
}

/** Where a walk's window ends: the sort column, and its value at the window's last ticket. */
interface WindowEdge {
  column: 't.updated_at' | 't.created_at';
  at: string;
}

async function listQuery(db: Db, filter: TicketFilter, sort: ListSort, limit?: number, common?: CommonTerms, edge?: WindowEdge): Promise<Ticket[]> {
  let q = applyFilter(db, baseQuery(db), filter, common);
  // (the window's edge by time alone: a range of the index; a few more tickets of the edge's very
  // time make it no less true that every ticket outside comes later)
  if (edge) q = q.where(edge.column, '>=', edge.at);
  if (sort === 'updated') q = q.orderBy('t.updated_at', 'desc').orderBy('t.id', 'desc');
  else if (sort === 'created') q = q.orderBy('t.created_at', 'desc').orderBy('t.id', 'desc');
  else {
    q = q
      .orderBy(sql`case t.priority when 'urgent' then 0 when 'high' then 1 when 'normal' then 2 else 3 end`)
      .orderBy('t.created_at', 'asc');
  }
  if (limit !== undefined) q = q.limit(limit);
  return ((await q.execute()) as TicketRow[]).map(rowToTicket);
}

/**
 * How many tickets match, counting at most `cap` + 1 of them when a cap is given (a result above
 * `cap` means "more than cap"): a cut list says "showing 50 of 1000+" instead of counting a
 * million rows. Requesters are joined only when the filter names one (every ticket has one).
 */
export async function countTickets(db: Db, filter: TicketFilter, cap?: number): Promise<number> {
  if (cap !== undefined && filter.query && dialectOf(db).name === 'postgres') {
    const sampled = await countFromSample(db, filter, cap);
    if (sampled !== undefined) return sampled;
  }
  const from = countedTickets(db, filter);
  // Counting up to a cap stops early too when a common tag is probed per ticket (store/common-terms.ts).
  // (A word's tickets are counted from its set, which its index gives at once: at most cap + 1
  // look-ups, where checking tickets one by one against it would read a hundred per match.)
  const stopsEarly = cap !== undefined && filter.query && dialectOf(db).name === 'sqlite';
  let matching = applyFilter(db, from.select(sql<number>`1`.as('one')), filter, stopsEarly ? { tags: (await commonTerms(db, filter.query!.node)).tags } : { wordSets: true });
  if (cap !== undefined) matching = matching.limit(cap + 1);
  const row = await db.selectFrom(matching.as('m')).select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
  return Number((row as { n: number | string } | undefined)?.n ?? 0);
}

/** The tickets a count reads: requesters joined only when the filter names one (every ticket has one). */
function countedTickets(db: Db, filter: TicketFilter) {
  return filter.requester
    ? db.selectFrom('tickets as t').innerJoin('requesters as r', 'r.id', 't.requester_id')
    : db.selectFrom('tickets as t');
}

/** PostgreSQL: how many search rows of a word countFromSample reads. */
const WORD_SAMPLE = 2_002;

/**
 * PostgreSQL, a count up to `cap` of a query that requires a word: counted among the first
 * WORD_SAMPLE search rows holding the word. More than `cap` tickets there, or every row of the
 * word read, is the answer; else (a restrictive query: undefined) the caller counts in full. A
 * common word's count then reads some 2,000 of its rows (a few ms) instead of all of them (10,000
 * at a million tickets: ~30 ms, as long as the page itself).
 */
async function countFromSample(db: Db, filter: TicketFilter, cap: number): Promise<number | undefined> {
  const words = requiredWords(filter.query!.node);
  if (!words) return undefined;
  const rest: TicketFilter = { ...filter, query: { ...filter.query!, node: words.rest } };
  const matching = applyFilter(db, countedTickets(db, rest).select(sql<number>`1`.as('one')), rest, { wordSets: true })
    .where(sql<SqlBool>`t.id in (select ticket_id from desk_sample)`).limit(cap + 1);
  const row = (await sql<{ n: number; read: number }>`
    with desk_sample as materialized (select s.ticket_id from search_fts s where s.document @@ ${words.match} limit ${WORD_SAMPLE})
    select (select count(*) from desk_sample) as read, (select count(*) from (${matching}) m) as n`.execute(db)).rows[0]!;
  const n = Number(row.n);
  return n > cap || Number(row.read) < WORD_SAMPLE ? n : undefined;
}

// ---- history ----------------------------------------------------------------------------

const CHANGE_EVENTS = new Set(['status', 'priority', 'queue', 'assign', 'escalate', 'subject']);

function rowToEvent(r: Selectable<EventsTable>): TicketEvent {
  const e: TicketEvent = { at: r.at, actor: r.actor, type: r.type as TicketEvent['type'] };
  // Field changes always say from and to (null = unset); other events only what they carry.
  if (CHANGE_EVENTS.has(r.type) || r.from_value !== null) e.from = r.from_value;
  if (CHANGE_EVENTS.has(r.type) || r.to_value !== null) e.to = r.to_value;
  if (r.reason !== null) e.reason = r.reason;
  if (r.text !== null) e.text = r.text;
  return e;
}

export interface StoredMessage extends Message {
  /** row id, for attachments and outbox */
  pk: number;
  ticket_id: number | null;
  thread_rule: string | null;
}

function rowToMessage(r: any, attachments: Attachment[]): StoredMessage {
  return {
    pk: Number(r.id),
    ticket_id: r.ticket_id === null ? null : Number(r.ticket_id),
    message_id: r.message_id,
    in_reply_to: r.in_reply_to,
    references: JSON.parse(r.refs),
    direction: r.direction,
    from: r.from_addr,
    from_name: r.from_name,
    to: JSON.parse(r.to_addrs),
    cc: JSON.parse(r.cc_addrs),
    date: r.date,
    subject: r.subject,
    text: r.text,
    html: r.html,
    attachments,
    author: r.author,
    auto: r.auto_reason,
    thread_rule: r.thread_rule,
  };
}

/** Loads tickets with all their messages and events, in id order, with a fixed number of queries. */
export async function loadHistories(db: Db, ids: number[]): Promise<(TicketWithHistory & { messages: StoredMessage[] })[]> {
  if (ids.length === 0) return [];
  const out: (TicketWithHistory & { messages: StoredMessage[] })[] = [];
  const chunk = 900;
  for (let i = 0; i < ids.length; i += chunk) {
    const part = ids.slice(i, i + chunk);
    const reads = [
      () => baseQuery(db).where('t.id', 'in', part).orderBy('t.id').execute(),
      () => db.selectFrom('messages').selectAll().where('ticket_id', 'in', part).orderBy('id').execute(),
      () => db.selectFrom('events').selectAll().where('ticket_id', 'in', part).orderBy('id').execute(),
    ] as const;
    // One ticket (show, reply) reads in turn: on PostgreSQL, reading at once opens a connection
    // per query, and starting two more server processes costs more than two round trips.
    const [tickets, messages, events] = part.length === 1
      ? [await reads[0](), await reads[1](), await reads[2]()]
      : await Promise.all([reads[0](), reads[1](), reads[2]()]);
    const msgPks = messages.map((m) => m.id);
    const atts = new Map<number, Attachment[]>();
    for (let j = 0; j < msgPks.length; j += chunk) {
      const rows = await db.selectFrom('attachments').selectAll().where('message_id', 'in', msgPks.slice(j, j + chunk)).orderBy('id').execute();
      for (const a of rows) {
        const list = atts.get(a.message_id) ?? [];
        list.push({ filename: a.filename, content_type: a.content_type, size: Number(a.size), sha256: a.sha256 });
        atts.set(a.message_id, list);
      }
    }
    const cc = await ccOfTickets(db, part);
    const byTicket = new Map<number, TicketWithHistory & { messages: StoredMessage[] }>();
    for (const t of tickets) {
      const ticket = rowToTicket(t as TicketRow);
      const h = { ...ticket, cc: cc.get(ticket.id) ?? [], messages: [] as StoredMessage[], events: [] as TicketEvent[] };
      byTicket.set(h.id, h);
      out.push(h);
    }
    for (const m of messages) byTicket.get(Number(m.ticket_id))?.messages.push(rowToMessage(m, atts.get(m.id) ?? []));
    for (const e of events) byTicket.get(Number(e.ticket_id))?.events.push(rowToEvent(e));
    const links = await linksOfTickets(db, part);
    for (const [id, list] of links) {
      const h = byTicket.get(id);
      if (h) h.links = list;
    }
  }
  return out;
}

/** The latest event of a type on a ticket, if any. */
export async function lastEventOf(db: Db, id: number, type: TicketEvent['type']): Promise<TicketEvent | undefined> {
  const row = await db.selectFrom('events').selectAll().where('ticket_id', '=', id).where('type', '=', type).orderBy('id', 'desc').executeTakeFirst();
  return row ? rowToEvent(row) : undefined;
}

export async function getTicketHistory(db: Db, id: number): Promise<TicketWithHistory & { messages: StoredMessage[] }> {
  const [h] = await loadHistories(db, [id]);
  if (!h) throw new NotFoundError(`no ticket #${id}`);
  return h;
}

// ---- writes ----------------------------------------------------------------------------

export async function upsertRequester(tx: Db, email: string, name: string | null | undefined): Promise<number> {
  const addr = email.trim().toLowerCase();
  const found = await tx.selectFrom('requesters').select(['id', 'name']).where('email', '=', addr).executeTakeFirst();
  if (found) {
    if (!found.name && name) await tx.updateTable('requesters').set({ name }).where('id', '=', found.id).execute();
    return Number(found.id);
  }
  const row = await tx.insertInto('requesters').values({ email: addr, name: name || null }).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

export interface NewTicketInput {
  subject: string;
  requester: { email: string; name?: string | null };
  status?: Status;
  priority?: Priority;
  tier?: string;
  queue?: string | null;
  assignee?: string | null;
  tags?: string[];
  created_at: string;
  id?: number;
}

export async function createTicket(tx: Db, input: NewTicketInput): Promise<number> {
  if (input.queue) checkIdentifier('queue', input.queue);
  if (input.assignee) checkIdentifier('agent name', input.assignee);
  if (input.tier) checkIdentifier('tier', input.tier);
  for (const tag of input.tags ?? []) checkIdentifier('tag', tag);
  const requesterId = await upsertRequester(tx, input.requester.email, input.requester.name);
  const ops = dialectOf(tx);
  const id = input.id ?? (await ops.allocateIds(tx, 'tickets', 1));
  const w = new TicketWrites(ops);
  w.addTicket(id, {
    subject: input.subject,
    status: input.status ?? 'open',
    priority: input.priority ?? 'normal',
    tier: input.tier ?? 'L1',
    queue: input.queue ?? null,
    assignee: input.assignee ?? null,
    tags: input.tags ?? [],
    created_at: input.created_at,
    updated_at: input.created_at,
  }, requesterId);
  w.addSearch(id, input.subject, []);
  w.refreshClockInputs([id]);
  await w.flush(tx);
  if (input.id !== undefined) await ops.allocateIds(tx, 'tickets', 0, id); // ids given later stay above it
  await w.refreshDerived(tx);
  return id;
}

export type { Basis };

/**
 * Refuses (ConflictError, exit 4) a change planned on `basis` when the ticket changed since in a
 * way the change rests on (src/domain/stale.ts), naming what changed, by whom, when.
 */
async function checkBasis(tx: Db, id: number, basis: Basis, current: Ticket, changes: Change[]): Promise<void> {
  const verdict = judgeStale(basis, current.version!, current, changes);
  if (!verdict) return;
  const rows = await tx.selectFrom('events').selectAll().where('ticket_id', '=', id).where('version', '>', basis.version).orderBy('id').execute();
  const message = staleMessage(id, verdict, rows.map(rowToEvent), { read: basis.version, now: current.version! });
  throw new ConflictError(message, `\`desk show ${id}\` shows it as it is now (version ${current.version}); decide again`);
}

/**
 * Appends the events for `changes` and updates the projection, in the caller's write transaction.
 * `basis`: the read the change was planned on (its version, and the fields seen): when the ticket
 * changed since, the change is judged against what changed (checkBasis). The row is written only
 * where its version is still the one read here (else StaleWrite: the transaction runs again).
 */
export async function applyChanges(
  tx: Db, id: number, changes: Change[], actor: string, at: string, basis?: Basis,
): Promise<TicketEvent[]> {
  const current = await getTicket(tx, id);
  if (basis) await checkBasis(tx, id, basis, current, changes);
  const { events, next } = planChanges(current, changes, actor, at);
  if (events.length === 0) return [];
  const version = await writeTicketChange(tx, id, current.version!, {
    subject: next.subject, status: next.status, priority: next.priority, tier: next.tier,
    queue: next.queue, assignee: next.assignee, tags: JSON.stringify(next.tags),
    updated_at: at > current.updated_at ? at : current.updated_at,
  });
  await insertEventRows(tx, id, events, version);
  const added = next.tags.filter((t) => !current.tags.includes(t));
  const removed = current.tags.filter((t) => !next.tags.includes(t));
  if (added.length) await tx.insertInto('ticket_tags').values(tagRows(id, added)).execute();
  if (removed.length) await tx.deleteFrom('ticket_tags').where('ticket_id', '=', id).where('tag', 'in', removed).execute();
  if (next.subject !== current.subject) await dialectOf(tx).indexSearchText(tx, [searchRow(id, next.subject, [])]);
  await refreshClockInputs(tx, dialectOf(tx), [id]);
  await notifyOfEvents(tx, id, events); // mentions and assignments, in the same transaction
  return events;
}

export async function insertEvents(tx: Db, ticketId: number, events: TicketEvent[]): Promise<void> {
  if (!events.length) return;
  await insertEventRows(tx, ticketId, events, await bumpVersion(tx, ticketId));
  if (events.some((e) => e.type === 'status')) await refreshClockInputs(tx, dialectOf(tx), [ticketId]);
}

async function insertEventRows(tx: Db, ticketId: number, events: TicketEvent[], version: number | null): Promise<void> {
  await tx.insertInto('events').values(events.map((e) => eventRow(ticketId, e, version))).execute();
  ticketsChanged(tx, [ticketId]); // every change of a ticket's fields comes with its events
  hookTicketEvents(tx, ticketId, events);
}

export type { NewMessage };

/** Stores a message on a ticket (or on none, for automatic mail that refers to no ticket). */
export async function addMessage(tx: Db, ticketId: number | null, m: NewMessage): Promise<number> {
  const ops = dialectOf(tx);
  const pk = await ops.allocateIds(tx, 'messages', 1);
  const w = new TicketWrites(ops);
  w.addMessage(pk, ticketId, m);
  if (ticketId !== null) {
    w.touch(ticketId, m.date);
    w.addSearch(ticketId, m.subject, [m.text]);
    w.refreshClockInputs([ticketId]);
  }
  await w.flush(tx);
  await w.refreshDerived(tx);
  return pk;
}

/** Moves a stored message onto a ticket (e.g. automatic mail that turned out to refer to one). */
export async function attachMessage(tx: Db, messagePk: number, ticketId: number, rule: string): Promise<void> {
  const before = await tx.selectFrom('messages').select('ticket_id').where('id', '=', messagePk).executeTakeFirst();
  await tx.updateTable('messages').set({ ticket_id: ticketId, thread_rule: rule }).where('id', '=', messagePk).execute();
  const touched = [ticketId];
  if (before?.ticket_id != null) touched.push(Number(before.ticket_id));
  for (const id of touched) await bumpVersion(tx, id);
  ticketsChanged(tx, touched);
  await refreshClockInputs(tx, dialectOf(tx), touched);
}
