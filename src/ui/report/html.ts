// The HTML report: one standalone page a lead can mail around. Inline CSS and SVG only (no
// scripts, fonts or other requests), system fonts, print styles so it reads well on paper.
// Every piece of text is HTML-escaped.
import type { ClockFigures } from '../../domain/sla/clocks.js';
import type { GroupFigures, SlaReport } from '../../domain/sla/report.js';
import { breakdownChart, COLORS, trendChart } from './charts.js';
import { businessDuration, nothingMeasured, byHeading, localDateTime, percent, csatAverage } from './format.js';
import { escapeHtml as e } from './html-escape.js';

export interface HtmlOptions {
  timeZone: string;
  /** the team's or desk's name (config `team`): the page reads "NAME — SLA report" */
  team?: string | null;
  /** the compliance goal (0–1, config `slaTarget`): a line on the compliance chart */
  target?: number | null;
  /**
   * How charts are placed: inline SVG (a page for a browser), or `<img src="cid:…">` for a
   * mail, where Gmail and Outlook drop inline SVG (the images go along as attachments).
   */
  charts?: 'inline' | { trend: string; breakdown: string };
}

/** The page's title: "Example Support — SLA report", or "SLA report". */
export function reportTitle(team: string | null | undefined): string {
  return team?.trim() ? `${team.trim()} — SLA report` : 'SLA report';
}

/** "2026-03-01 – 2026-03-31" (local dates), the period the report covers. */
export function coveredPeriod(report: SlaReport): string {
  return report.covers.from ? `${report.covers.from} – ${report.covers.to}` : `up to ${report.covers.to}`;
}

/** The two charts as SVG documents (the mail renders them to images). */
export function reportCharts(report: SlaReport, opts: Pick<HtmlOptions, 'target'>): { trend: string; breakdown: string } {
  return {
    trend: trendChart(report.trend.points, report.trend.period, { target: opts.target ?? null, partialKey: report.partial_period }),
    breakdown: breakdownChart(report.breakdown.groups, byHeading(report.breakdown.by).toLowerCase()),
  };
}

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: ${COLORS.text};
  margin: 0 auto; padding: 24px; max-width: 1000px; line-height: 1.4; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.15em; margin: 28px 0 8px; }
