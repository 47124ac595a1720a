// `desk triage [filters]`: checks the filters and the terminal, then hands over to the screen.
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../cli/errors.js';
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
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UsageError('desk triage is interactive and needs a terminal', "for scripts, use 'desk list --sort sla' with the same filters");
  }
  await runTriageApp(ctx, { filter, explicitStatuses: flags.status !== undefined, filterLabel: describeFilters(flags) });
}
