// desk sla report: compliance figures per group, in the format asked for.
import type { Ctx } from '../../cli/context.js';
import { badFlagValue, UsageError } from '../../errors.js';
import { GROUP_BYS, matchFieldsUsed, SlaReportBuilder, type GroupBy } from '../../domain/sla/index.js';
import { isoOfSeconds } from '../../domain/sla/timeline.js';
import type { Priority } from '../../domain/types.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../../ui/report/index.js';
import { agentTimeZone, loadPolicyFile } from './policy-file.js';
import { createdRange } from './range.js';
import { reportSettings } from './report-settings.js';
import { readQuery } from '../query/read.js';

export interface ReportFlags {
  since?: string;
  until?: string;
  by?: string;
  format?: string;
  policy?: string;
  mail?: string[];
  query?: string;
}

/** --format wins; --json means json; a terminal gets the table, a pipe or file gets CSV. */
export function chooseFormat(ctx: Ctx, format: string | undefined): ReportFormat {
  if (format !== undefined) {
    if (!REPORT_FORMATS.includes(format as ReportFormat)) throw badFlagValue('--format', format, REPORT_FORMATS);
    if (ctx.json && format !== 'json') throw new UsageError(`--json and --format ${format} disagree; give one of them`);
    return format as ReportFormat;
  }
  if (ctx.json) return 'json';
  return ctx.io.isTTY ? 'table' : 'csv';
}

export async function runReport(ctx: Ctx, flags: ReportFlags): Promise<void> {
  const by = (flags.by ?? 'priority') as GroupBy;
  if (!GROUP_BYS.includes(by)) throw badFlagValue('--by', by, GROUP_BYS);
  // A mailed report is the HTML page with its charts as images, and the figures as text.
  if (flags.mail && flags.format !== undefined && flags.format !== 'html') throw new UsageError(`--mail sends the HTML report; leave out --format ${flags.format}`);
  const recipients = flags.mail ? (await import('./report-mail.js')).mailRecipients(flags.mail) : null;
  const format = recipients ? 'html' : chooseFormat(ctx, flags.format);
  const settings = reportSettings(await ctx.config());
  const now = ctx.now();
  const timeZone = await agentTimeZone(ctx);
  const range = createdRange(flags.since, flags.until, timeZone);
  const policy = await loadPolicyFile(ctx, flags.policy);
  const store = await ctx.store();
  // A ticket created after `now` did not exist yet.
  const notAfterNow = isoOfSeconds(Math.floor(now.getTime() / 1000) + 1);
  const before = range.before && range.before < notAfterNow ? range.before : notAfterNow;
  const reportOptions = { by, timeZone, since: range.from ?? null, until: range.before ?? null };
  const builder = new SlaReportBuilder({ ...reportOptions, now });
  const uses = matchFieldsUsed(policy.set);
  const fields = {
    subject: by === 'ticket', queue: by === 'queue' || uses.has('queue'), tier: by === 'tier' || uses.has('tier'), assignee: by === 'agent', tags: uses.has('tag'),
    organisation: by === 'org' || uses.has('org'),
  };
  // --query: only the tickets it matches (every status: a report measures finished tickets too)
  const query = flags.query === undefined ? undefined : await readQuery(ctx, flags.query);
  const read = { createdFrom: range.from, createdBefore: before, fields, query: query && { node: query.node, now: query.now } };
  const task = { kind: 'report' as const, policy: { text: policy.text, source: policy.source }, now: now.getTime(), read, report: reportOptions };
  if (store.dialect === 'sqlite') {
    const { runSplit } = await import('./parallel.js');
    for (const part of await runSplit({ ...task, file: await ctx.dbLocation() })) builder.merge(part);
  } else {
    const [{ measurer }, { readPostgresClockInputs }] = await Promise.all([import('./measure.js'), import('./postgres-clock-inputs.js')]);
    const m = measurer(task);
    await readPostgresClockInputs(store.db, read, (batch) => m.add(batch));
    builder.merge(m.result());
  }
  // Satisfaction surveys of the same tickets: one query, the same on both backends.
  const { csatReportRows } = await import('../../store/repos/csat.js');
  for (const r of await csatReportRows(store.db, { from: range.from, before })) {
    builder.addSurvey({
      created: Math.floor(Date.parse(r.created_at) / 1000),
      ticket: { priority: r.priority as Priority, queue: r.queue, tier: r.tier, assignee: r.assignee, customer: { name: null, organisation: r.organisation } },
      score: r.score,
    });
  }
  const report = builder.finish();
  if (recipients) return (await import('./report-mail.js')).mailReport(ctx, report, recipients, settings, timeZone);
  ctx.io.out(renderReport(report, format, { color: ctx.io.color, timeZone, team: settings.team, target: settings.target }));
}
