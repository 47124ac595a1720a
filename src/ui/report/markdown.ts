// Markdown (GitHub tables) for pasting into an issue or a wiki. Cell text is one line, with the
// characters of Markdown's link, image, emphasis, code and table syntax backslash-escaped and
// HTML special characters as entities: a Markdown viewer renders raw HTML, links and images, so
// a subject like "<img onerror=…>" or "![x](https://tracker.example/p.gif)" must stay text (no
// request, no link, no cell break). A bare URL or www. address is kept from turning into a link.
import type { ClockFigures } from '../../domain/sla/clocks.js';
import type { GroupFigures, SlaReport } from '../../domain/sla/report.js';
import { safeLine } from '../safe-text.js';
import { businessDuration, nothingMeasured, byHeading, percent, csatAverage } from './format.js';

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function mdCell(text: string): string {
  return safeLine(text)
    .replace(/[\\`*_[\]|~&<>]/g, (c) => ENTITY[c] ?? `\\${c}`)
    .replace(/:\/\//g, '\\://')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`);
}

function table(head: string[], rows: string[][], alignRightFrom = 1): string {
  const sep = head.map((_, i) => (i >= alignRightFrom ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n';
}

function groupCells(g: GroupFigures, label: string): string[] {
  return [
    label, String(g.tickets), String(g.met), String(g.breached), String(g.in_progress), percent(g.compliance),
    businessDuration(g.first_response_median_s), businessDuration(g.first_response_p90_s),
    businessDuration(g.resolution_median_s), businessDuration(g.resolution_p90_s), percent(g.fcr_rate),
    csatAverage(g), `${g.csat_responses}`, percent(g.csat_response_rate),
  ];
}

function clockCell(c: ClockFigures | null): string {
  if (nothingMeasured(c)) return '—';
  const state = c.breached ? '**breached**' : c.stopped ? 'met' : c.due_at ? `due ${c.due_at}` : 'paused';
  return `${businessDuration(c.elapsed_s)} / ${businessDuration(c.target_s)} ${state}`;
}

const GROUP_HEAD = ['Tickets', 'Met', 'Breached', 'In progress', 'Compliance', 'First resp. median', 'First resp. p90', 'Resolution median', 'Resolution p90', 'First-contact res.', 'CSAT average', 'CSAT responses', 'CSAT response rate'];

export function renderMarkdown(report: SlaReport): string {
  const range = [report.since && `since ${report.since}`, report.until && `until ${report.until}`].filter(Boolean).join(', ');
  let out = `# SLA report by ${report.by}\n\nAs of ${report.now}${range ? `, ${range}` : ''}. `
    + `Times are business time of each ticket's policy calendar; compliance = met / (met + breached).\n\n`;
  if (report.by === 'ticket') {
    out += table(['ID', 'Subject', 'Policy', 'First response', 'Resolution', 'Next response'],
      report.tickets.map((t) => [String(t.id), mdCell(t.subject), mdCell(t.policy ?? '—'), clockCell(t.first_response), clockCell(t.resolution), clockCell(t.next_response)]), 99);
  } else {
    const rows = report.groups.map((g) => groupCells(g, mdCell(g.key)));
    rows.push(groupCells(report.total, '**Total**'));
    out += table([byHeading(report.by), ...GROUP_HEAD], rows);
  }
  if (report.trend.points.length) {
    out += `\n## Compliance by ${report.trend.period}\n\n`;
    out += table([byHeading(report.trend.period), 'Compliance', 'Met', 'Breached'],
      report.trend.points.map((p) => [p.key, percent(p.compliance), String(p.met), String(p.breached)]));
  }
  return out;
}
