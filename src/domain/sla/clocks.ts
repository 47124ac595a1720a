// The clocks of spec/sla.md, measured from a ticket's history with `now` passed in.
// Counting time of a clock over [a, b) = the seconds in [a, b) that the policy's calendar
// counts while the ticket's status is not excluded (pause statuses; for resolution also
// solved/closed). Everything is whole seconds.
import type { Status } from '../types.js';
import type { BusinessCalendar } from './calendar.js';
import { matchPolicy, type ClockName, type SlaPolicy, type SlaPolicySet } from './policy.js';
import { buildTimeline, isDone, isoOfSeconds, statusAt, type SlaTicket, type Timeline } from './timeline.js';

/** One clock as `desk sla report --by ticket --format json` prints it (spec/sla.md, Report output). */
export interface ClockFigures {
  target_s: number;
  elapsed_s: number;
  /** elapsed > target, strictly; a running clock past its target is breached */
  breached: boolean;
  stopped: boolean;
  /** running clock: the instant its target is (or was) used up if the status stays as it is; null while paused or stopped */
  due_at: string | null;
}

export interface NextResponsePeriod {
  started_at: string;
  stopped_at: string | null;
  elapsed_s: number;
  breached: boolean;
  due_at: string | null;
}

/**
 * next_response over all its periods: elapsed_s is the longest period (the one that decides
 * a breach), breached if any period is, stopped unless a period still runs, due_at that of the
 * running period. `periods` lists each one ("Report each period").
 */
export interface NextResponseFigures extends ClockFigures {
  periods: NextResponsePeriod[];
}

/** The per-ticket object of the spec, in its key order. A clock the policy does not set is null. */
export interface TicketSla {
  id: number;
  subject: string;
  policy: string | null;
  first_response: ClockFigures | null;
  resolution: ClockFigures | null;
  next_response: NextResponseFigures | null;
}

/** One measured stretch of a clock (a next_response period is one of these). */
export interface MeasuredClock {
  name: ClockName;
  start: number;
  /** null while the clock runs */
  stop: number | null;
  target: number;
  elapsed: number;
  breached: boolean;
  /** epoch seconds, null while paused, stopped, or when the calendar never reaches the target */
  due: number | null;
  excluded: ReadonlySet<Status>;
}

/**
 * met: every measured clock stopped within target; breached: any clock (or next_response
 * period) over its target, running or not; in_progress: none breached, some still running;
 * unmeasured: no policy matched or it sets no target that applies yet.
 */
export type Outcome = 'met' | 'breached' | 'in_progress' | 'unmeasured';

export interface TicketEvaluation {
  sla: TicketSla;
  policy: SlaPolicy | null;
  clocks: MeasuredClock[];
  timeline: Timeline;
  outcome: Outcome;
  /** solved or closed at now */
  solved: boolean;
  /** outbound public replies up to now (automatic mail left out) */
  public_replies: number;
  ticket: Pick<SlaTicket, 'id' | 'subject' | 'priority' | 'queue' | 'tier' | 'assignee' | 'tags' | 'created_at'>;
}

/** Counting time in [a, b): calendar time while the status is not excluded. */
export function countingTime(cal: BusinessCalendar, timeline: Timeline, a: number, b: number, excluded: ReadonlySet<Status>): number {
  let sum = 0;
  for (const s of timeline.segments) {
    if (s.to <= a) continue;
    if (s.from >= b) break;
    if (excluded.has(s.status)) continue;
    sum += cal.count(Math.max(a, s.from), Math.min(b, s.to));
  }
  return sum;
}

/**
 * When a running clock's target is used up: walking the history if that already happened,
 * else from now on, assuming the present status stays. Null while paused.
 */
function dueInstant(cal: BusinessCalendar, timeline: Timeline, start: number, target: number, excluded: ReadonlySet<Status>): number | null {
  if (excluded.has(timeline.statusAtNow)) return null;
  let used = 0;
  for (const s of timeline.segments) {
    if (s.to <= start || excluded.has(s.status)) continue;
    const from = Math.max(start, s.from);
    const counted = cal.count(from, s.to);
    if (used + counted >= target) return cal.addTime(from, target - used);
    used += counted;
  }
  const due = cal.addTime(Math.max(start, timeline.now), target - used);
  return Number.isFinite(due) ? due : null;
}

function measure(
  name: ClockName, cal: BusinessCalendar, timeline: Timeline,
  start: number, stop: number | null, target: number, excluded: ReadonlySet<Status>,
): MeasuredClock {
  const elapsed = countingTime(cal, timeline, start, stop ?? timeline.now, excluded);
  const due = stop === null ? dueInstant(cal, timeline, start, target, excluded) : null;
  return { name, start, stop, target, elapsed, breached: elapsed > target, due, excluded };
}

function figures(c: MeasuredClock): ClockFigures {
  return {
    target_s: c.target,
    elapsed_s: c.elapsed,
    breached: c.breached,
    stopped: c.stop !== null,
    due_at: c.due === null ? null : isoOfSeconds(c.due),
  };
}

/** first_response stops at the first outbound public reply or the first change to solved/closed. */
function firstResponseStop(timeline: Timeline): number | null {
  const reply = timeline.messages.find((m) => m.direction === 'out')?.at ?? Infinity;
  const solve = timeline.segments.find((s) => isDone(s.status))?.from ?? (isDone(timeline.statusAtNow) ? timeline.now : Infinity);
  const stop = Math.min(reply, solve);
  return Number.isFinite(stop) ? stop : null;
}

/** Last change to solved/closed when the ticket is in one of those now; else null (running). */
function resolutionStop(timeline: Timeline): number | null {
  if (!isDone(timeline.statusAtNow)) return null;
  const segs = timeline.segments;
  let i = segs.length - 1;
  while (i >= 0 && isDone(segs[i].status)) i--;
  return i >= 0 ? segs[i].to : timeline.created;
}