.meta { color: #666; margin: 0 0 16px; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; padding: 0; list-style: none; }
.kpis li { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.kpis b { display: block; font-size: 1.4em; }
.kpis .bad b { color: ${COLORS.breached}; }
table { border-collapse: collapse; width: 100%; font-size: 0.85em; }
th, td { padding: 4px 6px; border-bottom: 1px solid #e5e5e5; text-align: right; vertical-align: bottom; }
td { white-space: nowrap; }
th:first-child, td:first-child, td.text { text-align: left; }
td.text { white-space: normal; }
table.tickets th, table.tickets td { text-align: left; white-space: normal; }
thead th { border-bottom: 2px solid #999; }
tfoot td { font-weight: bold; border-top: 2px solid #999; }
.breached { color: ${COLORS.breached}; font-weight: 600; }
.met { color: ${COLORS.met}; }
.muted { color: #888; }
svg.chart { display: block; max-width: 100%; height: auto; }
footer { margin-top: 32px; color: #888; font-size: 0.8em; }
@media print {
  body { padding: 0; max-width: none; font-size: 10pt; }
  section { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  @page { margin: 15mm; }
}
`;

function groupRow(g: GroupFigures, label: string, tag: 'td' | 'th' = 'td'): string {
  const cells = [
    g.tickets, g.met, g.breached ? `<span class="breached">${g.breached}</span>` : '0', g.in_progress, percent(g.compliance),
    businessDuration(g.first_response_median_s), businessDuration(g.first_response_p90_s),
    businessDuration(g.resolution_median_s), businessDuration(g.resolution_p90_s), percent(g.fcr_rate),
    csatAverage(g), g.csat_responses, percent(g.csat_response_rate),
  ];
  return `<tr><${tag} class="text">${label}</${tag}>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

function groupTable(report: SlaReport): string {
  const head = [byHeading(report.by), 'Tickets', 'Met', 'Breached', 'In progress', 'Compliance', 'First resp. median', 'First resp. p90',
    'Resolution median', 'Resolution p90', 'First-contact res.', 'CSAT average', 'CSAT responses', 'CSAT response rate'];
  return `<table class="figures"><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead>`
    + `<tbody>${report.groups.map((g) => groupRow(g, e(g.key))).join('')}</tbody>`
    + `<tfoot>${groupRow(report.total, 'Total')}</tfoot></table>`;
}

function clockCell(c: ClockFigures | null, timeZone: string): string {
  if (nothingMeasured(c)) return '<td class="muted">—</td>';
  const figures = `${businessDuration(c.elapsed_s)} / ${businessDuration(c.target_s)}`;
  if (c.breached) return `<td class="breached">${figures} breached</td>`;
  if (c.stopped) return `<td>${figures} <span class="met">met</span></td>`;
  if (c.due_at === null) return `<td>${figures} <span class="muted">paused</span></td>`;
  return `<td>${figures} due ${e(localDateTime(c.due_at, timeZone))}</td>`;
}

function ticketTable(report: SlaReport, timeZone: string): string {
  const head = ['ID', 'Subject', 'Policy', 'First response', 'Resolution', 'Next response'];
  const rows = report.tickets.map((t) => `<tr><td>${t.id}</td><td class="text">${e(t.subject)}</td><td class="text">${e(t.policy ?? '—')}</td>`
    + `${clockCell(t.first_response, timeZone)}${clockCell(t.resolution, timeZone)}${clockCell(t.next_response, timeZone)}</tr>`);
  return `<table class="tickets"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function kpis(t: GroupFigures): string {
  const items: [string, string, boolean][] = [
    ['Tickets', String(t.tickets), false],
    ['Compliance', percent(t.compliance), false],
    ['Breached', String(t.breached), t.breached > 0],
    ['In progress', String(t.in_progress), false],
    ['First response (median)', businessDuration(t.first_response_median_s), false],
    ['Resolution (median)', businessDuration(t.resolution_median_s), false],
    ['First-contact resolution', percent(t.fcr_rate), false],
    ['CSAT (average of 5)', csatAverage(t), false],
    ['CSAT response rate', percent(t.csat_response_rate), false],
  ];
  return `<ul class="kpis">${items.map(([k, v, bad]) => `<li${bad ? ' class="bad"' : ''}><b>${e(v)}</b>${e(k)}</li>`).join('')}</ul>`;
}

export function renderHtml(report: SlaReport, opts: HtmlOptions): string {
  const title = reportTitle(opts.team);
  const meta = `Tickets created ${coveredPeriod(report)} · by ${report.by} · as of ${localDateTime(report.now, opts.timeZone)} (${opts.timeZone})`;
  const breakdownBy = byHeading(report.breakdown.by).toLowerCase();
  const svg = reportCharts(report, opts);
  const chart = (which: 'trend' | 'breakdown', alt: string) => opts.charts && opts.charts !== 'inline'
    ? `<img src="cid:${e(opts.charts[which])}" alt="${e(alt)}" width="720" style="display:block;max-width:100%;height:auto">`
    : svg[which];
  const partial = report.partial_period
    ? `<p class="meta">${e(report.partial_period)} is not over yet: its point (hollow, “so far”) counts the tickets measured until now.</p>` : '';
  const target = typeof opts.target === 'number' ? `<p class="meta">Target: ${e(percent(opts.target))} compliance (dashed line).</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${e(title)}</h1><p class="meta">${e(meta)}</p></header>
<section class="summary">${kpis(report.total)}</section>
<section class="trend"><h2>Compliance by ${e(report.trend.period)}</h2>${chart('trend', `Compliance by ${report.trend.period}`)}${target}${partial}</section>
<section class="breakdown"><h2>Breakdown by ${e(breakdownBy)}</h2>${chart('breakdown', `Tickets by ${breakdownBy}: met, breached, in progress`)}</section>
<section class="table"><h2>${report.by === 'ticket' ? 'Tickets' : `Figures by ${e(byHeading(report.by).toLowerCase())}`}</h2>${report.by === 'ticket' ? ticketTable(report, opts.timeZone) : groupTable(report)}</section>
<footer>Times are business time of each ticket's policy calendar. Compliance = met / (met + breached); tickets still inside their targets are in progress and left out. Medians and 90th percentiles are nearest-rank over stopped clocks. First-contact resolution = solved tickets with exactly one public reply / solved tickets.</footer>
</body>
</html>
`;
}
