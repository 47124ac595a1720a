// An import's batches planned ahead: built before their write transaction, while the batch before
// them is still being written, so that this process and the database work at once instead of
// taking turns (on PostgreSQL the server loads one batch while this process builds the next).
//
// A batch needs answers from the database before its rows can be made: which requesters exist
// and their ids, which ticket ids are taken, where new ids start, which customers the requesters
// already are. An import into a desk that had no tickets and no messages when it began knows
// those answers itself, as long as nobody else writes: the desk then holds what it held when the
// import first read it (after its first batch) plus what the import wrote since. That is what
// OwnMessageIds's mark tells, read under the writers' lock at the start of each batch (on
// PostgreSQL a count that every write of the tables the answers come from moves: migrations 25
// and 26; on SQLite the count of other connections' commits).
//
// So a planned batch is built from what the planner knows, and written as built only when, in
// its transaction, the mark has not moved and the database gives the ids the plan took
// (DialectOps.allocateIds, run again: a check of the plan that costs one statement per block).
// Otherwise it is built again the usual way, with lookups, in that transaction, and planning ends
// for the rest of the import. A batch the planner cannot answer for (lines without messages,
// found by keys it does not keep; a Message-ID the import may have written already) is built the
// usual way too, and the planner learns from it what it wrote. Before the first batch the planner
// reads the desk (start), in a transaction of its own. Either way a batch decides exactly
// as the usual way would (test/store/import-batches.test.ts).
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';
import type { DialectOps, IdTable } from './dialect/types.js';
import type { OwnMessageIds } from './own-message-ids.js';
import { buildBatch, databaseAnswers, writeBatch, type BatchAnswers, type BatchResult, type BuiltBatch, type Numbered } from './repos/bulk.js';
import { customerLinkRows, firstTicketAt } from './writes.js';
import { yieldToIo } from './pending-writes.js';

/** More requesters or tickets than this when the planner first reads the desk: it does not plan (memory). */
const MOST_KNOWN = 2_000_000;

/** What the planner knows the desk holds. */
interface Known {
  /** every requester: address → id */
  requesters: Map<string, number>;
  /** requesters that are no customer's address yet: id → address and name */
  unlinked: Map<number, { email: string; name: string | null }>;
  /** customers' addresses that are no requester's */
  customerAddresses: Set<string>;
  /** organisations' domain rules: domain → organisation id */
  orgDomains: Map<string, number>;
  /** every ticket id */
  tickets: Set<number>;
  /** the largest id of each table (0: none) */
  max: Record<IdTable, number>;
}

/** An allocation of ids a plan took, to be given the same by the database. */
interface Allocation {
  table: IdTable;
  count: number;
  floor: number;
  first: number;
}

export interface PlannedBatch {
  /** how many batches the planner knew of when it made this one */
  readonly basis: number;
  readonly built: BuiltBatch;
  readonly allocations: readonly Allocation[];
}

/** Thrown by the planner's answers: the batch needs a lookup the planner cannot answer. */
class Unplannable extends Error {}

export class ImportPlanner {
  private known?: Known;
  private stopped = false;
  /** batches folded into what the planner knows: written, or planned and about to be */
  private version = 0;
  /** batches written */
  private written = 0;
  /**
   * Plans the database did not give the ids of: a planner that knew less than it should have
   * (a bug; the batch is then built the usual way and nothing is lost). Kept for the tests.
   */
  mispredicted = 0;

  constructor(
    private readonly ops: DialectOps,
    private readonly own: OwnMessageIds,
  ) {}

  /** Whether batches may still be planned. */
  get active(): boolean {
    return !this.stopped && this.own.skipping;
  }

  /**
   * The import wrote something else (its organisation and customer lines): once the planner has
   * read the desk, what it knows no longer covers it, and planning ends.
   */
  wroteAside(): void {
    if (this.known || this.version > 0) this.stop();
  }

  private stop(): void {
    this.stopped = true;
  }

  /**
   * The batch built from what the planner knows (once started), to be passed to importBatch;
   * undefined when it cannot be planned (yet). Plans are written in the order they were made, each right after
   * the batch before it: a batch written the usual way is known only once it is written, so
   * the batch after it is planned after that.
   */
  async plan(batch: Numbered[]): Promise<PlannedBatch | undefined> {
    const known = this.known;
    if (!known || !this.active) return undefined;
    const allocations: Allocation[] = [];
    let built: BuiltBatch;
    try {
      built = await buildBatch(this.answers(known, allocations), this.ops, batch, this.own);
    } catch (err) {
      if (err instanceof Unplannable) return undefined;
      throw err;
    }
    // The customers the batch's new requesters become, as linkCustomers would find them.
    const firstAt = firstTicketAt(built.writes.tickets);
    const fresh = new Map(built.writes.requesters.map((r) => [r.id, r]));
    const unlinked: { id: number; email: string; name: string | null }[] = [];
    for (const id of firstAt.keys()) {
      const r = fresh.get(id);
      if (r) {
        if (!known.customerAddresses.has(r.email)) unlinked.push(r);
      } else {
        const old = known.unlinked.get(id);
        if (old) unlinked.push({ id, ...old });
      }
    }
    unlinked.sort((a, b) => a.id - b.id);
    built.writes.customerLinks = customerLinkRows(unlinked, firstAt, known.orgDomains);
    // The COPY data too, while the server still loads the batch before (its texts are as stored:
    // buildBatch keys the batch by them).
    await built.writes.prepare(true);
    this.fold(known, built);
    return { basis: this.version++, built, allocations };
  }