/**
 * next_response periods: a period starts at an inbound customer message that arrives after
 * an outbound reply while no period is open, and stops at the next outbound reply or change
 * to solved/closed. A message arriving while the ticket is solved/closed (a "thanks!") starts
 * a period only if the ticket is then reopened before any reply: the period starts at the reopening.
 */
function nextResponsePeriods(timeline: Timeline): { start: number; stop: number | null }[] {
  type Step = { at: number; kind: 'in' | 'out' | 'done' | 'reopen' };
  const steps: Step[] = [];
  const segs = timeline.segments;
  for (let i = 1; i < segs.length; i++) {
    const was = isDone(segs[i - 1].status), is = isDone(segs[i].status);
    if (was !== is) steps.push({ at: segs[i].from, kind: is ? 'done' : 'reopen' });
  }
  const last = segs[segs.length - 1];
  // a change made at `now` itself has no segment after it
  if (last && isDone(last.status) !== isDone(timeline.statusAtNow)) {
    steps.push({ at: timeline.now, kind: isDone(timeline.statusAtNow) ? 'done' : 'reopen' });
  }
  // status changes first at equal instants: a reply and a solve in the same second both stop it once
  const order = { done: 0, reopen: 0, in: 1, out: 1 };
  for (const m of timeline.messages) steps.push({ at: m.at, kind: m.direction });
  steps.sort((a, b) => a.at - b.at || order[a.kind] - order[b.kind]);

  const periods: { start: number; stop: number | null }[] = [];
  let replied = false, open: { start: number; stop: number | null } | null = null, awaitingReopen = false;
  for (const step of steps) {
    switch (step.kind) {
      case 'out':
        replied = true;
        awaitingReopen = false;
        if (open) { open.stop = step.at; open = null; }
        break;
      case 'done':
        if (open) { open.stop = step.at; open = null; }
        break;
      case 'in':
        if (!replied || open) break;
        if (isDone(statusAt(timeline, step.at))) awaitingReopen = true;
        else periods.push((open = { start: step.at, stop: null }));
        break;
      case 'reopen':
        if (awaitingReopen && !open) periods.push((open = { start: step.at, stop: null }));
        awaitingReopen = false;
        break;
    }
  }
  return periods;
}

function outcomeOf(clocks: MeasuredClock[]): Outcome {
  if (clocks.length === 0) return 'unmeasured';
  if (clocks.some((c) => c.breached)) return 'breached';
  if (clocks.some((c) => c.stop === null)) return 'in_progress';
  return 'met';
}

/** Measures every clock of a ticket under the policy it matches, as of `now`. */
export function evaluateTicket(set: SlaPolicySet, ticket: SlaTicket, now: Date): TicketEvaluation {
  const timeline = buildTimeline(ticket, Math.floor(now.getTime() / 1000));
  const policy = matchPolicy(set, ticket);
  const sla: TicketSla = { id: ticket.id, subject: ticket.subject, policy: policy?.name ?? null, first_response: null, resolution: null, next_response: null };
  const clocks: MeasuredClock[] = [];
  if (policy) {
    const cal = policy.calendar;
    const paused = set.pauseStatuses;
    const pausedOrDone: ReadonlySet<Status> = new Set([...paused, 'solved', 'closed']);
    const { first_response, resolution, next_response } = policy.targets;
    if (first_response !== undefined) {
      const c = measure('first_response', cal, timeline, timeline.created, firstResponseStop(timeline), first_response, paused);
      clocks.push(c);
      sla.first_response = figures(c);
    }
    if (resolution !== undefined) {
      const c = measure('resolution', cal, timeline, timeline.created, resolutionStop(timeline), resolution, pausedOrDone);
      clocks.push(c);
      sla.resolution = figures(c);
    }
    if (next_response !== undefined) {
      const periods = nextResponsePeriods(timeline).map((p) => measure('next_response', cal, timeline, p.start, p.stop, next_response, paused));
      clocks.push(...periods);
      const running = periods.find((p) => p.stop === null);
      sla.next_response = {
        target_s: next_response,
        elapsed_s: periods.reduce((m, p) => Math.max(m, p.elapsed), 0),
        breached: periods.some((p) => p.breached),
        stopped: !running,
        due_at: running?.due != null ? isoOfSeconds(running.due) : null,
        periods: periods.map((p) => ({
          started_at: isoOfSeconds(p.start),
          stopped_at: p.stop === null ? null : isoOfSeconds(p.stop),
          elapsed_s: p.elapsed,
          breached: p.breached,
          due_at: p.due === null ? null : isoOfSeconds(p.due),
        })),
      };
    }
  }
  const { id, subject, priority, queue, tier, assignee, tags, created_at } = ticket;
  return {
    sla,
    policy,
    clocks,
    timeline,
    outcome: outcomeOf(clocks),
    solved: isDone(timeline.statusAtNow),
    public_replies: timeline.messages.filter((m) => m.direction === 'out').length,
    ticket: { id, subject, priority, queue, tier, assignee, tags, created_at },
  };
}

/**
 * For `desk list --sort sla` and triage: the nearest due time among a ticket's running,
 * unpaused clocks (a breached one is in the past, so it sorts first); null when none runs.
 */
export function nearestDueAt(set: SlaPolicySet, ticket: SlaTicket, now: Date): string | null {
  let nearest: number | null = null;
  for (const c of evaluateTicket(set, ticket, now).clocks) {
    if (c.stop === null && c.due !== null && (nearest === null || c.due < nearest)) nearest = c.due;
  }
  return nearest === null ? null : isoOfSeconds(nearest);
}
