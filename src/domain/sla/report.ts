// `desk sla report`: per-group figures from evaluated tickets. Tickets are added one at a time
// (the command streams them from the store), so memory holds tallies, not histories.
//
// Per group:
// - tickets: tickets in the group; met / breached / in_progress: tickets by outcome (see
//   Outcome in clocks.ts; a ticket no policy measures counts in `tickets` only).
// - compliance = met / (met + breached); null when both are 0. In-progress tickets are left out.
// - first_response_median_s / _p90_s: over tickets whose first_response clock has stopped, its
//   counting time (business seconds of the policy's calendar, pauses excluded). Running clocks
//   are left out: their figure is not final.
// - resolution_median_s / _p90_s: the same over resolution clocks that have stopped (tickets
//   solved or closed at now).
// - Percentiles are nearest-rank (stats.ts): always a figure some ticket actually had.
// - solved: tickets solved or closed at now; fcr_rate (first-contact resolution) = solved
//   tickets with exactly one outbound public reply / solved.
// - day / week / month group by created_at's local date in the report's time zone.
import { PRIORITIES, type Priority } from '../types.js';
import type { TicketEvaluation, TicketSla } from './clocks.js';
import { LocalDays } from './local-days.js';
import { periodKey, trendPeriodFor, type Period } from './periods.js';
import { percentile, ratio } from './stats.js';
import { isoOfSeconds } from './timeline.js';

export const GROUP_BYS = ['ticket', 'priority', 'queue', 'agent', 'tier', 'day', 'week', 'month'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];
export type GroupField = Exclude<GroupBy, 'ticket'>;

export interface GroupFigures {
  key: string;
  tickets: number;
  met: number;
  breached: number;
  in_progress: number;
  compliance: number | null;
  first_response_median_s: number | null;
  first_response_p90_s: number | null;
  resolution_median_s: number | null;
  resolution_p90_s: number | null;
  solved: number;
  fcr_rate: number | null;
}

export interface SlaReport {
  by: GroupBy;
  now: string;
  since: string | null;
  until: string | null;
  /** zone of the day/week/month keys */
  timezone: string;
  total: GroupFigures;
  /** per-group figures (empty for by=ticket) */
  groups: GroupFigures[];
  /** per-ticket objects of the spec (by=ticket only) */
  tickets: TicketSla[];
  /** what the breakdown chart shows: the groups, or by priority when grouping by ticket or period */
  breakdown: { by: GroupField; groups: GroupFigures[] };
  /** compliance over time, at a resolution that fits the span of the tickets */
  trend: { period: Period; points: GroupFigures[] };
}

export interface ReportOptions {
  by: GroupBy;
  /** IANA zone for day/week/month (the agent's zone) */
  timeZone: string;
  now: Date;
  since?: string | null;
  until?: string | null;
}

const round4 = (x: number | null) => (x === null ? null : Math.round(x * 10000) / 10000);

class Tally {
  tickets = 0;
  met = 0;
  breached = 0;
  inProgress = 0;
  solved = 0;
  firstContact = 0;
  firstResponse: number[] = [];
  resolution: number[] = [];

  add(e: TicketEvaluation): void {
    this.tickets++;
    if (e.outcome === 'met') this.met++;
    else if (e.outcome === 'breached') this.breached++;
    else if (e.outcome === 'in_progress') this.inProgress++;
    if (e.solved) {
      this.solved++;
      if (e.public_replies === 1) this.firstContact++;
    }
    for (const c of e.clocks) {
      if (c.stop === null) continue;
      if (c.name === 'first_response') this.firstResponse.push(c.elapsed);
      else if (c.name === 'resolution') this.resolution.push(c.elapsed);
    }
  }

  merge(o: Tally): void {
    this.tickets += o.tickets;
    this.met += o.met;
    this.breached += o.breached;
    this.inProgress += o.inProgress;
    this.solved += o.solved;
    this.firstContact += o.firstContact;
    for (const v of o.firstResponse) this.firstResponse.push(v);
    for (const v of o.resolution) this.resolution.push(v);
  }

