// Business calendars: which seconds count. A calendar answers two questions a clock asks
// many times (how much counting time lies in [a, b)? when will n more seconds be used up?),
// so it precomputes, per local date, its working intervals as instants plus cumulative sums:
// each answer is one or two binary searches, never a walk minute by minute.
import { LocalDays, localInstant, type Weekday } from './local-days.js';

/** A local wall-clock span in minutes after midnight; end may be 24*60 ("24:00"). */
export interface Span {
  start: number;
  end: number;
}

/** A validated calendar as the policy file describes it. */
export interface CalendarSpec {
  name: string;
  timeZone: string;
  hours: Partial<Record<Weekday, Span[]>>;
  /** local day numbers (see local-days.ts) on which no time counts */
  holidays: ReadonlySet<number>;
}

export type PieceKind = 'counted' | 'outside_hours' | 'holiday';

/** A stretch of time and whether the calendar counts it (for `desk sla explain`). */
export interface CalendarPiece {
  from: number;
  to: number;
  kind: PieceKind;
}

/** Times are epoch seconds; every result is whole seconds. */
export interface BusinessCalendar {
  readonly name: string;
  /** the zone its hours are read in ("UTC" for 24x7) */
  readonly timeZone: string;
  /** Seconds of [a, b) the calendar counts (0 when b <= a). */
  count(a: number, b: number): number;
  /** The earliest instant t >= a with count(a, t) >= n; Infinity if the calendar never gets there. */
  addTime(a: number, n: number): number;
  /** [a, b) cut into counted, outside-hours and holiday pieces, in order, adjacent kinds merged. */
  pieces(a: number, b: number): CalendarPiece[];
}

export const ALWAYS_NAME = '24x7';

/** The built-in "24x7" calendar: every second counts. */
export const ALWAYS: BusinessCalendar = {
  name: ALWAYS_NAME,
  timeZone: 'UTC',
  count: (a, b) => Math.max(0, b - a),
  addTime: (a, n) => a + Math.max(0, n),
  pieces: (a, b) => (b > a ? [{ from: a, to: b, kind: 'counted' }] : []),
};

const DAY_S = 86400;
/** How far addTime looks ahead before declaring a target unreachable. */
const MAX_LOOKAHEAD_DAYS = 366 * 50;

export class IndexedCalendar implements BusinessCalendar {
  readonly name: string;
  readonly timeZone: string;
  private readonly days: LocalDays;
  // Covered local days: firstDay .. firstDay + dayStart.length - 2. Intervals of covered day d
  // are starts/ends[dayStart[d - firstDay] .. dayStart[d - firstDay + 1]).
  private firstDay = 0;
  private dayStart: number[] = [0];
  private starts: number[] = [];
  private ends: number[] = [];
  /** counted seconds from the first covered interval up to the end of interval i */
  private cumEnd: number[] = [];

  constructor(private readonly spec: CalendarSpec) {
    this.name = spec.name;
    this.timeZone = spec.timeZone;
    this.days = new LocalDays(spec.timeZone);
  }

  count(a: number, b: number): number {
    if (b <= a) return 0;
    this.cover(a, b);
    return this.cumAt(b) - this.cumAt(a);
  }

