// `desk sla at-risk` for people: most urgent first, due times in the agent's zone.
import { tableClass } from '../table-class.js';
import { Chalk } from 'chalk';
import type { AtRiskClock } from '../../domain/sla/at-risk.js';
import { safeLine } from '../safe-text.js';
import { csvField, csvText } from './csv.js';
import { fromNow, localDateTime } from './format.js';

const SOON_S = 30 * 60;

/** What the list holds, in words: breached clocks are not "breaching within" anything. */
export function atRiskHeading(list: AtRiskClock[], opts: { within: string; breached: boolean }): string {
  const breached = list.filter((r) => r.breached).length;
  const soon = list.length - breached;
  const clocks = (n: number) => `${n} clock${n === 1 ? '' : 's'}`;
  const soonText = `${clocks(soon)} breaching within ${opts.within}`;
  if (!opts.breached) return soonText;
  return `${clocks(breached)} already breached, ${soonText}`;
}

export function renderAtRisk(list: AtRiskClock[], opts: { color: boolean; timeZone: string; within: string; breached?: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  if (list.length === 0) {
    return opts.breached ? `No running SLA clock is breached or breaches within ${opts.within}.\n` : `No running SLA clock breaches within ${opts.within}.\n`;
  }
  const table = new (tableClass())({
    head: ['Due', '', 'ID', 'Clock', 'Priority', 'Assignee', 'Subject'].map((h) => c.bold(h)),
    style: { head: [], border: opts.color ? ['grey'] : [], compact: true },
    colAligns: ['left', 'right', 'right', 'left', 'left', 'left', 'left'],
    wordWrap: false,
  });
  for (const r of list) {
    const paint = r.breached ? c.red : r.remaining_s <= SOON_S ? c.yellow : (s: string) => s;
    const subject = [...safeLine(r.subject)];
    table.push([
      paint(localDateTime(r.due_at, opts.timeZone)),
      paint(r.breached ? `breached ${fromNow(r.remaining_s)}` : fromNow(r.remaining_s)),
      String(r.id),
      r.clock.replace('_', ' '),
      r.priority,
      safeLine(r.assignee ?? '—'),
      subject.length > 40 ? subject.slice(0, 39).join('') + '…' : subject.join(''),
    ]);
  }
  return `${atRiskHeading(list, { within: opts.within, breached: !!opts.breached })} (times in ${opts.timeZone})\n` + table.toString() + '\n';
}

/** The fields of `--json`, in this order, as columns of TSV and CSV. */
export const AT_RISK_COLUMNS = ['id', 'clock', 'due_at', 'remaining_s', 'breached', 'priority', 'assignee', 'queue', 'policy', 'subject'] as const;

/** For scripts: one heading line of field names, then a line per clock; instants stay ISO. */
export function renderAtRiskTsv(list: AtRiskClock[]): string {
  const rows = list.map((r) => AT_RISK_COLUMNS.map((k) => safeLine(r[k] === null ? '' : String(r[k]))).join('\t'));
  return [AT_RISK_COLUMNS.join('\t'), ...rows].join('\n') + '\n';
}

export function renderAtRiskCsv(list: AtRiskClock[]): string {
  const text = new Set<string>(['assignee', 'queue', 'policy', 'subject']);
  const rows = list.map((r) => AT_RISK_COLUMNS.map((k) => (text.has(k) ? csvText(r[k] as string | null) : csvField(r[k] as string | number | boolean))).join(','));
  return [AT_RISK_COLUMNS.join(','), ...rows].map((l) => l + '\r\n').join('');
}
