// `desk sla explain ID` for people: each clock's segments in the agents' zone (config
// `timezone`, like every time desk shows), with the sums a lead can read out to a customer;
// the calendar's own zone is named when it differs, since its hours are the contract's.
import { Chalk } from 'chalk';
import type { SegmentKind, TicketExplanation } from '../../domain/sla/explain.js';
import { safeLine } from '../safe-text.js';
import { businessDuration, localDateTime } from './format.js';

const KIND_LABELS: Record<SegmentKind, string> = {
  counted: 'counted',
  outside_hours: 'outside hours',
  holiday: 'holiday',
  paused: 'paused',
  solved: 'solved',
};

export function renderExplain(x: TicketExplanation, opts: { color: boolean; timeZone?: string }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const zone = opts.timeZone ?? x.timezone ?? 'UTC';
  const lines: string[] = [];
  lines.push(c.bold(`#${x.id} ${safeLine(x.subject)}`));
  if (!x.policy) {
    lines.push('No SLA policy matches this ticket: no clock is measured.');
    return lines.join('\n') + '\n';
  }
  const calendarZone = x.timezone && x.timezone !== zone && x.calendar !== '24x7' ? ` (its hours are ${safeLine(x.timezone)} time)` : '';
  lines.push(`Policy ${safeLine(x.policy)} · calendar ${safeLine(x.calendar)}${calendarZone} · times in ${zone} · as of ${localDateTime(x.now, zone)}`);
  if (x.clocks.length === 0) lines.push('The policy sets no target that applies to this ticket yet.');
  for (const clock of x.clocks) {
    const state = clock.breached ? c.red('breached') : clock.stopped_at ? c.green('met') : clock.due_at ? c.yellow(`running, due ${localDateTime(clock.due_at, zone)}`) : 'running, paused';
    const end = clock.stopped_at ? `stopped ${localDateTime(clock.stopped_at, zone)}` : 'still running';
    lines.push('');
    lines.push(c.bold(clock.clock) + `  ${businessDuration(clock.elapsed_s)} of ${businessDuration(clock.target_s)} · ${state}`);
    lines.push(c.dim(`  started ${localDateTime(clock.started_at, zone)} · ${end}`));
    for (const s of clock.segments) {
      const label = KIND_LABELS[s.kind].padEnd(14);
      const text = `  ${label}${localDateTime(s.from, zone)} → ${localDateTime(s.to, zone)}  ${businessDuration(s.seconds).padStart(8)}`;
      lines.push(s.kind === 'counted' ? text : c.dim(text));
    }
    const sums = (Object.keys(KIND_LABELS) as SegmentKind[]).filter((k) => clock.sums[k] > 0 || k === 'counted')
      .map((k) => `${KIND_LABELS[k]} ${businessDuration(clock.sums[k])}`);
    lines.push(`  sums: ${sums.join(' · ')}`);
  }
  return lines.join('\n') + '\n';
}
