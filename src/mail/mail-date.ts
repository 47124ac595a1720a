// Dates of real mail: RFC 5322 with obsolete forms and comments, asctime, ISO 8601; and which
// date a message gets when its own is missing, unreadable or implausible. Pure: no clock.
import { stripComments } from './addresses.js';
import { isoSeconds } from '../domain/types.js';
import type { DateSource } from './parse.js';
import type { RawField } from './raw-header.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0, est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360,
  pst: -480, pdt: -420,
};
// Dates before this are broken clocks (epoch 0 and friends), not support mail.
const EARLIEST_PLAUSIBLE = Date.UTC(1980, 0, 1);
// Without a reference time (no fallback, no Received), only absurd years can be ruled out.
const LATEST_WITHOUT_REFERENCE = Date.UTC(2100, 0, 1);
// A message cannot be written after its delivery; clocks drift, but not by a day.
const MAX_DATE_AFTER_DELIVERY_MS = 24 * 3600 * 1000;

function fullYear(year: string): number {
  const n = Number(year);
  if (year.length === 2) return n < 50 ? 2000 + n : 1900 + n; // RFC 5322 obsolete 2-digit years
  if (year.length === 3) return 1900 + n;
  return n;
}

function zoneOffsetMinutes(zone: string | undefined): number | null {
  if (!zone) return null;
  const numeric = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (numeric) {
    const [, sign, hh, mm] = numeric;
    if (Number(hh) > 23 || Number(mm) > 59) return null;
    return (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm));
  }
  return ZONES[zone.toLowerCase()] ?? null;
}

function utcFromParts(y: number, mon: number, d: number, h: number, mi: number, s: number, offset: number): Date | null {
  if (mon < 0 || h > 23 || mi > 59 || s > 60 || d < 1) return null;
  const local = Date.UTC(y, mon, d, h, mi, Math.min(s, 59));
  const check = new Date(local);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mon) return null; // 31 Feb…
  return new Date(local - offset * 60_000);
}

/**
 * A mail date (RFC 5322 with obsolete forms, comments and folding; asctime; ISO 8601) → instant,
 * or null when it is not a date. An unknown or missing zone is read as UTC ("-0000": unknown).
 */
export function parseMailDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const text = stripComments(value).replace(/(?<!\s)\s*:\s*/g, ':').replace(/\s+/g, ' ').trim();
  const rfc = /(?:^|[\s,])(\d{1,2})[\s-]+([a-z]{3,})\.?[\s-]+(\d{2,4}),?\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?(?:\s*([+-]\d{2}:?\d{2}|[a-z]{1,5})\b)?/i.exec(text);
  if (rfc) {
    const [, day, month, year, hh, mm, ss, zone] = rfc;
    const mon = MONTHS.indexOf(month.slice(0, 3).toLowerCase());
    return utcFromParts(fullYear(year), mon, Number(day), Number(hh), Number(mm), Number(ss ?? 0), zoneOffsetMinutes(zone) ?? 0);
  }
  const asctime = /^(?:[a-z]{3},? )?([a-z]{3}) (\d{1,2}) (\d{1,2}):(\d{2})(?::(\d{2}))? (?:([a-z]{1,5}|[+-]\d{4}) )?(\d{4})$/i.exec(text);
  if (asctime) {
    const [, month, day, hh, mm, ss, zone, year] = asctime;
    const mon = MONTHS.indexOf(month.toLowerCase());
    return utcFromParts(Number(year), mon, Number(day), Number(hh), Number(mm), Number(ss ?? 0), zoneOffsetMinutes(zone) ?? 0);
  }
  const isoMatch = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (isoMatch) {
    const [, y, mo, d, hh, mm, ss, zone] = isoMatch;
    const offset = zone && zone.toUpperCase() !== 'Z' ? zoneOffsetMinutes(zone) ?? 0 : 0;
    return utcFromParts(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mm), Number(ss ?? 0), offset);
  }
  return null;
}

export function toDate(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** ISO instant at whole seconds (desk's time format; sub-second parts are dropped, not rounded). */
function iso(date: Date): string {
  return isoSeconds(Math.floor(date.getTime() / 1000) * 1000);
}

/** Date of the newest Received field (the top one): when our side got the message. */
export function receivedDate(fields: RawField[]): Date | null {
  const received = fields.find((f) => f.name === 'received');
  if (!received) return null;
  const semicolon = received.value.lastIndexOf(';');
  return semicolon < 0 ? null : parseMailDate(received.value.slice(semicolon + 1));
}

export function resolveDate(
  header: string | null,
  fallback: Date | null,
  received: Date | null,
  warnings: string[],
): { date: string; source: DateSource } {
  const reference = fallback ?? received;
  const latest = reference ? reference.getTime() + MAX_DATE_AFTER_DELIVERY_MS : LATEST_WITHOUT_REFERENCE;
  const parsed = parseMailDate(header);
  if (parsed && parsed.getTime() >= EARLIEST_PLAUSIBLE && parsed.getTime() <= latest) {
    return { date: iso(parsed), source: 'header' };
  }
  if (header === null) warnings.push('no Date header');
  else if (parsed) warnings.push(`implausible Date header "${header}"`);
  else warnings.push(`unreadable Date header "${header}"`);
  if (fallback) return { date: iso(fallback), source: 'fallback' };
  if (received && received.getTime() >= EARLIEST_PLAUSIBLE) return { date: iso(received), source: 'received' };
  warnings.push('no usable date at all: 1970-01-01 used');
  return { date: iso(new Date(0)), source: 'none' };
}

