// desk outbox [list] | flush [--force] | retry ID... | cancel ID...
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { cancelEntries, listOutbox, retryEntries, type OutboxEntry } from '../../mail/outbox.js';
import { printJson, printTable } from '../../ui/output.js';
import { safeLine } from '../../ui/safe-text.js';
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
    entries.map((e) => [e.id, (e.ticket_id === null ? e.kind : `#${e.ticket_id}`), e.kind === 'auto-ack' ? `${e.state} (auto)` : e.state, e.attempts, whenText(e, now), e.to, e.last_error ?? '']),
    { colWidths: [5, 8, 18, 6, 18, 26, null] },
  );
  if (entries.some((e) => e.state === 'failed')) {
    ctx.io.err('"failed": the server refused it for good and it is not retried; `desk outbox retry ID` tries again, `desk outbox cancel ID` withdraws it\n');
  }
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

function parseEntryIds(values: string[]): number[] {
  return values.map((v) => {
    const m = /^#?(\d{1,15})$/.exec(v.trim());
    if (!m) throw new UsageError(`invalid outbox id '${v}' (a number, as \`desk outbox\` shows it)`);
    return Number(m[1]);
  });
}

function entryLine(e: OutboxEntry, what: string): string {
  return `outbox #${e.id} (${e.ticket_id === null ? 'no ticket' : `ticket #${e.ticket_id}`}, to ${safeLine(e.to)}): ${what}`;
}

export async function runOutboxRetry(ctx: Ctx, ids: string[], _opts: { json?: boolean }): Promise<void> {
  const wanted = parseEntryIds(ids);
  const store = await ctx.store();
  const entries = await retryEntries(store, wanted, { now: ctx.now(), actor: await ctx.actor() });
  if (ctx.json) return printJson(ctx.io, entries);
  for (const e of entries) ctx.io.out(entryLine(e, 'queued again, due now') + '\n');
  ctx.io.err('`desk outbox flush` sends it now; otherwise the next `desk sync` does\n');
}

export async function runOutboxCancel(ctx: Ctx, ids: string[], _opts: { json?: boolean }): Promise<void> {
  const wanted = parseEntryIds(ids);
  const store = await ctx.store();
  const entries = await cancelEntries(store, wanted, { now: ctx.now(), actor: await ctx.actor() });
  if (ctx.json) return printJson(ctx.io, entries);
  for (const e of entries) ctx.io.out(entryLine(e, 'cancelled; desk will not send it') + '\n');
}
