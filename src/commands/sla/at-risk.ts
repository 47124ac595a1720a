// desk sla at-risk: running clocks that breach within the window, most urgent first.
import type { Ctx } from '../../cli/context.js';
import { badFlagValue, UsageError } from '../../errors.js';
import { matchFieldsUsed, parseDuration, sortAtRisk, type AtRiskClock } from '../../domain/sla/index.js';
import { isoOfSeconds } from '../../domain/sla/timeline.js';
import { renderAtRisk, renderAtRiskCsv, renderAtRiskTsv } from '../../ui/report/at-risk.js';
import { printJson } from '../../ui/output.js';
import { agentTimeZone, loadPolicyFile, type LoadedPolicy } from './policy-file.js';

export interface AtRiskFlags {
  within?: string;
  breached?: boolean;
  assignee?: string;
  queue?: string;
  policy?: string;
  format?: string;
}

export const AT_RISK_FORMATS = ['table', 'tsv', 'csv', 'json'] as const;
type AtRiskFormat = (typeof AT_RISK_FORMATS)[number];

/** --format wins; --json means json; a terminal gets the table, a pipe gets TSV (like list). */
function chooseAtRiskFormat(ctx: Ctx, format: string | undefined): AtRiskFormat {
  if (format !== undefined) {
    if (!AT_RISK_FORMATS.includes(format as AtRiskFormat)) throw badFlagValue('--format', format, AT_RISK_FORMATS);
    if (ctx.json && format !== 'json') throw new UsageError(`--json and --format ${format} disagree; give one of them`);
    return format as AtRiskFormat;
  }
  if (ctx.json) return 'json';
  return ctx.io.isTTY ? 'table' : 'tsv';
}

export async function runAtRisk(ctx: Ctx, flags: AtRiskFlags): Promise<void> {
  const windowText = flags.within ?? '2h';
  const within = parseDuration(windowText);
  if (within === null) throw new UsageError(`invalid value for --within: '${windowText}' (a duration like "2h", "90m", "1h30m")`);
  const format = chooseAtRiskFormat(ctx, flags.format);
  const now = ctx.now();
  const policy = await loadPolicyFile(ctx, flags.policy);
  const assignee = flags.assignee === undefined ? undefined
    : flags.assignee === 'none' ? null : flags.assignee === 'me' ? await ctx.actor() : flags.assignee;
  const list = await collectAtRisk(ctx, policy, { now, within, includeBreached: !!flags.breached, assignee, queue: flags.queue });
  const includeBreached = !!flags.breached;
  sortAtRisk(list);
  if (format === 'json') return printJson(ctx.io, list);
  if (format === 'tsv') return ctx.io.out(renderAtRiskTsv(list));
  if (format === 'csv') return ctx.io.out(renderAtRiskCsv(list));
  ctx.io.out(renderAtRisk(list, { color: ctx.io.color, timeZone: await agentTimeZone(ctx), within: windowText, breached: includeBreached }));
}

/** Running clocks breaching within `within` seconds of `now` (and breached ones, if asked), unsorted. */
export async function collectAtRisk(
  ctx: Ctx, policy: LoadedPolicy,
  opts: { now: Date; within: number; includeBreached: boolean; assignee?: string | null; queue?: string },
): Promise<AtRiskClock[]> {
  const { now, within, includeBreached } = opts;
  const assignee = opts.assignee;
  const store = await ctx.store();
  const nowS = Math.floor(now.getTime() / 1000);
  const uses = matchFieldsUsed(policy.set);
  const fields = { subject: true, queue: true, assignee: true, tier: uses.has('tier'), tags: uses.has('tag'), organisation: uses.has('org') };
  const read = { createdBefore: isoOfSeconds(nowS + 1), openAt: isoOfSeconds(nowS), fields };
  const keep = { assignee, queue: opts.queue };
  const task = { kind: 'at-risk' as const, policy: { text: policy.text, source: policy.source }, now: now.getTime(), read, within, includeBreached, keep };
  let list: AtRiskClock[];
  if (store.dialect === 'sqlite') {
    const { runSplit } = await import('./parallel.js');
    list = (await runSplit({ ...task, file: await ctx.dbLocation() })).flat();
  } else {
    const [{ measurer }, { readPostgresClockInputs }] = await Promise.all([import('./measure.js'), import('./postgres-clock-inputs.js')]);
    const m = measurer(task);
    await readPostgresClockInputs(store.db, read, (batch) => m.add(batch));
    list = m.result();
  }
  return list;
}
