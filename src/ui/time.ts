// Human time: "3h ago", "in 2d", and local date-times for the timeline.
import { isUtcZone } from '../domain/time-zone.js';

const pad2 = (n: number) => String(n).padStart(2, '0');
const WEEKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
// en-GB's short months (CLDR): September is "Sept".
const MONTH = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sept', 'Oct', 'Nov', 'Dec'];
/**
 * An instant in UTC needs no zone data: its fields are read straight from the Date, which spares
 * a command the ~12 ms ICU takes to load for its first formatter. The same text as Intl's
 * (test/ui/time.test.ts compares them), for four-digit years; other instants go through Intl.
 */
const utcDate = (iso: string, zone: string | undefined): Date | undefined => {
  if (!isUtcZone(zone)) return undefined;
  const d = new Date(iso);
  const y = d.getUTCFullYear();
  return y >= 1000 && y <= 9999 ? d : undefined;
};

export function relative(iso: string, now: Date): string {
  const diff = Math.round((new Date(iso).getTime() - now.getTime()) / 1000);
  const abs = Math.abs(diff);
  const units: [number, string][] = [[86400 * 365, 'y'], [86400 * 30, 'mo'], [86400, 'd'], [3600, 'h'], [60, 'm']];
  let text = 'now';
  for (const [secs, name] of units) {
    if (abs >= secs) {
      text = `${Math.floor(abs / secs)}${name}`;
      break;
    }
  }
  if (text === 'now') return abs < 60 ? 'just now' : text;
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

/** 2026-03-30 10:30 in the given zone (default: the system's). */
export function localTime(iso: string, timeZone?: string): string {
  const u = utcDate(iso, timeZone);
  if (u) return `${u.getUTCFullYear()}-${pad2(u.getUTCMonth() + 1)}-${pad2(u.getUTCDate())} ${pad2(u.getUTCHours())}:${pad2(u.getUTCMinutes())}`;
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour') === '24' ? '00' : get('hour')}:${get('minute')}`;
}

/** Seconds as "1h 30m", "2d 3h". */
export function duration(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m && !d ? `${m}m` : ''].filter(Boolean);
  return (seconds < 0 ? '-' : '') + (parts.join(' ') || `${s % 60}s`);
}

const readable = new Map<string, Intl.DateTimeFormat>();

/**
 * A time for people to read, with its zone: "Mon 30 Mar 2026 10:30 CEST" (default zone: the
 * system's). Data for programs (--json, TSV) keeps ISO instants instead.
 */
export function readableTime(iso: string, timeZone?: string): string {
  const u = utcDate(iso, timeZone);
  if (u) return `${WEEKDAY[u.getUTCDay()]} ${u.getUTCDate()} ${MONTH[u.getUTCMonth()]} ${u.getUTCFullYear()} ${pad2(u.getUTCHours())}:${pad2(u.getUTCMinutes())} UTC`;
  const key = timeZone ?? '';
  let f = readable.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
    });
    readable.set(key, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.weekday} ${p.day} ${p.month} ${p.year} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}
