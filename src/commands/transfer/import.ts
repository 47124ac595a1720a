import { createReadStream, existsSync, statSync } from 'node:fs';
import type { Ctx } from '../../cli/context.js';
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { LineError, parseTicket } from '../../domain/interchange.js';
import { isoSeconds } from '../../domain/types.js';
import { onNewTicket } from '../../store/new-ticket-hooks.js';
import { rulesOfConfig } from '../rules-file.js';
import { JudgedMail } from '../../domain/rules/judged.js';
import { importBatch, storableLine, type Numbered } from '../../store/repos/bulk.js';
import { ImportPlanner, type BatchPlanning, type PlannedBatch } from '../../store/import-plan.js';
import { restoreRelations, type ImportedRelations } from '../../store/repos/merges.js';
import type { Store } from '../../store/index.js';
import { withDeferredIndexes } from '../../store/deferred-indexes.js';
import type { OwnMessageIds } from '../../store/own-message-ids.js';
import type { Kysely } from 'kysely';
import type { DB } from '../../store/schema.js';
import { printJson } from '../../ui/output.js';
import { MAX_LINE_BYTES, readLines } from './lines.js';
import { lineKind, parseCustomerLine, parseOrgLine, type CustomerLine, type OrgLine } from '../../domain/customers/interchange.js';
import { applyTicketCustomers, importCustomerLine, importOrgLine } from '../../store/repos/customer-transfer.js';
import type { DialectOps } from '../../store/dialect/types.js';

/** Rolls back a --strict import whose organisation or customer lines conflict with the desk. */
class BadStrictLines extends Error {}

/** An organisation or customer line of the file, by its number. */
type PeopleLine = { line: number; org: OrgLine; customer?: undefined } | { line: number; customer: CustomerLine; org?: undefined };

function writePeopleLine(tx: Kysely<DB>, ops: DialectOps, p: PeopleLine, now: string): Promise<void> {
  return p.org ? importOrgLine(tx, p.org, now) : importCustomerLine(tx, ops, p.customer!, now);
}

// Tickets per transaction. Each commit rewrites every index page the batch touched; 10,000 writes
// a sixth fewer pages (and half the fsyncs) than 2,000 for 100,000 tickets, and holds the write
// lock for about half a second at a time.
const BATCH = 10_000;

/** Ticket lines planned at a time, in a batch planned as its lines are read (see `streams`). */
const PART = 500;

/** A line of a batch planned as it was read: its number and bytes. */
interface ReadLine {
  line: number;
  bytes: Buffer;
}

/** A batch planned as its lines are read: its planning, its lines and those of its next part. */
interface Streaming {
  planning: BatchPlanning;
  /** lines read, to be planned as the next part */
  part: Numbered[];
  /** every line of the batch read so far (those of the next part too) */
  read: ReadLine[];
  /** the lines of the parts planned that importBatchInto reads after the write (namesOthers) */
  named: Numbered[];
  judged?: JudgedMail;
}

/** A batch's lines, as its write reads them. */
interface BatchLines {
  /** every line's ticket, in order (read again from its bytes where it was let go) */
  all(): Numbered[];
  /** the lines that name a customer or other tickets (namesOthers), in order */
  named: readonly Numbered[];
  /** what the triage rules read of the batch's mail */
  judged?: JudgedMail;
}

/** Whether a ticket line names a customer (its name or organisation) or other tickets (a merge or links): its write reads those after the tickets are in. */
const namesOthers = ({ ticket: t }: Numbered): boolean =>
  (t.customer != null && (t.customer.name !== null || t.customer.organisation !== null)) || t.merged_into != null || !!t.links?.length;

/** A line's text as read: without the byte order mark the first line may start with. */
const lineText = (raw: string, lineNo: number): string => (lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw);

export interface ImportSummary {
  imported: number;
  messages: number;
  already_present: number;
  renumbered: { line: number; requested: number; id: number }[];
  errors: { line: number; error: string }[];
}

export async function runImport(ctx: Ctx, file: string, opts: { strict?: boolean }): Promise<void> {
  if (file !== '-' && !existsSync(file)) throw new NotFoundError(`no such file: ${file}`);
  const input = file === '-' ? ctx.io.stdin : createReadStream(file);
  const total = file === '-' ? 0 : statSync(file).size;
  const summary = await importStream(ctx, input, { strict: !!opts.strict, totalBytes: total });
  report(ctx, summary, !!opts.strict);
}

