// Time-of-day conditions ("after hours", "weekends") in a named zone, read from the instant
// through the zone's rules for that very date, so daylight-saving changes move nothing.
import type { TimeSpan, TimeWindow, Weekday } from './types.js';

export { isValidTimeZone } from '../time-zone.js';

/** "18:00-08:00" → minutes; "24:00" allowed as an end. undefined when malformed. */
export function parseSpan(text: string): TimeSpan | undefined {
  const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (Number(m[2]) > 59 || Number(m[4]) > 59 || start >= 24 * 60 || end > 24 * 60 || start === end) return undefined;
  return { start, end };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local weekday and minute of the day of an instant in a zone. */
export function localClock(at: Date, timezone: string): { day: Weekday; minute: number } {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    day: String(parts.weekday).slice(0, 3).toLowerCase() as Weekday,
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

function inSpan(minute: number, span: TimeSpan): boolean {
  return span.start < span.end ? minute >= span.start && minute < span.end : minute >= span.start || minute < span.end;
}

/**
 * Days and hours are checked on the same local date: `days: [fri], hours: 18:00-08:00` holds
 * Friday 18:00-24:00 and Friday 00:00-08:00 (not Saturday morning).
 */
export function inTimeWindow(at: Date, window: TimeWindow): boolean {
  const { day, minute } = localClock(at, window.timezone);
  if (window.days && !window.days.includes(day)) return false;
  if (window.spans && !window.spans.some((s) => inSpan(minute, s))) return false;
  return true;
}
