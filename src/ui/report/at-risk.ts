// `desk sla at-risk` for people: most urgent first, due times in the agent's zone.
import Table from 'cli-table3';
import { Chalk } from 'chalk';
import type { AtRiskClock } from '../../domain/sla/at-risk.js';
import { safeLine } from '../safe-text.js';
import { fromNow, localDateTime } from './format.js';

const SOON_S = 30 * 60;

export function renderAtRisk(list: AtRiskClock[], opts: { color: boolean; timeZone: string; within: string }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  if (list.length === 0) return `No running SLA clock breaches within ${opts.within}.\n`;
  const table = new Table({
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
  return `${list.length} clock${list.length === 1 ? '' : 's'} breaching within ${opts.within} (times in ${opts.timeZone})\n` + table.toString() + '\n';
}
