// "Snooze until …" as agents type it: a span from now (2h, 1d, 1w, 1h30m), tomorrow (at 09:00
// or a given time), a weekday (its next occurrence, 09:00), or a date / date-time in the desk's
// time zone. The result must lie in the future.
import { TZDate } from '@date-fns/tz';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const START_OF_DAY = { h: 9, m: 0 };

function localDate(y: number, mo: number, d: number, h: number, mi: number, zone?: string): Date {
  return zone ? new Date(new TZDate(y, mo, d, h, mi, 0, zone).getTime()) : new Date(y, mo, d, h, mi, 0);
}

function localParts(at: Date, zone?: string) {
  const d = zone ? new TZDate(at.getTime(), zone) : at;
  return { y: d.getFullYear(), mo: d.getMonth(), d: d.getDate(), dow: d.getDay() };
}

function time(text: string | undefined): { h: number; m: number } | undefined {
  if (text === undefined) return START_OF_DAY;
  const t = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!t || Number(t[1]) > 23 || Number(t[2]) > 59) return undefined;
  return { h: Number(t[1]), m: Number(t[2]) };
}

export function parseSnoozeUntil(input: string, now: Date, zone?: string): Date | undefined {
  const text = input.trim().toLowerCase();
  let result: Date | undefined;
  const span = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(text);
  if (span && text) {
    const [w, d, h, m] = span.slice(1).map((v) => Number(v ?? 0));
    result = new Date(now.getTime() + ((((w! * 7 + d!) * 24 + h!) * 60 + m!) * 60_000));
  } else if (/^tomorrow(\s|$)/.test(text)) {
    const at = time(text.split(/\s+/)[1]);
    const p = localParts(now, zone);
    if (at) result = localDate(p.y, p.mo, p.d + 1, at.h, at.m, zone);
  } else if (WEEKDAYS.some((w) => text.startsWith(w))) {
    const [word, hhmm] = text.split(/\s+/);
    const target = WEEKDAYS.findIndex((w) => word!.startsWith(w));
    const at = time(hhmm);
    const p = localParts(now, zone);
    const ahead = ((target - p.dow + 7) % 7) || 7;
    if (at) result = localDate(p.y, p.mo, p.d + ahead, at.h, at.m, zone);
  } else if (/^\d{4}-\d{2}-\d{2}(?:[ t]\d{1,2}:\d{2})?$/.test(text)) {
    const [date, hhmm] = text.split(/[ t]/);
    const [y, mo, d] = date!.split('-').map(Number);
    const at = time(hhmm);
    if (at) result = localDate(y!, mo! - 1, d!, at.h, at.m, zone);
  } else if (/^\d{4}-\d{2}-\d{2}t.*(z|[+-]\d{2}:?\d{2})$/.test(text)) {
    const d = new Date(input.trim());
    if (!Number.isNaN(d.getTime())) result = d;
  }
  if (!result || Number.isNaN(result.getTime()) || result.getTime() <= now.getTime()) return undefined;
  return result;
}
