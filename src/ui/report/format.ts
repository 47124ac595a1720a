// Small formatting helpers shared by the SLA report formats.
import type { ClockFigures } from '../../domain/sla/clocks.js';

/** Nothing to show for a clock: not set by the policy, or a next_response that never started. */
export function nothingMeasured(clock: ClockFigures | null): clock is null {
  return clock === null || ('periods' in clock && Array.isArray(clock.periods) && clock.periods.length === 0);
}

/**
 * Business durations in hours and minutes ("27h 30m"), never in days: on a business calendar a
 * "day" would be read as 24 hours or as one working day, and the two differ threefold.
 */
export function businessDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  if (h === 0 && m === 0) return s === 0 ? '0m' : `${s}s`;
  return h ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m`;
}

export function percent(fraction: number | null): string {
  if (fraction === null) return '—';
  const p = fraction * 100;
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** "2026-03-10 15:00" in a zone (formatters are cached: reports format thousands of times). */
export function localDateTime(iso: string, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** "in 1h 20m" / "2h 05m ago" for a signed number of seconds from now. */
export function fromNow(seconds: number): string {
  const text = businessDurationWall(Math.abs(seconds));
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

function businessDurationWall(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  return d >= 2 ? `${d}d ${Math.floor((seconds % 86400) / 3600)}h` : businessDuration(seconds);
}

export const GROUP_COLUMNS = [
  'tickets', 'met', 'breached', 'in_progress', 'compliance',
  'first_response_median_s', 'first_response_p90_s', 'resolution_median_s', 'resolution_p90_s', 'solved', 'fcr_rate',
  'csat_surveys', 'csat_responses', 'csat_response_rate', 'csat_average', 'csat_score',
] as const;

export const GROUP_HEADINGS: Record<(typeof GROUP_COLUMNS)[number], string> = {
  tickets: 'Tickets',
  met: 'Met',
  breached: 'Breached',
  in_progress: 'In progress',
  compliance: 'Compliance',
  first_response_median_s: 'First resp. median',
  first_response_p90_s: 'First resp. p90',
  resolution_median_s: 'Resolution median',
  resolution_p90_s: 'Resolution p90',
  solved: 'Solved',
  fcr_rate: 'First-contact res.',
  csat_surveys: 'CSAT surveys',
  csat_responses: 'CSAT responses',
  csat_response_rate: 'CSAT response rate',
  csat_average: 'CSAT average',
  csat_score: 'CSAT satisfied',
};

/** "4.2 (3 of 5)": the average rating, with responses of surveys; "—" without responses. */
export function csatText(g: { csat_average: number | null; csat_responses: number; csat_surveys: number }): string {
  if (!g.csat_surveys) return '—';
  return `${g.csat_average === null ? '—' : g.csat_average.toFixed(1)} (${g.csat_responses} of ${g.csat_surveys})`;
}

const BY_HEADINGS: Record<string, string> = {
  priority: 'Priority', queue: 'Queue', agent: 'Agent', tier: 'Tier', org: 'Organisation', day: 'Day', week: 'Week', month: 'Month', ticket: 'Ticket',
};

export function byHeading(by: string): string {
  return BY_HEADINGS[by] ?? by;
}

/** The average rating to one decimal, "—" without responses. */
export function csatAverage(g: { csat_average: number | null }): string {
  return g.csat_average === null ? '—' : g.csat_average.toFixed(1);
}
