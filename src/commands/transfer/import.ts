import { createReadStream, existsSync, statSync } from 'node:fs';
import type { Ctx } from '../../cli/context.js';
import { ConflictError, NotFoundError, UsageError } from '../../errors.js';
import { LineError, parseTicket } from '../../domain/interchange.js';
import { isoSeconds } from '../../domain/types.js';
import { onNewTicket } from '../../store/new-ticket-hooks.js';
import { rulesOfConfig } from '../rules-file.js';
import { JudgedMail } from '../../domain/rules/judged.js';
import { importBatch, storableLine, type Numbered } from '../../store/repos/bulk.js';
import { ImportPlanner, type PlannedBatch } from '../../store/import-plan.js';
import { BATCH, ImportBatches, namesOthers, namesTickets, type BatchLines } from './import-batches.js';
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
    const related = new Map(batch.named.filter(namesTickets).map((b) => [b.line, b.ticket]));
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

  const batches = new ImportBatches({
    store, planner, judge,
    write: importBatchInto,
    readAgain: (r) => {
      const text = lineText(r.bytes.toString('utf8'), r.line);
      return { line: r.line, ticket: ticketOf(JSON.parse(text)), storable: storableLine(text) };
    },
  });

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
            await batches.flush();
            await batches.settle();
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
        const started = batches.started;
        await batches.add({ line: lineNo, ticket, storable: storableLine(line) }, read.bytes);
        if (batches.started !== started) progress?.update(bytes);
      }
    }
  } finally {
    // Never leave a write running behind an error (a read that failed): it ends first, and its
    // own error, if any, is the one reported.
    await batches.settle();
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
    await batches.flush();
    await batches.settle();
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

