// The SLA report as plain text: the text part of a mailed report (what a reader sees when their
// client shows no HTML or no images, and what a search or a quote picks up). Every figure of the
// figures table, in aligned columns; group names pass through safeLine.
import type { GroupFigures, SlaReport } from '../../domain/sla/report.js';
import { safeLine } from '../safe-text.js';
import { businessDuration, byHeading, localDateTime, percent, csatAverage } from './format.js';

const HEAD = ['Tickets', 'Met', 'Breached', 'In progress', 'Compliance', 'First resp. median', 'First resp. p90', 'Resolution median', 'Resolution p90', 'First-contact res.', 'CSAT average', 'CSAT responses', 'CSAT response rate'];

function cells(g: GroupFigures): string[] {
  return [
    String(g.tickets), String(g.met), String(g.breached), String(g.in_progress), percent(g.compliance),
    businessDuration(g.first_response_median_s), businessDuration(g.first_response_p90_s),
    businessDuration(g.resolution_median_s), businessDuration(g.resolution_p90_s), percent(g.fcr_rate),
    csatAverage(g), `${g.csat_responses}`, percent(g.csat_response_rate),
  ];
}

const width = (s: string) => [...s].length;

/** Columns padded to their widest cell: the first left-aligned, the figures right-aligned. */
export function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c + ' '.repeat(widths[i]! - width(c)) : ' '.repeat(widths[i]! - width(c)) + c)).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export interface TextOptions {
  title: string;
  period: string;
  timeZone: string;
  target: number | null;
}

export function renderText(report: SlaReport, opts: TextOptions): string {
  const groups = report.by === 'ticket' ? report.breakdown.groups : report.groups;
  const by = report.by === 'ticket' ? report.breakdown.by : report.by;
  const rows = [...groups.map((g) => [safeLine(g.key), ...cells(g)]), ['Total', ...cells(report.total)]];
  const trend = report.trend.points.map((p) => `${p.key}: ${percent(p.compliance)}${p.key === report.partial_period ? ' (not over yet, so far)' : ''}`);
  return [
    opts.title,
    `Tickets created ${opts.period}, as of ${localDateTime(report.now, opts.timeZone)} (${opts.timeZone})`,
    '',
    `Compliance ${percent(report.total.compliance)}${opts.target !== null ? ` (target ${percent(opts.target)})` : ''} · `
      + `${report.total.breached} breached · ${report.total.in_progress} in progress · first response median ${businessDuration(report.total.first_response_median_s)} · `
      + `first-contact resolution ${percent(report.total.fcr_rate)} · `
      + `CSAT ${csatAverage(report.total)} (${report.total.csat_responses} of ${report.total.csat_surveys} surveys answered)`,
    '',
    `Figures by ${byHeading(by).toLowerCase()}:`,
    '',
    textTable([byHeading(by), ...HEAD], rows),
    '',
    `Compliance by ${report.trend.period}: ${trend.join(', ') || 'no tickets'}`,
    '',
    'Times are business time of each ticket\'s policy calendar. Compliance = met / (met + breached).',
    'The charts are attached as images.',
    '',
  ].join('\n');
}
