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
// - csat_surveys: satisfaction surveys sent about the group's tickets; csat_responses: those
//   answered (a ticket's latest rating counts); csat_response_rate = responses / surveys;
//   csat_average: mean rating on 1..5 (good counts 5, bad 1); csat_score: share of satisfied
//   responses (4, 5 or good). null when there is nothing to divide by.
// - day / week / month group by created_at's local date in the report's time zone.
import { PRIORITIES, type Priority } from '../types.js';
import type { Outcome, TicketEvaluation, TicketFields, TicketSla } from './clocks.js';
import { dateOfDay, LocalDays } from './local-days.js';
import { periodKey, trendPeriodFor, type Period } from './periods.js';
import { medianAndP90, ratio } from './stats.js';
import { isoOfSeconds } from './timeline.js';
import { isSatisfied } from '../csat/settings.js';

export const GROUP_BYS = ['ticket', 'priority', 'queue', 'agent', 'tier', 'org', 'day', 'week', 'month'] as const;
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
  csat_surveys: number;
  csat_responses: number;
  csat_response_rate: number | null;
  csat_average: number | null;
  csat_score: number | null;
}

/** One satisfaction survey of a measured ticket, for the CSAT figures (repos/csat.ts reads them). */
export interface SurveyTally {
  /** epoch seconds of the ticket's creation (the day it counts in) */
  created: number;
  ticket: TicketTally['ticket'];
  /** the rating on 1..5 when answered, else null */
  score: number | null;
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
  /**
   * The local dates the report covers: from --since (else the first ticket's day) to the day
   * of --until or now, whichever is earlier. null when neither a ticket nor --since says.
   */
  covers: { from: string | null; to: string };
  /** the key of the trend's last period when it is not over yet (its figures are partial), else null */
  partial_period: string | null;
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

/** What the group figures keep of one measured ticket. */
export interface TicketTally {
  /** epoch seconds (the day it counts in) */
  created: number;
  ticket: Pick<TicketFields, 'priority' | 'queue' | 'assignee' | 'tier' | 'customer'>;
  outcome: Outcome;
  /** solved or closed at now */
  solved: boolean;
  /** outbound public replies up to now */
  publicReplies: number;
  /** counting time of the first-response clock when it has stopped, else null */
  firstResponse: number | null;
  /** counting time of the resolution clock when it has stopped, else null */
  resolution: number | null;
}

function tallyOf(e: TicketEvaluation): TicketTally {
  let firstResponse: number | null = null, resolution: number | null = null;
  for (const c of e.clocks) {
    if (c.stop === null) continue;
    if (c.name === 'first_response') firstResponse = c.elapsed;
    else if (c.name === 'resolution') resolution = c.elapsed;
  }
  return { created: e.timeline.created, ticket: e.ticket, outcome: e.outcome, solved: e.solved, publicReplies: e.public_replies, firstResponse, resolution };
}

/** A group's counts and the stopped clocks' times: plain data, so it can cross to another thread. */
export interface TallyData {
  tickets: number;
  met: number;
  breached: number;
  inProgress: number;
  solved: number;
  firstContact: number;
  firstResponse: number[];
  resolution: number[];
  surveys: number;
  responses: number;
  scoreSum: number;
  satisfied: number;
}

class Tally implements TallyData {
  tickets = 0;
  met = 0;
  breached = 0;
  inProgress = 0;
  solved = 0;
  firstContact = 0;
  firstResponse: number[] = [];
  resolution: number[] = [];
  surveys = 0;
  responses = 0;
  scoreSum = 0;
  satisfied = 0;

  addSurvey(s: SurveyTally): void {
    this.surveys++;
    if (s.score === null) return;
    this.responses++;
    this.scoreSum += s.score;
    if (isSatisfied(s.score)) this.satisfied++;
  }

  add(t: TicketTally): void {
    this.tickets++;
    if (t.outcome === 'met') this.met++;
    else if (t.outcome === 'breached') this.breached++;
    else if (t.outcome === 'in_progress') this.inProgress++;
    if (t.solved) {
      this.solved++;
      if (t.publicReplies === 1) this.firstContact++;
    }
    if (t.firstResponse !== null) this.firstResponse.push(t.firstResponse);
    if (t.resolution !== null) this.resolution.push(t.resolution);
  }

