// --since / --until: a date (YYYY-MM-DD, a whole local day in the agent's zone, --until
// included) or an ISO instant (--until excluded).
import { parseInstant } from '../../domain/instant.js';
import { dayOfIsoDate, localInstant } from '../../domain/sla/local-days.js';
import { isoOfSeconds } from '../../domain/sla/timeline.js';

export interface CreatedRange {
  from?: string;
  before?: string;
}

function bound(value: string, flag: string, timeZone: string, end: boolean): string {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value) ? dayOfIsoDate(value) : null;
  if (day !== null) return isoOfSeconds(localInstant(timeZone, end ? day + 1 : day, 0));
  return isoOfSeconds(Math.floor(parseInstant(value, flag).getTime() / 1000));
}

export function createdRange(since: string | undefined, until: string | undefined, timeZone: string): CreatedRange {
  return {
    from: since === undefined ? undefined : bound(since, '--since', timeZone, false),
    before: until === undefined ? undefined : bound(until, '--until', timeZone, true),
  };
}
