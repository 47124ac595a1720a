// `desk triage [filters]`: checks the filters and the terminal, then hands over to the screen.
import type { Ctx } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { filterFromFlags, type FilterFlags } from '../../domain/filters.js';
import { mentions } from '../../domain/query/index.js';
import { listViews } from '../../store/repos/views.js';
import { listQuery } from '../query/list-query.js';
import { readQuery } from '../query/read.js';
import { runTriageApp, type TriageTab } from './app.js';

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

export async function runTriage(ctx: Ctx, words: string[], flags: FilterFlags): Promise<void> {
  // A query or a saved view (@NAME) narrows the queue, ANDed with the flags; one that names
  // statuses replaces the default "needs someone", as --status does.
  const { query, view } = await listQuery(ctx, words);
  const filter = { ...filterFromFlags(flags, await ctx.actor(), await ctx.tiers()), query };
  const explicitStatuses = flags.status !== undefined || (query !== undefined && mentions(query.node, 'status'));
  if (ctx.json) {
    // The queue as the screen would show it, in its order, for scripts (no terminal needed).
    const [{ loadQueue }, { optionalPolicy }, { versionedJson }, { printJson }] = await Promise.all([
      import('./queue.js'), import('../sla/policy-file.js'), import('../../domain/interchange.js'), import('../../ui/output.js'),
    ]);
    const store = await ctx.store();
    const items = await loadQueue(store.db, filter, { explicitStatuses, policy: await optionalPolicy(ctx), now: ctx.now() });
    printJson(ctx.io, items.map((it) => ({ ...versionedJson(it.ticket), due_at: it.due_at, snooze_ended: it.snoozeEnded })));
    return;
  }
  if (!(ctx.io.stdin as { isTTY?: boolean }).isTTY || !ctx.io.isTTY) {
    throw new UsageError('desk triage is interactive and needs a terminal', "for scripts, 'desk triage --json' prints the queue, or use 'desk list --sort sla' with the same filters");
  }
  const label = [describeFilters(flags), query && !view ? query.text : ''].filter(Boolean).join(' · ');
  // `triage @NAME` opens on that view's tab; a query (or a view with more terms) is a tab of its own, first.
  const onlyView = view !== undefined && words.length === 1;
  const given = words.length && !onlyView ? { label: query!.text, filter, explicitStatuses } : null;
  const { tabs, tab } = await viewTabs(ctx, flags, given, onlyView ? view : undefined);
  await runTriageApp(ctx, { filter, explicitStatuses, filterLabel: label, tabs, tab });
}

/**
 * The saved views as tabs, after the queue as opened (the whole queue, or the query given);
 * the flags narrow every tab. `triage @NAME` opens on that view's tab.
 */
async function viewTabs(ctx: Ctx, flags: FilterFlags, given: TriageTab | null, view: string | undefined): Promise<{ tabs: TriageTab[]; tab: number }> {
  const store = await ctx.store();
  const views = await listViews(store.db, await ctx.actor());
  if (!views.length) return { tabs: [], tab: 0 };
  const base = filterFromFlags(flags, await ctx.actor(), await ctx.tiers());
  const tabs: TriageTab[] = [given ?? { label: 'queue', filter: base, explicitStatuses: flags.status !== undefined }];
  let tab = 0;
  for (const v of views) {
    let q;
    try {
      q = await readQuery(ctx, v.query);
    } catch (e) {
      if (e instanceof UsageError) continue; // no longer valid here (a tier gone from the config): left out
      throw e;
    }
    if (v.name === view && tab === 0) tab = tabs.length;
    tabs.push({ label: `@${v.name}`, filter: { ...base, query: q }, explicitStatuses: flags.status !== undefined || mentions(q.node, 'status') });
  }
  return { tabs, tab };
}
