// The one place that turns what desk stores into rows: tickets and their tags, messages and their
// attachments, events, search text, and which tickets' SLA clock inputs to compute again. `desk
// new`, replies and changes (repos/tickets.ts), the import (repos/bulk.ts) and the mailbox sync
// (mail/sync-batch.ts) all build their rows here, so each derived row is made one way.
//
// Rows are typed by the schema (Insertable<…>), ids are given by the database (DialectOps
// allocateIds, or `insert … returning id`), and everything runs on the write transaction the
// caller was handed by `store.write`.
//
// Versions (migration 11): every write here that changes an existing ticket (its fields, its
// events, its messages) raises the ticket's `version` by one, so that a change planned on an
// older read can tell (src/domain/stale.ts). A field change writes only where the version is
// still the one it read (`writeTicketChange`); on PostgreSQL, where ticket changes run side by
// side, another writer in between makes it throw StaleWrite, and store.write runs the whole
// transaction again on a fresh read.
import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { Attachment, Message, TicketEvent } from '../domain/types.js';
import type { CcPerson, CcSource } from '../domain/cc.js';
import type { DialectOps, EncodedRows, IdTable, SearchRow } from './dialect/types.js';
import { PendingWrites, yieldToIo } from './pending-writes.js';
import type { AttachmentsTable, CustomerAddressesTable, CustomersTable, DB, EventsTable, ImportKeysTable, MessagesTable, TicketCcTable, TicketsTable, TicketTagsTable } from './schema.js';
import { refreshClockInputs } from './repos/clock-inputs.js';
import { inKeys, lookupParts } from './lookup.js';
import { orgByDomain, domainCandidates } from '../domain/customers/org-rules.js';
import { ticketsChanged } from './ticket-changes.js';
import { hookMessagesStored, hookTicketEvents, hookTicketsCreated } from './hook-events.js';

/** A row of a table whose id the caller has from the database already. */
export type WithId<T> = Insertable<T> & { id: number };

export type TicketRow = WithId<TicketsTable>;
export type MessageRow = WithId<MessagesTable>;

/** What a new ticket's row holds besides its id and requester (its tags as a list, not JSON). */
export type TicketFields = Omit<TicketsTable, 'id' | 'requester_id' | 'clock_inputs' | 'tags' | 'version' | 'merged_into'> & { tags: readonly string[] };

/** A message as desk stores it: the domain message plus where it came from. */
export interface NewMessage extends Message {
  thread_rule?: string | null;
  raw_sha256?: string | null;
  /** content hash of synced mail (its dedupe key with the Message-ID) */
  content_sha256?: string | null;
  /** stored attachment files, relative to the data dir, in the order of `attachments` */
  attachment_paths?: (string | null)[];
}

/** A list as the JSON text columns hold it; most lists are empty. */
export const jsonList = (list: readonly string[] | undefined | null): string => (list && list.length ? JSON.stringify(list) : '[]');

// ---- derivations: one per kind of row -----------------------------------------------------

export function ticketRow(id: number, f: TicketFields, requesterId: number, clockInputs: string | null = null): TicketRow {
  return {
    id, subject: f.subject, status: f.status, priority: f.priority, tier: f.tier, queue: f.queue, assignee: f.assignee,
    tags: JSON.stringify(f.tags), requester_id: requesterId, created_at: f.created_at, updated_at: f.updated_at,
    clock_inputs: clockInputs,
  };
}

/** The ticket_tags rows of a ticket: each tag once. */
export function tagRows(ticketId: number, tags: readonly string[]): Insertable<TicketTagsTable>[] {
  return [...new Set(tags)].map((tag) => ({ ticket_id: ticketId, tag }));
}

/**
 * The ticket_cc rows of people added to a ticket's CC list (already judged by domain/cc.ts
 * ccPeople: sendable, not ours, not the requester). A person on the list already stays as they
 * were added first (the insert skips them).
 */
export function ccRows(ticketId: number, people: readonly CcPerson[], at: string, source: CcSource): Insertable<TicketCcTable>[] {
  return people.map((p) => ({ ticket_id: ticketId, address: p.email, name: p.name ?? null, added_at: at, source }));
}

