// When an agent's digest is due: the period (an hour, or a day in the desk's time zone) in
// which the oldest waiting notification was made is over. Pure, `now` passed in.
import type { Digest } from './settings.js';

function localDay(at: Date, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

export function digestDue(digest: Digest, oldest: string, now: Date, timeZone?: string): boolean {
  if (digest === 'off') return true;
  const first = new Date(oldest);
  if (digest === 'hourly') return Math.floor(now.getTime() / 3_600_000) > Math.floor(first.getTime() / 3_600_000);
  return now.getTime() > first.getTime() && localDay(now, timeZone) !== localDay(first, timeZone);
}
