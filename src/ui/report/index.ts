// Renders an SLA report in the format asked for (docs/cli.md: table|json|csv|md|html).
import type { SlaReport } from '../../domain/sla/report.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderTable } from './table.js';

export const REPORT_FORMATS = ['table', 'json', 'csv', 'md', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface RenderOptions {
  /** colour in the table format (already false for NO_COLOR / --no-color / not a terminal) */
  color: boolean;
  /** the agent's zone for due times and the "as of" line */
  timeZone: string;
  /** the team's name for the HTML report's title (config `team`) */
  team?: string | null;
  /** the compliance goal, 0–1 (config `slaTarget`) */
  target?: number | null;
}

export function renderReport(report: SlaReport, format: ReportFormat, opts: RenderOptions): string {
  switch (format) {
    case 'table': return renderTable(report, opts);
    case 'json': return renderJson(report);
    case 'csv': return renderCsv(report);
    case 'md': return renderMarkdown(report);
    case 'html': return renderHtml(report, { timeZone: opts.timeZone, team: opts.team, target: opts.target });
  }
}
