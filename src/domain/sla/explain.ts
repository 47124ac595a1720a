// `desk sla explain ID`: every second of each clock's span, labelled with why it counted or
// not, so a lead can show a customer how a figure came about. Each second gets exactly one
// kind, with precedence solved > paused > holiday > outside_hours > counted; the sum of the
// counted segments is the clock's elapsed_s.
import { evaluateTicket, type MeasuredClock, type TicketEvaluation } from './clocks.js';
import type { SlaPolicySet } from './policy.js';
import { isDone, isoOfSeconds, type SlaTicket, type Timeline } from './timeline.js';
import type { BusinessCalendar } from './calendar.js';

export const SEGMENT_KINDS = ['counted', 'outside_hours', 'holiday', 'paused', 'solved'] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

export interface ExplainSegment {
  kind: SegmentKind;
  from: string;
  to: string;
  seconds: number;
  /** the ticket's status during the segment */
  status: string;
}

export interface ClockExplanation {
  clock: string; // first_response, resolution, next_response #1 …
  target_s: number;
  elapsed_s: number;
  breached: boolean;
  started_at: string;
  /** null: still running, measured up to now */
  stopped_at: string | null;
  due_at: string | null;
  segments: ExplainSegment[];
  sums: Record<SegmentKind, number>;
}

export interface TicketExplanation {
  id: number;
  subject: string;
  policy: string | null;
  calendar: string | null;
  timezone: string | null;
  now: string;
  clocks: ClockExplanation[];
}

interface RawSegment {
  kind: SegmentKind;
  from: number;
  to: number;
  status: string;
}

function segmentsOf(cal: BusinessCalendar, timeline: Timeline, clock: MeasuredClock): RawSegment[] {
  const end = clock.stop ?? timeline.now;
  const out: RawSegment[] = [];
  const push = (seg: RawSegment) => {
    const last = out[out.length - 1];
    if (last && last.kind === seg.kind && last.status === seg.status && last.to === seg.from) last.to = seg.to;
    else out.push(seg);
  };
  for (const s of timeline.segments) {
    const from = Math.max(clock.start, s.from), to = Math.min(end, s.to);
    if (to <= from) continue;
    if (clock.excluded.has(s.status)) {
      push({ kind: isDone(s.status) ? 'solved' : 'paused', from, to, status: s.status });
      continue;
    }
    for (const piece of cal.pieces(from, to)) push({ kind: piece.kind, from: piece.from, to: piece.to, status: s.status });
  }
  return out;
}

function explainClock(evaluation: TicketEvaluation, clock: MeasuredClock, label: string): ClockExplanation {
  const cal = evaluation.policy!.calendar;
  const raw = segmentsOf(cal, evaluation.timeline, clock);
  const sums = Object.fromEntries(SEGMENT_KINDS.map((k) => [k, 0])) as Record<SegmentKind, number>;
  for (const s of raw) sums[s.kind] += s.to - s.from;
  return {
    clock: label,
    target_s: clock.target,
    elapsed_s: clock.elapsed,
    breached: clock.breached,
    started_at: isoOfSeconds(clock.start),
    stopped_at: clock.stop === null ? null : isoOfSeconds(clock.stop),
    due_at: clock.due === null ? null : isoOfSeconds(clock.due),
    segments: raw.map((s) => ({ kind: s.kind, from: isoOfSeconds(s.from), to: isoOfSeconds(s.to), seconds: s.to - s.from, status: s.status })),
    sums,
  };
}

export function explainTicket(set: SlaPolicySet, ticket: SlaTicket, now: Date): TicketExplanation {
  const evaluation = evaluateTicket(set, ticket, now);
  const cal = evaluation.policy?.calendar ?? null;
  let period = 0;
  const clocks = evaluation.clocks.map((c) => explainClock(evaluation, c, c.name === 'next_response' ? `next_response #${++period}` : c.name));
  return {
    id: ticket.id,
    subject: ticket.subject,
    policy: evaluation.policy?.name ?? null,
    calendar: cal?.name ?? null,
    timezone: cal?.timeZone ?? null,
    now: isoOfSeconds(evaluation.timeline.now),
    clocks,
  };
}
