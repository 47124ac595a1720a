// JSON: for --by ticket, an array of the spec's per-ticket objects, one per line (valid JSON
// that still greps and diffs line by line); otherwise the group figures with their context.
import type { SlaReport } from '../../domain/sla/report.js';
import { jsonText } from '../safe-text.js';

export function renderJson(report: SlaReport): string {
  if (report.by === 'ticket') {
    if (report.tickets.length === 0) return '[]\n';
    return '[\n' + report.tickets.map((t) => jsonText(t)).join(',\n') + '\n]\n';
  }
  const { by, now, since, until, timezone, groups, total, trend } = report;
  return jsonText({ by, now, since, until, timezone, groups, total, trend }, 2) + '\n';
}