  /**
   * Writes a batch in its write transaction `tx`: as planned when the plan still holds, else
   * built the usual way (and then learnt from, while planning goes on).
   */
  async importBatch(tx: Kysely<DB>, batch: Numbered[], plan?: PlannedBatch): Promise<BatchResult> {
    if (plan && this.active && plan.basis === this.written && (await this.own.unchanged(tx)) && (await this.sameIds(tx, plan.allocations))) {
      const result = await writeBatch(tx, this.ops, plan.built, this.own);
      this.written = plan.basis + 1;
      return result;
    }
    // What the planner knows now includes plans that will not be written as made.
    if (plan || this.version !== this.written) this.stop();
    const built = await buildBatch(databaseAnswers(tx, this.ops, this.own), this.ops, batch, this.own);
    const result = await writeBatch(tx, this.ops, built, this.own);
    if (this.active && this.known) {
      this.fold(this.known, built);
      this.version = ++this.written;
    }
    return result;
  }

  /** Whether the planner has yet to read the desk (start). */
  get unstarted(): boolean {
    return this.active && !this.known && this.version === 0;
  }

  /**
   * Reads what the desk holds, in a write transaction before the import's first batch (after the
   * organisation and customer lines before it): from here on the planner knows the desk.
   */
  async start(tx: Kysely<DB>): Promise<void> {
    if (!this.unstarted || !(await this.own.unchanged(tx))) return;
    this.known = await readKnown(tx);
    if (!this.known) this.stop();
  }

  /** The database gives the ids the plan took (the same statements, so the same sequences too). */
  private async sameIds(tx: Kysely<DB>, allocations: readonly Allocation[]): Promise<boolean> {
    for (const a of allocations) {
      if ((await this.ops.allocateIds(tx, a.table, a.count, a.floor)) !== a.first) {
        this.mispredicted++;
        this.stop();
        return false;
      }
    }
    return true;
  }

  /** Answers from what the planner knows; the ids a plan takes are recorded in `allocations`. */
  private answers(known: Known, allocations: Allocation[]): BatchAnswers {
    return {
      messageOwners: async (ids) => {
        // None is in the desk unless the import wrote it (the mark, checked in the transaction).
        if (this.own.mayHaveWritten(ids)) throw new Unplannable();
        return new Map();
      },
      bareOwners: async (bare) => {
        if (bare.length) throw new Unplannable(); // found by keys the planner does not keep
        return new Map();
      },
      requesterIds: async (emails) => {
        const ids = new Map<string, number>();
        for (const e of emails) {
          const id = known.requesters.get(e);
          if (id !== undefined) ids.set(e, id);
        }
        return ids;
      },
      takenTicketIds: async (wanted) => new Set(wanted.filter((id) => known.tickets.has(id))),
      // As DialectOps.allocateIds: above the table's largest id (no row of the batch is written
      // yet) and above the floor.
      allocate: async (table, count, floor) => {
        const first = Math.max(known.max[table], floor) + 1;
        allocations.push({ table, count, floor, first });
        return first;
      },
      pause: yieldToIo,
    };
  }

  /** What a batch wrote, added to what the planner knows. */
  private fold(known: Known, built: BuiltBatch): void {
    for (const [email, id] of built.requesterId) {
      known.requesters.set(email, id);
      known.unlinked.delete(id); // every requester of a batch's new tickets is a customer's after it
    }
    for (const r of built.writes.requesters) if (r.id > known.max.requesters) known.max.requesters = r.id;
    for (const c of built.result.created) {
      known.tickets.add(c.id);
      if (c.id > known.max.tickets) known.max.tickets = c.id;
    }
    for (const m of built.writes.messages) if (m.id > known.max.messages) known.max.messages = m.id;
  }
}

/** What the desk holds, read in a write transaction; undefined when it is too much to keep. */
async function readKnown(tx: Kysely<DB>): Promise<Known | undefined> {
  const counts = (await sql<{ r: number; t: number }>`select (select count(*) from requesters) as r, (select count(*) from tickets) as t`.execute(tx)).rows[0]!;
  if (Number(counts.r) > MOST_KNOWN || Number(counts.t) > MOST_KNOWN) return undefined;
  const requesters = new Map<string, number>();
  for (const r of await tx.selectFrom('requesters').select(['id', 'email']).execute()) requesters.set(r.email, Number(r.id));
  const unlinked = new Map<number, { email: string; name: string | null }>();
  const noCustomer = await tx.selectFrom('requesters as r').leftJoin('customer_addresses as ca', 'ca.address', 'r.email')
    .select(['r.id', 'r.email', 'r.name']).where('ca.customer_id', 'is', null).execute();
  for (const r of noCustomer) unlinked.set(Number(r.id), { email: r.email, name: r.name });
  const customerAddresses = new Set<string>();
  const loose = await tx.selectFrom('customer_addresses as ca').leftJoin('requesters as r', 'r.email', 'ca.address').select('ca.address').where('r.id', 'is', null).execute();
  for (const r of loose) customerAddresses.add(r.address);
  const orgDomains = new Map<string, number>();
  for (const r of await tx.selectFrom('org_domains').select(['domain', 'org_id']).execute()) orgDomains.set(r.domain, Number(r.org_id));
  const tickets = new Set<number>();
  for (const r of await tx.selectFrom('tickets').select('id').execute()) tickets.add(Number(r.id));
  const max = (await sql<Record<IdTable, number | null>>`select (select max(id) from tickets) as tickets, (select max(id) from messages) as messages, (select max(id) from requesters) as requesters`.execute(tx)).rows[0]!;
  return {
    requesters, unlinked, customerAddresses, orgDomains, tickets,
    max: { tickets: Number(max.tickets ?? 0), messages: Number(max.messages ?? 0), requesters: Number(max.requesters ?? 0) },
  };
}
