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
import { buildBatch, databaseAnswers, writeBatch, type BatchAnswers, type BatchResult, type BatchToWrite, type BuiltBatch, type Numbered } from './repos/bulk.js';
import { customerLinkRows, firstTicketAt, writesInTurn, type BatchWrites } from './writes.js';
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
  /** how many plans the planner knew of when it began this one */
  readonly basis: number;
  /** how many plans it is made of (its parts: BatchPlanning.add) */
  readonly plans: number;
  readonly built: BatchToWrite;
  /** the ids its parts took, one allocation per table (mergedAllocations) */
  readonly allocations: readonly Allocation[];
}

/** The tables whose ids a plan takes. */
const ID_TABLES: readonly IdTable[] = ['tickets', 'messages', 'requesters'];

/** No id of any table (0 each). */
const noIds = (): Record<IdTable, number> => ({ tickets: 0, messages: 0, requesters: 0 });

/** A part of a planned batch: its writes, and the largest id of each table it took (0: none). */
interface PlannedPart {
  batch: BatchToWrite;
  took: Record<IdTable, number>;
}

/** Thrown by the planner's answers: the batch needs a lookup the planner cannot answer. */
class Unplannable extends Error {}

export class ImportPlanner {
  private known?: Known;
  private stopped = false;
  /** plans folded into what the planner knows: batches written, or parts of batches planned and about to be */
  private version = 0;
  /** plans written */
  private written = 0;
  /** the batch being planned as its lines are read, if any */
  private open?: BatchPlanning;
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
    const planning = this.begin();
    if (!planning) return undefined;
    const planned = await planning.add(batch);
    const plan = planning.finish();
    return planned ? plan : undefined;
  }

  /**
   * A batch planned in parts as its lines are read (BatchPlanning), so that each line's objects
   * go once its part is planned, instead of living as long as the batch; undefined when batches
   * cannot be planned (now). One batch at a time.
   */
  begin(): BatchPlanning | undefined {
    const known = this.known;
    if (!known || !this.active) return undefined;
    if (this.open) throw new Error('desk bug: an import planned two batches at once');
    return (this.open = new BatchPlanning(this.version, (lines, allocations) => this.planPart(known, lines, allocations), () => (this.open = undefined)));
  }

  /** One part of a batch built from what the planner knows, folded in; undefined when it cannot be planned. */
  private async planPart(known: Known, lines: Numbered[], allocations: Allocation[]): Promise<PlannedPart | undefined> {
    if (!this.active) return undefined;
    let built: BuiltBatch;
    try {
      built = await buildBatch(this.answers(known, allocations), this.ops, lines, this.own);
    } catch (err) {
      if (err instanceof Unplannable) return undefined;
      throw err;
    }
    // The customers the part's new requesters become, as linkCustomers would find them.
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
    const took = this.fold(known, built);
    this.version++;
    // The COPY data too, while the server still loads the batch before (its texts are as stored:
    // buildBatch keys the batch by them); the rows then go.
    const prepared = await built.writes.prepare(true);
    return { batch: { result: built.result, writes: prepared ?? built.writes, keptAbove: built.keptAbove }, took };
  }

  /**
   * Writes a batch in its write transaction `tx`: as planned when the plan still holds, else
   * built the usual way from its lines (`batch`: asked for only then), and then learnt from,
   * while planning goes on.
   */
  async importBatch(tx: Kysely<DB>, batch: () => Numbered[], plan?: PlannedBatch): Promise<BatchResult> {
    if (plan && this.active && plan.basis === this.written && (await this.own.unchanged(tx)) && (await this.sameIds(tx, plan.allocations))) {
      const result = await writeBatch(tx, this.ops, plan.built, this.own);
      this.written = plan.basis + plan.plans;
      return result;
    }
    // What the planner knows now includes plans that will not be written as made.
    if (plan || this.version !== this.written) this.stop();
    const built = await buildBatch(databaseAnswers(tx, this.ops, this.own), this.ops, batch(), this.own);
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

  /** What a batch wrote, added to what the planner knows; returns the largest id it took of each table (0: none). */
  private fold(known: Known, built: BuiltBatch): Record<IdTable, number> {
    const took = noIds();
    for (const [email, id] of built.requesterId) {
      known.requesters.set(email, id);
      known.unlinked.delete(id); // every requester of a batch's new tickets is a customer's after it
    }
    for (const r of built.writes.requesters) if (r.id > took.requesters) took.requesters = r.id;
    for (const c of built.result.created) {
      known.tickets.add(c.id);
      if (c.id > took.tickets) took.tickets = c.id;
    }
    for (const m of built.writes.messages) if (m.id > took.messages) took.messages = m.id;
    for (const table of ID_TABLES) known.max[table] = Math.max(known.max[table], took[table]);
    return took;
  }
}

