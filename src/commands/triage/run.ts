// `desk triage [filters]`: checks the filters and the terminal, then hands over to the screen.
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { filterFromFlags, type FilterFlags } from '../../domain/filters.js';
import { runTriageApp } from './app.js';

/** The filters in words for the header: "queue tech · tier L1 · assignee me". */
export function describeFilters(flags: FilterFlags): string {
  const parts: string[] = [];
  for (const key of ['status', 'priority', 'queue', 'tier', 'assignee', 'requester'] as const) {
    if (flags[key] !== undefined) parts.push(`${key} ${flags[key]}`);
  }
  const tags = flags.tag === undefined ? [] : Array.isArray(flags.tag) ? flags.tag : [flags.tag];
  if (tags.length) parts.push(`tag ${tags.join(',')}`);
  return parts.join(' · ');
}

export async function runTriage(ctx: Ctx, flags: FilterFlags): Promise<void> {
  const filter = filterFromFlags(flags, await ctx.actor(), await ctx.tiers());
  if (ctx.json) {
    // The queue as the screen would show it, in its order, for scripts (no terminal needed).
    const [{ loadQueue }, { optionalPolicy }, { versionedJson }, { printJson }] = await Promise.all([
      import('./queue.js'), import('../sla/policy-file.js'), import('../../domain/interchange.js'), import('../../ui/output.js'),
    ]);
    const store = await ctx.store();
    const items = await loadQueue(store.db, filter, { explicitStatuses: flags.status !== undefined, policy: await optionalPolicy(ctx), now: ctx.now() });
    printJson(ctx.io, items.map((it) => ({ ...versionedJson(it.ticket), due_at: it.due_at, snooze_ended: it.snoozeEnded })));
    return;
  }
  if (!(ctx.io.stdin as { isTTY?: boolean }).isTTY || !ctx.io.isTTY) {
    throw new UsageError('desk triage is interactive and needs a terminal', "for scripts, 'desk triage --json' prints the queue, or use 'desk list --sort sla' with the same filters");
  }
  await runTriageApp(ctx, { filter, explicitStatuses: flags.status !== undefined, filterLabel: describeFilters(flags) });
}
