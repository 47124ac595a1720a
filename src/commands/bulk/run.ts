// The bulk path of set, assign, close, escalate (docs/cli.md, "Bulk changes"): the words are a
// query or @VIEW (not ticket ids); show the plan (count, a sample), then --dry-run stops, a
// terminal asks above bulk.confirmAbove, a script must say --yes; then apply in batches, each
// ticket with its own events; a ticket changed since the plan is reported (exit 4 at the end).
import { createInterface } from 'node:readline/promises';
import type { Ctx } from '../../cli/context.js';
import { ConflictError, UsageError } from '../../errors.js';
import type { Change } from '../../domain/ticket.js';
import type { RuleSet } from '../../domain/rules/types.js';
import { isoSeconds } from '../../domain/types.js';
import { printJson } from '../../ui/output.js';
import { safeLine } from '../../ui/safe-text.js';
import { applyBulk, planTargets, subjectsOf, type BulkOutcome } from '../../store/repos/bulk-change.js';
import { listQuery } from '../query/list-query.js';
import { progressReporter } from '../sync/progress.js';


export interface BulkFlags {
  dryRun?: boolean;
  yes?: boolean;
}

/** The default of bulk.confirmAbove: more tickets than this ask on a terminal, need --yes in scripts. */
export const CONFIRM_ABOVE = 20;
const SAMPLE = 10;
const BATCH = 500;

/** One change as the plan shows it: "status → closed", "tag +x". */
export function changeWords(c: Change): string {
  switch (c.type) {
    case 'status': case 'priority': return `${c.type} → ${c.to}`;
    case 'queue': return c.to ? `queue → ${c.to}` : 'queue cleared';
    case 'subject': return 'new subject';
    case 'tag': return `tag +${c.tag}`;
    case 'untag': return `tag -${c.tag}`;
    case 'assign': return c.to ? `assign → ${c.to}` : 'unassign';
    case 'escalate': return `tier → ${c.to}`;
    default: return c.type;
  }
}

async function ask(ctx: Ctx, question: string): Promise<boolean> {
  const rl = createInterface({ input: ctx.io.stdin as NodeJS.ReadableStream, output: process.stderr, terminal: false });
  try {
    ctx.io.err(question);
    return /^\s*y(es)?\s*$/i.test(await rl.question(''));
  } finally {
    rl.close();
  }
}

function onTerminal(ctx: Ctx): boolean {
  const stdin = ctx.io.stdin as NodeJS.ReadableStream & { isTTY?: boolean };
  return ctx.io.isTTY && !!stdin.isTTY;
}

export async function confirmLimit(ctx: Ctx): Promise<number> {
  const v = ((await ctx.config()).bulk as { confirmAbove?: number } | undefined)?.confirmAbove;
  return typeof v === 'number' ? v : CONFIRM_ABOVE;
}

const n = (x: number) => x.toLocaleString('en-US');

/**
 * Plans and applies `changes` to the tickets `words` select. `verb`: what the summary says
 * ("closed"); `command`: the command as typed, for the --yes hint.
 */
export async function runBulk(ctx: Ctx, words: readonly string[], changes: Change[], opts: BulkFlags & { verb: string; rules?: RuleSet | null; ids?: readonly number[] }): Promise<void> {
  if (!words.length) throw new UsageError('say which tickets: ticket ids, a query (tag:flood status:new) or @VIEW');
  const { query } = opts.ids ? { query: undefined } : await listQuery(ctx, words);
  const store = await ctx.store();
  const plan = await planTargets(store.db, query ?? null, opts.ids);
  const what = changes.map(changeWords).join(', ');
  const sample = plan.slice(0, SAMPLE);
  const subjects = await subjectsOf(store.db, sample.map((p) => p.id));
  if (opts.dryRun && ctx.json) {
    return printJson(ctx.io, { dryRun: true, count: plan.length, changes: changes.map(changeWords), tickets: plan.map((p) => ({ id: p.id, version: p.version })) });
  }
  const out = (t: string) => (ctx.json ? ctx.io.err(t) : ctx.io.out(t));
  out(`${n(plan.length)} ticket(s) match '${safeLine(query?.text ?? words.join(' '))}': ${what}\n`);
  for (const p of sample) out(`  #${p.id}  ${safeLine(subjects.get(p.id) ?? '').slice(0, 60)}  ${what}\n`);
  if (plan.length > sample.length) out(`  … and ${n(plan.length - sample.length)} more\n`);
  if (opts.dryRun) {
    out('dry run: nothing changed\n');
    return;
  }
  if (!plan.length) {
    out('nothing to change\n');
    return;
  }
  const limit = await confirmLimit(ctx);
  if (plan.length > limit && !opts.yes) {
    if (!onTerminal(ctx)) {
      throw new UsageError(`${n(plan.length)} tickets would change, more than bulk.confirmAbove (${limit}): nothing changed`, 'give --yes to change them all (--dry-run shows the plan)');
    }
    if (!(await ask(ctx, `Change ${n(plan.length)} tickets? [y/N] `))) {
      ctx.io.err('nothing changed\n');
      return;
    }
  }
  const progress = progressReporter(ctx.io, opts.verb, true, 'tickets');
  let result: BulkOutcome;
  try {
    result = await applyBulk(store, plan, changes, {
      actor: await ctx.actor(), at: isoSeconds(ctx.now()), batchSize: BATCH, rules: opts.rules,
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
  }
  for (const s of result.skipped) ctx.io.err(`${safeLine(s.message)}\n`);
  if (ctx.json) {
    printJson(ctx.io, { count: plan.length, changed: result.changed, unchanged: result.unchanged, skipped: result.skipped });
  } else {
    const parts = [`${opts.verb} ${n(result.changed.length)} ticket(s)`];
    if (result.unchanged.length) parts.push(`${n(result.unchanged.length)} already so`);
    if (result.skipped.length) parts.push(`${n(result.skipped.length)} changed by someone else since the plan, not changed`);
    ctx.io.out(`${parts.join('; ')}\n`);
  }
  if (result.skipped.length) {
    throw new ConflictError(`${n(result.skipped.length)} of ${n(plan.length)} ticket(s) changed since the plan and were left as they are (the others were changed)`, 'run the command again to plan on the tickets as they are now');
  }
}
