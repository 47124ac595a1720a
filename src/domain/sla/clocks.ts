// The clocks of docs/sla.md, measured from a ticket's history with `now` passed in.
// Counting time of a clock over [a, b) = the seconds in [a, b) that the policy's calendar
// counts while the ticket's status is not excluded (pause statuses; for resolution also
// solved/closed). Everything is whole seconds.
import type { Status } from '../types.js';
import type { BusinessCalendar } from './calendar.js';
import { matchPolicy, type ClockName, type SlaPolicy, type SlaPolicySet } from './policy.js';
import { compactHistory, isDone, isoOfSeconds, statusAt, timelineOf, type CompactHistory, type SlaTicket, type Timeline } from './timeline.js';

/** One clock as `desk sla report --by ticket --format json` prints it (docs/sla.md, Report). */
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

/** The fields of a ticket a policy matches on and a report groups by. */
export type TicketFields = Pick<SlaTicket, 'id' | 'subject' | 'priority' | 'queue' | 'tier' | 'assignee' | 'tags' | 'customer'>;

export interface TicketEvaluation {
  /** the spec's per-ticket object (built on first use: aggregate reports never need its ISO strings) */
  readonly sla: TicketSla;
  policy: SlaPolicy | null;
  clocks: MeasuredClock[];
  timeline: Timeline;
  outcome: Outcome;
  /** solved or closed at now */
  solved: boolean;
  /** outbound public replies up to now (automatic mail left out) */
  public_replies: number;
  ticket: TicketFields;
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
  // Most tickets never hear from the customer after the first reply: nothing to build.
  const firstReply = timeline.messages.findIndex((m) => m.direction === 'out');
  if (firstReply < 0 || !timeline.messages.some((m, i) => i > firstReply && m.direction === 'in')) return [];
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

function clockFigures(policy: SlaPolicy, clocks: MeasuredClock[], id: number, subject: string): TicketSla {
  const sla: TicketSla = { id, subject, policy: policy.name, first_response: null, resolution: null, next_response: null };
  const periods = clocks.filter((c) => c.name === 'next_response');
  for (const c of clocks) if (c.name !== 'next_response') sla[c.name] = figures(c);
  const target = policy.targets.next_response;
  if (target !== undefined) {
    const running = periods.find((p) => p.stop === null);
    sla.next_response = {
      target_s: target,
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
  return sla;
}

/** Measures every clock under the policy the ticket matches, as of `now`, from its compact history. */
export function evaluateHistory(set: SlaPolicySet, ticket: TicketFields, history: CompactHistory, now: Date): TicketEvaluation {
  const timeline = timelineOf(history, Math.floor(now.getTime() / 1000));
  const policy = matchPolicy(set, ticket);
  const clocks: MeasuredClock[] = [];
  if (policy) {
    const cal = policy.calendar;
    const paused = set.pauseStatuses;
    const { first_response, resolution, next_response } = policy.targets;
    if (first_response !== undefined) {
      clocks.push(measure('first_response', cal, timeline, timeline.created, firstResponseStop(timeline), first_response, paused));
    }
    if (resolution !== undefined) {
      const pausedOrDone = pausedOrDoneOf(set);
      clocks.push(measure('resolution', cal, timeline, timeline.created, resolutionStop(timeline), resolution, pausedOrDone));
    }
    if (next_response !== undefined) {
      for (const p of nextResponsePeriods(timeline)) clocks.push(measure('next_response', cal, timeline, p.start, p.stop, next_response, paused));
    }
  }
  let publicReplies = 0;
  for (const m of timeline.messages) if (m.direction === 'out') publicReplies++;
  let sla: TicketSla | undefined;
  return {
    get sla() {
      return (sla ??= policy
        ? clockFigures(policy, clocks, ticket.id, ticket.subject)
        : { id: ticket.id, subject: ticket.subject, policy: null, first_response: null, resolution: null, next_response: null });
    },
    policy,
    clocks,
    timeline,
    outcome: outcomeOf(clocks),
    solved: isDone(timeline.statusAtNow),
    public_replies: publicReplies,
    ticket,
  };
}

const pausedOrDoneCache = new WeakMap<SlaPolicySet, ReadonlySet<Status>>();
function pausedOrDoneOf(set: SlaPolicySet): ReadonlySet<Status> {
  let s = pausedOrDoneCache.get(set);
  if (!s) pausedOrDoneCache.set(set, (s = new Set<Status>([...set.pauseStatuses, 'solved', 'closed'])));
  return s;
}

/** Measures every clock of a ticket under the policy it matches, as of `now`. */
export function evaluateTicket(set: SlaPolicySet, ticket: SlaTicket, now: Date): TicketEvaluation {
  return evaluateHistory(set, ticket, compactHistory(ticket), now);
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
