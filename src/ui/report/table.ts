// The terminal view of an SLA report: a table with a compliance bar per group and a sparkline
// of the trend; breaches in red when colour is on. Ticket text goes through safeLine.
import type Table from 'cli-table3';
import { tableClass } from '../table-class.js';
import { Chalk, type ChalkInstance } from 'chalk';
import type { ClockFigures } from '../../domain/sla/clocks.js';
import type { GroupFigures, SlaReport } from '../../domain/sla/report.js';
import { safeLine } from '../safe-text.js';
import { businessDuration, csatText, nothingMeasured, byHeading, localDateTime, percent } from './format.js';

export interface TableOptions {
  color: boolean;
  /** the agent's zone, for due times */
  timeZone: string;
}

const SPARKS = '▁▂▃▄▅▆▇█';
const BAR_WIDTH = 10;
const MAX_SPARK_POINTS = 60;
const SUBJECT_WIDTH = 40;

/** One character per point, height by compliance (0–100%, not rescaled: a dip must look like one). */
export function sparkline(points: GroupFigures[], c: ChalkInstance): string {
  return points.slice(-MAX_SPARK_POINTS).map((p) => {
    if (p.compliance === null) return c.dim('·');
    const ch = SPARKS[Math.round(p.compliance * (SPARKS.length - 1))];
    return p.breached > 0 ? c.red(ch) : c.green(ch);
  }).join('');
}

/** Met share in green, breached share in red; '░' for the breached part when colour is off. */
export function complianceBar(g: GroupFigures, c: ChalkInstance): string {
  if (g.compliance === null) return ' '.repeat(BAR_WIDTH) + ' —';
  const full = Math.round(g.compliance * BAR_WIDTH);
  const metPart = '█'.repeat(full);
  const breachedPart = c.level > 0 ? c.red('█'.repeat(BAR_WIDTH - full)) : '░'.repeat(BAR_WIDTH - full);
  return c.green(metPart) + breachedPart + ' ' + percent(g.compliance).padStart(6);
}

function truncate(text: string, width: number): string {
  const chars = [...text];
  return chars.length > width ? chars.slice(0, width - 1).join('') + '…' : text;
}

function groupRow(g: GroupFigures, label: string, c: ChalkInstance): string[] {
  return [
    label,
    String(g.tickets),
    String(g.met),
    g.breached ? c.red(String(g.breached)) : '0',
    String(g.in_progress),
    complianceBar(g, c),
    `${businessDuration(g.first_response_median_s)} / ${businessDuration(g.first_response_p90_s)}`,
    `${businessDuration(g.resolution_median_s)} / ${businessDuration(g.resolution_p90_s)}`,
    percent(g.fcr_rate),
    csatText(g),
  ];
}

function clockCell(clock: ClockFigures | null, c: ChalkInstance, timeZone: string): string {
  if (nothingMeasured(clock)) return c.dim('—');
  const figures = `${businessDuration(clock.elapsed_s)} / ${businessDuration(clock.target_s)}`;
  if (clock.breached) return c.red(`${figures} breached`);
  if (clock.stopped) return `${figures} ${c.green('met')}`;
  if (clock.due_at === null) return `${figures} ${c.dim('paused')}`;
  return `${figures} ${c.yellow(`due ${localDateTime(clock.due_at, timeZone)}`)}`;
}

function newTable(head: string[], c: ChalkInstance, rightAligned: number[]): Table.Table {
  return new (tableClass())({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: c.level > 0 ? ['grey'] : [], compact: true },
    colAligns: head.map((_, i) => (rightAligned.includes(i) ? 'right' : 'left')),
    wordWrap: false,
  });
}

export function renderTable(report: SlaReport, opts: TableOptions): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const range = [report.since && `since ${report.since}`, report.until && `until ${report.until}`].filter(Boolean).join(' ');
  let out = c.bold(`SLA report by ${report.by}`) + c.dim(` · as of ${localDateTime(report.now, opts.timeZone)} ${opts.timeZone}${range ? ` · ${range}` : ''}`) + '\n';
  if (report.by === 'ticket') {
    const table = newTable(['ID', 'Subject', 'Policy', 'First response', 'Resolution', 'Next response'], c, [0]);
    for (const t of report.tickets) {
      table.push([String(t.id), truncate(safeLine(t.subject), SUBJECT_WIDTH), safeLine(t.policy ?? '—'),
        clockCell(t.first_response, c, opts.timeZone), clockCell(t.resolution, c, opts.timeZone), clockCell(t.next_response, c, opts.timeZone)]);
    }
    out += table.toString() + '\n';
  } else {
    const table = newTable([byHeading(report.by), 'Tickets', 'Met', 'Breached', 'In progress', 'Compliance', '1st resp. med / p90', 'Resolution med / p90', 'FCR', 'CSAT (resp.)'], c, [1, 2, 3, 4, 8, 9]);
    for (const g of report.groups) table.push(groupRow(g, safeLine(g.key), c));
    table.push(groupRow(report.total, c.bold('Total'), c));
    out += table.toString() + '\n';
  }
  const points = report.trend.points;
  if (points.length) {
    const shown = points.slice(-MAX_SPARK_POINTS);
    out += `Compliance by ${report.trend.period}  ${sparkline(points, c)}  ${shown[0].key} → ${shown[shown.length - 1].key}`
      + ` · latest ${percent(shown[shown.length - 1].compliance)} · overall ${percent(report.total.compliance)}\n`;
  } else {
    out += c.dim('No tickets in this period.') + '\n';
  }
  return out;
}
