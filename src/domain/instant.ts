// A point in time as a user types it (--now, --since, DESK_NOW): an ISO 8601 time, checked.
import { UsageError } from '../errors.js';

/** `value` as a Date, or UsageError naming `what` (the flag or variable it came from). */
export function parseInstant(value: string, what: string): Date {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime())) {
    throw new UsageError(`invalid value for ${what}: '${value}' (an ISO 8601 time, e.g. 2026-03-30T08:30:00Z)`);
  }
  return d;
}
