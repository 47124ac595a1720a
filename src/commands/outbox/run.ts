// desk outbox [list] | desk outbox flush [--force]
import type { Ctx } from '../../cli/context.js';
import { listOutbox, type OutboxEntry } from '../../mail/outbox.js';
import { printJson, printTable } from '../../ui/output.js';
import { relative } from '../../ui/time.js';
import { failureOf, flushWithConfig, resultLine } from './flush.js';

function whenText(e: OutboxEntry, now: Date): string {
  if (e.state === 'sent') return e.sent_at ? `sent ${relative(e.sent_at, now)}` : 'sent';
  if (e.state === 'queued' && e.next_attempt_at) return `retry ${relative(e.next_attempt_at, now)}`;
  return `since ${relative(e.updated_at, now)}`;
}

export async function runOutboxList(ctx: Ctx, opts: { all?: boolean }): Promise<void> {
  const store = await ctx.store();
  const entries = await listOutbox(store.db, { all: opts.all });
  if (ctx.json) return printJson(ctx.io, entries);
  if (!entries.length) {
    ctx.io.err(opts.all ? 'the outbox is empty\n' : 'nothing waiting in the outbox\n');
    return;
  }
  const now = ctx.now();
  await printTable(
    ctx.io,
    ['ID', 'TICKET', 'STATE', 'TRIES', 'WHEN', 'TO', 'LAST ERROR'],
    entries.map((e) => [e.id, `#${e.ticket_id}`, e.kind === 'auto-ack' ? `${e.state} (auto)` : e.state, e.attempts, whenText(e, now), e.to, e.last_error ?? '']),
    { colWidths: [5, 8, 16, 6, 18, 26, null] },
  );
  if (entries.some((e) => e.state === 'unknown')) {
    ctx.io.err('"unknown": the server may have accepted it; `desk outbox flush` resends only once the Sent folder shows it missing, or with --force\n');
  }
}

export async function runOutboxFlush(ctx: Ctx, opts: { force?: boolean }): Promise<void> {
  // An agent asking to flush wants it now: back-off applies only to automatic runs (desk sync).
  const report = await flushWithConfig(ctx, { force: opts.force, dueOnly: false });
  if (ctx.json) printJson(ctx.io, report.results);
  else if (!report.results.length) ctx.io.err('nothing to send\n');
  else for (const r of report.results) ctx.io.out(resultLine(r) + '\n');
  const failure = failureOf(report);
  if (failure) throw failure;
}
