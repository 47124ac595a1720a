// The agents' time zone, apart from the SLA policy code: `show` needs the zone, not the policy
// (loading the SLA domain and its libraries for it cost every `show` a share of its start-up).
import type { Ctx } from '../cli/context.js';
import { UsageError } from '../errors.js';
import { isKnownTimeZone } from '../domain/time-zone.js';

/** The agents' zone for due times and day/week/month groups: config `timezone`, else the system's. */
export async function agentTimeZone(ctx: Ctx): Promise<string> {
  const configured = (await ctx.config()).timezone;
  if (configured !== undefined) {
    if (typeof configured !== 'string' || !isKnownTimeZone(configured)) {
      throw new UsageError(`config 'timezone': unknown time zone '${String(configured)}' (an IANA name like "Europe/Berlin")`);
    }
    return configured;
  }
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
