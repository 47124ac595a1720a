// Report periods of a local day number: "2026-03-27", ISO week "2026-W13", month "2026-03".
import { dateOfDay, dayOfIsoDate } from './local-days.js';

export const PERIODS = ['day', 'week', 'month'] as const;
export type Period = (typeof PERIODS)[number];

export function periodKey(day: number, period: Period): string {
  const { iso } = dateOfDay(day);
  if (period === 'day') return iso;
  if (period === 'month') return iso.slice(0, 7);
  // ISO 8601 week: Monday first; the week belongs to the year of its Thursday.
  const mondayBased = (((day + 3) % 7) + 7) % 7; // day 0 (1970-01-01) was a Thursday
  const thursday = day - mondayBased + 3;
  const year = dateOfDay(thursday).year;
  const jan1 = dayOfIsoDate(`${String(year).padStart(4, '0')}-01-01`)!;
  const week = Math.floor((thursday - jan1) / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The trend resolution that gives a readable number of points for a span of days. */
export function trendPeriodFor(spanDays: number): Period {
  if (spanDays <= 45) return 'day';
  if (spanDays <= 400) return 'week';
  return 'month';
}
