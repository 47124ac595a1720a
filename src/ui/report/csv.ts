// CSV (RFC 4180): CRLF line ends; fields with a comma, quote, CR or LF are quoted, quotes doubled.
// Text from tickets that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading
// apostrophe: a report mailed around must not execute what a customer typed into a subject.
import type { ClockFigures, TicketSla } from '../../domain/sla/clocks.js';
import type { GroupFigures, SlaReport } from '../../domain/sla/report.js';
import { GROUP_COLUMNS } from './format.js';
import { safeText } from '../safe-text.js';

type Field = string | number | boolean | null;

export function csvField(value: Field): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** For text that came from outside: neutralise spreadsheet formulas, then quote. */
export function csvText(value: string | null): string {
  if (value === null) return '';
  const text = safeText(value); // controls shown harmless; line breaks stay (inside quotes)
  return csvField(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
}

const line = (fields: string[]) => fields.join(',') + '\r\n';

const CLOCKS = ['first_response', 'resolution', 'next_response'] as const;
const CLOCK_FIELDS = ['target_s', 'elapsed_s', 'breached', 'stopped', 'due_at'] as const;

function ticketRow(t: TicketSla): string[] {
  const fields = [csvField(t.id), csvText(t.subject), csvText(t.policy)];
  for (const name of CLOCKS) {
    const clock: ClockFigures | null = t[name];
    for (const f of CLOCK_FIELDS) fields.push(csvField(clock ? clock[f] : null));
  }
  fields.push(csvField(t.next_response ? t.next_response.periods.length : null));
  return fields;
}

function groupRow(g: GroupFigures): string[] {
  return [csvText(g.key), ...GROUP_COLUMNS.map((c) => csvField(g[c]))];
}

export function renderCsv(report: SlaReport): string {
  if (report.by === 'ticket') {
    const head = ['id', 'subject', 'policy', ...CLOCKS.flatMap((c) => CLOCK_FIELDS.map((f) => `${c}_${f}`)), 'next_response_periods'];
    return line(head) + report.tickets.map((t) => line(ticketRow(t))).join('');
  }
  return line([report.by, ...GROUP_COLUMNS]) + [...report.groups, report.total].map((g) => line(groupRow(g))).join('');
}
