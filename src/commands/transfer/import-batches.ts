// How an import cuts its ticket lines into batches and hands them to their write transactions:
// one batch is written while the next one's lines are read (on PostgreSQL the server loads one
// while this process parses the next: the two overlap instead of taking turns), one after another
// in file order, each its own transaction. Where the import knows what the desk holds, a batch
// is planned ahead (../../store/import-plan.ts).
import type { JudgedMail } from '../../domain/rules/judged.js';
import type { Numbered } from '../../store/repos/bulk.js';
import type { BatchPlanning, ImportPlanner, PlannedBatch } from '../../store/import-plan.js';
import type { Store } from '../../store/index.js';
import { namesCustomer } from '../../store/repos/customer-transfer.js';

// Tickets per transaction. Each commit rewrites every index page the batch touched; 10,000 writes
// a sixth fewer pages (and half the fsyncs) than 2,000 for 100,000 tickets, and holds the write
// lock for about half a second at a time.
export const BATCH = 10_000;

/** Ticket lines planned at a time, in a batch planned as its lines are read (see ImportBatches). */
const PART = 500;

/** A line of a batch planned as it was read: its number and bytes. */
export interface ReadLine {
  line: number;
  bytes: Buffer;
}

/** A batch's lines, as its write reads them. */
export interface BatchLines {
  /** every line's ticket, in order (read again from its bytes where it was let go) */
  all(): Numbered[];
  /** the lines that name a customer or other tickets (namesOthers), in order */
  named: readonly Numbered[];
  /** what the triage rules read of the batch's mail */
  judged?: JudgedMail;
}

/** Whether a ticket line names other tickets (a merge or links). */
export const namesTickets = ({ ticket: t }: Numbered): boolean => t.merged_into != null || !!t.links?.length;

/** Whether a ticket line names a customer or other tickets: its write reads those after the tickets are in. */
export const namesOthers = (n: Numbered): boolean => namesCustomer(n.ticket) || namesTickets(n);

/** A batch planned as its lines are read: its planning, its lines and those of its next part. */
interface Streaming {
  planning: BatchPlanning;
  /** lines read, to be planned as the next part */
  part: Numbered[];
  /** every line of the batch read so far (those of the next part too) */
  read: ReadLine[];
  /** the lines of the parts planned that the write reads after the tickets are in (namesOthers) */
  named: Numbered[];
  judged?: JudgedMail;
}

export interface ImportBatchesOptions {
  store: Store;
  /** plans batches where the import knows what the desk holds */
  planner?: ImportPlanner;
  /** writes one batch in its write transaction */
  write(tx: Parameters<Parameters<Store['write']>[0]>[0], batch: BatchLines, plan?: PlannedBatch): Promise<void>;
  /** adds what the triage rules read of these lines' mail to `judged` (a new one when undefined) */
  judge(lines: readonly Numbered[], judged?: JudgedMail): JudgedMail | undefined;
  /** a line of a batch planned as it was read, read again from its bytes (as it was read first) */
  readAgain(line: ReadLine): Numbered;
}

/**
 * The ticket lines of an import, in batches. Where the batch before was planned, on PostgreSQL
 * (whose COPY data is made ahead), a batch is planned in parts of PART lines as they are read
 * (ImportPlanner.begin): each line's objects go once its part is planned, instead of living, and
 * being moved by the collector, as long as the batch (a quarter of this process's work was
 * collecting). Such a line keeps only its bytes: a plan that does not hold in its transaction
 * (someone else wrote meanwhile) is built again from them. A part that cannot be planned ends
 * the batch there; its lines start the next one, which is planned whole, if at all.
 */
export class ImportBatches {
  /** the lines of the batch being read that were not planned as they were read */
  private readonly pending: Numbered[] = [];
  private streaming?: Streaming;
  private writing?: Promise<void>;
  /** whether the batch handed to write last was planned: then the planner knows what it writes, and the next one can be planned before it is done */
  private planned = true;
  private readonly streams: boolean;
  /** batches handed to write so far */
  started = 0;

  constructor(private readonly o: ImportBatchesOptions) {
    this.streams = o.planner !== undefined && o.store.ops.encodeRows !== undefined;
  }

  /** A ticket line (`bytes`: as read) into the batch being read. */
  async add(n: Numbered, bytes: Buffer): Promise<void> {
    const planner = this.o.planner;
    if (!this.streaming && this.streams && planner && this.planned && !this.pending.length) {
      if (planner.unstarted) await this.o.store.write((tx) => planner.start(tx));
      const planning = planner.begin();
      if (planning) this.streaming = { planning, part: [], read: [], named: [] };
    }
    const s = this.streaming;
    if (!s) {
      this.pending.push(n);
      if (this.pending.length >= BATCH) await this.flush();
      return;
    }
    s.part.push(n);
    s.read.push({ line: n.line, bytes: Buffer.from(bytes) }); // (a copy: what a stream hands out is its own)
    if (s.part.length >= PART) await this.planPart(s);
    if (this.streaming === s ? s.read.length >= BATCH : this.pending.length >= BATCH) await this.flush();
  }

  /** Hands the batch being read to its write (which may still run: settle). */
  async flush(): Promise<void> {
    const s = this.streaming;
    if (s?.part.length) await this.planPart(s);
    await this.endStreaming();
    await this.flushPending();
  }

  /** Waits for the batch being written, if any; its error, if any, is thrown here. */
  async settle(): Promise<void> {
    const w = this.writing;
    this.writing = undefined;
    await w;
  }

  /** A batch into its own write transaction, once the one before it is written. */
  private async write(batch: BatchLines, plan: PlannedBatch | undefined): Promise<void> {
    await this.settle();
    const writing = this.o.store.write((tx) => this.o.write(tx, batch, plan));
    writing.catch(() => undefined); // awaited by the next write, or at the end (settle)
    this.writing = writing;
    this.started++;
    // SQLite writes in this very thread: reading on would only hold its write lock longer.
    if (this.o.store.dialect === 'sqlite') await this.settle();
  }

  /** Writes the lines not planned as they were read as a batch. */
  private async flushPending(): Promise<void> {
    if (!this.pending.length) return;
    const planner = this.o.planner;
    const lines = this.pending.splice(0);
    const batch = { all: () => lines, named: lines.filter(namesOthers), judged: this.o.judge(lines) };
    // Planned while the batch before is still being written, where that one was planned too;
    // else once it is done (the planner learns from it what it wrote).
    let plan = this.planned ? await planner?.plan(lines) : undefined;
    await this.settle();
    if (planner?.unstarted) await this.o.store.write((tx) => planner.start(tx));
    plan ??= await planner?.plan(lines);
    this.planned = plan !== undefined;
    await this.write(batch, plan);
  }

  /** Plans the lines of the streamed batch read since its last part. */
  private async planPart(s: Streaming): Promise<void> {
    const part = s.part.splice(0);
    if (await s.planning.add(part)) {
      for (const n of part) if (namesOthers(n)) s.named.push(n);
      s.judged = this.o.judge(part, s.judged);
      return;
    }
    s.read.length -= part.length;
    await this.endStreaming();
    this.pending.push(...part);
  }

  /** Writes the streamed batch, planned so far. */
  private async endStreaming(): Promise<void> {
    const s = this.streaming;
    if (!s) return;
    this.streaming = undefined;
    const plan = s.planning.finish();
    if (!plan) return;
    const read = s.read;
    this.planned = true;
    await this.write({ all: () => read.map((r) => this.o.readAgain(r)), named: s.named, judged: s.judged }, plan);
  }
}