export async function importStream(ctx: Ctx, input: NodeJS.ReadableStream, opts: { strict: boolean; totalBytes?: number }): Promise<ImportSummary> {
  const store = await ctx.store();
  return store.ops.withoutForeignKeyChecks(() => withDeferredIndexes(store, (own) => importInto(ctx, store, input, opts, own)));
}

async function importInto(ctx: Ctx, store: Store, input: NodeJS.ReadableStream, opts: { strict: boolean; totalBytes?: number }, ownMessageIds?: OwnMessageIds): Promise<ImportSummary> {
  const tiers = await ctx.tiers();
  const now = isoSeconds(ctx.now());
  const actor = await ctx.actor();
  // Loaded once: imports run the triage rules for every new ticket.
  const rules = rulesOfConfig(await ctx.config(), tiers);
  const summary: ImportSummary = { imported: 0, messages: 0, already_present: 0, renumbered: [], errors: [] };
  const progress = await startProgress(ctx, opts.totalBytes ?? 0);
  let bytes = 0;

  /**
   * What the triage rules read of a batch's mail, worked out before its write transaction: the
   * first incoming message of any ticket the batch may create is among these.
   */
  const judge = (lines: readonly Numbered[], judged = rules?.triage.length ? new JudgedMail(rules) : undefined): JudgedMail | undefined => {
    if (!judged) return undefined;
    for (const { ticket } of lines) {
      const incoming = ticket.messages.filter((m) => m.direction === 'in');
      if (!incoming.length) judged.add(null, ticket);
      for (const m of incoming) judged.add(m, ticket);
    }
    return judged;
  };
  /** A ticket line's value as a ticket (LineError when it is none). */
  const ticketOf = (value: unknown) => parseTicket(value, now, tiers);
  // Batches built ahead of their transaction where the import knows the answers (an import into
  // a desk without tickets and messages; ../../store/import-plan.ts).
  const planner = ownMessageIds && !opts.strict ? new ImportPlanner(store.ops, ownMessageIds) : undefined;
  /** One batch into the caller's write transaction; new tickets go through the triage rules. */
  const importBatchInto = async (tx: Kysely<DB>, batch: BatchLines, plan?: PlannedBatch) => {
    const judged = batch.judged;
    const r = planner ? await planner.importBatch(tx, batch.all, plan) : await importBatch(tx, store.ops, batch.all(), ownMessageIds);
    await applyTicketCustomers(tx, batch.named.map((b) => b.ticket), now);
    // (the lines that name other tickets: few, if any)
    const related = new Map(batch.named.filter((b) => b.ticket.merged_into != null || b.ticket.links?.length).map((b) => [b.line, b.ticket]));
    for (const c of r.created) {
      if (c.requestedId !== null) importedIds.set(c.requestedId, c.id);
      const t = related.get(c.line);
      if (t) relations.push({ id: c.id, merged_into: t.merged_into ?? null, links: t.links ?? [] });
    }
    // (the rules read each new ticket's messages and events)
    if (r.created.length && rules?.triage.length) await ownMessageIds?.needReads(tx);
    for (const c of r.created) {
      if (c.requestedId !== null && c.requestedId !== c.id) summary.renumbered.push({ line: c.line, requested: c.requestedId, id: c.id });
      await onNewTicket(tx, c.id, { actor, at: now, source: 'import', rules, judged });
    }
    summary.imported += r.created.length;
    summary.already_present += r.present.filter((p) => p.addedMessages === 0).length;
    summary.messages += r.messages;
  };

  /** merges and links of the imported tickets, made once every ticket is in (docs/interchange.md) */
  const relations: ImportedRelations[] = [];
  const importedIds = new Map<number, number>();

  // On PostgreSQL a batch's write runs while the next batch's lines are read and checked (the
  // server works while this process parses: the two overlap instead of taking turns). Batches are
  // still written one after another, in file order, each its own transaction.
  /** the lines of the batch being read that were not planned as they were read */
  const pending: Numbered[] = [];
  let writing: Promise<void> | undefined;
  const settle = async () => {
    const w = writing;
    writing = undefined;
    await w;
  };
  /** A batch into its own write transaction, once the one before it is written. */
  const write = async (batch: BatchLines, plan: PlannedBatch | undefined) => {
    await settle();
    writing = store.write((tx) => importBatchInto(tx, batch, plan));
    writing.catch(() => undefined); // awaited by the next write, or at the end (settle)
    // SQLite writes in this very thread: reading on would only hold its write lock longer.
    if (store.dialect === 'sqlite') await settle();
  };
  /** whether the batch handed to write last was planned: then the planner knows what it writes, and the next one can be planned before it is done */
  let planned = true;
  /** Writes the lines not planned as they were read as a batch. */
  const flushPending = async () => {
    if (!pending.length) return;
    const lines = pending.splice(0);
    const batch = { all: () => lines, named: lines.filter(namesOthers), judged: judge(lines) };
    // Planned while the batch before is still being written, where that one was planned too;
    // else once it is done (the planner learns from it what it wrote).
    let plan = planned ? await planner?.plan(lines) : undefined;
    await settle();
    if (planner?.unstarted) await store.write((tx) => planner.start(tx));
    plan ??= await planner?.plan(lines);
    planned = plan !== undefined;
    await write(batch, plan);
  };

  // Where the batch before was planned, on PostgreSQL (whose COPY data is made ahead), a batch is
  // planned in parts of PART lines as they are read (ImportPlanner.begin): each line's objects go
  // once its part is planned, instead of living, and being moved by the collector, as long as the
  // batch (a quarter of this process's work was collecting). Such a line keeps only its bytes: a
  // plan that does not hold in its transaction (someone else wrote meanwhile) is built again
  // from them. A part that cannot be planned ends the batch there; its lines start the next one.
  const streams = planner !== undefined && store.ops.encodeRows !== undefined;
  let streaming: Streaming | undefined;
  /** Plans the lines of the streamed batch read since its last part. */
  const planPart = async (s: Streaming) => {
    const part = s.part.splice(0);
    if (await s.planning.add(part)) {
      for (const n of part) if (namesOthers(n)) s.named.push(n);
      s.judged = judge(part, s.judged);
      return;
    }
    s.read.length -= part.length;
    await endStreaming();
    pending.push(...part);
  };
  /** Writes the streamed batch, planned so far. */
  const endStreaming = async () => {
    const s = streaming;
    if (!s) return;
    streaming = undefined;
    const plan = s.planning.finish();
    if (!plan) return;
    const read = s.read;
    planned = true;
    await write({ all: () => read.map(readAgain), named: s.named, judged: s.judged }, plan);
  };
  /** A line of a streamed batch read again from its bytes (as it was read first). */
  const readAgain = (r: ReadLine): Numbered => {
    const text = lineText(r.bytes.toString('utf8'), r.line);
    return { line: r.line, ticket: ticketOf(JSON.parse(text)), storable: storableLine(text) };
  };
  /** A ticket line into the batch being read. */
  const add = async (n: Numbered, bytes: Buffer) => {
    if (!streaming && streams && planned && !pending.length) {
      if (planner.unstarted) await store.write((tx) => planner.start(tx));
      const planning = planner.begin();
      if (planning) streaming = { planning, part: [], read: [], named: [] };
    }
    const s = streaming;
    if (!s) {
      pending.push(n);
      if (pending.length >= BATCH) await flush();
      return;
    }
    s.part.push(n);
    s.read.push({ line: n.line, bytes: Buffer.from(bytes) }); // (a copy: what a stream hands out is its own)
    if (s.part.length >= PART) await planPart(s);
    if (streaming === s && s.read.length >= BATCH) await flush();
    else if (pending.length >= BATCH) await flush();
  };
  /** Writes the batch being read. */
  const flush = async () => {
    const s = streaming;
    if (s?.part.length) await planPart(s);
    await endStreaming();
    await flushPending();
  };

  const strictBuffer: Numbered[] = [];
  /** organisation and customer lines (few): written in their own transaction, or first with --strict */
  const strictExtras: PeopleLine[] = [];
  /**
   * Organisation and customer lines, in a write transaction between (or before) ticket batches:
   * the import's own writes, which the next batch must not take for someone else's.
   */
  const writePeopleAmongBatches = async (tx: Kysely<DB>, lines: PeopleLine[], onConflict?: (p: PeopleLine, err: ConflictError) => void) => {
    planner?.wroteAside();
    const write = async () => {
      for (const p of lines) {
        try {
          await writePeopleLine(tx, store.ops, p, now);
        } catch (err) {
          if (!(err instanceof ConflictError) || !onConflict) throw err;
          onConflict(p, err);
        }
      }
    };
    await (ownMessageIds ? ownMessageIds.ownWrite(tx, write) : write());
  };
  /** One line in a transaction of its own: a conflict (an address or domain someone else has) skips the line. */
  const writePeople = async (p: PeopleLine) => {
    try {
      await store.write((tx) => writePeopleAmongBatches(tx, [p]));
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      summary.errors.push({ line: p.line, error: err.message });
    }
  };
  let lineNo = 0;
  try {
    for await (const read of readLines(input as AsyncIterable<Buffer | string>)) {
      lineNo++;
      if (read.tooLong !== undefined) {
        if (progress) bytes += read.tooLong + 1;
        summary.errors.push({ line: lineNo, error: `longer than ${MAX_LINE_BYTES / (1024 * 1024)} MiB (${read.tooLong} bytes): not read` });
        continue;
      }
      const raw = read.text;
      if (progress) bytes += read.bytes.length + 1; // only the progress bar reads it
      const line = lineText(raw, lineNo);
      if (!line.trim()) continue;
      let ticket;
      try {
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (err) {
          throw new LineError(`not valid JSON (${(err as Error).message})`);
        }
        const kind = lineKind(value);
        if (kind !== 'ticket') {
          const people: PeopleLine = kind === 'organisation' ? { line: lineNo, org: parseOrgLine(value) } : { line: lineNo, customer: parseCustomerLine(value) };
          if (opts.strict) strictExtras.push(people);
          else {
            // the tickets before it are in first (a batch may still be writing)
            await flush();
            await settle();
            await writePeople(people);
          }
          continue;
        }
        ticket = ticketOf(value);
      } catch (err) {
        if (!(err instanceof LineError)) throw err;
        summary.errors.push({ line: lineNo, error: err.message });
        continue;
      }
      if (opts.strict) strictBuffer.push({ line: lineNo, ticket });
      else {
        const wrote = writing;
        await add({ line: lineNo, ticket, storable: storableLine(line) }, read.bytes);
        if (writing !== wrote) progress?.update(bytes);
      }
    }
  } finally {
    // Never leave a write running behind an error (a read that failed): it ends first, and its
    // own error, if any, is the one reported.
    if (writing) await settle();
  }
  if (opts.strict) {
    if (summary.errors.length === 0) {
      // All or nothing: one transaction for the whole file.
      const judged = judge(strictBuffer);
      const all = (lines: Numbered[]): BatchLines => ({ all: () => lines, named: lines.filter(namesOthers), judged });
      // A conflicting organisation or customer line is a bad line too: nothing is imported.
      const conflicts: { line: number; error: string }[] = [];
      await store.write(async (tx) => {
        conflicts.length = 0;
        if (strictExtras.length) await writePeopleAmongBatches(tx, strictExtras, (p, err) => conflicts.push({ line: p.line, error: err.message }));
        if (conflicts.length) throw new BadStrictLines();
        for (let i = 0; i < strictBuffer.length; i += BATCH) await importBatchInto(tx, all(strictBuffer.slice(i, i + BATCH)));
      }).catch((err: unknown) => {
        if (!(err instanceof BadStrictLines)) throw err;
        summary.errors.push(...conflicts);
      });
    }
  } else {
    await flush();
    await settle();
  }
  if (relations.length) {
    await store.write(async (tx) => {
      await ownMessageIds?.needReads(tx); // merges read the tickets' messages and events
      await restoreRelations(tx, relations, importedIds, actor, now);
    });
  }
  progress?.update(bytes);
  progress?.stop();
  return summary;
}