/**
 * A batch planned in parts (ImportPlanner.begin): each part is built, folded into what the planner
 * knows and made into COPY data as soon as its lines are read; finish makes the parts one batch,
 * written in one transaction. The parts decide as the batch would whole (buildBatch decides alike
 * however a file is cut).
 */
export class BatchPlanning {
  private readonly parts: BatchToWrite[] = [];
  private readonly allocations: Allocation[] = [];
  /** the largest id of each table the parts so far took (0: none) */
  private readonly took = noIds();
  private closed = false;

  constructor(
    private readonly basis: number,
    private readonly planPart: (lines: Numbered[], allocations: Allocation[]) => Promise<PlannedPart | undefined>,
    private readonly onClose: () => void,
  ) {}

  /**
   * Plans these lines as the batch's next part. False when they cannot be planned (a line without
   * messages; a Message-ID the import may have written; planning has ended): nothing of them is
   * planned, and the batch's parts so far stay as they are.
   */
  async add(lines: Numbered[]): Promise<boolean> {
    if (this.closed) throw new Error('desk bug: a line added to a batch planned already');
    if (!lines.length) return true;
    const allocations: Allocation[] = [];
    const part = await this.planPart(lines, allocations);
    if (!part) return false;
    this.parts.push(part.batch);
    // In the batch's transaction the database finds none of the ids the parts before took (their
    // rows are not written when the allocations are checked): as a floor, they carry them.
    for (const a of allocations) this.allocations.push({ ...a, floor: Math.max(a.floor, this.took[a.table]) });
    for (const table of ID_TABLES) this.took[table] = Math.max(this.took[table], part.took[table]);
    return true;
  }

  /** The batch of the parts planned (undefined: none); no part is added after. */
  finish(): PlannedBatch | undefined {
    if (!this.closed) {
      this.closed = true;
      this.onClose();
    }
    if (!this.parts.length) return undefined;
    const result: BatchResult = { created: [], present: [], messages: 0 };
    let keptAbove = 0;
    const writes: BatchWrites[] = [];
    for (const p of this.parts) {
      for (const c of p.result.created) result.created.push(c);
      for (const c of p.result.present) result.present.push(c);
      result.messages += p.result.messages;
      keptAbove = Math.max(keptAbove, p.keptAbove);
      writes.push(p.writes);
    }
    return { basis: this.basis, plans: this.parts.length, built: { result, writes: writesInTurn(writes), keptAbove }, allocations: mergedAllocations(this.allocations) };
  }
}

/**
 * The allocations of a batch's parts as one per table: the first's start (above the table's
 * largest id and its floor, as the database finds it in the batch's transaction, before any row
 * of the batch is written) up to the end of the last block. A later part's block starts above the
 * ids of the parts before it (the planner folded them in), so above the first start: checking
 * that one checks them all; the sequence ends where the last block does, as after each in turn.
 * A block that does not start above the first (not expected) is checked on its own.
 */
function mergedAllocations(list: readonly Allocation[]): Allocation[] {
  const out: Allocation[] = [];
  const last = new Map<IdTable, Allocation>();
  for (const a of list) {
    const into = last.get(a.table);
    if (into && a.first > into.first) {
      into.count = a.first + a.count - into.first; // (the sequence ends where the last block does, as after each in turn)
      continue;
    }
    const copy = { ...a };
    out.push(copy);
    last.set(a.table, copy);
  }
  return out;
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