  addTime(a: number, n: number): number {
    if (n <= 0) return a;
    this.cover(a, a);
    const target = this.cumAt(a) + n;
    let lookedAhead = 0;
    while (this.total() < target) {
      if (lookedAhead > MAX_LOOKAHEAD_DAYS) return Infinity;
      const lastDay = this.firstDay + this.dayStart.length - 2;
      this.coverDays(this.firstDay, lastDay + 366);
      lookedAhead += 366;
    }
    // first interval whose cumulative end reaches the target
    let lo = 0, hi = this.cumEnd.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumEnd[mid] >= target) hi = mid;
      else lo = mid + 1;
    }
    return this.ends[lo] - (this.cumEnd[lo] - target);
  }

  pieces(a: number, b: number): CalendarPiece[] {
    if (b <= a) return [];
    this.cover(a, b);
    const out: CalendarPiece[] = [];
    const push = (from: number, to: number, kind: PieceKind) => {
      from = Math.max(from, a);
      to = Math.min(to, b);
      if (to <= from) return;
      const last = out[out.length - 1];
      if (last && last.kind === kind && last.to === from) last.to = to;
      else out.push({ from, to, kind });
    };
    for (let day = this.days.dayOf(a); this.days.startOf(day) < b; day++) {
      const dayFrom = this.days.startOf(day), dayTo = this.days.startOf(day + 1);
      if (this.spec.holidays.has(day)) {
        push(dayFrom, dayTo, 'holiday');
        continue;
      }
      let cursor = dayFrom;
      const i0 = this.dayStart[day - this.firstDay], i1 = this.dayStart[day - this.firstDay + 1];
      for (let i = i0; i < i1; i++) {
        push(cursor, this.starts[i], 'outside_hours');
        push(this.starts[i], this.ends[i], 'counted');
        cursor = this.ends[i];
      }
      push(cursor, dayTo, 'outside_hours');
    }
    return out;
  }

  /** Counted seconds from the start of the covered range to t (t must be covered). */
  private cumAt(t: number): number {
    // last interval starting at or before t
    let lo = 0, hi = this.starts.length - 1, i = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] <= t) {
        i = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (i < 0) return 0;
    const before = i > 0 ? this.cumEnd[i - 1] : 0;
    return before + Math.min(t, this.ends[i]) - this.starts[i];
  }

  private total(): number {
    return this.cumEnd.length ? this.cumEnd[this.cumEnd.length - 1] : 0;
  }

  private cover(a: number, b: number): void {
    // A local date is at most one day away from the UTC date.
    this.coverDays(Math.floor(a / DAY_S) - 2, Math.floor(b / DAY_S) + 2);
  }

  private coverDays(from: number, to: number): void {
    const covered = this.dayStart.length - 1;
    const lastDay = this.firstDay + covered - 1;
    if (covered > 0 && from >= this.firstDay && to <= lastDay) return;
    // Grow by whole seasons so a report scanning years of history rebuilds only a few times.
    const lo = covered ? Math.min(from, this.firstDay - (from < this.firstDay ? 120 : 0)) : from - 60;
    const hi = covered ? Math.max(to, lastDay + (to > lastDay ? 120 : 0)) : to + 60;
    const starts: number[] = [], ends: number[] = [], cumEnd: number[] = [], dayStart: number[] = [];
    let sum = 0;
    for (let day = lo; day <= hi; day++) {
      dayStart.push(starts.length);
      const known = covered && day >= this.firstDay && day <= lastDay;
      const intervals = known ? this.intervalsOfCovered(day) : this.intervalsOf(day);
      for (let k = 0; k < intervals.length; k += 2) {
        starts.push(intervals[k]);
        ends.push(intervals[k + 1]);
        sum += intervals[k + 1] - intervals[k];
        cumEnd.push(sum);
      }
    }
    dayStart.push(starts.length);
    this.firstDay = lo;
    this.dayStart = dayStart;
    this.starts = starts;
    this.ends = ends;
    this.cumEnd = cumEnd;
  }

  private intervalsOfCovered(day: number): number[] {
    const out: number[] = [];
    const i0 = this.dayStart[day - this.firstDay], i1 = this.dayStart[day - this.firstDay + 1];
    for (let i = i0; i < i1; i++) out.push(this.starts[i], this.ends[i]);
    return out;
  }

  /** Working intervals of one local date as [start, end, start, end, …] instants. */
  private intervalsOf(day: number): number[] {
    if (this.spec.holidays.has(day)) return [];
    const weekday = weekdayOf(day);
    const spans = this.spec.hours[weekday] ?? [];
    const out: number[] = [];
    let previousEnd = -Infinity;
    for (const span of spans) {
      // Each end point goes through the zone of this very date: 09:00 stays 09:00 local
      // whatever the offset; a span that falls into a skipped hour shrinks accordingly.
      const start = Math.max(localInstant(this.timeZone, day, span.start), previousEnd);
      const end = localInstant(this.timeZone, day, span.end);
      if (end > start) {
        out.push(start, end);
        previousEnd = end;
      }
    }
    return out;
  }
}

const WEEKDAY_OF_EPOCH_DAY: Weekday[] = ['thu', 'fri', 'sat', 'sun', 'mon', 'tue', 'wed'];

function weekdayOf(day: number): Weekday {
  return WEEKDAY_OF_EPOCH_DAY[((day % 7) + 7) % 7];
}

export function buildCalendar(spec: CalendarSpec): BusinessCalendar {
  return new IndexedCalendar(spec);
}