async function startProgress(ctx: Ctx, total: number) {
  const stream = ctx.io.progress;
  if (!stream || ctx.json || total < 1_000_000) return undefined;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { stream, format: 'importing [{bar}] {percentage}% | {eta_formatted} left', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (n: number) => bar.update(Math.min(n, total)), stop: () => bar.stop() };
}

function report(ctx: Ctx, s: ImportSummary, strict: boolean): void {
  if (ctx.json) printJson(ctx.io, s);
  else {
    for (const e of s.errors) ctx.io.err(`line ${e.line}: ${e.error}\n`);
    for (const r of s.renumbered) ctx.io.err(`line ${r.line}: ticket #${r.requested} already exists; imported as #${r.id}\n`);
    if (strict && s.errors.length) ctx.io.err(`nothing imported: ${s.errors.length} bad line(s) and --strict\n`);
    else {
      ctx.io.err(
        `imported ${s.imported} ticket(s) with ${s.messages} message(s)` +
          (s.already_present ? `, ${s.already_present} already present` : '') +
          (s.errors.length ? `, skipped ${s.errors.length} bad line(s)` : '') + '\n',
      );
    }
  }
  if (s.errors.length) {
    const err = new UsageError(`${s.errors.length} line(s) could not be imported${strict ? '; nothing was imported (--strict)' : ''}`);
    throw err;
  }
}

