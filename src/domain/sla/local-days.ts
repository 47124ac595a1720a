// Local calendar days of an IANA time zone as instants. Day numbers count local dates from
// 1970-01-01 (day 0), so date arithmetic never touches offsets; every instant is computed
// through TZDate for that very date, which is what keeps wall-clock hours across DST changes.
import { TZDate } from '@date-fns/tz';
export { isKnownTimeZone } from '../time-zone.js';

const DAY_S = 86400;

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The local date of a day number: year, month (1-12), day of month, weekday. */
export function dateOfDay(day: number): { year: number; month: number; date: number; weekday: Weekday; iso: string } {
  const d = new Date(day * DAY_S * 1000);
  const year = d.getUTCFullYear(), month = d.getUTCMonth() + 1, date = d.getUTCDate();
  const iso = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(date).padStart(2, '0')}`;
  return { year, month, date, weekday: WEEKDAYS[d.getUTCDay()], iso };
}

/** Day number of a local date "YYYY-MM-DD", or null when it is not a real date. */
export function dayOfIsoDate(iso: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = ms / 1000 / DAY_S;
  return dateOfDay(day).iso === iso ? day : null;
}

/**
 * Epoch seconds of a local wall-clock time (minutes after midnight, up to 24*60) on a day.
 * A time that does not exist (skipped by a spring-forward change) resolves forward, as
 * TZDate does; "24:00" is the next day's midnight.
 */
export function localInstant(timeZone: string, day: number, minutes: number): number {
  const { year, month, date } = dateOfDay(day);
  if (minutes >= 24 * 60) return localInstant(timeZone, day + 1, minutes - 24 * 60);
  const ms = new TZDate(year, month - 1, date, Math.floor(minutes / 60), minutes % 60, 0, timeZone).getTime();
  return Math.floor(ms / 1000);
}

/**
 * Finds the local day of an instant with one binary search over precomputed midnights
 * (grouping 200,000 tickets by day must not build a TZDate per ticket). The covered range
 * grows on demand.
 */
export class LocalDays {
  private firstDay = 0;
  private midnights: number[] = []; // midnights[i] = start of local day firstDay + i

  constructor(readonly timeZone: string) {}

  /** Local day number containing the instant (epoch seconds). */
  dayOf(t: number): number {
    this.cover(t);
    let lo = 0, hi = this.midnights.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.midnights[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return this.firstDay + lo;
  }

  /** Start instant (epoch seconds) of a local day. */
  startOf(day: number): number {
    this.coverDays(day, day + 1);
    return this.midnights[day - this.firstDay];
  }

  private cover(t: number): void {
    const utcDay = Math.floor(t / DAY_S);
    // A local date is at most one day away from the UTC date (offsets stay within ±14h).
    this.coverDays(utcDay - 2, utcDay + 2);
  }

  private coverDays(from: number, to: number): void {
    const have = this.midnights.length;
    if (have && from >= this.firstDay && to < this.firstDay + have) return;
    // Grow generously so that scanning a long history rebuilds rarely.
    const lo = have ? Math.min(from, this.firstDay) - (from < this.firstDay ? 90 : 0) : from - 30;
    const hi = have ? Math.max(to, this.firstDay + have - 1) + (to >= this.firstDay + have ? 90 : 0) : to + 30;
    const next: number[] = new Array(hi - lo + 1);
    for (let d = lo; d <= hi; d++) {
      const old = d - this.firstDay;
      next[d - lo] = have && old >= 0 && old < have ? this.midnights[old] : localInstant(this.timeZone, d, 0);
    }
    this.firstDay = lo;
    this.midnights = next;
  }
}