  merge(o: TallyData): void {
    this.tickets += o.tickets;
    this.met += o.met;
    this.breached += o.breached;
    this.inProgress += o.inProgress;
    this.solved += o.solved;
    this.firstContact += o.firstContact;
    append(this.firstResponse, o.firstResponse);
    append(this.resolution, o.resolution);
    this.surveys += o.surveys ?? 0;
    this.responses += o.responses ?? 0;
    this.scoreSum += o.scoreSum ?? 0;
    this.satisfied += o.satisfied ?? 0;
  }

  figures(key: string): GroupFigures {
    const [frMedian, frP90] = medianAndP90(Float64Array.from(this.firstResponse));
    const [resMedian, resP90] = medianAndP90(Float64Array.from(this.resolution));
    return {
      key,
      tickets: this.tickets,
      met: this.met,
      breached: this.breached,
      in_progress: this.inProgress,
      compliance: round4(ratio(this.met, this.met + this.breached)),
      first_response_median_s: frMedian,
      first_response_p90_s: frP90,
      resolution_median_s: resMedian,
      resolution_p90_s: resP90,
      solved: this.solved,
      fcr_rate: round4(ratio(this.firstContact, this.solved)),
      csat_surveys: this.surveys,
      csat_responses: this.responses,
      csat_response_rate: round4(ratio(this.responses, this.surveys)),
      csat_average: this.responses ? Math.round((this.scoreSum / this.responses) * 100) / 100 : null,
      csat_score: round4(ratio(this.satisfied, this.responses)),
    };
  }
}

/** Appends b to a, a slice at a time (spreading a whole long array would exceed the argument limit). */
function append(a: number[], b: readonly number[]): void {
  for (let i = 0; i < b.length; i += 8192) a.push(...b.slice(i, i + 8192));
}

function tallyIn<K>(map: Map<K, Tally>, key: K): Tally {
  let t = map.get(key);
  if (!t) map.set(key, (t = new Tally()));
  return t;
}

const NONE_QUEUE = '(none)';
const UNASSIGNED = '(unassigned)';
const NO_ORG = '(no organisation)';

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

/** What a builder has gathered, as plain data (see SlaReportBuilder.state and merge). */
export interface ReportState {
  /** tallies by group (or by priority for the breakdown) */
  keyed: [string, TallyData][];
  days: [number, TallyData][];
  tickets: TicketSla[];
}

const isPeriod = (by: GroupBy): by is Period => by === 'day' || by === 'week' || by === 'month';

export class SlaReportBuilder {
  private readonly days: LocalDays;
  // Each ticket goes into two tallies only (its day, and its group or priority); the total,
  // the periods and the trend are merged from the days at the end.
  private readonly byDay = new Map<number, Tally>();
  /** by priority/queue/agent/tier: the groups; by ticket or period: the priorities (breakdown chart) */
  private readonly byKey = new Map<string, Tally>();
  private readonly tickets: TicketSla[] = [];

  constructor(private readonly opts: ReportOptions) {
    this.days = new LocalDays(opts.timeZone);
  }

  add(e: TicketEvaluation): void {
    this.addTally(tallyOf(e));
    if (this.opts.by === 'ticket') this.tickets.push(e.sla);
  }

  /** A ticket for the group figures only (by=ticket needs add, for the per-ticket objects); `t` is not kept. */
  addTally(t: TicketTally): void {
    tallyIn(this.byDay, this.days.dayOf(t.created)).add(t);
    tallyIn(this.byKey, this.keyOf(t.ticket)).add(t);
  }

  /** A satisfaction survey of a ticket the report covers: into its day and its group, like the ticket. */
  addSurvey(s: SurveyTally): void {
    tallyIn(this.byDay, this.days.dayOf(s.created)).addSurvey(s);
    tallyIn(this.byKey, this.keyOf(s.ticket)).addSurvey(s);
  }

  /** Everything added so far, as plain data: a worker thread hands this to the main one. */
  state(): ReportState {
    return { keyed: [...this.byKey], days: [...this.byDay], tickets: this.tickets };
  }