/** Adds CC rows, each person once per ticket (the first one added stays), on either backend. */
export async function insertCcRows(tx: Kysely<DB>, rows: readonly Insertable<TicketCcTable>[]): Promise<void> {
  for (const part of chunks(firstOfEach(rows), 150)) {
    await tx.insertInto('ticket_cc').values(part).onConflict((oc) => oc.columns(['ticket_id', 'address']).doNothing()).execute();
  }
}

/** Each person once per ticket: the first row of each. */
function firstOfEach(rows: readonly Insertable<TicketCcTable>[]): Insertable<TicketCcTable>[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${r.ticket_id}\u0000${r.address}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** `version`: the ticket's version the event's write gave it (null for bulk-written new tickets). */
export function eventRow(ticketId: number, e: TicketEvent, version: number | null = null): Insertable<EventsTable> {
  return {
    ticket_id: ticketId, at: e.at, actor: e.actor, type: e.type,
    from_value: e.from ?? null, to_value: e.to ?? null, reason: e.reason ?? null, text: e.text ?? null, version,
  };
}

// ---- versions -----------------------------------------------------------------------------

/**
 * Another writer changed the ticket between this transaction's read and its write (possible on
 * PostgreSQL, where ticket changes run side by side). Not a user's error: store.write runs the
 * transaction again, which reads the ticket afresh and judges the change again.
 */
export class StaleWrite extends Error {
  constructor(readonly ticketId: number) {
    super(`ticket #${ticketId} changed between read and write`);
    this.name = 'StaleWrite';
  }
}

/**
 * A change's update of a ticket row: `set` and version + 1, only where the version is still
 * `read` (else StaleWrite). Returns the new version.
 */
export async function writeTicketChange(tx: Kysely<DB>, id: number, read: number, set: Updateable<TicketsTable>): Promise<number> {
  const row = await tx
    .updateTable('tickets')
    .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('version', '=', read)
    .returning('version')
    .executeTakeFirst();
  if (!row) throw new StaleWrite(id);
  return Number(row.version);
}

/** Raises a ticket's version by one (its events or messages changed); the new version, or null for no such ticket. */
export async function bumpVersion(tx: Kysely<DB>, id: number): Promise<number | null> {
  const row = await tx
    .updateTable('tickets')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .returning('version')
    .executeTakeFirst();
  return row ? Number(row.version) : null;
}

/** Raises the version of each of these tickets by one, in one statement per chunk. */
export async function bumpVersions(tx: Kysely<DB>, ids: Iterable<number>): Promise<void> {
  for (const part of chunks([...new Set(ids)], 500)) {
    await tx.updateTable('tickets').set((eb) => ({ version: eb('version', '+', 1) })).where('id', 'in', part).execute();
  }
}

/** The messages row of a message whose id the database gave. */
export function messageRow(pk: number, ticketId: number | null, m: NewMessage): MessageRow {
  // Built whole, in one shape: the bulk path reads every row's columns by fixed names.
  return {
    id: pk, ticket_id: ticketId, message_id: m.message_id, in_reply_to: m.in_reply_to ?? null, refs: jsonList(m.references),
    direction: m.direction, from_addr: m.from, from_name: m.from_name ?? null, to_addrs: jsonList(m.to), cc_addrs: jsonList(m.cc),
    date: m.date, subject: m.subject ?? null, text: m.text, html: m.html ?? null, author: m.author ?? null,
    auto_reason: m.auto ?? null, thread_rule: m.thread_rule ?? null, raw_sha256: m.raw_sha256 ?? null,
    content_sha256: m.content_sha256 ?? null,
  };
}

export function attachmentRows(messagePk: number, attachments: readonly Attachment[] | undefined, paths?: readonly (string | null)[]): Insertable<AttachmentsTable>[] {
  return (attachments ?? []).map((a, i) => ({
    message_id: messagePk, filename: a.filename, content_type: a.content_type, size: a.size, sha256: a.sha256, path: paths?.[i] ?? null,
  }));
}

/** What search finds a ticket by: its subject and message texts. */
export function searchRow(ticketId: number, subject: string | null | undefined, texts: readonly string[]): SearchRow {
  return { ticket_id: ticketId, subject: subject ?? '', body: texts.join('\n\n') };
}

// ---- many rows at once --------------------------------------------------------------------

/** Rows gathered for one write transaction, written by flush, then their derived rows by refreshDerived. */
export interface BatchWrites {
  /** Writes every gathered row, parents before children, in the caller's transaction. */
  flush(tx: Kysely<DB>): Promise<void>;
  /** Whether refreshDerived reads anything (a ticket's messages and events). */
  readonly refreshes: boolean;
  /** After the rows (and anything the caller wrote after them, e.g. triage rules' changes) are in. */
  refreshDerived(tx: Kysely<DB>): Promise<void>;
}

/**
 * Several writes as one, written in turn in one transaction; prepared ones next to each other as
 * one (PreparedWrites.concat: a statement per table instead of one per table and part).
 */
export function writesInTurn(list: readonly BatchWrites[]): BatchWrites {
  const joined: BatchWrites[] = [];
  let run: PreparedWrites[] = [];
  const endRun = () => {
    if (run.length) joined.push(PreparedWrites.concat(run));
    run = [];
  };
  for (const w of list) {
    if (w instanceof PreparedWrites) run.push(w);
    else {
      endRun();
      joined.push(w);
    }
  }
  endRun();
  if (joined.length === 1) return joined[0]!;
  return {
    async flush(tx) {
      for (const w of joined) await w.flush(tx);
    },
    get refreshes() {
      return joined.some((w) => w.refreshes);
    },
    async refreshDerived(tx) {
      for (const w of joined) await w.refreshDerived(tx);
    },
  };
}

/** A new ticket of prepared writes, for the hooks: its id and when it was created. */
interface PreparedTicket {
  id: number;
  at: string;
}

/** A new ticket's first incoming message, for the hooks (hookMessagesStored reads only that one of a new ticket's). */
interface PreparedMessage {
  id: number;
  ticket_id: number;
  direction: string;
  auto_reason: string | null;
}

/**
 * Writes of new tickets whose bulk data was made ahead (TicketWrites.prepare): the data by table,
 * in the order flush sends it, and the little the transaction tells besides.
 */
export class PreparedWrites implements BatchWrites {
  constructor(
    private readonly ops: DialectOps,
    private readonly tables: readonly [string, EncodedRows][],
    private readonly created: readonly PreparedTicket[],
    private readonly incoming: readonly PreparedMessage[],
    private readonly refresh: readonly number[],
  ) {}

  /**
   * One write of several prepared in turn (the parts of a planned batch): each table's data in
   * one statement, tables in the order of their first part (parents before children in each).
   */
  static concat(parts: readonly PreparedWrites[]): PreparedWrites {
    if (parts.length === 1) return parts[0]!;
    // (each part lists every table, in the same order)
    const byTable = new Map<string, { columns: readonly string[]; pieces: Buffer[] }>();
    for (const p of parts) {
      for (const [table, data] of p.tables) {
        let into = byTable.get(table);
        if (!into) byTable.set(table, (into = { columns: data.columns, pieces: [] }));
        if (!data.parts.length) continue;
        if (!into.columns.length) into.columns = data.columns;
        else if (into.columns.join() !== data.columns.join()) throw new Error(`desk bug: ${table} rows of one batch in two shapes`);
        for (const part of data.parts) for (const piece of part) into.pieces.push(piece);
      }
    }
    return new PreparedWrites(
      parts[0]!.ops,
      [...byTable].map(([table, d]) => [table, { columns: d.columns, parts: d.pieces.length ? [d.pieces] : [] }]),
      parts.flatMap((p) => p.created), parts.flatMap((p) => p.incoming), parts.flatMap((p) => p.refresh),
    );
  }

  async flush(tx: Kysely<DB>): Promise<void> {
    const pending = new PendingWrites();
    try {
      for (const [table, data] of this.tables) await this.ops.bulkInsert(tx, table, data, pending);
    } catch (err) {
      await pending.settle(); // a statement sent earlier that failed is what went wrong
      throw err;
    }
    hookTicketsCreated(tx, this.created);
    hookMessagesStored(tx, this.incoming);
    ticketsChanged(tx, this.created.map((t) => t.id));
    await pending.settle();
  }

  get refreshes(): boolean {
    return this.refresh.length > 0;
  }

  async refreshDerived(tx: Kysely<DB>): Promise<void> {
    await refreshClockInputs(tx, this.ops, this.refresh);
  }
}

/**
 * Rows of many tickets and messages gathered, then written in one go through the dialect's bulk
 * path (the import and the sync: tens of thousands of rows a transaction).
 */
export class TicketWrites implements BatchWrites {
  /** new requesters, with the ids the writer was given for them */
  readonly requesters: { id: number; email: string; name: string | null }[] = [];
  readonly tickets: TicketRow[] = [];
  readonly tags: Insertable<TicketTagsTable>[] = [];
  readonly messages: MessageRow[] = [];
  readonly attachments: Insertable<AttachmentsTable>[] = [];
  readonly events: Insertable<EventsTable>[] = [];
  readonly importKeys: Insertable<ImportKeysTable>[] = [];
  readonly cc: Insertable<TicketCcTable>[] = [];
  readonly search: SearchRow[] = [];
  /** existing tickets whose updated_at moves up to this time (when later) */
  private readonly touched = new Map<number, string>();
  /** tickets whose clock inputs the database computes once the rows are in */
  private readonly refresh = new Set<number>();
  /**
   * The customers the new tickets' requesters become (linkCustomers): worked out by flush from
   * what the database holds, unless the writer knew them beforehand (an import's planned batch,
   * ./import-plan.ts).
   */
  customerLinks?: CustomerLinks;

  constructor(private readonly ops: DialectOps) {}

  addTicket(id: number, f: TicketFields, requesterId: number, clockInputs: string | null = null): TicketRow {
    const row = ticketRow(id, f, requesterId, clockInputs);
    this.tickets.push(row);
    if (f.tags.length) for (const t of tagRows(id, f.tags)) this.tags.push(t);
    return row;
  }

  addMessage(pk: number, ticketId: number | null, m: NewMessage): MessageRow {
    const row = messageRow(pk, ticketId, m);
    this.messages.push(row);
    if (m.attachments?.length) for (const a of attachmentRows(pk, m.attachments, m.attachment_paths)) this.attachments.push(a);
    return row;
  }

  addEvent(ticketId: number, e: TicketEvent): void {
    this.events.push(eventRow(ticketId, e));
  }

  /** People who join the ticket's CC list (ccPeople judged them), at `at`. */
  addCc(ticketId: number, people: readonly CcPerson[], at: string, source: CcSource): void {
    for (const r of ccRows(ticketId, people, at, source)) this.cc.push(r);
  }

  addSearch(ticketId: number, subject: string | null | undefined, texts: readonly string[]): void {
    this.search.push(searchRow(ticketId, subject, texts));
  }

  /** An existing ticket got mail that arrived at `at`: its updated_at follows (never goes back). */
  touch(ticketId: number, at: string): void {
    const prev = this.touched.get(ticketId);
    if (prev === undefined || prev < at) this.touched.set(ticketId, at);
  }

  /** These tickets' clock inputs are computed by the database after the write. */
  refreshClockInputs(ticketIds: Iterable<number>): void {
    for (const id of ticketIds) this.refresh.add(id);
  }

  /** Writes every gathered row, parents before children, in the caller's transaction. */
  async flush(tx: Kysely<DB>): Promise<void> {
    const ops = this.ops;
    // The rows' statements are sent without waiting for each (PostgreSQL): while the server
    // inserts one table's rows, the next table's are built (store/pending-writes.ts).
    const pending = new PendingWrites();
    const bulk = (table: keyof DB, rows: readonly object[]) => bulkInsert(ops, tx, table, rows as Insertable<DB[keyof DB]>[], pending);
    const fresh = this.freshIds();
    try {
      await bulk('requesters', this.requesters);
      // Customers next: they read only requesters, so nothing sent here holds them up.
      if (this.customerLinks) {
        await bulk('customers', this.customerLinks.customers);
        await bulk('customer_addresses', this.customerLinks.addresses);
      } else this.customerLinks = await linkCustomers(tx, ops, this.tickets);
      for (const [table, rows] of this.bulkRows(fresh)) await bulk(table, rows);
      await insertCcRows(tx, this.cc.filter((r) => !fresh.has(r.ticket_id)));
      await ops.indexSearchText(tx, this.search, fresh, pending);
    } catch (err) {
      await pending.settle(); // a statement sent earlier that failed is what went wrong
      throw err;
    }
    // What the transaction tells on commit, worked out while the server still loads the rows
    // (kept per transaction: a write that fails rolls it back with them).
    const changed = new Set<number>(); // existing tickets that got messages or events here: one version up each
    for (const m of this.messages) if (m.ticket_id != null && !fresh.has(m.ticket_id)) changed.add(m.ticket_id);
    for (const e of this.events) if (!fresh.has(e.ticket_id)) changed.add(e.ticket_id);
    for (const id of this.touched.keys()) if (!fresh.has(id)) changed.add(id);
    hookTicketsCreated(tx, this.tickets.map((t) => ({ id: t.id, at: t.created_at })));
    hookMessagesStored(tx, this.messages);
    const eventsOf = new Map<number, TicketEvent[]>();
    for (const e of this.events) {
      if (fresh.has(e.ticket_id)) continue;
      const list = eventsOf.get(e.ticket_id) ?? [];
      list.push({ type: e.type as TicketEvent['type'], at: e.at, actor: e.actor, from: e.from_value, to: e.to_value, reason: e.reason, text: e.text });
      eventsOf.set(e.ticket_id, list);
    }
    for (const [id, list] of eventsOf) hookTicketEvents(tx, id, list);
    ticketsChanged(tx, fresh);
    ticketsChanged(tx, changed);
    await pending.settle();
    await touchTickets(tx, [...this.touched]);
    await bumpVersions(tx, changed);
  }

  /**
   * The bulk data of every row gathered, made now where the dialect can (PostgreSQL's COPY data),
   * as writes of their own that keep only what their flush needs: an import's planned part of a
   * batch, before its transaction, so that the rows (and the tickets they were made from) can go
   * as soon as their lines are read. Undefined where the dialect makes no bulk data ahead, a value
   * has none, or a row belongs to a ticket these writes do not create (those take lookups and
   * version bumps that only flush does). Pauses now and then, so that statements pending meanwhile
   * (the batch before) go on. `textsAsStored`: every text of the rows is as DialectOps.storedText
   * gives it (an import's batch, keyed as stored), and texts made from them (JSON, search words)
   * are too.
   */
  async prepare(textsAsStored = false): Promise<PreparedWrites | undefined> {
    const encode = this.ops.encodeRows?.bind(this.ops);
    // (without its customers, they are worked out in the transaction)
    if (!encode || !this.ops.searchTableRows || !this.customerLinks) return undefined;
    const fresh = this.freshIds();
    const ofFresh = (id: number | null | undefined) => id != null && fresh.has(id);
    if (this.touched.size || !this.messages.every((m) => ofFresh(m.ticket_id)) || !this.events.every((e) => ofFresh(e.ticket_id)) || !this.cc.every((r) => ofFresh(r.ticket_id))) return undefined;
    // The search rows a thousand tickets at a time (their words: ~5 ms), then the connection may
    // send on. (The dialect's search table is the same for any rows: asked with none.)
    const searchTable = { table: this.ops.searchTableRows([]).table, rows: [] as Record<string, unknown>[] };
    for (let i = 0; i < this.search.length; i += 1000) {
      for (const row of this.ops.searchTableRows(this.search.slice(i, i + 1000)).rows) searchTable.rows.push(row);
      await yieldToIo();
    }
    // In flush's order: parents before children.
    const tables: [string, readonly object[]][] = [
      ['requesters', this.requesters], ['customers', this.customerLinks.customers], ['customer_addresses', this.customerLinks.addresses],
      ...this.bulkRows(fresh), [searchTable.table, searchTable.rows],
    ];
    const encoded: [string, EncodedRows][] = [];
    for (const [table, rows] of tables) {
      const data = await encode(table, rows as Record<string, unknown>[], textsAsStored);
      if (!data) return undefined; // a value COPY text cannot carry: flush makes them as it goes
      encoded.push([table, data]); // (every table, rows or not: concat keeps this order)
    }
    // Of a new ticket's messages, hooks read its first incoming one (hookMessagesStored).
    const firstIncoming = new Map<number, PreparedMessage>();
    for (const m of this.messages) {
      if (m.direction === 'in' && !firstIncoming.has(m.ticket_id!)) firstIncoming.set(m.ticket_id!, { id: m.id, ticket_id: m.ticket_id!, direction: m.direction, auto_reason: m.auto_reason ?? null });
    }
    return new PreparedWrites(this.ops, encoded, this.tickets.map((t) => ({ id: t.id, at: t.created_at })), [...firstIncoming.values()], [...this.refresh]);
  }

  /** The ids of the tickets these writes create. */
  private freshIds(): Set<number> {
    return new Set(this.tickets.map((t) => t.id));
  }

  /** The tables flush writes by the bulk path after the customers, and their rows (`fresh`: freshIds, when at hand). */
  private bulkRows(fresh?: ReadonlySet<number>): [keyof DB, readonly object[]][] {
    // (most batches have no CC rows: no set of their new tickets made for them)
    const newCc = this.cc.length ? firstOfEach(this.cc.filter((r) => (fresh ??= this.freshIds()).has(r.ticket_id))) : [];
    return [
      ['tickets', this.tickets], ['ticket_tags', this.tags], ['messages', this.messages], ['attachments', this.attachments],
      ['events', this.events], ['import_keys', this.importKeys],
      // A ticket made here has no CC list yet: its people go in by the bulk path (each once).
      ['ticket_cc', newCc],
    ];
  }

  /** Whether refreshDerived reads anything (a ticket's messages and events). */
  get refreshes(): boolean {
    return this.refresh.size > 0;
  }

  /** After the rows (and anything the caller wrote after them, e.g. triage rules' changes) are in. */
  async refreshDerived(tx: Kysely<DB>): Promise<void> {
    await refreshClockInputs(tx, this.ops, this.refresh);
  }
}

// ---- customers (migration 15) ---------------------------------------------------------------

/** The customers rows (and their addresses) that requesters become. */
export interface CustomerLinks {
  customers: Insertable<CustomersTable>[];
  addresses: Insertable<CustomerAddressesTable>[];
}

/**
 * When each requester's first ticket among these (in the order they are written) was created: as
 * if each ticket came in a transaction of its own, so that an import's customers do not depend
 * on where its batches end.
 */
export function firstTicketAt(tickets: readonly { requester_id: number; created_at: string }[]): Map<number, string> {
  const firstAt = new Map<number, string>();
  for (const t of tickets) if (!firstAt.has(t.requester_id)) firstAt.set(t.requester_id, t.created_at);
  return firstAt;
}

/**
 * The customers that requesters without one become (pure): id = the requester's id, named as the
 * requester, created with its first ticket (`firstAt`), in the organisation whose domain rule its
 * address matches (`rules`: domain → organisation id).
 */
export function customerLinkRows(unlinked: readonly { id: number; email: string; name: string | null }[], firstAt: ReadonlyMap<number, string>, rules: ReadonlyMap<string, number>): CustomerLinks {
  return {
    customers: unlinked.map((r) => ({ id: r.id, name: r.name, notes: null, created_at: firstAt.get(r.id)!, org_id: orgByDomain(r.email, rules), org_by_hand: 0 })),
    addresses: unlinked.map((r) => ({ address: r.email, customer_id: r.id })),
  };
}

async function writeCustomerLinks(tx: Kysely<DB>, ops: DialectOps, links: CustomerLinks, pending?: PendingWrites): Promise<void> {
  await bulkInsert(ops, tx, 'customers', links.customers, pending);
  await bulkInsert(ops, tx, 'customer_addresses', links.addresses, pending);
}

/**
 * Every new ticket's requester is a customer's address: a requester whose address belongs to no
 * customer becomes a customer of its own (customerLinkRows). Runs in the transaction that writes
 * the tickets, whichever way they came; returns the rows it wrote.
 */
export async function linkCustomers(tx: Kysely<DB>, ops: DialectOps, tickets: readonly { requester_id: number; created_at: string }[]): Promise<CustomerLinks> {
  const firstAt = firstTicketAt(tickets);
  const links: CustomerLinks = { customers: [], addresses: [] };
  // (one statement a batch on PostgreSQL: lookup.ts)
  for (const part of lookupParts(ops, [...firstAt.keys()])) {
    const rows = await tx.selectFrom('requesters as r')
      .leftJoin('customer_addresses as ca', 'ca.address', 'r.email')
      .select(['r.id', 'r.email', 'r.name'])
      .where(inKeys(ops, 'r.id', part, 'integer')).where('ca.customer_id', 'is', null)
      .orderBy('r.id')
      .execute();
    if (!rows.length) continue;
    const rules = await domainRules(tx, rows.map((r) => r.email), ops);
    const made = customerLinkRows(rows.map((r) => ({ id: Number(r.id), email: r.email, name: r.name })), firstAt, rules);
    await writeCustomerLinks(tx, ops, made);
    links.customers.push(...made.customers);
    links.addresses.push(...made.addresses);
  }
  return links;
}

/** The domain rules that may apply to these addresses: domain → organisation id. */
export async function domainRules(tx: Kysely<DB>, addresses: readonly string[], ops?: DialectOps): Promise<Map<string, number>> {
  const domains = [...new Set(addresses.flatMap(domainCandidates))];
  const rules = new Map<string, number>();
  for (const part of ops ? lookupParts(ops, domains) : chunks(domains, 500)) {
    const q = tx.selectFrom('org_domains').select(['domain', 'org_id']);
    for (const r of await (ops ? q.where(inKeys(ops, 'domain', part, 'text')) : q.where('domain', 'in', part)).execute()) rules.set(r.domain, Number(r.org_id));
  }
  return rules;
}

/** The dialect's bulk path with rows checked against the table's type. */
export function bulkInsert<T extends keyof DB>(ops: DialectOps, tx: Kysely<DB>, table: T, rows: readonly Insertable<DB[T]>[] | EncodedRows, pending?: PendingWrites): Promise<void> {
  return ops.bulkInsert(tx, table, rows as unknown as Record<string, unknown>[] | EncodedRows, pending);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** updated_at = max(updated_at, arrival) for each ticket, in one statement per chunk. */
async function touchTickets(tx: Kysely<DB>, touched: [number, string][]): Promise<void> {
  for (const part of chunks(touched, 300)) {
    const cases = part.map(([id, at]) => sql`when ${id} then (case when updated_at < ${at} then ${at} else updated_at end)`);
    await sql`update tickets set updated_at = case id ${sql.join(cases, sql` `)} else updated_at end
      where id in (${sql.join(part.map(([id]) => id))})`.execute(tx);
  }
}

/** Asks for a block of `count` ids above `floor` (DialectOps.allocateIds in a write transaction); returns the first. */
export type IdAllocator = (count: number, floor: number) => Promise<number>;

/**
 * Hands out ids of one table from blocks the database gives (DialectOps.allocateIds), each id
 * above `floor` when asked: ids given earlier in the same transaction are not in the table yet,
 * so the floor carries them.
 */
export class IdBlocks {
  private next_ = 0;
  private end = 0;
  constructor(private readonly allocate: IdAllocator) {}

  /** Blocks of the table's ids from the database, in the write transaction `tx`. */
  static of(tx: Kysely<DB>, ops: DialectOps, table: IdTable): IdBlocks {
    return new IdBlocks((count, floor) => ops.allocateIds(tx, table, count, floor));
  }

  /** The next id above `floor` from the block in hand, or undefined when `take` must ask the database. */
  next(floor = 0): number | undefined {
    return this.next_ < this.end && this.next_ > floor ? this.next_++ : undefined;
  }

  /** Asks the database for a block of `count` ids at once (when the caller knows how many it needs at most). */
  async reserve(count: number): Promise<void> {
    if (count <= 0) return;
    this.next_ = await this.allocate(count, Math.max(0, this.next_ - 1));
    this.end = this.next_ + count;
  }

  /** The next id, above `floor`; `expected`: how many more ids this transaction may ask for (the block size). */
  async take(expected: number, floor = 0): Promise<number> {
    const id = this.next(floor);
    if (id !== undefined) return id;
    const count = Math.max(1, expected);
    this.next_ = await this.allocate(count, Math.max(floor, this.next_ - 1));
    this.end = this.next_ + count;
    return this.next_++;
  }
}