  figures(key: string): GroupFigures {
    const fr = Float64Array.from(this.firstResponse).sort();
    const res = Float64Array.from(this.resolution).sort();
    return {
      key,
      tickets: this.tickets,
      met: this.met,
      breached: this.breached,
      in_progress: this.inProgress,
      compliance: round4(ratio(this.met, this.met + this.breached)),
      first_response_median_s: percentile(fr, 50),
      first_response_p90_s: percentile(fr, 90),
      resolution_median_s: percentile(res, 50),
      resolution_p90_s: percentile(res, 90),
      solved: this.solved,
      fcr_rate: round4(ratio(this.firstContact, this.solved)),
    };
  }
}

function tallyIn<K>(map: Map<K, Tally>, key: K): Tally {
  let t = map.get(key);
  if (!t) map.set(key, (t = new Tally()));
  return t;
}

const NONE_QUEUE = '(none)';
const UNASSIGNED = '(unassigned)';

/** Parenthesised keys ("(none)") go last; the rest in natural order (L2 before L10). */
function compareKeys(a: string, b: string): number {
  const pa = a.startsWith('('), pb = b.startsWith('(');
  if (pa !== pb) return pa ? 1 : -1;
  return a.localeCompare(b, 'en', { numeric: true });
}

function sortGroups(field: GroupField, entries: [string, Tally][]): GroupFigures[] {
  const order = field === 'priority' ? (k: string) => PRIORITIES.indexOf(k as Priority) : null;
  entries.sort(([a], [b]) => (order ? order(a) - order(b) : compareKeys(a, b)));
  return entries.map(([k, t]) => t.figures(k));
}

export class SlaReportBuilder {
  private readonly days: LocalDays;
  private readonly total = new Tally();
  private readonly byGroup = new Map<string, Tally>();
  private readonly byPriority = new Map<string, Tally>();
  private readonly byDay = new Map<number, Tally>();
  private readonly tickets: TicketSla[] = [];

  constructor(private readonly opts: ReportOptions) {
    this.days = new LocalDays(opts.timeZone);
  }

  add(e: TicketEvaluation): void {
    const day = this.days.dayOf(e.timeline.created);
    this.total.add(e);
    tallyIn(this.byDay, day).add(e);
    tallyIn(this.byPriority, e.ticket.priority).add(e);
    if (this.opts.by === 'ticket') this.tickets.push(e.sla);
    else tallyIn(this.byGroup, this.keyOf(e, day, this.opts.by)).add(e);
  }

  private keyOf(e: TicketEvaluation, day: number, by: GroupField): string {
    switch (by) {
      case 'priority': return e.ticket.priority;
      case 'queue': return e.ticket.queue ?? NONE_QUEUE;
      case 'agent': return e.ticket.assignee ?? UNASSIGNED;
      case 'tier': return e.ticket.tier;
      default: return periodKey(day, by);
    }
  }

  finish(): SlaReport {
    const { by } = this.opts;
    const groups = by === 'ticket' ? [] : sortGroups(by, [...this.byGroup]);
    const usePriority = by === 'ticket' || by === 'day' || by === 'week' || by === 'month';
    const breakdown = usePriority
      ? { by: 'priority' as const, groups: sortGroups('priority', [...this.byPriority]) }
      : { by, groups };
    return {
      by,
      now: isoOfSeconds(Math.floor(this.opts.now.getTime() / 1000)),
      since: this.opts.since ?? null,
      until: this.opts.until ?? null,
      timezone: this.opts.timeZone,
      total: this.total.figures('(total)'),
      groups,
      tickets: this.tickets,
      breakdown,
      trend: this.trend(),
    };
  }

  private trend(): SlaReport['trend'] {
    const days = [...this.byDay.keys()].sort((a, b) => a - b);
    const { by } = this.opts;
    const period: Period = by === 'day' || by === 'week' || by === 'month'
      ? by
      : trendPeriodFor(days.length ? days[days.length - 1] - days[0] + 1 : 0);
    const buckets = new Map<string, Tally>();
    for (const day of days) tallyIn(buckets, periodKey(day, period)).merge(this.byDay.get(day)!);
    return { period, points: [...buckets].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, t]) => t.figures(k)) };
  }
}

/** Builds a report from evaluations in one go (tests, small sets). */
export function buildReport(evaluations: Iterable<TicketEvaluation>, opts: ReportOptions): SlaReport {
  const builder = new SlaReportBuilder(opts);
  for (const e of evaluations) builder.add(e);
  return builder.finish();
}
