// SLA target durations ("90m", "8h", "1h30m", "45s"): amounts of a calendar's counting time.
// Days are deliberately not accepted: on a business calendar "1d" could mean 24 counted hours
// or one working day, and a contract figure must not be ambiguous.

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds in a duration like "1h30m", or null when the text is not one (or is zero). */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m || (!m[1] && !m[2] && !m[3])) return null;
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return seconds > 0 ? seconds : null;
}

/** The inverse of parseDuration, shortest form: 5400 → "1h30m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), rest = s % 60;
  const text = (h ? `${h}h` : '') + (m ? `${m}m` : '') + (rest ? `${rest}s` : '');
  return text || '0s';
}