  /** Takes in another builder's state (same options) as if its tickets had been added here, after these. */
  merge(s: ReportState): void {
    for (const [k, t] of s.keyed) tallyIn(this.byKey, k).merge(t);
    for (const [k, t] of s.days) tallyIn(this.byDay, k).merge(t);
    for (const t of s.tickets) this.tickets.push(t);
  }

  private keyOf(ticket: TicketTally['ticket']): string {
    switch (this.opts.by) {
      case 'queue': return ticket.queue ?? NONE_QUEUE;
      case 'agent': return ticket.assignee ?? UNASSIGNED;
      case 'tier': return ticket.tier;
      case 'org': return ticket.customer?.organisation ?? NO_ORG;
      default: return ticket.priority; // by priority, and the breakdown of by ticket / by period
    }
  }

  /** Day tallies rolled up into periods, in time order. */
  private periods(period: Period): [string, Tally][] {
    const buckets = new Map<string, Tally>();
    for (const day of [...this.byDay.keys()].sort((a, b) => a - b)) tallyIn(buckets, periodKey(day, period)).merge(this.byDay.get(day)!);
    return [...buckets].sort(([a], [b]) => (a < b ? -1 : 1));
  }

  finish(): SlaReport {
    const { by } = this.opts;
    const trend = this.trend();
    const total = new Tally();
    for (const t of this.byDay.values()) total.merge(t);
    const keyed = sortGroups(by === 'ticket' || isPeriod(by) ? 'priority' : by, [...this.byKey]);
    const groups = by === 'ticket' ? [] : isPeriod(by) ? this.periods(by).map(([k, t]) => t.figures(k)) : keyed;
    return {
      by,
      now: isoOfSeconds(Math.floor(this.opts.now.getTime() / 1000)),
      since: this.opts.since ?? null,
      until: this.opts.until ?? null,
      timezone: this.opts.timeZone,
      total: total.figures('(total)'),
      groups,
      tickets: this.tickets,
      breakdown: by === 'ticket' || isPeriod(by) ? { by: 'priority', groups: keyed } : { by, groups: keyed },
      trend,
      covers: this.covers(),
      partial_period: this.partialPeriod(trend),
    };
  }

  /** The end of what the report can see: now, or --until when that is earlier (epoch seconds, excluded). */
  private end(): number {
    const now = Math.floor(this.opts.now.getTime() / 1000) + 1;
    const until = this.opts.until ? Math.floor(Date.parse(this.opts.until) / 1000) : Infinity;
    return Math.min(now, until);
  }

  private covers(): SlaReport['covers'] {
    const days = [...this.byDay.keys()];
    const since = this.opts.since ? this.days.dayOf(Math.floor(Date.parse(this.opts.since) / 1000)) : null;
    const first = since ?? (days.length ? Math.min(...days) : null);
    return { from: first === null ? null : dateOfDay(first).iso, to: dateOfDay(this.days.dayOf(this.end() - 1)).iso };
  }

  /** The last trend period, when the report's end falls inside it rather than at its end. */
  private partialPeriod(trend: SlaReport['trend']): string | null {
    const last = trend.points.at(-1);
    if (!last) return null;
    const end = this.end();
    const endDay = this.days.dayOf(end - 1);
    if (periodKey(endDay, trend.period) !== last.key) return null;
    let next = endDay + 1;
    while (periodKey(next, trend.period) === last.key) next++;
    return end < this.days.startOf(next) ? last.key : null;
  }

  private trend(): SlaReport['trend'] {
    const { by } = this.opts;
    const days = [...this.byDay.keys()];
    const span = days.length ? Math.max(...days) - Math.min(...days) + 1 : 0;
    const period: Period = isPeriod(by) ? by : trendPeriodFor(span);
    return { period, points: this.periods(period).map(([k, t]) => t.figures(k)) };
  }
}

/** Builds a report from evaluations in one go (tests, small sets). */
export function buildReport(evaluations: Iterable<TicketEvaluation>, opts: ReportOptions): SlaReport {
  const builder = new SlaReportBuilder(opts);
  for (const e of evaluations) builder.add(e);
  return builder.finish();
}
